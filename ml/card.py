"""Model card (JSON) assembled from the data, the training config and the evaluation reports."""

from __future__ import annotations

import json
from pathlib import Path

from ml.cache import FeatureSet
from ml.train import TrainConfig

LICENCE = (
    "Trained on RAVDESS (CC BY-NC-SA 4.0) and TESS (CC BY-NC-ND 4.0): the bundled model is for "
    "non-commercial use only. For commercial use, retrain on licensed data with "
    "`python -m ml evaluate --data DIR && python -m ml train --data DIR --out DIR`."
)
LIMITATIONS = [
    "Acted, not spontaneous, emotional speech: real users express emotion less intensely.",
    "English only; 22 speakers (20 RAVDESS actors, 2 TESS actresses), North-American accents.",
    "TESS is 70% of the clips but only 2 speakers, so overall figures lean on two voices; "
    "the RAVDESS figures (20 speakers) are the better estimate for new voices.",
    "Studio-quality recordings; browser microphones, noise and compression lower accuracy.",
    "Calm is merged into neutral and pleasant surprise into surprised.",
    "An emotion estimate from a few seconds of voice is a guess, not a diagnosis.",
]


def _brief(report: dict | None) -> dict | None:
    if not report:
        return None
    out = {
        "protocol": report["protocol_description"],
        "overall": {k: report["overall"][k] for k in ("n", "accuracy", "uar")},
        "per_corpus": {c: {k: m[k] for k in ("n", "accuracy", "uar")}
                       for c, m in report["per_corpus"].items()},  # fmt: skip
        "per_class": report["overall"]["per_class"],
        "folds": report["folds"],
        "best_fold": report["best_fold"],
    }
    if "calibration" in report:
        cal = report["calibration"]
        out["calibration"] = {k: cal[k] for k in ("temperature", "ece_before", "ece_after_crossfitted")}
    return out


def build_card(fs: FeatureSet, config: TrainConfig, *, cv_report: dict | None,
               report_dir: Path, train_seconds: dict[str, float]) -> dict[str, object]:
    def load(name: str) -> dict | None:
        p = report_dir / name
        return json.loads(p.read_text()) if p.exists() else None

    clips = fs.clips
    corpora: dict[str, dict[str, int]] = {}
    for c in clips:
        d = corpora.setdefault(c.corpus, {"clips": 0, "speakers": 0})
        d["clips"] += 1
    for corpus in corpora:
        corpora[corpus]["speakers"] = len({c.speaker for c in clips if c.corpus == corpus})
    return {
        "name": "Moodify speech emotion recognition (Conv1D + attentive pooling)",
        "labels": list(cv_report["labels"]) if cv_report else None,
        "label_map": config.label_map,
        "inputs": "any wav/flac/ogg/opus/mp3/webm/mp4 recording, 0.5-60 s of speech; decoded to "
                  "16 kHz mono, silence-trimmed, RMS-normalised",
        "architecture": "176 per-frame features (log-mel 64, MFCC 40 + deltas, chroma, contrast, "
                        "tonnetz, ZCR, RMS, centroid, bandwidth, rolloff, pitch) from one STFT "
                        "(512/256 at 16 kHz) -> 3 Conv1D blocks -> attentive mean/std pooling -> "
                        "dense -> softmax with temperature",
        "data": {"corpora": corpora, "clips": len(clips),
                 "speakers": len({c.speaker for c in clips})},  # fmt: skip
        "evaluation_speaker_independent": _brief(cv_report),
        "evaluation_random_split_not_speaker_independent": _brief(load("report-random.json")),
        "baseline_svm_speaker_independent": load("baseline-svm.json"),
        "variants_tried": load("variants.json"),
        "training": {"config": config.to_dict(), "seconds": train_seconds,
                     "note": "final model trained on all clips (+ augmented copies) for the "
                             "fixed epoch budget that cross-validation used"},  # fmt: skip
        "limitations": LIMITATIONS,
        "licence": LICENCE,
    }
