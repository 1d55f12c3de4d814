"""A trained model's files: weights, normaliser, the served head and ``config.json`` (the card is
the caller's, :func:`ml.card.write_card`)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.config import TrainConfig
from ml.datasets import LABEL_MAPS
from ml.model import CONFIG_FORMAT, build_model


def save_model(model, out_dir: Path, *, config: TrainConfig, mean: np.ndarray,  # noqa: ANN001
               var: np.ndarray, temperature: float) -> str:
    """Write weights, normaliser, the served head and config; returns the version string."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / "model.weights.h5"
    label_map = LABEL_MAPS[config.label_map]
    # A fresh, uncompiled copy: saving the trained model would also write the optimizer's
    # moment estimates, twice the weights' size and useless for serving.
    mcfg = replace(config.model, n_classes=len(label_map.labels))
    serving = build_model(mcfg, mean, var)
    serving.set_weights(model.get_weights())
    serving.save_weights(weights)
    np.savez(out_dir / "normaliser.npz", mean=mean, var=var)
    frontend = mcfg.frontend
    if frontend.pooled_embedding:  # an ensemble of heads is folded into one
        from ml.serving import export_head

        export_head(serving, out_dir)  # the head the predictor serves without TensorFlow
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:8]
    version = f"ser-{frontend.tag}-{label_map.name}-{time.strftime('%Y%m%d')}-{digest}"
    cfg = {
        "config_format": CONFIG_FORMAT,
        "version": version,
        "labels": list(label_map.labels),
        "label_map": label_map.to_dict(),
        "temperature": float(temperature),
        "features": frontend.contract(),
        "model": mcfg.to_dict(),
        "train": config.to_dict(),
    }
    (out_dir / "config.json").write_text(json.dumps(cfg, indent=2))
    return version
