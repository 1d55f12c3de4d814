"""Splits: speaker-independent folds (shared by cross-validation and fold-aware augmentation),
leave-one-corpus-out, and the reference systems' random folds.

Folds are fixed from the labelled clip list alone (not from which clips decoded), so the babble
of a training copy and the fold it is tested against always agree.
"""

from __future__ import annotations

import numpy as np

from ml.datasets import Clip


def speaker_fold_map(clips: list[Clip], n_splits: int = 5) -> dict[str, int]:
    """GroupKFold by speaker over ``clips``: the fold each speaker is held out in."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([c.speaker for c in clips])
    fold_of: dict[str, int] = {}
    for k, (_, va) in enumerate(GroupKFold(n_splits=n_splits).split(groups, groups=groups)):
        for spk in set(groups[va].tolist()):
            fold_of[spk] = k
    return fold_of


def speaker_folds(clips: list[Clip], n_splits: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """GroupKFold by speaker as ``(train, test)`` index pairs: no speaker on both sides."""
    fold_of = speaker_fold_map(clips, n_splits)
    held = np.array([fold_of[c.speaker] for c in clips])
    idx = np.arange(len(clips))
    return [(idx[held != k], idx[held == k]) for k in range(n_splits)]


def same_fold_voices(fold_of: dict[str, int], speaker: str) -> list[str]:
    """Training babble: other speakers of ``speaker``'s own fold, which is a training fold
    whenever ``speaker``'s clips are trained on -- never the held-out fold's voices."""
    k = fold_of.get(speaker)
    return sorted(s for s, f in fold_of.items() if f == k and s != speaker)


def other_fold_voices(fold_of: dict[str, int], speaker: str) -> list[str]:
    """Evaluation babble: speakers of every other fold (never the tested fold's own)."""
    k = fold_of.get(speaker)
    # Sorted: the babble drawn for a seed must not depend on the process's string hashing.
    return sorted(s for s, f in fold_of.items() if f != k)


def corpus_folds(clips: list[Clip]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave one corpus out: each fold tests on a whole corpus (its speakers, microphones and
    scripts) that training never saw -- the closest measure here of a user's new recording."""
    corpora = np.array([c.corpus for c in clips])
    names = sorted(set(corpora))
    if len(names) < 2:
        raise ValueError("leave-one-corpus-out needs clips of at least two corpora")
    idx = np.arange(len(clips))
    return [(idx[corpora != c], idx[corpora == c]) for c in names]


def random_folds(clips: list[Clip], labels: np.ndarray, n_splits: int = 5,
                 seed: int = 1234) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified random split as the reference systems use -- NOT speaker-independent."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(skf.split(np.arange(len(clips)), labels))
