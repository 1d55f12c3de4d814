"""A trained face model on disk: ``weights.npz`` (each Keras layer's arrays by name, float32) and
``config.json`` (labels, architecture, temperature, version). Serving reads these without Keras."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np

DEFAULT_FACE_MODEL_DIR = Path(__file__).resolve().parents[1] / "artifacts" / "face"
WEIGHTS_FILE = "weights.npz"
CONFIG_FILE = "config.json"


def save_face_model(core, out: Path, *, train_config: dict, temperature: float,  # noqa: ANN001
                    history: dict, held_out_accuracy: float, train_seconds: float) -> str:
    """Write ``core``'s (keras.Model) weights and config to ``out``; returns the version."""
    from ml.datasets import DEFAULT_LABELS

    out.mkdir(parents=True, exist_ok=True)
    arrays = {f"{layer.name}/{i}": np.asarray(w, np.float32)
              for layer in core.layers for i, w in enumerate(layer.get_weights())}  # fmt: skip
    np.savez_compressed(out / WEIGHTS_FILE, **arrays)  # type: ignore[arg-type]  # numpy stubs: names as kwargs
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays.values())).hexdigest()[:8]
    version = f"face-{dt.date.today():%Y%m%d}-{digest}"
    config = {"version": version, "labels": list(DEFAULT_LABELS), "temperature": temperature,
              "model": train_config["model"], "train": train_config, "history": history,
              "held_out_accuracy": held_out_accuracy, "train_seconds": round(train_seconds, 1)}  # fmt: skip
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
    return version


def load_face_config(model_dir: Path) -> dict:
    return json.loads((Path(model_dir) / CONFIG_FILE).read_text())


def load_face_weights(model_dir: Path) -> list[dict[str, np.ndarray]]:
    """Each network's arrays by layer name: one dict, or one per member of an ensemble (whose
    ``weights.npz`` holds member ``i``'s arrays under ``m{i}/``)."""
    with np.load(Path(model_dir) / WEIGHTS_FILE) as z:
        arrays = {k: z[k] for k in z.files}
    prefixes = {k.split("/", 1)[0] for k in arrays}
    if not all(p[:1] == "m" and p[1:].isdigit() for p in prefixes):  # layer names: one network
        return [arrays]
    return [{k[len(f"m{i}/"):]: v for k, v in arrays.items() if k.startswith(f"m{i}/")}
            for i in range(len(prefixes))]  # fmt: skip


def load_face_networks(model_dir: Path) -> list[tuple[dict, dict[str, np.ndarray]]]:
    """``(config, arrays)`` of each network in ``model_dir``: the one network `face train` wrote, or
    each member of an ensemble (its config as the ensemble recorded it, with the shared architecture)."""
    config = load_face_config(model_dir)
    weights = load_face_weights(model_dir)
    if "members" not in config:
        return [(config, weights[0])]
    shared = {"labels": config["labels"], "model": config["model"]}
    return [({**net, **shared}, w) for net, w in zip(config["members"]["networks"], weights, strict=True)]


def save_face_ensemble(networks: list[tuple[dict, dict[str, np.ndarray]]], out: Path, *,
                       temperature: float, held_out_accuracy: float) -> str:
    """One model directory holding ``networks`` (:func:`load_face_networks`' pairs; same
    architecture, one held-out split), whose logits are averaged; returns the version."""
    configs = [c for c, _ in networks]
    if any(c["model"] != configs[0]["model"] for c in configs):
        raise ValueError("ensemble members must share one architecture")
    arrays = {f"m{i}/{k}": v for i, (_, w) in enumerate(networks) for k, v in w.items()}
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / WEIGHTS_FILE, **arrays)  # type: ignore[arg-type]  # numpy stubs: names as kwargs
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays.values())).hexdigest()[:8]
    version = f"face-{dt.date.today():%Y%m%d}-{digest}"
    members = [{k: c[k] for k in ("version", "train", "history", "held_out_accuracy", "train_seconds")}
               for c in configs]  # fmt: skip
    config = {"version": version, "labels": configs[0]["labels"], "temperature": temperature,
              "model": configs[0]["model"], "train": configs[0]["train"],
              "members": {"count": len(members), "networks": members},
              "held_out_accuracy": held_out_accuracy,
              "train_seconds": round(sum(c["train_seconds"] for c in configs), 1)}  # fmt: skip
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
    return version
