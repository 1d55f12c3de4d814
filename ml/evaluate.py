"""Evaluation: speaker-independent grouped 5-fold CV (the quoted number) and, for comparison only,
the reference systems' stratified random 5-fold (not speaker-independent). Writes JSON + PNGs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from ml.cache import FeatureSet
from ml.calibration import choose_calibration, crossfitted_temperature_probs, reliability, softmax
from ml.config import TrainConfig
from ml.datasets import LABEL_MAPS, Clip, targets_for
from ml.fitting import fit, fold_items, predict_logits
from ml.folds import corpus_folds, random_folds, speaker_fold_map, speaker_folds

PROTOCOLS = {
    "speaker": "speaker-independent grouped 5-fold (GroupKFold by speaker)",
    "random": "stratified random 5-fold -- NOT speaker-independent (same voices in train and test)",
    "corpus": "leave-one-corpus-out (train on the other corpora, test on a corpus never seen)",
}


def metrics(logits: np.ndarray, targets: np.ndarray, labels: tuple[str, ...]) -> dict[str, Any]:
    """Accuracy, UAR, per-class precision/recall/F1 and the confusion matrix."""
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix, precision_recall_fscore_support

    pred = logits.argmax(axis=1)
    present = np.unique(targets)
    p, r, f, s = precision_recall_fscore_support(targets, pred, labels=np.arange(len(labels)),
                                                 zero_division=0)  # fmt: skip
    return {
        "n": int(len(targets)),
        "accuracy": float((pred == targets).mean()),
        # UAR over the classes present: a corpus without some class is not penalised for it.
        "uar": float(balanced_accuracy_score(targets, pred)) if len(present) > 1 else float("nan"),
        "per_class": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                  "support": int(s[i])}
            for i, lab in enumerate(labels)
        },  # fmt: skip
        "confusion_matrix": confusion_matrix(targets, pred, labels=np.arange(len(labels))).tolist(),
    }


def cross_validate(fs: FeatureSet, config: TrainConfig, *, protocol: str = "speaker",
                   n_splits: int = 5, verbose: int = 1,
                   conditions: dict[str, FeatureSet] | None = None) -> dict[str, Any]:
    """Out-of-fold logits for every clip, per-fold histories and all metrics for one protocol.

    ``conditions`` (speaker protocol): feature sets of held-out clips as a device or room
    delivers them (:mod:`ml.robustness`); each fold's model also scores its own speakers' items
    there, and the report gains a ``robustness`` table.
    """
    label_map = LABEL_MAPS[config.label_map]
    clips = fs.clips
    targets = targets_for(clips, label_map)
    usable = np.array(sorted(set(fs.clip_index[fs.variant == 0].tolist())))
    usable = usable[targets[usable] >= 0]
    folds = _protocol_folds(clips, targets, usable, protocol, n_splits, config.seed)
    n_splits = len(folds)
    oof = np.full((len(clips), len(label_map.labels)), np.nan, np.float32)
    fold_of = np.full(len(clips), -1)
    histories: list[dict[str, Any]] = []
    fold_summaries: list[dict[str, Any]] = []
    scored: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name in conditions or {}}
    t0 = time.time()
    for k, (tr, va) in enumerate(folds):
        tr_clips, va_clips = usable[tr], usable[va]
        train_items, val_items = fold_items(fs, tr_clips, va_clips, use_augmented=config.use_augmented)
        print(f"fold {k + 1}/{n_splits}: {len(tr_clips)} train clips ({len(train_items)} items), "
              f"{len(va_clips)} test clips", flush=True)  # fmt: skip
        model, history, _ = fit(fs, train_items, targets, config, val_items=val_items,
                                verbose=verbose)  # fmt: skip
        logits = predict_logits(model, fs, val_items)
        va_of_items = fs.clip_index[val_items]
        oof[va_of_items] = logits
        fold_of[va_of_items] = k
        acc = float((logits.argmax(1) == targets[va_of_items]).mean())
        speakers = sorted({clips[i].speaker for i in va_clips})
        fold_summaries.append({"fold": k, "test_speakers": speakers, "accuracy": acc,
                               "n_test": int(len(va_clips))})  # fmt: skip
        histories.append(history)
        print(f"fold {k + 1}: accuracy {acc:.3f} on {speakers}", flush=True)
        _score_conditions(model, conditions or {}, speakers, scored)
    oof_arrays = {"logits": oof[usable], "targets": targets[usable], "fold": fold_of[usable],
                  "corpora": np.array([clips[i].corpus for i in usable]),
                  "clip_ids": np.array([clips[i].clip_id for i in usable])}  # fmt: skip
    report = _report(oof_arrays, protocol=protocol, labels=label_map.labels, folds=fold_summaries,
                     histories=histories, config=config, seconds=time.time() - t0)
    report["refused"] = _refused(clips, targets, usable)
    if conditions:
        report["robustness"] = robustness_table(conditions, scored, label_map.labels, targets_of=
                                                lambda cl: targets_for(cl, label_map))  # fmt: skip
        # Each condition's held-out logits too, so runs can be compared or averaged clip by clip.
        for name, cfs in conditions.items():
            idx, z = _stacked(scored[name], len(label_map.labels))
            oof_arrays[f"{name}_clip_ids"] = np.array([cfs.clips[i].clip_id for i in idx], dtype=str)
            oof_arrays[f"{name}_logits"] = z
    return report


# The out-of-fold arrays with one row per clean clip (a report with conditions adds each
# condition's own "<name>_logits" and "<name>_clip_ids").
OOF_CLIP_ARRAYS = ("logits", "targets", "fold", "corpora", "clip_ids")


def _stacked(parts: list[tuple[np.ndarray, np.ndarray]], n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The folds' ``(clip indices, logits)`` of one condition, joined."""
    if not parts:
        return np.zeros(0, int), np.zeros((0, n_classes), np.float32)
    return np.concatenate([i for i, _ in parts]), np.concatenate([lg for _, lg in parts])


