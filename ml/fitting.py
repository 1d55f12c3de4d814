"""Fitting: a fixed epoch budget over speaker-grouped training items, one example per clip per
epoch (its original or an augmented copy), and clip-level logits of a trained model.

Augmented copies are selected per fold *after* the split (:func:`ml.folds.fold_items`), so a
clip's augmented variants can never sit in its own validation fold.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from tqdm import tqdm

from ml.cache import FeatureSet
from ml.config import TrainConfig
from ml.datasets import LABEL_MAPS
from ml.features import windows
from ml.model import build_model
from ml.sample_weights import balance_groups, sample_weights


def fold_items(fs: FeatureSet, train_clips: np.ndarray, val_clips: np.ndarray,
               *, use_augmented: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Feature items for a fold: training clips with their augmented copies; validation originals."""
    overlap = np.intersect1d(train_clips, val_clips)
    if overlap.size:
        raise ValueError(f"{overlap.size} clips on both sides of the split")
    return (fs.items_of(train_clips, augmented=use_augmented),
            fs.items_of(val_clips, augmented=False))  # fmt: skip


def normaliser_stats(fs: FeatureSet, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean/variance over the training items' frames (originals only)."""
    rows = np.concatenate([np.arange(fs.offsets[i], fs.offsets[i + 1]) for i in items])
    x = fs.frames[rows].astype(np.float64)
    return x.mean(axis=0).astype(np.float32), np.maximum(x.var(axis=0), 1e-6).astype(np.float32)


def _crop(feats: np.ndarray, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random time shift: a random window of long clips, a random offset for short ones."""
    t, f = feats.shape
    x = np.zeros((window, f), np.float32)
    m = np.zeros(window, np.float32)
    if t >= window:
        s = int(rng.integers(0, t - window + 1))
        x[:] = feats[s : s + window]
        m[:] = 1.0
    else:
        s = int(rng.integers(0, window - t + 1))
        x[s : s + t] = feats
        m[s : s + t] = 1.0
    return x, m


class _EpochSampler:
    """One example per training clip per epoch: the original or one of its augmented copies,
    drawn afresh each epoch (as on-the-fly augmentation would, at a third of the cost)."""

    def __init__(self, fs: FeatureSet, groups: list[np.ndarray], y: np.ndarray,
                 weights: np.ndarray, batch_size: int, window: int, seed: int,
                 mixup: float = 0.0, speakers: np.ndarray | None = None) -> None:
        self.fs, self.groups, self.y, self.w, self.mixup = fs, groups, y, weights, mixup
        self.speakers = speakers
        self.batch_size, self.window, self.seed = batch_size, window, seed
        self.epoch = 0
        self._shuffle()

    def _shuffle(self) -> None:
        rng = np.random.default_rng((self.seed, self.epoch))
        self.order = rng.permutation(len(self.groups))
        self.pick = np.array([g[rng.integers(len(g))] for g in self.groups])

    def __len__(self) -> int:
        return int(np.ceil(len(self.groups) / self.batch_size))

    def speakers_of(self, b: int) -> np.ndarray:
        """Speaker index of each example in batch ``b`` (for the adversarial head)."""
        assert self.speakers is not None
        return self.speakers[self.order[b * self.batch_size : (b + 1) * self.batch_size]]

    def __getitem__(self, b: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
        rng = np.random.default_rng((self.seed, self.epoch, b))
        sel = self.order[b * self.batch_size : (b + 1) * self.batch_size]
        xs, ms = zip(*(_crop(self.fs.item(int(self.pick[i])), self.window, rng) for i in sel),
                     strict=True)  # fmt: skip
        x, m, y, w = np.stack(xs), np.stack(ms), self.y[sel], self.w[sel]
        if self.mixup > 0:
            lam = rng.beta(self.mixup, self.mixup, size=len(sel)).astype(np.float32)
            lam = np.maximum(lam, 1 - lam)  # the first clip dominates; its mask is kept
            perm = rng.permutation(len(sel))
            x = lam[:, None, None] * x + (1 - lam[:, None, None]) * x[perm] * m[:, :, None]
            y = lam[:, None] * y + (1 - lam[:, None]) * y[perm]
            w = lam * w + (1 - lam) * w[perm]
        return (x, m), y, w

    def next_epoch(self) -> None:
        self.epoch += 1
        self._shuffle()


def clip_windows(feats: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    # A Whisper item's rows are its speech windows (window 1): each is scored, then averaged.
    return windows(feats, window, max(1, window // 2))


def predict_logits(model, fs: FeatureSet, items: np.ndarray, batch: int = 256) -> np.ndarray:  # noqa: ANN001
    """Clip-level logits: windows of each item through the model, averaged per clip."""
    xs, ms, owner = [], [], []
    window = int(model.inputs[0].shape[1])
    for k, i in enumerate(items):
        x, m = clip_windows(fs.item(int(i)), window)
        xs.append(x)
        ms.append(m)
        owner.extend([k] * len(x))
    x_all, m_all, own = np.concatenate(xs), np.concatenate(ms), np.array(owner)
    out = np.concatenate([
        np.asarray(model([x_all[s : s + batch], m_all[s : s + batch]], training=False))
        for s in range(0, len(x_all), batch)
    ])  # fmt: skip
    logits = np.zeros((len(items), out.shape[1]), np.float32)
    np.add.at(logits, own, out)
    return logits / np.bincount(own, minlength=len(items))[:, None]


def fit(fs: FeatureSet, train_items: np.ndarray, targets: np.ndarray, config: TrainConfig,
        *, val_items: np.ndarray | None = None, verbose: int = 1):  # noqa: ANN201
    """Train a model on ``train_items``; returns ``(model, history dict, (mean, var))``.

    A fixed epoch budget with cosine decay, no early stopping: stopping on the validation fold
    would tune on the speakers we then quote the score for. With ``model.members`` > 1, that many
    networks are trained (member i with ``config.member(i)``) and joined into one model averaging
    their logits (the history is their mean, the time their sum).
    """
    n = config.model.members
    if n <= 1:
        return _fit_single(fs, train_items, targets, config, val_items=val_items,
                           verbose=verbose)  # fmt: skip
    from ml.model import assemble_ensemble

    nets, hists = [], []
    for i in range(n):
        net, hist, (mean, var) = _fit_single(fs, train_items, targets, config.member(i),
                                             val_items=val_items, verbose=verbose)  # fmt: skip
        nets.append(net)
        hists.append(hist)
    history = {k: [float(v) for v in np.mean([h[k] for h in hists], axis=0)] for k in hists[0]}
    history["train_seconds"] = [float(sum(h["train_seconds"][0] for h in hists))]
    mcfg = replace(config.model, n_classes=len(LABEL_MAPS[config.label_map].labels))
    return assemble_ensemble(mcfg, nets, mean, var), history, (mean, var)


def _fit_single(fs: FeatureSet, train_items: np.ndarray, targets: np.ndarray,
                config: TrainConfig, *, val_items: np.ndarray | None = None,
                verbose: int = 1):  # noqa: ANN202
    import keras

    keras.utils.set_random_seed(config.seed)
    n_classes = len(LABEL_MAPS[config.label_map].labels)
    train_items, groups, uniq = _clip_groups(fs, train_items, targets)
    y, w = _clip_targets(fs, uniq, targets, config, n_classes)
    originals = train_items[fs.variant[train_items] == 0]
    mean, var = normaliser_stats(fs, originals)
    mcfg = replace(config.model, n_classes=n_classes)
    model = build_model(mcfg, mean, var)
    spk_names, spk_idx = np.unique([fs.clips[i].speaker for i in uniq], return_inverse=True)
    data = _EpochSampler(fs, groups, y, w, config.batch_size, mcfg.window_frames, config.seed,
                         config.mixup, speakers=spk_idx)
    trainer, adversary = _compiled(model, config, len(data), len(spk_names))
    curve = _ValidationCurve(fs, val_items, targets) if val_items is not None else None
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    t0 = time.time()
    # A plain loop over train_on_batch: keras' fit() machinery (tf.data from a Python generator)
    # roughly doubled the step time on 2 shared cores.
    epochs = tqdm(range(config.epochs), desc="training", unit="epoch", disable=not verbose)
    for epoch in epochs:
        if adversary is not None:
            p = epoch / max(config.epochs - 1, 1)
            adversary.scale.assign(config.speaker_adversarial * (2 / (1 + np.exp(-10 * p)) - 1))
        loss, acc = _train_epoch(trainer, data, adversarial=adversary is not None)
        data.next_epoch()
        history["loss"].append(float(loss))
        history["accuracy"].append(float(acc))
        post = {"loss": f"{loss:.3f}", "acc": f"{acc:.3f}"}
        if curve is not None:
            curve.update(model)
            post["held_out_acc"] = f"{curve.curves['val_accuracy'][-1]:.3f}"
        epochs.set_postfix(post)
    if curve is not None:
        history.update(curve.curves)
    history["train_seconds"] = [time.time() - t0]
    return model, history, (mean, var)


def _clip_groups(fs: FeatureSet, train_items: np.ndarray,
                 targets: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The labelled training items, grouped by clip: ``(items, groups, clip ids)``, a clip's
    group being its original and augmented copies (the sampler draws one per epoch)."""
    clip_of = fs.clip_index[train_items]
    train_items, clip_of = train_items[targets[clip_of] >= 0], clip_of[targets[clip_of] >= 0]
    order = np.argsort(clip_of, kind="stable")
    uniq, starts = np.unique(clip_of[order], return_index=True)
    return train_items, np.split(train_items[order], starts[1:]), uniq


def _clip_targets(fs: FeatureSet, uniq: np.ndarray, targets: np.ndarray, config: TrainConfig,
                  n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot targets and loss weights (class and group balance) of the clips ``uniq``."""
    import keras

    clip_targets = targets[uniq]
    y = keras.utils.to_categorical(clip_targets, n_classes).astype(np.float32)
    w = sample_weights(clip_targets, balance_groups([fs.clips[i] for i in uniq], config.balance),
                       n_classes, class_balance=config.class_weights)  # fmt: skip
    return y, w


def _compiled(model, config: TrainConfig, steps_per_epoch: int, n_speakers: int):  # noqa: ANN001, ANN202
    """``(trainer, adversary)``: the model compiled with warm-up then cosine-decayed AdamW; with
    ``speaker_adversarial``, a trainer sharing its layers plus a speaker head behind the
    gradient-reversal layer ``adversary`` (else the model itself, and None)."""
    import keras

    steps = steps_per_epoch * config.epochs
    warm = min(steps_per_epoch * config.warmup_epochs, steps // 4)
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate / 10, max(steps - warm, 1), alpha=0.01,
        warmup_target=config.learning_rate, warmup_steps=warm,
    )
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay)
    emotion_loss = keras.losses.CategoricalCrossentropy(from_logits=True,
                                                        label_smoothing=config.label_smoothing)
    if not config.speaker_adversarial:
        model.compile(optimizer=optimizer, loss=emotion_loss, metrics=["accuracy"])
        return model, None
    # The served model is `model`; `trainer` shares its layers and adds the speaker head.
    from ml.model import speaker_adversary

    trainer, adversary = speaker_adversary(model, n_speakers)
    trainer.compile(optimizer=optimizer, loss=[emotion_loss,
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True)],
                    metrics=[["accuracy"], []])  # fmt: skip
    return trainer, adversary


def _train_epoch(trainer, data: _EpochSampler, *, adversarial: bool) -> tuple[float, float]:  # noqa: ANN001
    """One pass over ``data``: the example-weighted mean training loss and accuracy."""
    # train_on_batch resets metrics on every call: average the per-batch values ourselves.
    sums, seen = np.zeros(2), 0
    for b in range(len(data)):
        (x, m), yb, wb = data[b]
        if not adversarial:
            logs = trainer.train_on_batch([x, m], yb, sample_weight=wb, return_dict=True)
            loss_b, acc_b = float(logs["loss"]), float(logs["accuracy"])
        else:
            logs = trainer.train_on_batch([x, m], [yb, data.speakers_of(b)],
                                          sample_weight=[wb, np.ones_like(wb)],
                                          return_dict=True)  # fmt: skip
            acc_key = next(k for k in logs if k.endswith("accuracy"))
            loss_b, acc_b = float(logs["loss"]), float(logs[acc_key])
        sums += len(yb) * np.array([loss_b, acc_b])
        seen += len(yb)
    loss, acc = sums / max(seen, 1)
    return loss, acc


class _ValidationCurve:
    """Per-epoch loss/accuracy on held-out speakers, for the learning-curve plots only."""

    def __init__(self, fs: FeatureSet, items: np.ndarray, targets: np.ndarray) -> None:
        t = targets[fs.clip_index[items]]
        self.fs, self.items, self.t = fs, items[t >= 0], t[t >= 0]
        self.curves: dict[str, list[float]] = {"val_loss": [], "val_accuracy": []}

    def update(self, model) -> None:  # noqa: ANN001
        logits = predict_logits(model, self.fs, self.items)
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        self.curves["val_loss"].append(float(-logp[np.arange(len(self.t)), self.t].mean()))
        self.curves["val_accuracy"].append(float((logits.argmax(1) == self.t).mean()))
