"""Ablation: per-class logit offsets fitted on out-of-fold logits, cross-fitted by fold.

For each fold, offsets that minimise the log loss of the other four folds' out-of-fold logits
are added to this fold's logits; accuracy and UAR are then scored on the adjusted predictions.
It asks whether a cheap prior correction would fix the rare "happy" predictions. Source of the
variants-table row "B1".

    PYTHONPATH=. python research/experiments/class_bias.py [ml/artifacts/default/evaluation/oof-speaker.npz]
"""

from __future__ import annotations

import json
import sys

import numpy as np
from scipy.optimize import minimize

from ml.calibration import nll
from ml.datasets import LABEL_MAPS
from ml.evaluate import metrics


def fit_offsets(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return minimize(lambda b: nll(logits + b, targets), np.zeros(logits.shape[1]), method="L-BFGS-B").x


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "ml/artifacts/default/evaluation/oof-speaker.npz"
    d = np.load(path)
    logits, y, fold, corpora = d["logits"], d["targets"], d["fold"], d["corpora"]
    labels = LABEL_MAPS["default7"].labels
    adjusted = logits.astype(np.float64)
    for k in np.unique(fold):
        rest = fold != k
        adjusted[~rest] += fit_offsets(logits[rest], y[rest])
    m = metrics(adjusted, y, labels)
    out = {"accuracy": m["accuracy"], "uar": m["uar"]}
    for c in np.unique(corpora):
        mc = metrics(adjusted[corpora == c], y[corpora == c], labels)
        out[f"{c}_accuracy"], out[f"{c}_uar"] = mc["accuracy"], mc["uar"]
    before = metrics(logits, y, labels)
    out["unadjusted"] = {"accuracy": before["accuracy"], "uar": before["uar"]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