def _protocol_folds(clips: list[Clip], targets: np.ndarray, usable: np.ndarray, protocol: str,
                    n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` positions in ``usable`` of each fold of ``protocol``."""
    sub = [clips[i] for i in usable]
    if protocol == "speaker":
        # Folds fixed from every labelled clip, not from those that decoded: the babble of the
        # room copies (ml.rooms) was drawn with the same assignment.
        fold_of = speaker_fold_map([c for c, t in zip(clips, targets, strict=True) if t >= 0], n_splits)
        held = np.array([fold_of[c.speaker] for c in sub])
        idx = np.arange(len(sub))
        return [(idx[held != k], idx[held == k]) for k in range(n_splits)]
    if protocol == "corpus":
        return corpus_folds(sub)
    return random_folds(sub, targets[usable], n_splits, seed)


def _score_conditions(model, conditions: dict[str, FeatureSet], speakers: list[str],  # noqa: ANN001
                      scored: dict[str, list[tuple[np.ndarray, np.ndarray]]]) -> None:
    """Append to ``scored`` the fold model's logits of its test speakers' originals under each condition."""
    for name, cfs in conditions.items():
        mine = np.flatnonzero((cfs.variant == 0) & np.isin(
            [cfs.clips[i].speaker for i in cfs.clip_index], speakers))
        scored[name].append((cfs.clip_index[mine], predict_logits(model, cfs, mine)))


def _refused(clips: list[Clip], targets: np.ndarray, usable: np.ndarray) -> dict[str, int]:
    """Clips with a label that yielded no speech (refused, as an upload would be): per corpus."""
    labelled = [c.corpus for c, t in zip(clips, targets, strict=True) if t >= 0]
    answered = [clips[i].corpus for i in usable]
    return {c: labelled.count(c) - answered.count(c) for c in sorted(set(labelled))}


def robustness_table(conditions: dict[str, FeatureSet],
                     scored: dict[str, list[tuple[np.ndarray, np.ndarray]]],
                     labels: tuple[str, ...], targets_of) -> dict[str, Any]:  # noqa: ANN001
    """Per condition and corpus: accuracy over the clips answered, accuracy counting refused
    clips as wrong, UAR, and how many clips were refused (no detectable speech left)."""
    table: dict[str, Any] = {}
    for name, cfs in conditions.items():
        idx, z = _stacked(scored[name], len(labels))
        y_all = targets_of(cfs.clips)
        corpora = np.array([c.corpus for c in cfs.clips])
        rows: dict[str, Any] = {}
        for corpus in sorted(set(corpora)):
            sel = corpora[idx] == corpus
            n = int((corpora == corpus).sum())
            m = metrics(z[sel], y_all[idx][sel], labels) if sel.any() else {"accuracy": 0.0, "uar": 0.0}
            answered = int(sel.sum())
            rows[corpus] = {"n": n, "refused": n - answered, "accuracy": m["accuracy"],
                            "accuracy_with_refusals": m["accuracy"] * answered / max(n, 1),
                            "uar": m["uar"]}  # fmt: skip
        table[name] = rows
    return table


def _report(oof: dict[str, np.ndarray], *, protocol: str, labels: tuple[str, ...],
            folds: list[dict[str, Any]], histories: list[dict[str, Any]], config: TrainConfig,
            seconds: float) -> dict[str, Any]:
    """All figures of a protocol from its out-of-fold logits (``oof``: logits, targets, fold,
    corpora, clip_ids for every tested clip)."""
    y, z, fold, corpora = oof["targets"], oof["logits"], oof["fold"], oof["corpora"]
    # Temperature scaling is shipped only if it lowers the cross-fitted ECE (calibration.py).
    choice = choose_calibration(z, y, fold)
    probs_raw = softmax(z)
    probs_cal = crossfitted_temperature_probs(z, y, fold)
    report: dict[str, Any] = {
        "protocol": protocol,
        "protocol_description": PROTOCOLS[protocol],
        "labels": list(labels),
        "overall": metrics(z, y, labels),
        "per_corpus": {c: metrics(z[corpora == c], y[corpora == c], labels)
                       for c in sorted(set(corpora))},  # fmt: skip
        "folds": folds,
        "best_fold": max(folds, key=lambda f: f["accuracy"]),
        "calibration": {
            **choice,
            "reliability_before": reliability(probs_raw, y),
            "reliability_after": reliability(probs_cal, y),
        },
        "histories": histories,
        "train_config": config.to_dict(),
        "seconds": seconds,
    }
    report["_oof"] = oof
    return report


def write_report(report: dict[str, Any], out_dir: Path) -> Path:
    """``report-<protocol>.json`` and ``oof-<protocol>.npz`` plus confusion-matrix, learning-curve
    and reliability PNGs."""
    import matplotlib

    matplotlib.use("Agg")

    out_dir.mkdir(parents=True, exist_ok=True)
    proto = str(report["protocol"])
    plot_confusion(report, out_dir / f"confusion-{proto}.png")
    plot_curves(report["histories"], out_dir / f"curves-{proto}.png")
    plot_reliability(report["calibration"], out_dir / f"reliability-{proto}.png")
    if report.get("robustness"):
        plot_robustness(report, out_dir / f"robustness-{proto}.png")

    # Out-of-fold logits, to compare variants or assemble ensembles on exactly the same folds.
    np.savez(out_dir / f"oof-{proto}.npz", **report["_oof"])
    public = {k: v for k, v in report.items() if not k.startswith("_")}
    path = out_dir / f"report-{proto}.json"
    path.write_text(json.dumps(public, indent=2))
    return path


def plot_confusion(report: dict[str, Any], path: Path) -> None:
    """One normalised confusion matrix per block (overall, then each corpus), counts written in."""
    import matplotlib.pyplot as plt

    proto = str(report["protocol"])
    labels = list(report["labels"])
    blocks = {"overall": report["overall"], **report["per_corpus"]}
    fig, axes = plt.subplots(1, len(blocks), figsize=(5.2 * len(blocks), 4.6))
    for ax, (name, m) in zip(np.atleast_1d(axes), blocks.items(), strict=True):
        cm = np.array(m["confusion_matrix"], dtype=float)
        norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(labels)):
            for j in range(len(labels)):
                if cm[i, j]:
                    ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(f"{name}: acc {m['accuracy']:.3f}, UAR {m['uar']:.3f}", fontsize=9)
        ax.set_xlabel("predicted")
    fig.suptitle(PROTOCOLS[proto], fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_curves(hist: list[dict[str, Any]], path: Path) -> None:
    """Each fold's training and held-out accuracy and loss per epoch."""
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for k, h in enumerate(hist):
        a1.plot(h["accuracy"], color=f"C{k}", label=f"fold {k + 1} train")
        a1.plot(h.get("val_accuracy", []), color=f"C{k}", ls="--", label=f"fold {k + 1} test")
        a2.plot(h["loss"], color=f"C{k}")
        a2.plot(h.get("val_loss", []), color=f"C{k}", ls="--")
    a1.set_title("accuracy (solid: train, dashed: held-out)", fontsize=9)
    a2.set_title("loss", fontsize=9)
    a1.legend(fontsize=6, ncol=2)
    for a in (a1, a2):
        a.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_reliability(cal: dict[str, Any], path: Path) -> None:
    """Reliability before and after temperature scaling, with the ECE of each."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    for key, lab in (("reliability_before", "before"), ("reliability_after", "after (T fitted)")):
        r = cal[key]
        ax.plot(r["confidence"], r["accuracy"], marker="o", label=lab)
    ax.plot([0, 1], [0, 1], color="grey", ls=":")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"ECE {cal['ece_before']:.3f} -> {cal['ece_after_crossfitted']:.3f}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def robustness_rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Condition -> corpus -> figures, the clean row taken from the CV itself."""
    refused = report.get("refused", {})
    rows = {"clean": {c: {"n": m["n"] + refused.get(c, 0), "refused": refused.get(c, 0),
                          "accuracy": m["accuracy"], "uar": m["uar"],
                          "accuracy_with_refusals": m["accuracy"] * m["n"] / (m["n"] + refused.get(c, 0))}
                      for c, m in report["per_corpus"].items()}}  # fmt: skip
    return {**rows, **report.get("robustness", {})}


def plot_robustness(report: dict[str, Any], path: Path) -> None:
    """Grouped bars: accuracy (refusals counted wrong) per condition and corpus."""
    import matplotlib.pyplot as plt

    rows = robustness_rows(report)
    names = list(rows)
    corpora = sorted({c for r in rows.values() for c in r})
    fig, ax = plt.subplots(figsize=(1.1 * len(names) + 2, 3.8))
    width = 0.8 / len(corpora)
    for j, corpus in enumerate(corpora):
        vals = [100 * rows[n].get(corpus, {}).get("accuracy_with_refusals", np.nan) for n in names]
        bars = ax.bar(np.arange(len(names)) + (j - (len(corpora) - 1) / 2) * width, vals, width,
                      label=corpus, color=f"C{j}")  # fmt: skip
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Held-out speakers as devices and rooms deliver them (speaker-independent CV)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def summary_line(report: dict[str, Any]) -> str:
    pc = report["per_corpus"]
    parts = [f"{report['protocol']}: overall acc {report['overall']['accuracy']:.3f} "
             f"UAR {report['overall']['uar']:.3f}"]
    parts += [f"{c} acc {m['accuracy']:.3f} UAR {m['uar']:.3f}" for c, m in pc.items()]
    cal = report["calibration"]
    parts.append(f"ECE {cal['ece_before']:.3f}->{cal['ece_after_crossfitted']:.3f} "
                 f"T={cal['temperature']:.2f}, shipped: {cal.get('method', 'temperature')}")
    for name, row in report.get("robustness", {}).items():
        parts.append(f"{name}: " + ", ".join(
            f"{c} {m['accuracy_with_refusals']:.3f} ({m['refused']} refused)" for c, m in row.items()))
    return "; ".join(parts)


def speaker_normalise(x: np.ndarray, speakers: np.ndarray) -> np.ndarray:
    """Each speaker's rows standardised with that speaker's own mean and standard deviation.

    Needs several unlabelled recordings of the speaker (in the product: a user's history), and
    only ever looks at that speaker's rows, so a test speaker's statistics never come from a
    training speaker or the other way round."""
    out = np.empty_like(x, dtype=np.float64)
    for s in np.unique(speakers):
        m = speakers == s
        out[m] = (x[m] - x[m].mean(0)) / (x[m].std(0) + 1e-6)
    return out


def baseline_svm(fs: FeatureSet, label_map: str = "default7", n_splits: int = 5) -> dict[str, Any]:
    """Reference point: SVM on per-clip mean/std of the same features, SMOTE inside each
    training fold (imbalanced-learn pipeline), speaker-grouped folds.

    Also scored with every speaker's features standardised by that speaker's own statistics
    (:func:`speaker_normalise`, unlabelled, all of the speaker's clips): what per-user
    normalisation could add once a user has a history of recordings."""
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    lm = LABEL_MAPS[label_map]
    targets = targets_for(fs.clips, lm)
    items = np.flatnonzero((fs.variant == 0) & (targets[fs.clip_index] >= 0))
    x = np.stack([np.concatenate([f.mean(0), f.std(0)]) for f in (fs.item(int(i)) for i in items)])
    ci = fs.clip_index[items]
    y = targets[ci]
    folds = speaker_folds([fs.clips[i] for i in ci], n_splits)
    corp = np.array([fs.clips[i].corpus for i in ci])
    speakers = np.array([f"{fs.clips[i].corpus}/{fs.clips[i].speaker}" for i in ci])

    def score(feats: np.ndarray) -> dict[str, float]:
        pred = np.zeros_like(y)
        for tr, va in folds:
            clf = make_pipeline(StandardScaler(), SMOTE(random_state=0), SVC(C=10, gamma="scale"))
            clf.fit(feats[tr], y[tr])
            pred[va] = clf.predict(feats[va])
        res = {"overall_accuracy": float((pred == y).mean()),
               "overall_uar": float(balanced_accuracy_score(y, pred))}  # fmt: skip
        for c in sorted(set(corp)):
            res[f"{c}_accuracy"] = float((pred[corp == c] == y[corp == c]).mean())
        return res

    out: dict[str, Any] = score(x)
    out["speaker_normalised"] = score(speaker_normalise(x, speakers))
    return out
