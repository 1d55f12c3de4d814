"""How much a personal adapter (:mod:`ml.personal`) helps a voice the head never heard.

For every held-out speaker the shipped training recipe (``TrainConfig()``, ``ml.fitting.fit`` on the
cached clip embeddings with their room copies) trains a head without that speaker; K of the
speaker's clips are the enrolment (their labels are what a user's corrections and confirmations
give), the speaker's other clips are scored with and without an adapter built from them.

Held-out groups: the five speaker folds of ``ml.folds.speaker_fold_map`` (one head per fold, each
speaker of the fold scored on its own; leave-one-speaker-out would take 22 fits, about 20 minutes
more on the 2 shared cores here, and train on a few more voices), and across corpora a head
trained without TESS, adapted and scored on the TESS speakers.

Enrolment: the first K/7 clips (in file-name order) of each of the 7 classes; K = 0, 7, 14. The
heads are fitted once and kept beside the feature cache; scoring the adapters takes seconds.

    python -m ml evaluate-adapt [--out ml/artifacts/default/evaluation/personal-voice.json]
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ml.cache import FeatureSet
from ml.personal import CLASS_MEANS_FILE, AdapterConfig, HeadArrays, build_adapter, class_means

if TYPE_CHECKING:
    from ml.config import TrainConfig

KS = (0, 7, 14)


def enrolment(targets: np.ndarray, k: int, n_classes: int) -> np.ndarray:
    """Positions (into ``targets``) of the first k/n_classes clips of each class."""
    per = k // n_classes
    if per == 0:
        return np.zeros(0, int)
    return np.concatenate([np.flatnonzero(targets == c)[:per] for c in range(n_classes)])


PROTOCOLS = ("loso", "folds")


def _groups(fs: FeatureSet, targets: np.ndarray, protocol: str = "loso") -> list[tuple[str, np.ndarray, list[str]]]:
    """(name, training clip ids, held-out speakers) of each head to fit: leave one speaker out
    ("loso"; the two TESS speakers are the first two speaker folds already) or the speaker folds."""
    from ml.folds import speaker_fold_map

    clips = fs.clips
    usable = np.array(sorted(set(fs.clip_index[fs.variant == 0].tolist())))
    usable = usable[targets[usable] >= 0]
    fold_of = speaker_fold_map([c for c, t in zip(clips, targets, strict=True) if t >= 0])
    speaker = np.array([clips[i].speaker for i in usable])
    corpus = np.array([clips[i].corpus for i in usable])
    out = []
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
    for k in sorted(set(fold_of.values())):
        held = sorted(s for s, f in fold_of.items() if f == k)
        if protocol == "loso" and len(held) > 1:
            out += [(f"without-{s}", usable[speaker != s], [s]) for s in held]
        else:
            out.append((f"fold{k}", usable[~np.isin(speaker, held)], held))
    out.append(("no-tess", usable[corpus != "tess"], sorted(set(speaker[corpus == "tess"]))))
    return out


def fit_heads(fs: FeatureSet, targets: np.ndarray, head_dir: Path, config: Any,
              protocol: str = "loso", *, fit_missing: bool = True) -> dict[str, Path]:
    """One head per held-out group, fitted with ``config`` unless already saved in ``head_dir``
    (``fit_missing`` False: only the saved ones)."""
    from ml.serving import export_head
    from ml.fitting import fit

    heads = {}
    for name, train_clips, held in _groups(fs, targets, protocol):
        d = head_dir / name
        if not (d / "head.npz").exists() and not fit_missing:
            print(f"{name}: no head saved yet, its speakers {held} are left out", flush=True)
            continue
        if not (d / "head.npz").exists():
            t0 = time.time()
            items = fs.items_of(train_clips, augmented=config.use_augmented)
            model, _, _ = fit(fs, items, targets, config, verbose=0)
            d.mkdir(parents=True, exist_ok=True)
            export_head(model, d)
            print(f"{name}: head without {held} in {time.time() - t0:.0f} s", flush=True)
        if not (d / CLASS_MEANS_FILE).exists():
            write_class_means(fs, train_clips, targets, d)
        heads[name] = d / "head.npz"
    return heads


def write_class_means(fs: FeatureSet, clip_ids: np.ndarray, targets: np.ndarray, out_dir: Path) -> Path:
    """The class means an adapter of a head trained on ``clip_ids`` measures voices against."""
    items = fs.items_of(clip_ids, augmented=False)
    items = items[targets[fs.clip_index[items]] >= 0]
    pooled = np.stack([fs.item(int(i)).mean(axis=0) for i in items])
    t = targets[fs.clip_index[items]]
    path = Path(out_dir) / CLASS_MEANS_FILE
    np.savez(path, class_means=class_means(pooled, t, int(t.max()) + 1).astype(np.float16))
    return path


def _speaker_rows(fs: FeatureSet, targets: np.ndarray, speaker: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The speaker's clips as recorded: per-window embeddings (file-name order) and targets."""
    items = [int(i) for i in np.flatnonzero(fs.variant == 0)
             if fs.clips[int(fs.clip_index[i])].speaker == speaker and targets[fs.clip_index[i]] >= 0]
    items.sort(key=lambda i: fs.clips[int(fs.clip_index[i])].path.name)
    return [fs.item(i) for i in items], targets[fs.clip_index[items]]


