"""The Whisper front end: its log-mel, and a Keras encoder that computes what
Whisper's encoder computes (checked against a plain numpy transcription of the same maths)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from ml import whisper


def test_log_mel_has_whisper_frame_rate_and_range() -> None:
    t = np.arange(16_000) / 16_000
    y = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    m = whisper.log_mel(y)
    assert m.shape == (100, whisper.N_MELS)  # 10-ms hop: one second is 100 frames
    # Whisper clamps to 8 decades below the peak and scales by 1/4: a range of at most 2.
    assert m.max() - m.min() <= 2.0 + 1e-6
    # A 440 Hz tone puts its energy in the band around 440 Hz, not at the top of the spectrum.
    peak_band = int(np.median(m.argmax(axis=1)))
    assert 5 < peak_band < 20


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * g + b


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int) -> np.ndarray:
    xp = np.pad(x, ((1, 1), (0, 0)))  # (T, C), one frame each side as Whisper's padding=1
    n = (len(xp) - 3) // stride + 1
    return np.stack([np.einsum("kc,ock->o", xp[i * stride : i * stride + 3], w) for i in range(n)]) + b


def _reference_embedding(mel: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """Whisper's encoder written out in numpy, one operation per line of its definition."""
    x = _gelu(_conv(mel, w["conv1/weight"], w["conv1/bias"], 1))
    x = _gelu(_conv(x, w["conv2/weight"], w["conv2/bias"], 2))
    x = x + whisper.sinusoids(len(x), whisper.WIDTH)
    states = [x]
    for i in range(whisper.LAYERS):
        p = f"layer_{i}/"
        h = _ln(x, w[p + "self_attention/layer_norm/gamma"], w[p + "self_attention/layer_norm/beta"])
        q, k, v = np.split(h @ w[p + "self_attention/linear_0/weight"].T
                           + w[p + "self_attention/linear_0/bias"], 3, axis=-1)  # fmt: skip
        heads = []
        for j in range(whisper.HEADS):
            s = slice(64 * j, 64 * (j + 1))
            a = q[:, s] @ k[:, s].T / 8.0
            a = np.exp(a - a.max(-1, keepdims=True))
            heads.append((a / a.sum(-1, keepdims=True)) @ v[:, s])
        x = x + np.concatenate(heads, -1) @ w[p + "self_attention/linear_1/weight"].T \
            + w[p + "self_attention/linear_1/bias"]
        h = _ln(x, w[p + "ffn/layer_norm/gamma"], w[p + "ffn/layer_norm/beta"])
        h = _gelu(h @ w[p + "ffn/linear_0/weight"].T + w[p + "ffn/linear_0/bias"])
        x = x + h @ w[p + "ffn/linear_1/weight"].T + w[p + "ffn/linear_1/bias"]
        states.append(x)
    states.append(_ln(x, w["layer_norm/gamma"], w["layer_norm/beta"]))
    return np.concatenate([np.concatenate([s.mean(0), s.std(0)]) for s in states])


def test_keras_encoder_computes_whisper_encoder(speech_16k: np.ndarray) -> None:
    from ml.audio import prepare_speech

    y = prepare_speech(speech_16k, 16_000).waveform[:16_000]
    mel = whisper.log_mel(y)
    got = whisper.get_embedder().embed_mel(mel)
    want = _reference_embedding(mel.astype(np.float64), whisper.load_encoder_weights())
    assert got.shape == (whisper.EMBEDDING_DIM,)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)


def test_sinusoid_table_is_whisper_s() -> None:
    table = whisper.sinusoids(1500, 384)
    np.testing.assert_allclose(table[0, :192], 0.0)  # sin(0)
    np.testing.assert_allclose(table[0, 192:], 1.0)  # cos(0)
    np.testing.assert_allclose(table[7, 0], np.sin(7.0), rtol=1e-6)  # fastest timescale is 1
    np.testing.assert_allclose(table[7, 191], np.sin(7.0 / 10_000), rtol=1e-4)  # slowest is 10^4


def test_a_model_refuses_to_load_on_another_encoder(tmp_path: Path) -> None:
    import json
    import shutil

    from ml.predictor import EmotionPredictor
    from ml.serving import DEFAULT_MODEL_DIR

    cfg = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    if cfg["model"].get("frontend") != "whisper":
        pytest.skip("the shipped model does not use the Whisper front end")
    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, model, ignore=shutil.ignore_patterns("evaluation"))
    cfg["features"]["encoder"] = "0" * 12
    (model / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(RuntimeError, match="trained with features"):
        EmotionPredictor.load(model)
