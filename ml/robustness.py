"""The robustness report's inputs: held-out clips as users' devices and rooms deliver them.

Every condition of :data:`ml.rooms.CONDITIONS` is scored on the speaker-independent folds: the
head trained without a fold's speakers scores that fold's clips in that condition
(:func:`ml.evaluate.cross_validate` with ``conditions``). "long" joins five clips of one speaker
and emotion into one recording, which goes through voice activity, windowing and pooling like a
user's 20-s recording.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.datasets import Clip

TESS_EVERY = 8  # conditions other than clean score all RAVDESS clips and every 8th TESS clip
LONG_CLIPS = 5
LONG_TESS_GROUPS = 4  # per TESS speaker and emotion (each has 200 clips)


def evaluation_clips(clips: list[Clip]) -> list[Clip]:
    """All RAVDESS clips and every :data:`TESS_EVERY`-th TESS clip (its folders are per speaker
    and emotion, so a stride keeps every speaker and emotion)."""
    tess = [c for c in clips if c.corpus == "tess"]
    return [c for c in clips if c.corpus != "tess"] + tess[::TESS_EVERY]


@dataclass(frozen=True)
class LongRecording:
    """Clips of one speaker and emotion, played one after another."""

    clips: tuple[Clip, ...]

    @property
    def first(self) -> Clip:
        return self.clips[0]


def long_recordings(clips: list[Clip], seed: int = 0) -> list[LongRecording]:
    """Groups of :data:`LONG_CLIPS` clips of one speaker and emotion (RAVDESS: every actor and
    emotion once -- neutral, with four clips, as four; TESS: :data:`LONG_TESS_GROUPS` each)."""
    rng = np.random.default_rng(seed)
    by_key: dict[tuple[str, str], list[Clip]] = {}
    for c in clips:
        by_key.setdefault((c.speaker, c.emotion), []).append(c)
    out = []
    for key in sorted(by_key):
        pool = by_key[key]
        order = rng.permutation(len(pool))
        n_groups = max(1, len(pool) // LONG_CLIPS)
        if pool[0].corpus == "tess":
            n_groups = min(n_groups, LONG_TESS_GROUPS)
        for g in range(n_groups):
            members = [pool[int(i)] for i in order[g * LONG_CLIPS : (g + 1) * LONG_CLIPS]]
            if len(members) >= LONG_CLIPS - 1:
                out.append(LongRecording(tuple(members)))
    return out


def long_features(recordings: list[LongRecording], cache_dir: Path, *, progress: bool = True):  # noqa: ANN201
    """A :class:`ml.cache.FeatureSet` with one item per long recording (its first clip stands
    for it: same speaker, corpus and emotion), one row per window."""
    from tqdm import tqdm

    from ml.audio import load_audio
    from ml.cache import CACHE_VERSION, FeatureSet, embed_speech
    from ml.frontends import frontend_contract
    from ml.errors import AudioError

    from ml.segments import MAX_WINDOW_S, MIN_WINDOW_S

    h = hashlib.sha256(json.dumps([CACHE_VERSION, frontend_contract("whisper"), MAX_WINDOW_S, MIN_WINDOW_S,
                                   [[c.clip_id for c in r.clips] for r in recordings]]).encode())  # fmt: skip
    path = cache_dir / f"long-{h.hexdigest()[:16]}.npz"
    firsts = [r.first for r in recordings]
    if path.exists():
        z = np.load(path)
        return FeatureSet(firsts, z["clip_index"], z["variant"], z["offsets"], z["frames"])
    rows, index = [], []
    for i, rec in enumerate(tqdm(recordings, desc="features (long)", disable=not progress)):
        try:
            y = np.concatenate([load_audio(c.path)[0] for c in rec.clips])
            rows.append(embed_speech(y, 16_000).astype(np.float16))
            index.append(i)
        except AudioError:
            continue
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    fs = FeatureSet(firsts, np.array(index), np.zeros(len(index), int), offsets, np.concatenate(rows))
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, clip_index=fs.clip_index, variant=fs.variant, offsets=fs.offsets, frames=fs.frames)
    return fs