def _clip_logits(head: HeadArrays, pre: np.ndarray, owner: np.ndarray, n: int, adapter: Any) -> np.ndarray:
    """Every clip's logits at once from its windows' pre-activations, pooled as the predictor pools."""
    if adapter is None or not adapter.active:
        per_window = head.activate(pre) @ head.logits_kernel + head.logits_bias
    else:
        per_window = adapter.logits_from_preactivation(head, pre)
    out = np.zeros((n, per_window.shape[1]))
    np.add.at(out, owner, per_window)
    return out / np.bincount(owner, minlength=n)[:, None]


def score_speaker(head: HeadArrays, windows: list[np.ndarray], y: np.ndarray, k: int,
                  configs: dict[str, AdapterConfig]) -> dict[str, Any]:
    """Accuracy on the speaker's non-enrolment clips, unadapted and with each adapter config."""
    enr = enrolment(y, k, head.n_classes)
    rest = np.setdiff1d(np.arange(len(y)), enr)
    pooled = np.stack([w.mean(axis=0) for w in windows])
    pre = head.preactivation(np.concatenate([windows[i] for i in rest]))
    owner = np.concatenate([np.full(len(windows[i]), j) for j, i in enumerate(rest)])
    row: dict[str, Any] = {"n_scored": int(len(rest))}
    row["none"] = float((_clip_logits(head, pre, owner, len(rest), None).argmax(1) == y[rest]).mean())
    for name, cfg in configs.items():
        adapter = build_adapter(head, pooled[enr], y[enr], cfg)
        pred = _clip_logits(head, pre, owner, len(rest), adapter).argmax(1)
        row[name] = float((pred == y[rest]).mean())
        row[f"{name}:active"] = bool(adapter.active)
    return row


