"""The one face pipeline used by training and serving alike: a greyscale 48x48 crop scaled to
[0, 1] and standardised per image (so a dim or bright frame looks like an evenly lit one)."""

from __future__ import annotations

import numpy as np

FACE_SIZE = 48


def normalise(faces: np.ndarray) -> np.ndarray:
    """uint8 ``(n, 48, 48)`` crops -> float32 ``(n, 48, 48, 1)``, zero mean, unit variance per image."""
    x = faces.astype(np.float32) / 255.0
    mean = x.mean(axis=(1, 2), keepdims=True)
    std = x.std(axis=(1, 2), keepdims=True)
    return ((x - mean) / np.maximum(std, 1e-3))[..., None]
