"""Training-time copies of the crops (numpy + OpenCV, a few microseconds each): mirror, small
shifts, rotations and zooms, brightness, contrast and gamma. Serving never uses it."""

from __future__ import annotations

import numpy as np


def augment_batch(faces: np.ndarray, rng: np.random.Generator, *, shift: float = 0.08,
                  degrees: float = 12.0, zoom: float = 0.1) -> np.ndarray:
    """uint8 ``(n, 48, 48)`` -> uint8 ``(n, 48, 48)``, each crop changed at random."""
    import cv2

    n, h, w = faces.shape
    out = np.empty_like(faces)
    flips = np.asarray(rng.random(n) < 0.5)
    angles = np.asarray(rng.uniform(-degrees, degrees, n))
    scales = np.asarray(rng.uniform(1 - zoom, 1 + zoom, n))
    moves = np.asarray(rng.uniform(-shift, shift, (n, 2))) * (w, h)
    gains = np.asarray(rng.uniform(0.7, 1.3, n))  # contrast
    offsets = np.asarray(rng.uniform(-40, 40, n))  # brightness, in grey levels
    gammas = np.exp(np.asarray(rng.uniform(-0.4, 0.4, n)))
    ramp = np.arange(256, dtype=np.float32) / 255.0
    for i in range(n):
        img = faces[i][:, ::-1] if flips[i] else faces[i]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angles[i]), float(scales[i]))
        m[:, 2] += moves[i]
        img = cv2.warpAffine(np.ascontiguousarray(img), m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        lut = (ramp ** gammas[i]) * 255.0 * gains[i] + offsets[i] + 127.5 * (1 - gains[i])
        out[i] = cv2.LUT(img, np.clip(lut, 0, 255).astype(np.uint8))
    return out
