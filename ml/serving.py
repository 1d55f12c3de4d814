"""Serving without TensorFlow: the frozen encoder (int8) and the emotion head in ONNX Runtime.

Training keeps the float Keras encoder (:mod:`ml.whisper`) as its reference. What a worker runs per
upload is cheaper: the same encoder as an ONNX graph (:mod:`ml.whisper_onnx`) with its matrix
products quantised to int8 (``ml/pretrained/whisper-tiny.en-encoder.int8.onnx``, rebuilt by
``python -m ml export-onnx``), and the emotion head (standardise, dense + GELU, dense) as a small
float graph built at load from weights saved beside the Keras ones (``head.npz``). The predictor then loads
in about a second and a few hundred MiB instead of ~7 s and ~800 MiB, and a warm 4-s clip costs
a fraction of what it did (README, "Serving speed"). ``tests/ml/test_serving.py`` holds the served
encoder and head to the float ones.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ml.runtime import ort_session
from ml.whisper import PRETRAINED_DIR

logger = logging.getLogger(__name__)

# The shipped model (``python -m ml train`` writes it; a predictor loads it unless told otherwise).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "artifacts" / "default"
SERVED_ENCODER_FILE = PRETRAINED_DIR / "whisper-tiny.en-encoder.int8.onnx"
HEAD_FILE = "head.npz"
# Which encoder a predictor runs: "int8" (the shipped ONNX file), "float" (the ONNX graph built
# from the float weights at load), "keras" (the training reference, needs TensorFlow).
ENCODERS = ("int8", "float", "keras")


# A fixed input whose int8 embedding is stored with the served encoder and checked at load. Integer
# products are exact, so a CPU computes the same embedding to float rounding -- unless its int8
# kernels saturate (x86 without VNNI can, with int8 weights against uint8 activations); such a
# machine serves the float graph instead of a quietly worse model.
PROBE_SEED = 20261207
PROBE_TOLERANCE = 1e-3  # relative L2 distance


def probe_mel() -> np.ndarray:
    """About 3 s of log-mel-like values, the same on every machine."""
    return np.random.default_rng(PROBE_SEED).normal(-0.2, 0.4, (300, 80)).astype(np.float32)


def export_served_encoder(out: Path = SERVED_ENCODER_FILE) -> Path:
    """Build the int8 encoder from the float weights in ``ml/pretrained/``, recording which weights
    it came from (a stale file is refused at load) and its embedding of :func:`probe_mel`."""
    import base64
    import tempfile

    import onnx

    from ml.whisper_onnx import encoder_model, quantize_encoder
    from ml.whisper import encoder_digest

    with tempfile.TemporaryDirectory() as d:
        float_path = Path(d) / "encoder.onnx"
        onnx.save(encoder_model(), float_path)
        quantize_encoder(float_path, Path(d) / "int8.onnx")
        model = onnx.load(Path(d) / "int8.onnx")
        probe = ort_session(Path(d) / "int8.onnx").run(None, {"log_mel": probe_mel()[None]})[0][0]
    onnx.helper.set_model_props(model, {
        "encoder_digest": encoder_digest(),
        "probe_embedding": base64.b64encode(probe.astype("<f4").tobytes()).decode(),
    })  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out)
    return out


class OnnxEncoder:
    """The Whisper encoder in ONNX Runtime: log-mel ``(T, 80)`` -> embedding ``(4608,)``."""

    def __init__(self, kind: str = "int8", *, threads: int | None = None) -> None:
        if kind == "int8":
            if not SERVED_ENCODER_FILE.exists():
                raise FileNotFoundError(f"{SERVED_ENCODER_FILE} is missing; run `python -m ml export-onnx`")
            model: Path | bytes = SERVED_ENCODER_FILE
        elif kind == "float":
            from ml.whisper_onnx import encoder_model

            model = encoder_model().SerializeToString()
        else:
            raise ValueError(f"unknown ONNX encoder {kind!r}")
        self.kind = kind
        self._session = ort_session(model, threads)
        if kind == "int8":
            from ml.whisper import encoder_digest

            meta = self._session.get_modelmeta().custom_metadata_map
            made_from = meta.get("encoder_digest")
            if made_from != encoder_digest():
                raise RuntimeError(f"{SERVED_ENCODER_FILE.name} was built from encoder {made_from}, the weights in "
                                   f"ml/pretrained are {encoder_digest()}; run `python -m ml export-onnx`")  # fmt: skip
            gap = self._probe_gap(meta.get("probe_embedding", ""))
            if gap > PROBE_TOLERANCE:
                logger.warning("the int8 encoder computes differently on this CPU (probe %.2g away from the "
                               "export's); serving the float graph instead", gap)  # fmt: skip
                from ml.whisper_onnx import encoder_model

                self.kind = "float"
                self._session = ort_session(encoder_model().SerializeToString(), threads)

    def _probe_gap(self, stored: str) -> float:
        """Relative distance between this machine's embedding of the probe and the export's."""
        import base64

        want = np.frombuffer(base64.b64decode(stored), dtype="<f4") if stored else np.zeros(0, np.float32)
        got = self.embed_mel(probe_mel())
        if want.shape != got.shape:
            return float("inf")
        return float(np.linalg.norm(got - want)) / max(float(np.linalg.norm(want)), 1e-12)

    def embed_mel(self, mel: np.ndarray) -> np.ndarray:
        return self._session.run(None, {"log_mel": np.ascontiguousarray(mel[None], np.float32)})[0][0]


def export_head(model, out_dir: Path) -> Path:  # noqa: ANN001 - keras.Model of ml.model.build_model
    """Save a Whisper-front-end head's weights as plain arrays for :class:`DenseHead`."""
    layers = {layer.name: layer for layer in model.layers}
    norm = layers["standardise"]
    arrays = {"mean": np.asarray(norm.mean).reshape(-1), "variance": np.asarray(norm.variance).reshape(-1)}
    if "dense" in layers:
        arrays["hidden_kernel"], arrays["hidden_bias"] = (np.asarray(v) for v in layers["dense"].get_weights())
    arrays["logits_kernel"], arrays["logits_bias"] = (np.asarray(v) for v in layers["logits"].get_weights())
    path = Path(out_dir) / HEAD_FILE
    np.savez(path, **{k: v.astype(np.float32) for k, v in arrays.items()})  # type: ignore[arg-type]
    return path


class DenseHead:
    """The emotion head, ``(n, 4608)`` embeddings -> ``(n, classes)`` logits, run as a small ONNX
    graph (:func:`ml.onnx_graphs.head_model`) so its threads are the predictor's, not numpy's."""

    def __init__(self, path: Path, *, threads: int | None = None) -> None:
        from ml.onnx_graphs import head_model

        with np.load(path) as z:
            arrays = {k: z[k].astype(np.float32) for k in z.files}
        self._session = ort_session(head_model(arrays).SerializeToString(), threads)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._session.run(None, {"embedding": np.ascontiguousarray(x, np.float32)})[0]
