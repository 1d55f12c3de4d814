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


def crossfitted_temperature_probs(logits: np.ndarray, targets: np.ndarray,
                                  fold: np.ndarray) -> np.ndarray:
    """Each fold's probabilities scaled by a temperature fitted on the *other* folds only, so an
    ECE measured on them is measured on data the temperature never saw."""
    probs = np.zeros(logits.shape, np.float64)
    for k in np.unique(fold):
        te = fold == k
        probs[te] = softmax(logits[te], fit_temperature(logits[~te], targets[~te]))
    return probs


def choose_calibration(logits: np.ndarray, targets: np.ndarray, fold: np.ndarray,
                       n_bins: int = 15) -> dict[str, float | str]:
    """Ship temperature scaling only if it lowers the cross-fitted ECE; otherwise ship none (T = 1).

    A temperature that minimises the pooled out-of-fold NLL can still over-correct folds it was
    not fitted on; users see the shipped probabilities, so the held-out ECE decides.
    """
    ece_none = expected_calibration_error(softmax(logits), targets, n_bins)
    ece_temp = expected_calibration_error(crossfitted_temperature_probs(logits, targets, fold),
                                          targets, n_bins)  # fmt: skip
    temperature = fit_temperature(logits, targets)
    use_temp = ece_temp < ece_none
    return {
        "method": "temperature" if use_temp else "none",
        "temperature": temperature,
        "shipped_temperature": temperature if use_temp else 1.0,
        "ece_before": ece_none,
        "ece_after_crossfitted": ece_temp,
        "ece_shipped": ece_temp if use_temp else ece_none,
    }


def shipped_temperature(calibration: dict) -> float:
    """The temperature a model trained after this CV report ships with (reports written before
    the choice existed: temperature only where it lowered the cross-fitted ECE)."""
    if "shipped_temperature" in calibration:
        return float(calibration["shipped_temperature"])
    better = calibration["ece_after_crossfitted"] < calibration["ece_before"]
    return float(calibration["temperature"]) if better else 1.0
