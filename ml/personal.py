"""Personal voice: a small per-user adapter built from the user's own labelled recordings.

A user's corrections and confirmations are labelled examples of their voice, kept as pooled
encoder embeddings (never audio). From them :func:`build_adapter` derives, without retraining:

- a *voice offset*: how far this voice sits from the training voices, estimated per example
  against the global mean of its own class (so a user who only ever corrects to "sad" does not
  drag every answer away from sad), averaged and shrunk by ``n / (n + tau)``; it is subtracted
  from every window's embedding before the head, as per-speaker standardisation would;
- optionally, class prototypes in the head's hidden layer (the user's examples of a class, shrunk
  towards the training voices' class mean) whose cosine scores are added to the head's
  log-probabilities with a weight growing with the number of examples;
- a guard: leave-one-out over the user's own examples, with and without the adapter; the adapter
  is only *active* when it gets at least as many of them right as the global head does.

With no examples (or an inactive adapter) the prediction is exactly the global model's. Applying
an adapter is a vector subtraction (plus, with prototypes, one small matrix product per window).
Pure numpy; the web site stores the examples and builds the adapter in the worker.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ADAPTER_FORMAT = 1
ADAPTER_ARRAYS = "adapter.npz"
ADAPTER_META = "adapter.json"
CLASS_MEANS_FILE = "class_means.npz"


class AdapterError(ValueError):
    """An adapter or its examples cannot be used with this model; the message says why."""


@dataclass(frozen=True)
class AdapterConfig:
    """How examples become an adapter (the shipped choice is the default; see PERSONAL_VOICE.md)."""

    tau: float = 7.0  # offset shrinkage: weight n / (n + tau)
    prototype_weight: float = 0.0  # 0: no prototypes; else their weight at n -> infinity
    prototype_tau: float = 14.0  # prototype weight grows as n / (n + prototype_tau)
    prototype_shrink: float = 2.0  # per class, user mean weight n_c / (n_c + prototype_shrink)
    prototype_temperature: float = 0.1  # cosine similarities divided by this
    guard: bool = True  # leave-one-out on the user's own examples decides whether it is active

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# The configuration the product and `python -m ml adapt` use (chosen in PERSONAL_VOICE.md).
SHIPPED = AdapterConfig()


@dataclass(frozen=True)
class HeadArrays:
    """The emotion head as plain arrays (``head.npz``), plus the training voices' class means."""

    mean: np.ndarray
    scale: np.ndarray
    hidden_kernel: np.ndarray
    hidden_bias: np.ndarray
    logits_kernel: np.ndarray
    logits_bias: np.ndarray
    class_means: np.ndarray  # (n_classes, D): mean pooled embedding of each class in training

    @classmethod
    def load(cls, head_path: Path, class_means_path: Path | None = None) -> HeadArrays:
        head_path = Path(head_path)
        with np.load(head_path) as z:
            a = {k: z[k].astype(np.float32) for k in z.files}
        cm_path = class_means_path or head_path.with_name(CLASS_MEANS_FILE)
        if not cm_path.exists():
            raise AdapterError(f"{cm_path} is missing: personal adapters need the training class means "
                               "(python -m ml class-means)")
        with np.load(cm_path) as z:
            class_means = z["class_means"].astype(np.float32)
        scale = (1.0 / np.maximum(np.sqrt(a["variance"]), 1e-7)).astype(np.float32)
        return cls(a["mean"], scale, a["hidden_kernel"], a["hidden_bias"], a["logits_kernel"],
                   a["logits_bias"], class_means)  # fmt: skip

    @property
    def n_classes(self) -> int:
        return int(self.logits_bias.shape[0])

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    def preactivation(self, x: np.ndarray) -> np.ndarray:
        """The hidden layer before its GELU. Linear in ``x``: an offset shifts it by a constant."""
        return ((x - self.mean) * self.scale) @ self.hidden_kernel + self.hidden_bias

    def shift_of(self, offset: np.ndarray) -> np.ndarray:
        """How an embedding offset moves :meth:`preactivation`."""
        return (offset * self.scale) @ self.hidden_kernel

    @staticmethod
    def activate(pre: np.ndarray) -> np.ndarray:
        from scipy.special import erf

        return (0.5 * pre * (1.0 + erf(pre / np.sqrt(2.0)))).astype(np.float32)

    def hidden(self, x: np.ndarray) -> np.ndarray:
        return self.activate(self.preactivation(x))

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.hidden(x) @ self.logits_kernel + self.logits_bias


