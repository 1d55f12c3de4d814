"""Finding the face in a frame: OpenCV's frontal-face Haar cascade, whose trained file ships
inside the ``opencv-python-headless`` 4.x wheel (``cv2.data.haarcascades``; nothing is downloaded).
The largest face wins; its box, widened a little as FER-2013's crops are, is cut from the
greyscale frame and resized to 48x48."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.errors import ImageDecodeError, NoFaceError
from ml.face.preprocess import FACE_SIZE

CASCADE_FILE = "haarcascade_frontalface_default.xml"
# Detection runs on the frame scaled so its longer side is at most this (a 640x480 webcam frame:
# 240x180; ~18 ms of one core instead of ~28 ms at 320x240, for the same faces found in
# benchmarks/bench_face.py's frames); a face must cover at least MIN_FACE_FRACTION of the
# shorter side to count.
DETECT_SIDE = 240
MIN_FACE_FRACTION = 0.12
# FER-2013's crops include a little hair and chin beyond a Haar box.
MARGIN = 0.1

_local = threading.local()  # a CascadeClassifier is not safe to share between threads


@dataclass(frozen=True)
class FaceBox:
    """Where the face was, in the frame's pixels."""

    x: int
    y: int
    width: int
    height: int


def cascade_path() -> Path:
    import cv2

    path = Path(cv2.data.haarcascades) / CASCADE_FILE  # type: ignore[attr-defined]  # not in the stubs
    if not path.exists():  # opencv-python 5.x wheels ship no cascades
        raise RuntimeError(f"{path} is missing: install opencv-python-headless 4.x (requirements.txt)")
    return path


def _cascade():  # noqa: ANN202 - cv2.CascadeClassifier
    c = getattr(_local, "cascade", None)
    if c is None:
        import cv2

        c = _local.cascade = cv2.CascadeClassifier(str(cascade_path()))
    return c


def decode_image(data: bytes | str | Path) -> np.ndarray:
    """A JPEG/PNG/... file or its bytes -> greyscale uint8 ``(h, w)``; raises ImageDecodeError."""
    import cv2

    raw = Path(data).read_bytes() if isinstance(data, str | Path) else data
    img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE) if raw else None
    if img is None or img.size == 0:
        raise ImageDecodeError(detail=f"{len(raw)} bytes not decodable by OpenCV")
    return img


def to_grey(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8)
    raise ImageDecodeError(detail=f"image of shape {image.shape}")


def find_face(grey: np.ndarray) -> FaceBox:
    """The largest frontal face in a greyscale frame; raises NoFaceError."""
    import cv2

    h, w = grey.shape
    scale = min(1.0, DETECT_SIDE / max(h, w))
    small = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else grey
    small = cv2.equalizeHist(small)  # detection only: dim frames still show a face's pattern
    side = max(24, int(MIN_FACE_FRACTION * min(small.shape)))
    found = _cascade().detectMultiScale(small, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    if len(found) == 0:
        raise NoFaceError(detail=f"no face in a {w}x{h} frame")
    x, y, bw, bh = max(found, key=lambda b: int(b[2]) * int(b[3]))
    return FaceBox(int(x / scale), int(y / scale), int(bw / scale), int(bh / scale))


def crop_face(grey: np.ndarray, box: FaceBox) -> np.ndarray:
    """The box widened by MARGIN, squared, cut out (edges replicated past the frame) at 48x48."""
    import cv2

    side = int(max(box.width, box.height) * (1 + 2 * MARGIN))
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    pad = max(0, -x0, -y0, x0 + side - grey.shape[1], y0 + side - grey.shape[0])
    src = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else grey
    crop = src[y0 + pad: y0 + pad + side, x0 + pad: x0 + pad + side]
    return cv2.resize(crop, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
