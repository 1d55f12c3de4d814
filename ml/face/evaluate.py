"""Scoring the shipped face model (its ONNX graph, as served) on FER-2013's validation images:
accuracy, per-class recall, confusion matrix, calibration; written as JSON and a Markdown card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def evaluate_crops(predictor, x: np.ndarray, y: np.ndarray) -> dict:  # noqa: ANN001 - FacePredictor
    """Metrics of the predictor's model on uint8 crops ``x`` (no detection: FER's faces are cropped)."""
    from sklearn.metrics import confusion_matrix, f1_score, recall_score

    from ml.calibration import expected_calibration_error, reliability, softmax

    logits = np.concatenate([predictor.logits(x[i: i + 512]) for i in range(0, len(x), 512)])
    probs = softmax(logits, predictor.temperature)
    raw = softmax(logits, 1.0)
    pred = probs.argmax(axis=1)
    labels = list(predictor.labels)
    recall = recall_score(y, pred, labels=range(len(labels)), average=None, zero_division=0)
    return {
        "model_version": predictor.version,
        "images": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "recall": {lab: float(r) for lab, r in zip(labels, recall, strict=True)},
        "support": {lab: int((y == i).sum()) for i, lab in enumerate(labels)},
        "confusion": confusion_matrix(y, pred, labels=range(len(labels))).tolist(),
        "labels": labels,
        "temperature": predictor.temperature,
        "ece": expected_calibration_error(probs, y),
        "ece_uncalibrated": expected_calibration_error(raw, y),
        "nll": float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean()),
        "reliability": reliability(probs, y),
    }


def write_report(report: dict, out: Path, *, config: dict, extra: dict | None = None) -> None:
    """``evaluation.json`` and ``MODEL_CARD.md`` in ``out``."""
    from ml.face.card import model_card

    full = {**report, **(extra or {})}
    (out / "evaluation.json").write_text(json.dumps(full, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(full, config))


def evaluate_in_frames(predictor, x: np.ndarray, y: np.ndarray, *, n: int, seed: int = 7) -> dict:  # noqa: ANN001
    """The whole served path (detect, crop, model) on ``n`` validation faces placed in frames."""
    from ml.errors import NoFaceError
    from ml.face.framing import place_in_frame

    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), min(n, len(y)), replace=False)
    found, right = 0, 0
    for i in idx:
        frame = place_in_frame(x[i], rng)
        try:
            p = predictor.predict([frame])
        except NoFaceError:
            continue
        found += 1
        right += p.label == predictor.labels[y[i]]
    crops = predictor.logits(x[idx]).argmax(axis=1)
    return {"images": int(len(idx)), "frame": "640x480", "face_px": 160,
            "detected": found / len(idx), "accuracy_detected": right / max(found, 1),
            "accuracy_crops": float((crops == y[idx]).mean())}  # fmt: skip
