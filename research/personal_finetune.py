"""Per-user fine-tuning of the head's last layer, tried as a personal-voice adapter (issue 19).

The shipped adapter (:mod:`ml.personal`) moves a voice by an offset. This tries more: after the
offset, the logits layer (256 x 7 weights and 7 biases) is refitted on the user's K = 7 enrolment
examples (cross-entropy, L2 pull ``lam`` towards the global weights, L-BFGS), optionally only
when the offset-adapted head still gets at least ``gate`` of the examples wrong. Scored on the
leave-one-speaker-out heads of ``python -m ml evaluate-adapt --protocol loso`` (kept beside the
feature cache), like the shipped adapter, and written to ``personal_finetune.json``.

    python -m research.personal_finetune

Not shipped. On the RAVDESS speakers the best setting (lam 10, gate 3) is +4.6 points against the
offset's +4.0, but one speaker loses 5.7 (the issue allows 2); without the gate every setting
costs 3-5 speakers more than 2 points, up to 13. On the TESS voices it is far stronger (across
corpora +18 to +28 against +11.5; within TESS +14 to +18 against +2.9): two speakers who say one
carrier sentence in a steady style, which 7 examples describe well. With one example per class a
leave-one-out guard cannot tell when it helps (leaving out a class's only example), so nothing
here can choose per user between the two.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

OUT = Path(__file__).with_suffix(".json")
K = 7
GRID: list[tuple[float, int]] = [(lam, gate) for lam in (10.0, 3.0, 1.0, 0.3, 0.1, 0.03) for gate in (0, 3)]


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def refit_last_layer(h: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray,
                     lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Logits weights and bias refitted on pooled hidden features ``h`` (n, 256), labels ``y``."""
    n, (dim, c) = len(y), w.shape

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        dw, db = p[: dim * c].reshape(dim, c), p[dim * c:]
        logp = _log_softmax(h @ (w + dw) + b + db)
        grad = np.exp(logp)
        grad[np.arange(n), y] -= 1
        grad /= n
        value = -logp[np.arange(n), y].mean() + lam / 2 * (np.sum(dw**2) + np.sum(db**2))
        return value, np.concatenate([(h.T @ grad + lam * dw).ravel(), grad.sum(0) + lam * db])

    p = minimize(loss, np.zeros(dim * c + c), jac=True, method="L-BFGS-B", options={"maxiter": 200}).x
    return w + p[: dim * c].reshape(dim, c), b + p[dim * c:]


def _speakers():  # noqa: ANN202 - (group, speaker, across corpora, head, windows, targets)
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
    heads = default_cache_dir() / "personal-voice-heads"
    for name, _, held in _groups(fs, targets, "loso"):
        if (heads / name / "head.npz").exists():
            head = HeadArrays.load(heads / name / "head.npz")
            for spk in held:
                yield (name, spk, name == "no-tess", head, *_speaker_rows(fs, targets, spk))


def score(head, windows: list[np.ndarray], y: np.ndarray, lam: float | None, gate: int) -> tuple[float, float]:  # noqa: ANN001
    """(unadapted, adapted) accuracy on the speaker's clips outside the enrolment; ``lam`` None:
    the shipped offset adapter alone."""
    from ml.personal import build_adapter
    from ml.personal_eval import enrolment

    enr = enrolment(y, K, head.n_classes)
    rest = np.setdiff1d(np.arange(len(y)), enr)
    adapter = build_adapter(head, np.stack([windows[i].mean(axis=0) for i in enr]), y[enr])
    offset = adapter.offset if adapter.active else np.zeros_like(adapter.offset)
    w, b = head.logits_kernel, head.logits_bias
    if lam is not None:
        h = np.stack([head.hidden(windows[i] - offset).mean(axis=0) for i in enr])
        if int(((h @ w + b).argmax(1) != y[enr]).sum()) >= gate:
            w, b = refit_last_layer(h, y[enr], w, b, lam)
    base = np.mean([head.logits(windows[i]).mean(axis=0).argmax() == y[i] for i in rest])
    adapted = np.mean([(head.hidden(windows[i] - offset).mean(axis=0) @ w + b).argmax() == y[i] for i in rest])
    return float(base), float(adapted)


def summarise(rows: list[tuple[str, bool, float, float]]) -> dict[str, dict[str, float]]:
    out = {}
    for table, keep in (("ravdess", lambda s, x: s.startswith("RAV")), ("tess_across_corpora", lambda s, x: x),
                        ("tess_within", lambda s, x: not x and not s.startswith("RAV"))):  # fmt: skip
        sel = np.array([(a, b) for s, x, a, b in rows if keep(s, x)])
        change = sel[:, 1] - sel[:, 0]
        out[table] = {"adapted": round(100 * float(sel[:, 1].mean()), 1),
                      "mean_change": round(100 * float(change.mean()), 1),
                      "largest_loss": round(100 * float(change.min()), 1),
                      "speakers_worse_by_over_2": int((change < -0.02 + 1e-9).sum())}  # fmt: skip
    return out


def main() -> None:
    speakers = list(_speakers())
    methods: dict[str, dict[str, dict[str, float]]] = {}
    runs: list[tuple[str, float | None, int]] = [("offset (shipped)", None, 0)]
    runs += [(f"offset + refit lam={lam} gate={gate}", lam, gate) for lam, gate in GRID]
    for label, lam, gate in runs:
        rows = [(spk, across, *score(head, w, y, lam, gate)) for _, spk, across, head, w, y in speakers]
        methods[label] = summarise(rows)
        print(label, methods[label], flush=True)
    report = {"k": K, "protocol": "leave one speaker out (RAVDESS, TESS within); TESS across corpora "
                                  "from a head trained without TESS", "methods": methods}  # fmt: skip
    OUT.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
