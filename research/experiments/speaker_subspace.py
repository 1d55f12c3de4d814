"""How far can a voice offset go? The shipped personal-voice adapter (ml.personal) subtracts a
shrunk offset estimated from the user's K = 7 labelled examples. Two questions, on the
leave-one-speaker-out heads of ``python -m ml evaluate-adapt --protocol loso``:

1. *Oracle*: the offset estimated from all of the held-out speaker's clips (their labels included,
   no shrinkage) -- the most any offset can give that speaker; if it is below the target, no
   better estimate of the offset reaches it.
2. *Speaker subspace*: the K = 7 estimate projected onto the directions in which the training
   voices' own offsets differ (principal components of the other speakers' offsets, as
   eigenvoices do), so that less of the estimate is noise and less shrinkage is needed.

    PYTHONPATH=. python research/experiments/speaker_subspace.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_suffix(".json")
K = 7


def _data():  # noqa: ANN202
    from ml.cache import compute_features, default_cache_dir
    from ml.config import TrainConfig
    from ml.datasets import LABEL_MAPS, discover, targets_for
    from ml.folds import speaker_fold_map
    from ml.personal import HeadArrays
    from ml.personal_eval import _groups, _speaker_rows
    from ml.rooms import BabbleBank

    config, clips = TrainConfig(), discover()
    fs = compute_features(clips, config.augment, frontend="whisper", room=config.room,
                          fold_of=speaker_fold_map(clips), babble=BabbleBank(clips), progress=False)
    targets = targets_for(clips, LABEL_MAPS[config.label_map])
    speakers = sorted({c.speaker for c, t in zip(clips, targets, strict=True) if t >= 0})
    rows = {s: _speaker_rows(fs, targets, s) for s in speakers}
    heads = default_cache_dir() / "personal-voice-heads"
    groups = [(name, held) for name, _, held in _groups(fs, targets, "loso")
              if (heads / name / "head.npz").exists()]  # fmt: skip
    return rows, [(name, held, HeadArrays.load(heads / name / "head.npz")) for name, held in groups]


def _gap(head, pooled: np.ndarray, y: np.ndarray) -> np.ndarray:  # noqa: ANN001
    return (pooled - head.class_means[y]).mean(axis=0)


def _accuracy(head, windows: list[np.ndarray], y: np.ndarray, offset: np.ndarray) -> float:  # noqa: ANN001
    return float(np.mean([head.logits(w - offset).mean(axis=0).argmax() == t for w, t in zip(windows, y, strict=True)]))


def score_speaker(head, held: str, rows: dict, excluded: list[str]) -> dict[str, float]:  # noqa: ANN001
    from ml.personal_eval import enrolment

    windows, y = rows[held]
    pooled = np.stack([w.mean(axis=0) for w in windows])
    enr = enrolment(y, K, head.n_classes)
    rest = np.setdiff1d(np.arange(len(y)), enr)
    w_rest, y_rest = [windows[i] for i in rest], y[rest]
    gap_k = _gap(head, pooled[enr], y[enr])
    out = {"none": _accuracy(head, w_rest, y_rest, np.zeros(head.dim)),
           "offset tau 7": _accuracy(head, w_rest, y_rest, K / (K + 7) * gap_k),
           "oracle offset": _accuracy(head, w_rest, y_rest, _gap(head, pooled, y)),
           "oracle offset x 0.5": _accuracy(head, w_rest, y_rest, 0.5 * _gap(head, pooled, y))}
    # The training voices' own offsets (every speaker the head was trained on).
    others = [s for s in rows if s not in excluded]
    gaps = np.stack([_gap(head, np.stack([w.mean(axis=0) for w in rows[s][0]]), rows[s][1]) for s in others])
    u, _, _ = np.linalg.svd(gaps.T, full_matrices=False)  # (D, n_speakers)
    for k in (3, 6, 10, 15):
        proj = u[:, :k] @ (u[:, :k].T @ gap_k)
        for shrink in (0.5, 0.75, 1.0):
            out[f"subspace k={k} x {shrink}"] = _accuracy(head, w_rest, y_rest, shrink * proj)
    return out


def main() -> None:
    rows, heads = _data()
    per: dict[str, dict[str, dict[str, float]]] = {"ravdess": {}, "tess_within": {}, "tess_across_corpora": {}}
    for name, held, head in heads:
        for spk in held:
            table = "tess_across_corpora" if name == "no-tess" else "ravdess" if spk.startswith("RAV") else "tess_within"
            per[table][spk] = score_speaker(head, spk, rows, held)
            print(name, spk, {k: round(100 * v, 1) for k, v in per[table][spk].items()}, flush=True)
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for table, speakers in per.items():
        if not speakers:
            continue
        base = np.array([r["none"] for r in speakers.values()])
        summary[table] = {}
        for m in next(iter(speakers.values())):
            acc = np.array([r[m] for r in speakers.values()])
            summary[table][m] = {"mean": round(100 * float(acc.mean()), 1),
                                 "mean_change": round(100 * float((acc - base).mean()), 1),
                                 "largest_loss": round(100 * float((acc - base).min()), 1),
                                 "speakers_worse_by_over_2": int(((acc - base) < -0.02 + 1e-9).sum())}  # fmt: skip
    for table, methods in summary.items():
        for m, v in methods.items():
            print(table, m, v)
    OUT.write_text(json.dumps({"k": K, "summary": summary, "per_speaker": per}, indent=1) + "\n")


if __name__ == "__main__":
    main()
