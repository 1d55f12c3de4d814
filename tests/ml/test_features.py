from pathlib import Path

import numpy as np
import pytest

from ml.audio import SAMPLE_RATE, load_speech
from ml.features import FEATURE_NAMES, HOP, N_FEATURES, WINDOW_FRAMES, extract_features, windows
from tests.ml.conftest import data_dir, needs_data


def test_shape_and_finiteness(speech_wav: Path) -> None:
    s = load_speech(speech_wav)
    f = extract_features(s.waveform)
    assert f.shape == (1 + len(s.waveform) // HOP, N_FEATURES) == (f.shape[0], len(FEATURE_NAMES))
    assert f.dtype == np.float32 and np.isfinite(f).all()
    # speech is voiced most of the time: the pitch track must find it
    assert f[:, FEATURE_NAMES.index("voicing")].mean() > 0.3


def test_deterministic(speech_wav: Path) -> None:
    y = load_speech(speech_wav).waveform
    np.testing.assert_array_equal(extract_features(y), extract_features(y.copy()))


def test_features_react_to_the_signal() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    low = extract_features((0.1 * np.sin(2 * np.pi * 150 * t)).astype(np.float32))
    high = extract_features((0.1 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))
    pitch = FEATURE_NAMES.index("log_pitch")
    # one octave apart -> log2 pitch differs by ~1
    assert np.median(high[:, pitch]) - np.median(low[:, pitch]) == pytest.approx(1.0, abs=0.15)


def test_wrong_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        extract_features(np.zeros(22050, np.float32), 22050)


def test_windows_pad_short_and_cover_long_clips() -> None:
    f = np.ones((50, N_FEATURES), np.float32)
    x, m = windows(f)
    assert x.shape == (1, WINDOW_FRAMES, N_FEATURES) and m.sum() == 50 and x[0, 50:].sum() == 0
    long = np.arange(500, dtype=np.float32)[:, None] * np.ones((1, N_FEATURES), np.float32)
    x, m = windows(long)
    assert m.all() and x[0, 0, 0] == 0 and x[-1, -1, 0] == 499  # every frame is in some window


@needs_data
def test_training_cache_equals_serving_features(tmp_path: Path) -> None:
    """Training/serving skew: the cached features of a clip are exactly what inference computes."""
    from ml.augment import AugmentConfig
    from ml.cache import compute_features
    from ml.datasets import discover

    clips = discover(data_dir())[:2] + discover(data_dir(), corpora=["tess"])[:1]
    fs = compute_features(clips, AugmentConfig(variants=1), cache_dir=tmp_path, progress=False)
    for i, clip in enumerate(clips):
        k = int(np.flatnonzero((fs.clip_index == i) & (fs.variant == 0))[0])
        served = extract_features(load_speech(clip.path).waveform)
        np.testing.assert_allclose(fs.item(k), served, rtol=2e-3, atol=0.05)  # float16 cache
        aug = int(np.flatnonzero((fs.clip_index == i) & (fs.variant == 1))[0])
        assert not np.allclose(fs.item(aug)[: len(served)].mean(0), served.mean(0))


def test_vtlp_moves_spectral_content_by_the_warp_factor() -> None:
    from ml.features import vtlp_matrix

    np.testing.assert_array_equal(vtlp_matrix(1.0), np.eye(vtlp_matrix(1.0).shape[0]))
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    # A "formant" at 1 kHz (a tone well below the 4.8-kHz boundary) must land near 1.1 kHz.
    y = (0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    centroid = FEATURE_NAMES.index("centroid")  # in kHz
    plain = np.median(extract_features(y)[:, centroid])
    longer = np.median(extract_features(y, vtlp=1.1)[:, centroid])
    shorter = np.median(extract_features(y, vtlp=0.9)[:, centroid])
    assert longer / plain == pytest.approx(1.1, abs=0.03)
    assert shorter / plain == pytest.approx(0.9, abs=0.03)
    np.testing.assert_array_equal(extract_features(y, vtlp=1.0), extract_features(y))


def test_vtlp_factors_are_reproducible_and_in_range() -> None:
    from ml.augment import AugmentConfig, vtlp_factor

    off = AugmentConfig(vtlp=0.0)
    assert {vtlp_factor(s, off) for s in range(50)} == {1.0}
    on = AugmentConfig(vtlp=0.12, p_vtlp=1.0)
    f = np.array([vtlp_factor(s, on) for s in range(200)])
    assert (f >= 0.88).all() and (f <= 1.12).all() and f.std() > 0.04
    assert vtlp_factor(7, on) == vtlp_factor(7, on)


def test_channel_colouring_is_reproducible_bounded_and_can_be_turned_off() -> None:
    from ml.augment import AugmentConfig, channel_gain

    assert {channel_gain(s, AugmentConfig(channel_db=0.0)) is None for s in range(50)} == {True}
    shipped = [channel_gain(s, AugmentConfig()) for s in range(200)]
    assert 0.5 < np.mean([g is not None for g in shipped]) < 0.9  # p_channel 0.7
    on = AugmentConfig(channel_db=8.0, p_channel=1.0)
    gains = [channel_gain(s, on) for s in range(100)]
    assert all(g is not None and g.shape == (257,) for g in gains)
    np.testing.assert_array_equal(channel_gain(3, on), channel_gain(3, on))
    # In the speech band (300 Hz - 3.4 kHz, no roll-off there) the colouring stays within
    # tilt + three ripples of the configured size, and differs from one variant to the next.
    band = slice(10, 109)  # bins of 31.25 Hz
    db = np.array([20 * np.log10(g[band]) for g in gains])
    assert np.abs(db).max() <= 8.0 * (0.5 + 1.5) + 1e-3
    assert np.ptp(db, axis=1).mean() > 2.0


def test_channel_colouring_changes_spectral_features_not_pitch() -> None:
    from ml.augment import AugmentConfig, channel_gain

    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    y = (0.1 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.sin(2 * np.pi * 1760 * t)).astype(np.float32)
    gain = channel_gain(5, AugmentConfig(channel_db=8.0, p_channel=1.0))
    plain, coloured = extract_features(y), extract_features(y, channel=gain)
    mel = slice(0, 64)
    assert np.abs(plain[:, mel].mean(0) - coloured[:, mel].mean(0)).max() > 1.0
    pitch = FEATURE_NAMES.index("log_pitch")
    np.testing.assert_allclose(np.median(coloured[:, pitch]), np.median(plain[:, pitch]), atol=0.05)
