"""Inference: one loaded, warmed-up model per process, thread-safe single-clip predictions."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ml.audio import Speech
from ml.serving import DEFAULT_MODEL_DIR

if TYPE_CHECKING:
    from ml.personal import Adapter, HeadArrays
    from ml.serving import DenseHead, OnnxEncoder
    from ml.whisper import Embedder


def _numba_cache() -> None:
    # librosa's numba kernels compile on first use (~17 s here). With a persistent cache only the
    # first process on a machine pays it; every later process loads compiled code from disk.
    if "NUMBA_CACHE_DIR" not in os.environ:
        d = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "moodify" / "numba"
        try:
            d.mkdir(parents=True, exist_ok=True)
            os.environ["NUMBA_CACHE_DIR"] = str(d)
        except OSError:
            pass


@contextlib.contextmanager
def _numba_cache_lock() -> Iterator[None]:
    """Exclusive lock (per machine) on the numba cache directory, where there is one."""
    d = os.environ.get("NUMBA_CACHE_DIR")
    try:
        f = open(Path(d) / ".moodify-warm-up.lock", "a") if d else None  # noqa: SIM115
    except OSError:
        f = None
    if f is None:
        yield
        return
    import fcntl

    with f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass(frozen=True)
class TimelineSegment:
    """The emotion of one analysed window of a recording (times in the recording, seconds)."""

    start_s: float
    end_s: float
    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Prediction:
    """One recording's result. ``probabilities`` are calibrated and cover every label; the
    ``timeline`` has one segment per analysed window (one for a short clip). ``embedding`` is
    the recording's pooled encoder output (the mean of its windows' embeddings, before any
    personal adapter): what a labelled example of the voice keeps instead of the audio.
    ``adapter_version`` names the personal adapter applied ("" when none was)."""

    label: str
    probabilities: dict[str, float]
    confidence: float
    speech_duration_s: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    model_version: str = ""
    timeline: tuple[TimelineSegment, ...] = ()
    adapter_version: str = ""
    embedding: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable; without the embedding (personal data, 4,608 numbers)."""
        d = asdict(self)
        d.pop("embedding")
        return d