def _summary(rows: dict[str, dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    if not rows:
        return {}
    base = np.array([r["none"] for r in rows.values()])
    out: dict[str, Any] = {}
    for m in ["none", *methods]:
        acc = np.array([r[m] for r in rows.values()])
        delta = acc - base
        worst = int(np.argmin(acc))
        out[m] = {"mean": round(100 * float(acc.mean()), 1), "std": round(100 * float(acc.std()), 1),
                  "worst_speaker": list(rows)[worst], "worst": round(100 * float(acc[worst]), 1),
                  "mean_change": round(100 * float(delta.mean()), 1),
                  "largest_loss": round(100 * float(delta.min()), 1),
                  "speakers_worse_by_over_2": int((delta < -0.02 + 1e-9).sum())}
    return out


def evaluate_adapters(fs: FeatureSet, targets: np.ndarray, heads: dict[str, Path],
                      configs: dict[str, AdapterConfig], ks: tuple[int, ...] = KS,
                      protocol: str = "loso") -> dict[str, Any]:
    """Per speaker and summarised per corpus: the unadapted head and every adapter config."""
    groups = {name: held for name, _, held in _groups(fs, targets, protocol)}
    report: dict[str, Any] = {"protocol": protocol, "enrolment": "first K/7 clips of each class in file-name order",
                              "methods": {n: c.to_dict() for n, c in configs.items()}, "k": {}}
    for k in ks:
        per: dict[str, dict[str, dict[str, Any]]] = {"speaker folds": {}, "across corpora (no TESS in training)": {}}
        for name, path in heads.items():
            head = HeadArrays.load(path)
            table = "across corpora (no TESS in training)" if name == "no-tess" else "speaker folds"
            for spk in groups[name]:
                windows, y = _speaker_rows(fs, targets, spk)
                per[table][spk] = score_speaker(head, windows, y, k, configs if k else {})
        methods = list(configs) if k else []
        ravdess = {s: r for s, r in per["speaker folds"].items() if s.startswith("RAV")}
        report["k"][str(k)] = {
            "ravdess": _summary(ravdess, methods),
            "tess_within": _summary({s: r for s, r in per["speaker folds"].items() if s not in ravdess}, methods),
            "tess_across_corpora": _summary(per["across corpora (no TESS in training)"], methods),
            "per_speaker": per,
        }
    return report


# What is compared: the shipped adapter and the variants around it (name: (config, description)).
METHODS: dict[str, tuple[AdapterConfig, str]] = {
    "shipped": (AdapterConfig(), "the shipped adapter (ml.personal.SHIPPED): voice offset, tau 7, with the "
                                 "leave-one-out guard"),
    "offset": (AdapterConfig(guard=False), "voice offset (tau 7) without the guard"),
    "offset+proto": (AdapterConfig(prototype_weight=1.0, guard=False),
                     "offset and hidden-layer class prototypes (cosine / 0.1, weight n / (n + 14)), no guard"),
    "offset+proto+guard": (AdapterConfig(prototype_weight=1.0, guard=True), "the same with the guard"),
}
PROTOCOL_TEXT = {
    "folds": "the five speaker folds of the shipped evaluation (GroupKFold by speaker); for each fold the "
             "shipped recipe (TrainConfig(), clips plus room copies, 40 epochs) trains a head without the "
             "fold's speakers, and each held-out speaker is scored on its own; across corpora, one head "
             "trained on RAVDESS alone scores the two TESS speakers.",
    "loso": "leave one speaker out: the shipped recipe trains a head without each speaker in turn; across "
            "corpora, one head trained on RAVDESS alone scores the two TESS speakers.",
}


def shipped_recipe_data() -> tuple[TrainConfig, FeatureSet, np.ndarray, Path]:
    """The shipped training recipe (``TrainConfig()``), its clips' cached features and targets, and
    the folder its held-out heads are kept in: per recipe, so a changed recipe (more heads, other
    copies) fits its own."""
    from ml.cache import compute_features, default_cache_dir
    from ml.config import TrainConfig
    from ml.datasets import LABEL_MAPS, discover, targets_for
    from ml.folds import speaker_fold_map
    from ml.rooms import BabbleBank
    from ml.runtime import configure_threads

    configure_threads()
    config = TrainConfig()
    clips = discover()
    fs = compute_features(clips, config.augment, frontend="whisper", room=config.room,
                          fold_of=speaker_fold_map(clips), babble=BabbleBank(clips), progress=False)
    targets = targets_for(clips, LABEL_MAPS[config.label_map])
    recipe = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
    return config, fs, targets, default_cache_dir() / "personal-voice-heads" / recipe


def run(out: Path, *, head_dir: Path | None = None, methods: dict[str, tuple[AdapterConfig, str]] | None = None,
        protocol: str = "folds", note: str = "", fit_missing: bool = True) -> dict:
    config, fs, targets, recipe_dir = shipped_recipe_data()
    head_dir = head_dir or recipe_dir
    t0 = time.time()
    heads = fit_heads(fs, targets, head_dir, config, protocol, fit_missing=fit_missing)
    fitted = time.time() - t0
    methods = methods or METHODS
    report = evaluate_adapters(fs, targets, heads, {m: c for m, (c, _) in methods.items()}, protocol=protocol)
    report["protocol_text"] = PROTOCOL_TEXT[protocol]
    report["method_text"] = {m: text for m, (_, text) in methods.items()}
    report["note"] = note
    report["held_out_groups_scored"] = sorted(heads)
    report["seconds"] = {"fit_heads": round(fitted), "score": round(time.time() - t0 - fitted)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    return report


def summary_lines(report: dict[str, Any]) -> list[str]:
    """One line per K and table: mean, spread, worst speaker and the largest loss per method."""
    lines = []
    for k, tables in report["k"].items():
        for table in ("ravdess", "tess_within", "tess_across_corpora"):
            parts = [f"{m} {v['mean']:.1f}±{v['std']:.1f} (worst {v['worst']:.1f}, "
                     f"largest loss {v['largest_loss']:+.1f})" for m, v in tables[table].items()]
            lines.append(f"K={k} {table}: " + "; ".join(parts))
    return lines
