"""FER-2013 as arrays: the labelled 48x48 greyscale faces of ``faces/fer2013/{train,val}``,
decoded once and cached under ``.feature-cache/`` (the data itself is never copied into the repo)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ml.face.preprocess import FACE_SIZE

# The corpus folder names, in the order of the voice model's labels (ml.datasets.DEFAULT_LABELS).
FOLDER_LABELS: dict[str, str] = {
    "angry": "angry", "disgust": "disgust", "fear": "fearful", "happy": "happy",
    "neutral": "neutral", "sad": "sad", "surprise": "surprised",
}  # fmt: skip
CACHE_VERSION = 1


def data_dir(root: str | Path | None = None) -> Path:
    from ml.datasets import default_data_dir

    return Path(root or default_data_dir()) / "faces" / "fer2013"


def list_split(split: str, root: str | Path | None = None) -> list[tuple[Path, int]]:
    """``(image path, label index)`` of one split, sorted, so the order (and any split of it) is fixed."""
    from ml.datasets import DEFAULT_LABELS

    d = data_dir(root) / split
    if not d.is_dir():
        raise FileNotFoundError(f"no FER-2013 {split} folder at {d} (set MOODIFY_DATA_DIR)")
    out = []
    for folder, label in FOLDER_LABELS.items():
        out += [(p, DEFAULT_LABELS.index(label)) for p in sorted((d / folder).glob("*.jpg"))]
    return out


def load_split(split: str, root: str | Path | None = None, *,
               cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (n, 48, 48), labels int (n,))`` of one split, from the cache when it matches."""
    items = list_split(split, root)
    key = hashlib.sha256(f"{CACHE_VERSION}".encode())
    for p, lab in items:
        key.update(f"{p.parent.name}/{p.name}:{p.stat().st_size}:{lab}".encode())
    cache = (cache_dir or _default_cache_dir()) / f"fer2013-{split}-{key.hexdigest()[:16]}.npz"
    if cache.exists():
        z = np.load(cache)
        return z["x"], z["y"]
    x = np.stack([_read_face(p) for p, _ in items])
    y = np.array([lab for _, lab in items], np.int64)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, x=x, y=y)
    return x, y


def _read_face(path: Path) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise OSError(f"cannot decode {path}")
    if img.shape != (FACE_SIZE, FACE_SIZE):
        img = cv2.resize(img, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return img


def _default_cache_dir() -> Path:
    return Path(__file__).resolve().parents[2] / ".feature-cache"
