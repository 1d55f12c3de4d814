"""Per-clip loss weights: every corpus (or speaker) and every class within it an equal share."""

from __future__ import annotations

import numpy as np

from ml.datasets import Clip


BALANCE_MODES = ("none", "corpus", "speaker")


def sample_weights(targets: np.ndarray, groups: np.ndarray | None, n_classes: int, *,
                   class_balance: bool = True) -> np.ndarray:
    """Per-clip loss weights (mean 1) giving every group the same total weight and, with
    ``class_balance``, every class within a group the same share of that group's weight.

    With all classes in every group, classes are then balanced overall too. ``groups=None``
    treats all clips as one group (plain balanced class weights).
    """
    targets = np.asarray(targets)
    groups = np.zeros(len(targets), int) if groups is None else np.asarray(groups)
    w = np.zeros(len(targets), np.float64)
    names = np.unique(groups)
    for g in names:
        in_g = groups == g
        if class_balance:
            counts = np.bincount(targets[in_g], minlength=n_classes)
            present = np.count_nonzero(counts)
            w[in_g] = 1.0 / (len(names) * present * counts[targets[in_g]])
        else:
            w[in_g] = 1.0 / (len(names) * in_g.sum())
    return (w * len(targets) / w.sum()).astype(np.float32)


def balance_groups(clips: list[Clip], mode: str) -> np.ndarray | None:
    """The grouping ``sample_weights`` balances over, for a ``TrainConfig.balance`` mode."""
    if mode not in BALANCE_MODES:
        raise ValueError(f"balance must be one of {BALANCE_MODES}, not {mode!r}")
    if mode == "none":
        return None
    return np.array([c.corpus if mode == "corpus" else c.speaker for c in clips])
