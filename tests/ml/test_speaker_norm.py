"""Per-speaker normalisation used by the SVM baseline's second figure: each voice is measured
against its own average, never against another speaker's recordings."""

import numpy as np

from ml.evaluate import speaker_normalise


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    speakers = np.repeat(np.array(["ravdess/01", "ravdess/02", "tess/OAF"]), 20)
    x = rng.standard_normal((60, 6)) * np.array([1, 2, 3, 4, 5, 6]) + np.repeat([[0.0], [5.0], [-3.0]], 20, 0)
    return x, speakers


def test_each_speaker_ends_up_centred_with_unit_spread() -> None:
    x, speakers = _data()
    z = speaker_normalise(x, speakers)
    for s in np.unique(speakers):
        np.testing.assert_allclose(z[speakers == s].mean(0), 0.0, atol=1e-9)
        np.testing.assert_allclose(z[speakers == s].std(0), 1.0, atol=1e-5)


def test_a_speakers_own_level_and_microphone_gain_are_removed() -> None:
    x, speakers = _data()
    louder = x.copy()
    m = speakers == "ravdess/02"
    louder[m] = louder[m] * 3.0 + 7.0  # another microphone: gain and offset on every feature
    np.testing.assert_allclose(speaker_normalise(louder, speakers)[m], speaker_normalise(x, speakers)[m],
                               atol=1e-5)


def test_no_speaker_statistics_leak_into_another_speaker() -> None:
    x, speakers = _data()
    changed = x.copy()
    changed[speakers == "tess/OAF"] = np.random.default_rng(9).standard_normal((20, 6)) * 50
    keep = speakers != "tess/OAF"
    np.testing.assert_array_equal(speaker_normalise(changed, speakers)[keep], speaker_normalise(x, speakers)[keep])
