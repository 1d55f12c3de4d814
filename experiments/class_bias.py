"""Ablation: per-class logit offsets fitted on out-of-fold logits, cross-fitted by fold.

For each fold, offsets that minimise the log loss of the other four folds' out-of-fold logits
are added to this fold's logits; accuracy and UAR are then scored on the adjusted predictions.
It asks whether a cheap prior correction would fix the rare "happy" predictions. Source of the
variants-table row "B1".

    python experiments/class_bias.py [ml/artifacts/default/evaluation/oof-speaker.npz]
"""

from __future__ import annotations

import json
import sys

import numpy as np
from scipy.optimize import minimize


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def fit_offsets(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    def loss(b: np.ndarray) -> float:
        return float(-_log_softmax(logits + b)[np.arange(len(targets)), targets].mean())

    return minimize(loss, np.zeros(logits.shape[1]), method="L-BFGS-B").x


def uar(pred: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[targets == k] == k) for k in np.unique(targets)]))


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "ml/artifacts/default/evaluation/oof-speaker.npz"
    d = np.load(path)
    logits, y, fold, corpora = d["logits"], d["targets"], d["fold"], d["corpora"]
    pred = np.zeros(len(y), int)
    for k in np.unique(fold):
        rest = fold != k
        pred[~rest] = (logits[~rest] + fit_offsets(logits[rest], y[rest])).argmax(1)
    out = {"accuracy": float((pred == y).mean()), "uar": uar(pred, y)}
    for c in np.unique(corpora):
        m = corpora == c
        out[f"{c}_accuracy"] = float((pred[m] == y[m]).mean())
        out[f"{c}_uar"] = uar(pred[m], y[m])
    before = logits.argmax(1)
    out["unadjusted"] = {"accuracy": float((before == y).mean()), "uar": uar(before, y)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
