"""Folds never share a speaker, and no augmented copy of a clip reaches its own validation fold."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.cache import FeatureSet
from ml.datasets import Clip
from ml.fitting import fold_items
from ml.folds import corpus_folds, speaker_folds


def _clips(speakers: list[int]) -> list[Clip]:
    return [Clip(Path(f"{i}.wav"), "x", f"S{s}", "angry") for i, s in enumerate(speakers)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=10, max_size=300).filter(lambda s: len(set(s)) >= 5))
def test_no_speaker_on_both_sides(speakers: list[int]) -> None:
    clips = _clips(speakers)
    seen_test: list[int] = []
    for tr, va in speaker_folds(clips, 5):
        train_spk = {clips[i].speaker for i in tr}
        test_spk = {clips[i].speaker for i in va}
        assert not train_spk & test_spk
        seen_test.extend(va)
    assert sorted(seen_test) == list(range(len(clips)))  # every clip is tested exactly once


def _feature_set(n_clips: int, variants: int) -> FeatureSet:
    n_items = n_clips * (variants + 1)
    return FeatureSet(
        clips=_clips(list(range(n_clips))),
        clip_index=np.repeat(np.arange(n_clips), variants + 1),
        variant=np.tile(np.arange(variants + 1), n_clips),
        offsets=np.arange(n_items + 1) * 2,
        frames=np.zeros((n_items * 2, 3), np.float16),
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 60), st.integers(0, 3), st.randoms())
def test_augmented_copies_stay_in_training(n_clips: int, variants: int, rnd) -> None:  # noqa: ANN001
    fs = _feature_set(n_clips, variants)
    idx = list(range(n_clips))
    rnd.shuffle(idx)
    cut = max(1, n_clips // 5)
    val, train = np.array(sorted(idx[:cut])), np.array(sorted(idx[cut:]))
    tr_items, va_items = fold_items(fs, train, val)
    assert set(fs.clip_index[tr_items]).isdisjoint(fs.clip_index[va_items])
    assert (fs.variant[va_items] == 0).all() and len(va_items) == len(val)
    assert len(tr_items) == len(train) * (variants + 1)


def test_overlapping_split_is_refused() -> None:
    fs = _feature_set(10, 1)
    with pytest.raises(ValueError):
        fold_items(fs, np.arange(0, 8), np.arange(7, 10))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["ravdess", "tess", "cremad", "savee"]), min_size=4, max_size=200)
       .filter(lambda c: len(set(c)) >= 2))
def test_corpus_folds_test_each_corpus_on_a_model_that_never_saw_it(corpora: list[str]) -> None:
    clips = [Clip(Path(f"{i}.wav"), c, f"{c}-S{i % 3}", "angry") for i, c in enumerate(corpora)]
    folds = corpus_folds(clips)
    assert len(folds) == len(set(corpora))
    tested: list[int] = []
    for tr, va in folds:
        test_corpora = {clips[i].corpus for i in va}
        assert len(test_corpora) == 1
        assert not test_corpora & {clips[i].corpus for i in tr}
        tested.extend(va)
    assert sorted(tested) == list(range(len(clips)))


def test_corpus_folds_need_two_corpora() -> None:
    with pytest.raises(ValueError, match="two corpora"):
        corpus_folds(_clips([1, 2, 3]))