class EmotionPredictor:
    """Load with :meth:`load`; then :meth:`predict` / :meth:`predict_file` from any thread."""

    def __init__(self, model_dir: Path, *, threads: int | None = None, encoder: str = "int8") -> None:
        """``encoder``: "int8" (served), "float" (ONNX, float weights) or "keras" (the training
        reference, with the head in TensorFlow too); see :mod:`ml.serving`."""
        _numba_cache()
        from ml.model import ModelConfig, config_format
        from ml.serving import ENCODERS, HEAD_FILE, DenseHead, OnnxEncoder

        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, not {encoder!r}")
        self.model_dir = Path(model_dir)
        cfg = json.loads((self.model_dir / "config.json").read_text())
        self.config = cfg
        self.version: str = cfg["version"]
        self.labels: tuple[str, ...] = tuple(cfg["labels"])
        self.temperature = float(cfg["temperature"])
        card_path = self.model_dir / "model_card.json"
        self.card: dict = json.loads(card_path.read_text()) if card_path.exists() else {}
        config_format(cfg)
        mcfg = ModelConfig.from_dict(cfg["model"])
        self.frontend = mcfg.frontend
        self._check_features(cfg["features"])
        self.window = mcfg.window_frames
        self._lock = threading.Lock()
        self._head_arrays: HeadArrays | None = None
        self._embedder: OnnxEncoder | Embedder | None = None  # front ends that embed (Whisper)
        head = self.model_dir / HEAD_FILE
        if self.frontend.pooled_embedding and encoder != "keras" and head.exists():
            # TensorFlow is never imported: the encoder and the head run in ONNX Runtime.
            self.encoder = encoder
            self._embedder = OnnxEncoder(encoder, threads=threads)
            self._head: DenseHead | None = DenseHead(head, threads=threads)
        else:
            self.encoder = "keras"
            self._head = None
            self._load_keras(mcfg, threads)
        self._warm_up()

    def _load_keras(self, mcfg, threads: int | None) -> None:  # noqa: ANN001 - ml.model.ModelConfig
        from ml.model import build_model
        from ml.runtime import configure_threads, serving_threads

        configure_threads(serving_threads(threads))
        import tensorflow as tf

        if self.frontend.pooled_embedding:
            from ml.whisper import get_embedder

            self._embedder = get_embedder()
        norm = np.load(self.model_dir / "normaliser.npz")
        self.model = build_model(mcfg, norm["mean"], norm["var"])
        self.model.load_weights(self.model_dir / "model.weights.h5")
        spec = (tf.TensorSpec([None, mcfg.window_frames, mcfg.n_features], tf.float32),
                tf.TensorSpec([None, mcfg.window_frames], tf.float32))  # fmt: skip
        # One traced graph for any number of windows; calling it skips model.predict's per-call
        # setup (~50 ms vs a few ms per clip).
        self._forward = tf.function(lambda x, m: self.model([x, m], training=False),
                                    input_signature=spec, reduce_retracing=True)  # fmt: skip

    @classmethod
    def load(cls, model_dir: str | Path | None = None, *, encoder: str = "int8") -> EmotionPredictor:
        """Load a model directory (``None``: the shipped default) and warm it up."""
        return cls(Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR, encoder=encoder)

    def _check_features(self, saved: dict) -> None:
        current = self.frontend.contract()
        if saved != current:
            raise RuntimeError(f"model {self.version} was trained with features {saved}, "
                               f"this code computes {current}; retrain or use matching code")  # fmt: skip

    def _warm_up(self) -> None:
        # Pay numba compilation, filter-bank construction and graph tracing now, not on a user.
        # Worker processes starting together would otherwise compile and write the shared numba
        # cache at once; a cache left half-written that way crashed later processes
        # (segmentation fault in librosa's piptrack kernel, seen here). One at a time.
        with _numba_cache_lock():
            self._warm_up_unlocked()

    def _warm_up_unlocked(self) -> None:
        from ml import vad
        from ml.audio import Speech

        rng = np.random.default_rng(0)
        t = np.arange(int(1.5 * 16_000)) / 16_000
        y = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
             + 0.01 * rng.standard_normal(len(t))).astype(np.float32)  # fmt: skip
        vad.activity(y)  # loads the voice activity model (the tone itself is not speech)
        for n in (1, 3, 8):  # one window of two lengths, then two windows
            now = time.perf_counter()
            self._analyse(Speech(np.tile(y, n), 16_000), t0=now, t1=now, decode_ms=0.0)

    def predict(self, waveform: np.ndarray, sample_rate: int, *, adapter: Adapter | None = None) -> Prediction:
        """Emotion of a waveform (any rate, mono or ``(samples, channels)``); raises AudioError.
        ``adapter``: a user's personal adapter (:mod:`ml.personal`); None, or one without examples
        or not active, gives exactly the global model's answer."""
        return self._predict(waveform, sample_rate, decode_ms=0.0, adapter=adapter)

    def predict_file(self, path: str | os.PathLike[str] | bytes, *, adapter: Adapter | None = None) -> Prediction:
        """Decode any supported file (or raw bytes) and predict; raises AudioError."""
        from ml.audio import load_audio

        t0 = time.perf_counter()
        y, sr = load_audio(path)
        return self._predict(y, sr, decode_ms=(time.perf_counter() - t0) * 1000, t_start=t0, adapter=adapter)

    def head_arrays(self) -> HeadArrays:
        """The head as numpy arrays with its training class means, for building adapters."""
        from ml.personal import HeadArrays
        from ml.serving import HEAD_FILE

        if self._head_arrays is None:
            self._head_arrays = HeadArrays.load(self.model_dir / HEAD_FILE)
        return self._head_arrays

    def build_adapter(self, embeddings: np.ndarray, labels: list[str]) -> Adapter:
        """A personal adapter from pooled embeddings and their labels (names of ``self.labels``)."""
        from ml.personal import AdapterError, build_adapter

        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise AdapterError(f"unknown emotion(s) {', '.join(unknown)}; this model knows {', '.join(self.labels)}")
        index = [self.labels.index(lab) for lab in labels]
        head = self.head_arrays()
        return build_adapter(head, np.asarray(embeddings, np.float32).reshape(len(index), head.dim),
                             np.array(index, np.int64))  # fmt: skip

    def _predict(self, waveform: np.ndarray, sample_rate: int, *, decode_ms: float,
                 t_start: float | None = None, adapter: Adapter | None = None) -> Prediction:
        from ml.audio import prepare_speech

        t0 = t_start if t_start is not None else time.perf_counter()
        t1 = time.perf_counter()
        return self._analyse(prepare_speech(waveform, sample_rate), t0=t0, t1=t1, decode_ms=decode_ms,
                             adapter=adapter)  # fmt: skip

    def _window_logits(self, x: np.ndarray, m: np.ndarray, adapter: Adapter | None) -> np.ndarray:
        """Logits per window row; through the user's adapter when it is active."""
        personal = adapter is not None and adapter.active and self.frontend.pooled_embedding
        if personal:
            assert adapter is not None
            if adapter.offset.shape != x.shape[2:]:
                from ml.personal import AdapterError

                raise AdapterError(f"the adapter is for {adapter.offset.shape[0]}-value embeddings, this model's are "
                                   f"{x.shape[2]}; build it again from its examples")  # fmt: skip
            x = x - adapter.offset
        if self._head is not None:
            logits = self._head(x[:, 0, :])
        else:
            # Keras layers are not guaranteed re-entrant; serialise the (few-ms) forward pass.
            with self._lock:
                logits = self._forward(x, m).numpy()
        if personal and adapter is not None and adapter.prototype_weight > 0:
            # x is shifted already: the prototypes are scored on the adapted embedding.
            logits = adapter.window_logits(self.head_arrays(), x[:, 0, :] + adapter.offset, base_logits=logits)
        return logits

    def _analyse(self, speech: Speech, *, t0: float, t1: float, decode_ms: float,
                 adapter: Adapter | None = None) -> Prediction:
        """The model's answer for prepared speech; ``t0``: the request's start, ``t1``: when
        preparing the speech (voice activity, level) began, for the timings."""
        from ml.calibration import softmax
        from ml.segments import speech_windows

        parts = speech_windows(speech)
        feats = self.frontend.features([w.waveform for w in parts])
        t2 = time.perf_counter()
        x, m, owner = self.frontend.model_input(feats, self.window, self._embedder)
        logits = self._window_logits(x, m, adapter)
        t3 = time.perf_counter()
        per_window = np.stack([logits[owner == i].mean(axis=0) for i in range(len(parts))])
        # Windows are of (nearly) equal length, so each counts the same in the recording's result.
        probs = softmax(per_window.mean(axis=0), self.temperature)
        window_probs = softmax(per_window, self.temperature)
        k = int(probs.argmax())
        named = self._named(probs)
        return Prediction(
            label=self.labels[k],
            probabilities=named,
            confidence=named[self.labels[k]],
            speech_duration_s=round(speech.duration_s, 3),
            timings_ms={
                "decode": round(decode_ms, 2),
                "features": round((t2 - t1) * 1000, 2),
                "model": round((t3 - t2) * 1000, 2),
                "total": round((t3 - t0) * 1000, 2),
            },
            model_version=self.version,
            adapter_version=adapter.version if adapter is not None and adapter.active else "",
            embedding=x[:, 0, :].mean(axis=0).astype(np.float32) if self.frontend.pooled_embedding else None,
            timeline=tuple(
                TimelineSegment(start_s=w.start_s, end_s=w.end_s,
                                label=self.labels[int(p.argmax())], probabilities=self._named(p))
                for w, p in zip(parts, window_probs, strict=True)
            ),  # fmt: skip
        )

    def _named(self, probs: np.ndarray) -> dict[str, float]:
        return {lab: round(float(p), 6) for lab, p in zip(self.labels, probs, strict=True)}


_DEFAULT: EmotionPredictor | None = None
_DEFAULT_LOCK = threading.Lock()


def get_predictor() -> EmotionPredictor:
    """The process-wide default predictor, loaded once (lock-protected) on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = EmotionPredictor.load()
    return _DEFAULT
