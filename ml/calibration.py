"""Temperature scaling (Guo et al., 2017) and expected calibration error, so "confidence" means
what it says: of the clips predicted with 70 % confidence, about 70 % are right."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, np.float64) / temperature
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, targets: np.ndarray, temperature: float = 1.0) -> float:
    p = softmax(logits, temperature)[np.arange(len(targets)), targets]
    return float(-np.log(np.maximum(p, 1e-12)).mean())


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature minimising negative log-likelihood on held-out (validation-fold) logits."""
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda lt: nll(logits, targets, float(np.exp(lt))),
                          bounds=(np.log(0.05), np.log(20.0)), method="bounded")  # fmt: skip
    return float(np.exp(res.x))


def expected_calibration_error(probs: np.ndarray, targets: np.ndarray, n_bins: int = 15) -> float:
    """ECE: |accuracy - confidence| averaged over equal-width confidence bins, weighted by size."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == targets
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (conf > lo) & (conf <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - conf[in_bin].mean())
    return float(ece)


def reliability(probs: np.ndarray, targets: np.ndarray, n_bins: int = 10) -> dict[str, list[float]]:
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == targets
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    out: dict[str, list[float]] = {"confidence": [], "accuracy": [], "count": []}
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (conf > lo) & (conf <= hi)
        out["confidence"].append(float(conf[in_bin].mean()) if in_bin.any() else float("nan"))
        out["accuracy"].append(float(correct[in_bin].mean()) if in_bin.any() else float("nan"))
        out["count"].append(int(in_bin.sum()))
    return out