@dataclass(frozen=True)
class Adapter:
    """One user's adaptation of one model. ``offset`` is already shrunk; ``active`` False means
    the guard found it no better than the global head on the user's own examples."""

    offset: np.ndarray
    prototypes: np.ndarray  # (n_classes, hidden) unit vectors, or (0, 0) without prototypes
    prototype_weight: float
    prototype_temperature: float
    counts: tuple[int, ...]
    active: bool
    version: str
    loo: dict[str, int] = field(default_factory=dict)  # examples right out of n: global, adapted

    @property
    def n(self) -> int:
        return int(sum(self.counts))

    def window_logits(self, head: HeadArrays, x: np.ndarray, base_logits: np.ndarray | None = None) -> np.ndarray:
        """Adapted logits of window embeddings ``x`` (n, D). ``base_logits``: the head's logits of
        ``x - offset`` when the caller computed them already (the served ONNX head)."""
        return self.logits_from_preactivation(head, head.preactivation(x), base_logits)

    def logits_from_preactivation(self, head: HeadArrays, pre: np.ndarray,
                                  base_logits: np.ndarray | None = None) -> np.ndarray:
        """The same from the head's unadapted :meth:`HeadArrays.preactivation` of the windows
        (the evaluation computes it once per speaker and tries many adapters on it)."""
        h = head.activate(pre - head.shift_of(self.offset))
        logits = h @ head.logits_kernel + head.logits_bias if base_logits is None else base_logits
        if self.prototype_weight <= 0 or not len(self.prototypes):
            return logits
        h = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-9)
        return _log_softmax(logits) + self.prototype_weight * _log_softmax(
            h @ self.prototypes.T / self.prototype_temperature)

    def save(self, out_dir: Path, *, model_version: str = "") -> Path:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        np.savez(out_dir / ADAPTER_ARRAYS, offset=self.offset.astype(np.float32),
                 prototypes=self.prototypes.astype(np.float32))  # fmt: skip
        meta = {"format": ADAPTER_FORMAT, "version": self.version, "model_version": model_version,
                "n_examples": self.n, "counts": list(self.counts), "active": self.active, "loo": self.loo,
                "prototype_weight": self.prototype_weight,
                "prototype_temperature": self.prototype_temperature}  # fmt: skip
        (out_dir / ADAPTER_META).write_text(json.dumps(meta, indent=1))
        return out_dir

    @classmethod
    def load(cls, directory: Path) -> tuple[Adapter, str]:
        """The adapter in ``directory`` and the model version it was built for."""
        directory = Path(directory)
        if not (directory / ADAPTER_META).exists() or not (directory / ADAPTER_ARRAYS).exists():
            raise AdapterError(f"{directory} holds no adapter ({ADAPTER_META} and {ADAPTER_ARRAYS}); "
                               "make one with `python -m ml adapt --examples CSV --out DIR`")
        meta = json.loads((directory / ADAPTER_META).read_text())
        if meta.get("format") != ADAPTER_FORMAT:
            raise AdapterError(f"{directory} is an adapter of format {meta.get('format')}, this code reads "
                               f"format {ADAPTER_FORMAT}; build it again from its examples")
        with np.load(directory / ADAPTER_ARRAYS) as z:
            offset, prototypes = z["offset"].astype(np.float32), z["prototypes"].astype(np.float32)
        adapter = cls(offset, prototypes, float(meta["prototype_weight"]), float(meta["prototype_temperature"]),
                      tuple(int(c) for c in meta["counts"]), bool(meta["active"]), str(meta["version"]),
                      dict(meta.get("loo", {})))  # fmt: skip
        return adapter, str(meta.get("model_version", ""))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def adapter_version(embeddings: np.ndarray, labels: np.ndarray, config: AdapterConfig) -> str:
    """A short name that changes whenever the examples or the way they are used change."""
    h = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    h.update(np.ascontiguousarray(embeddings, np.float32).tobytes())
    h.update(np.asarray(labels, np.int64).tobytes())
    return f"pv{ADAPTER_FORMAT}-{len(labels)}-{h.hexdigest()[:10]}"


def _offset(head: HeadArrays, embeddings: np.ndarray, labels: np.ndarray, tau: float) -> np.ndarray:
    n = len(labels)
    if n == 0:
        return np.zeros(head.dim, np.float32)
    gap = (embeddings - head.class_means[labels]).mean(axis=0)
    return (n / (n + tau) * gap).astype(np.float32)


