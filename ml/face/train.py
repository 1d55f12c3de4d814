"""Training the face expression CNN on FER-2013's training images: a stratified held-out tenth of
them picks the best epoch and fits the temperature; the validation images are never seen here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from ml.face.model import FaceModelConfig


@dataclass(frozen=True)
class FaceTrainConfig:
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 3e-3
    # Class weights are (n / (k * n_class)) ** balance_power: 1 is fully balanced, 0 none. Half way
    # lifts disgust (1.5 % of the images) about 3x without trading away most of the common classes.
    balance_power: float = 0.5
    held_out: float = 0.1
    seed: int = 1234
    # The held-out tenth is drawn with this seed (default: ``seed``), so that ensemble members
    # trained with other seeds can share one held-out set for the ensemble's temperature.
    split_seed: int | None = None
    limit: int = 0  # N training images drawn at random (smoke runs)
    model: FaceModelConfig = field(default_factory=FaceModelConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def class_weights(y: np.ndarray, n_classes: int, power: float) -> np.ndarray:
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return (len(y) / (n_classes * np.maximum(counts, 1))) ** power


def held_out_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    fit, held = train_test_split(idx, test_size=fraction, stratify=y, random_state=seed)
    return np.sort(fit), np.sort(held)


@dataclass
class TrainedFaceModel:
    core: object  # keras.Model: standardised crops -> logits
    temperature: float
    history: dict
    held_out_accuracy: float
    train_seconds: float


def train(x: np.ndarray, y: np.ndarray, cfg: FaceTrainConfig, *, verbose: int = 2,
          on_best: Callable[[TrainedFaceModel], None] | None = None) -> TrainedFaceModel:
    """Fit on uint8 crops ``x`` (n, 48, 48) with labels ``y``; returns the best epoch's model.
    ``on_best`` sees the model (calibrated) each time an epoch beats the earlier ones, so a run
    cut short still leaves its best epoch saved."""
    import keras

    from ml.calibration import fit_temperature
    from ml.face.augment import augment_batch
    from ml.face.model import build_core
    from ml.face.preprocess import mirror_averaged, normalise

    keras.utils.set_random_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    if cfg.limit:
        keep = np.sort(rng.choice(len(y), min(cfg.limit, len(y)), replace=False))
        x, y = x[keep], y[keep]
    fit_idx, held_idx = held_out_split(y, cfg.held_out, cfg.seed if cfg.split_seed is None else cfg.split_seed)
    weights = class_weights(y[fit_idx], cfg.model.n_classes, cfg.balance_power)[y[fit_idx]]
    core = build_core(cfg.model)
    steps = int(np.ceil(len(fit_idx) / cfg.batch_size)) * cfg.epochs
    schedule = keras.optimizers.schedules.CosineDecay(cfg.learning_rate / 10, steps, alpha=0.01,
                                                      warmup_target=cfg.learning_rate,
                                                      warmup_steps=steps // 20)  # fmt: skip
    core.compile(optimizer=keras.optimizers.Adam(schedule),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 weighted_metrics=["accuracy"])  # fmt: skip
    x_held = normalise(x[held_idx])
    best = _BestEpoch(core, x_held, y[held_idx])

    def held_logits() -> np.ndarray:  # as served: each face with its mirror image
        return mirror_averaged(lambda b: core.predict(b, batch_size=256, verbose=0), x_held)

    history: dict[str, list[float]] = {}
    t0 = time.time()
    for epoch in range(cfg.epochs):
        before = best.best_score
        # A fresh random copy of every training crop each epoch.
        x_fit = normalise(augment_batch(x[fit_idx], rng))
        hist = core.fit(x_fit, y[fit_idx], sample_weight=weights, batch_size=cfg.batch_size,
                        initial_epoch=epoch, epochs=epoch + 1, shuffle=True, callbacks=[best],
                        verbose=verbose)  # fmt: skip
        for k, vals in hist.history.items():
            history.setdefault(k, []).extend(float(v) for v in vals)
        if on_best is not None and best.best_score > before:
            on_best(TrainedFaceModel(core, fit_temperature(held_logits(), y[held_idx]),
                                     {**history, "held_out_accuracy": list(best.scores)}, best.best_score,
                                     time.time() - t0))  # fmt: skip
    seconds = time.time() - t0
    core.set_weights(best.weights)
    temperature = fit_temperature(held_logits(), y[held_idx])
    history["held_out_accuracy"] = best.scores
    return TrainedFaceModel(core, temperature, history, best.best_score, seconds)


def _best_epoch_callback():  # noqa: ANN202
    import keras

    class BestEpoch(keras.callbacks.Callback):
        """Keeps the weights of the epoch with the best held-out accuracy."""

        def __init__(self, core, x_held: np.ndarray, y_held: np.ndarray) -> None:  # noqa: ANN001
            super().__init__()
            self.core, self.x_held, self.y_held = core, x_held, y_held
            self.best_score, self.weights = -1.0, None
            self.scores: list[float] = []

        def on_epoch_end(self, epoch: int, logs=None) -> None:  # noqa: ANN001
            pred = self.core.predict(self.x_held, batch_size=256, verbose=0).argmax(axis=1)
            score = float((pred == self.y_held).mean())
            self.scores.append(score)
            print(f"epoch {epoch + 1}: held-out accuracy {score:.4f}", flush=True)
            if score > self.best_score:
                self.best_score, self.weights = score, self.core.get_weights()

    return BestEpoch


def _BestEpoch(core, x_held, y_held):  # noqa: ANN001, ANN202, N802 - built lazily (keras import)
    return _best_epoch_callback()(core, x_held, y_held)
