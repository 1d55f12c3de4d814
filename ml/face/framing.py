"""Synthetic camera frames: a face crop enlarged and placed somewhere in a larger frame of
smooth shading and sensor-like noise. Used to test and evaluate the whole served path (detection
included) on labelled faces, and to make the fake camera of the browser tests."""

from __future__ import annotations

import numpy as np


def place_in_frame(face: np.ndarray, rng: np.random.Generator, *, size: tuple[int, int] = (480, 640),
                   face_px: int = 160) -> np.ndarray:
    """uint8 crop ``(h, w)`` -> uint8 greyscale frame ``size`` (height, width) holding it."""
    import cv2

    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(60, 180) + rng.uniform(-40, 40) * xx / w + rng.uniform(-40, 40) * yy / h
    frame = np.clip(base + rng.normal(0, 6, (h, w)), 0, 255).astype(np.uint8)
    big = cv2.resize(face, (face_px, face_px), interpolation=cv2.INTER_CUBIC)
    y0 = int(rng.integers(0, h - face_px + 1))
    x0 = int(rng.integers(0, w - face_px + 1))
    frame[y0: y0 + face_px, x0: x0 + face_px] = big
    return frame
