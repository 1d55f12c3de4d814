"""Face expression inference: find the face in each frame, crop, and score the crops with the
ONNX graph of the shipped model; calibrated probabilities over the voice model's seven labels."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ml.errors import FaceError, NoFaceError
from ml.face.artifacts import DEFAULT_FACE_MODEL_DIR, load_face_config, load_face_weights
from ml.face.detect import FaceBox, crop_face, decode_image, find_face, to_grey

Image = bytes | str | Path | np.ndarray


@dataclass(frozen=True)
class FacePrediction:
    """The expression over one or more frames. ``frames_used`` counts the frames where a face was
    found (their logits are averaged); ``boxes`` has one entry per frame (None: no face there)."""

    label: str
    probabilities: dict[str, float]
    confidence: float
    frames_used: int
    frames_total: int
    boxes: tuple[FaceBox | None, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    model_version: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class FacePredictor:
    """Load with :meth:`load`; then :meth:`predict` from any thread."""

    def __init__(self, model_dir: Path, *, threads: int | None = None) -> None:
        from ml.face.model import FaceModelConfig
        from ml.face.onnx_graph import face_model
        from ml.runtime import ort_session

        self.model_dir = Path(model_dir)
        cfg = load_face_config(self.model_dir)
        self.config = cfg
        self.version: str = cfg["version"]
        self.labels: tuple[str, ...] = tuple(cfg["labels"])
        self.temperature = float(cfg["temperature"])
        graph = face_model(load_face_weights(self.model_dir), FaceModelConfig.from_dict(cfg["model"]))
        self._session = ort_session(graph.SerializeToString(), threads)
        self.logits(np.zeros((1, 48, 48), np.uint8))  # warm up

    @classmethod
    def load(cls, model_dir: str | Path | None = None, *, threads: int | None = None) -> FacePredictor:
        return cls(Path(model_dir) if model_dir is not None else DEFAULT_FACE_MODEL_DIR, threads=threads)

    def warm_up(self) -> None:
        """Load the face detector too (a worker does this before it takes work, so the first
        camera submission does not pay for it)."""
        try:
            find_face(np.zeros((480, 640), np.uint8))
        except NoFaceError:
            pass

    def logits(self, crops: np.ndarray) -> np.ndarray:
        """Uncalibrated logits of uint8 48x48 crops ``(n, 48, 48)``, each averaged with its mirror
        image's (:func:`ml.face.preprocess.mirror_averaged`)."""
        from ml.face.preprocess import mirror_averaged, normalise

        return mirror_averaged(lambda x: self._session.run(["logits"], {"face": x})[0], normalise(crops))

    def predict(self, frames: Sequence[Image]) -> FacePrediction:
        """One result for a few frames of the same moment (files, bytes or arrays). Frames without
        a face are skipped; raises NoFaceError when none has one, ImageDecodeError (a FaceError)
        for a frame that is not a picture."""
        from ml.calibration import softmax

        t0 = time.perf_counter()
        crops: list[np.ndarray] = []
        boxes: list[FaceBox | None] = []
        for frame in frames:
            grey = to_grey(frame) if isinstance(frame, np.ndarray) else decode_image(frame)
            try:
                box = find_face(grey)
            except NoFaceError:
                boxes.append(None)
                continue
            boxes.append(box)
            crops.append(crop_face(grey, box))
        if not crops:
            raise NoFaceError(detail=f"no face in {len(boxes)} frame(s)")
        t1 = time.perf_counter()
        logits = self.logits(np.stack(crops))
        t2 = time.perf_counter()
        probs = softmax(logits.mean(axis=0), self.temperature)
        k = int(probs.argmax())
        named = {lab: round(float(p), 6) for lab, p in zip(self.labels, probs, strict=True)}
        return FacePrediction(
            label=self.labels[k], probabilities=named, confidence=named[self.labels[k]],
            frames_used=len(crops), frames_total=len(boxes), boxes=tuple(boxes),
            timings_ms={"detect": round((t1 - t0) * 1000, 2), "model": round((t2 - t1) * 1000, 2),
                        "total": round((t2 - t0) * 1000, 2)},
            model_version=self.version,
        )  # fmt: skip


_DEFAULT: FacePredictor | None = None
_DEFAULT_LOCK = threading.Lock()


def get_face_predictor() -> FacePredictor:
    """The process-wide face predictor, loaded once on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = FacePredictor.load()
    return _DEFAULT


__all__ = ["FaceError", "FacePrediction", "FacePredictor", "get_face_predictor"]