def _prototypes(head: HeadArrays, shifted: np.ndarray, labels: np.ndarray, config: AdapterConfig) -> np.ndarray:
    """Unit class prototypes in the hidden layer: the user's examples of each class (already
    shifted by the offset), shrunk towards the training voices' class mean."""
    h = head.hidden(shifted)
    protos = head.hidden(head.class_means).astype(np.float64)
    for c in range(head.n_classes):
        mine = labels == c
        if mine.any():
            w = mine.sum() / (mine.sum() + config.prototype_shrink)
            protos[c] = w * h[mine].mean(axis=0) + (1 - w) * protos[c]
    return (protos / np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def _unguarded(head: HeadArrays, embeddings: np.ndarray, labels: np.ndarray, config: AdapterConfig,
               version: str, active: bool = True, loo: dict[str, int] | None = None) -> Adapter:
    n = len(labels)
    offset = _offset(head, embeddings, labels, config.tau)
    use_protos = config.prototype_weight > 0 and n > 0
    protos = _prototypes(head, embeddings - offset, labels, config) if use_protos else np.zeros((0, 0), np.float32)
    weight = config.prototype_weight * n / (n + config.prototype_tau) if use_protos else 0.0
    counts = tuple(int(c) for c in np.bincount(labels, minlength=head.n_classes))
    return Adapter(offset, protos, float(weight), config.prototype_temperature, counts, active, version, loo or {})


def build_adapter(head: HeadArrays, embeddings: np.ndarray, labels: np.ndarray,
                  config: AdapterConfig | None = None) -> Adapter:
    """The adapter of a user's examples: pooled embeddings ``(n, D)`` and class indices ``(n,)``;
    ``config`` None: the shipped choice (:data:`SHIPPED`)."""
    config = config or SHIPPED
    embeddings = np.asarray(embeddings, np.float32).reshape(-1, head.dim)
    labels = np.asarray(labels, np.int64).reshape(-1)
    if len(labels) != len(embeddings):
        raise AdapterError(f"{len(embeddings)} embeddings but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= head.n_classes):
        raise AdapterError(f"labels must be class indices 0..{head.n_classes - 1}")
    version = adapter_version(embeddings, labels, config)
    if not config.guard or len(labels) == 0:
        return _unguarded(head, embeddings, labels, config, version, active=len(labels) > 0)
    right_global = int((head.logits(embeddings).argmax(axis=1) == labels).sum())
    right_adapted = _loo_right(head, embeddings, labels, config, version)
    loo = {"n": int(len(labels)), "global": right_global, "adapted": right_adapted}
    return _unguarded(head, embeddings, labels, config, version, active=right_adapted >= right_global, loo=loo)


def _loo_right(head: HeadArrays, embeddings: np.ndarray, labels: np.ndarray, config: AdapterConfig,
               version: str) -> int:
    """How many of the examples an adapter built from the *other* examples gets right."""
    n = len(labels)
    if config.prototype_weight <= 0:
        # Offset only: every leave-one-out offset at once, (S - d_i) / (n - 1 + tau).
        gaps = embeddings - head.class_means[labels]
        offsets = (gaps.sum(axis=0) - gaps) / (n - 1 + config.tau)
        return int((head.logits(embeddings - offsets).argmax(axis=1) == labels).sum())
    right = 0
    for i in range(n):
        keep = np.arange(n) != i
        held_out = _unguarded(head, embeddings[keep], labels[keep], config, version)
        right += int(held_out.window_logits(head, embeddings[i : i + 1]).argmax() == labels[i])
    return right


def pooled_logits(head: HeadArrays, windows: np.ndarray, adapter: Adapter | None) -> np.ndarray:
    """A recording's logits as the predictor pools them (mean over windows), adapted or not."""
    if adapter is None or not adapter.active:
        return head.logits(windows).mean(axis=0)
    return adapter.window_logits(head, windows).mean(axis=0)


def class_means(embeddings: np.ndarray, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean pooled embedding of each class (the training voices' reference for the offset)."""
    return np.stack([embeddings[targets == c].mean(axis=0) for c in range(n_classes)]).astype(np.float32)


@functools.cache
def _label_map(config_path: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    cfg = json.loads(config_path.read_text())
    return tuple(cfg["labels"]), dict(cfg.get("label_map", {}).get("mapping", {}))


def model_label(emotion: str, model_dir: Path | None = None) -> str | None:
    """The model's name for an emotion a person chose ("calm" -> "neutral"), or None when the
    model has no class for it. Reads only the model's config: no model is loaded."""
    from ml.serving import DEFAULT_MODEL_DIR

    labels, mapping = _label_map(Path(model_dir or DEFAULT_MODEL_DIR) / "config.json")
    label = mapping.get(emotion, emotion)
    return label if label in labels else None
