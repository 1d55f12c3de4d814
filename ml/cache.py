"""On-disk feature cache: every clip's features (original + augmented variants) computed once.

Keyed by the feature/augmentation settings and the clips' paths, sizes and mtimes, so a retrain
with the same data and settings loads arrays instead of decoding 4,000 files again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ml.audio import load_speech
from ml.augment import AugmentConfig, augment, channel_gain, variant_seed, vtlp_factor
from ml.datasets import Clip
from ml.errors import AudioError
from ml.features import FeatureConfig, extract_features
from ml.model import FRONTENDS

CACHE_VERSION = 1


@dataclass
class FeatureSet:
    """Features for a list of clips. ``variant`` 0 is the clip itself, 1.. its augmented copies."""

    clips: list[Clip]
    clip_index: np.ndarray  # (n_items,) index into ``clips``
    variant: np.ndarray  # (n_items,)
    offsets: np.ndarray  # (n_items + 1,) row offsets into ``frames``
    frames: np.ndarray  # (total_frames, n_features) float16
    extract_seconds: float = float("nan")  # time the cold extraction took (reported in the card)

    def item(self, i: int) -> np.ndarray:
        return self.frames[self.offsets[i] : self.offsets[i + 1]].astype(np.float32)

    def items_of(self, clip_ids: np.ndarray, *, augmented: bool) -> np.ndarray:
        """Item indices whose clip is in ``clip_ids`` (original only, or with augmented copies)."""
        sel = np.isin(self.clip_index, clip_ids)
        if not augmented:
            sel &= self.variant == 0
        return np.flatnonzero(sel)


def default_cache_dir() -> Path:
    env = os.environ.get("MOODIFY_FEATURE_CACHE")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".feature-cache"


def frontend_contract(frontend: str) -> dict[str, object]:
    """What a model's input depends on: saved with the model, checked at load, part of the cache key."""
    if frontend == "whisper":
        from ml.whisper import WhisperFeatureConfig, encoder_digest

        return {**asdict(WhisperFeatureConfig()), "encoder": encoder_digest()}
    return asdict(FeatureConfig())


def _key(clips: list[Clip], aug: AugmentConfig, frontend: str = "acoustic") -> str:
    h = hashlib.sha256()
    aug_d = asdict(aug)
    # A feature-side augmentation that is off changes nothing: leave its settings out, so the key
    # (and the caches) stay those of configs from before it existed.
    for size, prob in (("vtlp", "p_vtlp"), ("channel_db", "p_channel")):
        if aug_d[size] <= 0:
            del aug_d[size], aug_d[prob]
    h.update(json.dumps([CACHE_VERSION, frontend_contract(frontend), aug_d]).encode())
    for c in clips:
        st = c.path.stat()
        h.update(f"{c.path}|{st.st_size}|{st.st_mtime_ns}|{c.emotion}|{c.speaker}\n".encode())
    return h.hexdigest()[:16]


def compute_features(clips: list[Clip], aug: AugmentConfig = AugmentConfig(), *,
                     frontend: str = "acoustic", cache_dir: Path | None = None,
                     progress: bool = True) -> FeatureSet:
    """Load from cache, or decode, prepare, augment and featurise every clip (with a progress bar).

    ``frontend`` "acoustic": per-frame features (:func:`ml.features.extract_features`);
    "whisper": one row per item, the frozen Whisper encoder's clip embedding
    (:class:`ml.whisper.Embedder`).
    """
    import time

    from tqdm import tqdm

    t0 = time.time()
    cache_dir = cache_dir or default_cache_dir()
    if frontend not in FRONTENDS:
        raise ValueError(f"frontend must be one of {FRONTENDS}, not {frontend!r}")
    path = cache_dir / f"features-{_key(clips, aug, frontend)}.npz"
    if path.exists():
        z = np.load(path)
        secs = float(z["seconds"]) if "seconds" in z.files else float("nan")
        return FeatureSet(clips, z["clip_index"], z["variant"], z["offsets"], z["frames"], secs)
    chunks: list[np.ndarray] = []
    clip_index: list[int] = []
    variant: list[int] = []
    skipped = 0
    if frontend == "whisper":
        from ml.whisper import N_FFT as WHISPER_FFT
        from ml.whisper import get_embedder

        embed = get_embedder()

        def featurise(y: np.ndarray, warp: float, seed: int | None) -> np.ndarray:
            gain = None if seed is None else channel_gain(seed, aug, n_fft=WHISPER_FFT)
            return embed(y, vtlp=warp, channel=gain)[None, :]
    else:

        def featurise(y: np.ndarray, warp: float, seed: int | None) -> np.ndarray:
            gain = None if seed is None else channel_gain(seed, aug)
            return extract_features(y, vtlp=warp, channel=gain)

    for ci, clip in enumerate(tqdm(clips, desc="features", unit="clip", disable=not progress)):
        try:
            speech = load_speech(clip.path)
        except AudioError:
            skipped += 1  # an unusable training file is skipped, not fatal
            continue
        for v in range(aug.variants + 1):
            seed = variant_seed(clip.clip_id, v)
            y = speech.waveform if v == 0 else augment(speech.waveform, seed, aug)
            warp = 1.0 if v == 0 else vtlp_factor(seed, aug)
            chunks.append(featurise(y, warp, None if v == 0 else seed).astype(np.float16))
            clip_index.append(ci)
            variant.append(v)
    if skipped:
        print(f"skipped {skipped} unreadable clips")
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunks])]).astype(np.int64)
    fs = FeatureSet(clips, np.array(clip_index), np.array(variant), offsets,
                    np.concatenate(chunks, axis=0), time.time() - t0)  # fmt: skip
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, clip_index=fs.clip_index, variant=fs.variant, offsets=fs.offsets,
             frames=fs.frames, seconds=np.array(fs.extract_seconds))  # fmt: skip
    tmp.replace(path)
    return fs
