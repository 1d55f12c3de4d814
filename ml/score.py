"""Scoring a trained model on labelled clips it was not trained on: another corpus, new speakers.

``python -m ml score --data DIR`` runs the predictor the product uses (decode, trim, features,
model, calibrated probabilities) on every clip a corpus parser recognises under ``DIR`` and reports
accuracy, UAR, per-class figures, the confusion matrix and the calibration error, overall, per
corpus and per speaker. Unlike ``evaluate`` it trains nothing: it answers "how does this model do
on voices and recordings it has never heard?".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from ml.calibration import expected_calibration_error
from ml.datasets import Clip, LabelMap
from ml.errors import AudioError
from ml.evaluate import metrics


def score_clips(predictor: Any, clips: list[Clip], label_map: LabelMap, *, progress: bool = False) -> dict[str, Any]:
    """Predict every clip and compare with its label (mapped by ``label_map`` onto the model's labels).

    Clips whose emotion the model cannot output are counted in ``skipped``; clips the predictor
    refuses (silence, too short, undecodable) in ``refused`` by error code, not in the figures.
    """
    from tqdm import tqdm

    labels: tuple[str, ...] = tuple(predictor.labels)
    skipped: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    rows: list[tuple[Clip, int, np.ndarray]] = []
    for clip in tqdm(clips, desc="scoring", unit="clip", disable=not progress):
        index = label_map.target(clip.emotion)
        name = None if index is None else label_map.labels[index]
        if name not in labels:
            skipped[clip.emotion] += 1
            continue
        try:
            prediction = predictor.predict_file(clip.path)
        except AudioError as exc:
            refused[exc.code] += 1
            continue
        rows.append((clip, labels.index(name), np.array([prediction.probabilities[lab] for lab in labels])))
    report: dict[str, Any] = {
        "model_version": predictor.version,
        "label_map": label_map.name,
        "labels": list(labels),
        "clips_found": len(clips),
        "clips_scored": len(rows),
        "skipped_emotions": dict(skipped),
        "refused": dict(refused),
    }
    if not rows:
        return report
    report["overall"] = _figures(rows, labels)
    groups: dict[str, dict[str, list]] = {"per_corpus": defaultdict(list), "per_speaker": defaultdict(list)}
    for row in rows:
        groups["per_corpus"][row[0].corpus].append(row)
        groups["per_speaker"][row[0].speaker].append(row)
    report["per_corpus"] = {name: _figures(part, labels) for name, part in sorted(groups["per_corpus"].items())}
    report["per_speaker_accuracy"] = {
        name: round(float(np.mean([np.argmax(p) == t for _, t, p in part])), 4)
        for name, part in sorted(groups["per_speaker"].items())
    }
    return report


def _figures(rows: list[tuple[Clip, int, np.ndarray]], labels: tuple[str, ...]) -> dict[str, Any]:
    targets = np.array([t for _, t, _ in rows])
    probs = np.stack([p for _, _, p in rows])
    figures = metrics(probs, targets, labels)  # argmax of probabilities = argmax of logits
    figures["ece"] = float(expected_calibration_error(probs, targets))
    return figures


def summary(report: dict[str, Any]) -> str:
    if "overall" not in report:
        return f"no clip could be scored ({report['clips_found']} found)"
    o = report["overall"]
    parts = [f"{report['clips_scored']} clips: accuracy {o['accuracy']:.1%}, UAR {o['uar']:.1%}, ECE {o['ece']:.3f}"]
    parts += [f"{name} {f['accuracy']:.1%}" for name, f in report["per_corpus"].items()]
    if report["skipped_emotions"]:
        parts.append(f"skipped (no such class): {report['skipped_emotions']}")
    if report["refused"]:
        parts.append(f"refused: {report['refused']}")
    return "; ".join(parts)
