"""Loss weights: every corpus (or speaker) and every class gets the same say, whatever the counts."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.datasets import Clip
from ml.sample_weights import balance_groups, sample_weights


def test_tess_heavy_mix_is_balanced_by_corpus_and_class() -> None:
    # The shared data's shape: RAVDESS 1,200 clips (neutral+calm 1.5x the others), TESS 2,800.
    rav = np.repeat(np.arange(7), [160] * 4 + [240] + [160] * 2)
    tess = np.repeat(np.arange(7), 400)
    y = np.concatenate([rav, tess])
    corpus = np.array(["ravdess"] * len(rav) + ["tess"] * len(tess))
    w = sample_weights(y, corpus, 7)
    assert w.mean() == pytest.approx(1.0)
    assert w[corpus == "ravdess"].sum() == pytest.approx(w[corpus == "tess"].sum())
    per_class = np.bincount(y, weights=w, minlength=7)
    np.testing.assert_allclose(per_class, per_class.mean(), rtol=1e-5)
    # A RAVDESS clip now weighs more than a TESS clip of the same class.
    assert w[(corpus == "ravdess") & (y == 0)][0] > 2 * w[(corpus == "tess") & (y == 0)][0]


def test_without_groups_it_is_plain_balanced_class_weights() -> None:
    y = np.array([0, 0, 0, 1])
    w = sample_weights(y, None, 2)
    np.testing.assert_allclose(w, [2 / 3, 2 / 3, 2 / 3, 2.0], rtol=1e-6)
    assert sample_weights(y, None, 2, class_balance=False).tolist() == [1.0] * 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=200))
def test_every_group_gets_the_same_total_weight(pairs: list[tuple[int, int]]) -> None:
    groups, y = (np.array(v) for v in zip(*pairs, strict=True))
    for class_balance in (True, False):
        w = sample_weights(y, groups, 3, class_balance=class_balance)
        assert np.all(w > 0) and w.mean() == pytest.approx(1.0, rel=1e-5)
        totals = np.array([w[groups == g].sum() for g in np.unique(groups)])
        np.testing.assert_allclose(totals, totals.mean(), rtol=1e-4)


def test_balance_modes_group_by_corpus_or_speaker() -> None:
    clips = [Clip(Path(f"{i}.wav"), c, s, "angry")
             for i, (c, s) in enumerate([("ravdess", "RAV01"), ("ravdess", "RAV02"), ("tess", "OAF")])]  # fmt: skip
    assert balance_groups(clips, "none") is None
    assert balance_groups(clips, "corpus").tolist() == ["ravdess", "ravdess", "tess"]
    assert balance_groups(clips, "speaker").tolist() == ["RAV01", "RAV02", "OAF"]
    with pytest.raises(ValueError):
        balance_groups(clips, "actor")
