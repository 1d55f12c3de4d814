"""Choosing ensemble members from their cross-validations, and an honest estimate of that choice.

Greedy forward selection (Caruana et al., 2004) over members evaluated on the same folds: start
empty, repeatedly add the member (repeats allowed: a weight) whose addition most raises the
objective of the averaged out-of-fold logits, stop when nothing raises it. The chosen
ensemble's own cross-validated figure is optimistic, since the choice looked at those folds.
``nested_estimate`` removes that: for each fold, members are chosen on the *other* folds only
and the result is scored on the fold left out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score

Objective = Callable[[np.ndarray, np.ndarray, np.ndarray], float]


def ravdess_and_uar(logits: np.ndarray, targets: np.ndarray, corpora: np.ndarray) -> float:
    """Mean of the two targets: accuracy on the many-speaker corpus and UAR over all clips."""
    pred = logits.argmax(1)
    rav = corpora == "ravdess"
    acc = float((pred[rav] == targets[rav]).mean()) if rav.any() else float((pred == targets).mean())
    return 0.5 * (acc + float(balanced_accuracy_score(targets, pred)))


def greedy_select(logits: list[np.ndarray], targets: np.ndarray, corpora: np.ndarray,
                  objective: Objective = ravdess_and_uar, max_members: int = 8) -> list[int]:
    """Indices of the chosen members (in order of choice; a repeated index counts twice)."""
    chosen: list[int] = []
    total = np.zeros_like(logits[0])
    best = -np.inf
    while len(chosen) < max_members:
        scores = [objective((total + z) / (len(chosen) + 1), targets, corpora) for z in logits]
        i = int(np.argmax(scores))
        if scores[i] <= best:
            break
        best = scores[i]
        chosen.append(i)
        total = total + logits[i]
    return chosen


def nested_estimate(logits: list[np.ndarray], targets: np.ndarray, corpora: np.ndarray,
                    fold: np.ndarray, objective: Objective = ravdess_and_uar,
                    max_members: int = 8) -> tuple[np.ndarray, list[list[int]]]:
    """Out-of-fold logits of "select members, then average", each fold's members chosen on the
    other folds; returns them and each fold's choice."""
    out = np.zeros_like(logits[0])
    choices = []
    for k in np.unique(fold):
        rest, here = fold != k, fold == k
        pick = greedy_select([z[rest] for z in logits], targets[rest], corpora[rest], objective,
                             max_members)  # fmt: skip
        out[here] = np.mean([logits[i][here] for i in pick], axis=0)
        choices.append(pick)
    return out, choices


def _figures(logits: np.ndarray, targets: np.ndarray, corpora: np.ndarray,
             labels: tuple[str, ...]) -> dict[str, float]:
    """Accuracy and UAR overall and accuracy per corpus, from the evaluation's own metrics."""
    from ml.evaluate import metrics

    overall = metrics(logits, targets, labels)
    out = {"accuracy": overall["accuracy"], "uar": overall["uar"]}
    for c in sorted(set(corpora)):
        out[f"{c}_accuracy"] = metrics(logits[corpora == c], targets[corpora == c], labels)["accuracy"]
    return out


def select_from_reports(report_dirs: list[Path], max_members: int = 8) -> dict[str, Any]:
    """Greedy choice among evaluated candidates (speaker protocol reports), with the chosen
    ensemble's cross-validated figures (optimistic) and the nested estimate (not)."""
    from research.ensemble import align_members, load_report

    members = [load_report(d) for d in report_dirs]
    base, logits = align_members(members)
    y, corpora, fold = base["targets"], base["corpora"], base["fold"]
    labels = tuple(members[0][0]["labels"])
    pick = greedy_select(logits, y, corpora, max_members=max_members)
    nested, choices = nested_estimate(logits, y, corpora, fold, max_members=max_members)
    names = [d.name for d in report_dirs]
    return {
        "candidates": {n: _figures(z, y, corpora, labels) for n, z in zip(names, logits, strict=True)},
        "chosen": [names[i] for i in pick],
        "chosen_cv_optimistic": _figures(np.mean([logits[i] for i in pick], axis=0), y, corpora, labels),
        "all_candidates_averaged": _figures(np.mean(logits, axis=0), y, corpora, labels),
        "nested_estimate": _figures(nested, y, corpora, labels),
        "nested_choices": [[names[i] for i in c] for c in choices],
    }
