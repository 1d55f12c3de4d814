"""On-disk feature cache: every clip's features (original + augmented variants) computed once.

Keyed by the feature/augmentation settings and the clips' paths, sizes and mtimes, so a retrain
with the same data and settings loads arrays instead of decoding 4,000 files again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ml.audio import load_audio, load_speech, prepare_speech
from ml.augment import AugmentConfig, augment, channel_gain, variant_seed, vtlp_factor
from ml.datasets import Clip
from ml.errors import AudioError
from ml.features import extract_features
from ml.folds import other_fold_voices, same_fold_voices
from ml.frontends import frontend_contract, get_frontend
from ml.rooms import COPY_SETTINGS, BabbleBank, RoomAugment, apply_condition, degrade, focused_copy

# 2: speech found by voice activity (ml.vad) and cut into windows (ml.segments); room/device
# copies and conditions. (3 and 4 were voice activity over a noise floor, variants S2 and Q of the
# model card, not shipped.) 5: voice activity's shouting fallback (ml.vad.FAINT_VOICE); it
# changes only recordings that had under 0.5 s of speech before.
CACHE_VERSION = 5
# The "conditions" under which each kind of RoomAugment's focused copies is extracted (each cached
# apart from the clips and their room copies, so switching one on or off re-extracts nothing else).
COPY_CONDITIONS = {count: count.replace("_", "-") for count, *_ in COPY_SETTINGS}
BABBLE_COPIES = COPY_CONDITIONS["babble_copies"]


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


def _key(clips: list[Clip], aug: AugmentConfig, frontend: str = "acoustic", *,
         room: RoomAugment | None = None, condition: str = "clean") -> str:
    h = hashlib.sha256()
    aug_d = asdict(aug)
    # A feature-side augmentation that is off changes nothing: leave its settings out, so the key
    # (and the caches) stay those of configs from before it existed.
    for size, prob in (("vtlp", "p_vtlp"), ("channel_db", "p_channel")):
        if aug_d[size] <= 0:
            del aug_d[size], aug_d[prob]
    extra = [] if (room is None or room.variants == 0) and condition == "clean" else [
        room.to_dict() if room else None, condition]
    h.update(json.dumps([CACHE_VERSION, frontend_contract(frontend), aug_d, *extra]).encode())
    # The file's name and size, not its folder or modification time: the shared data is copied
    # afresh onto each machine (new times) and may sit elsewhere, and the cache should survive that.
    for c in clips:
        h.update(f"{c.corpus}|{c.path.name}|{c.path.stat().st_size}|{c.emotion}|{c.speaker}\n".encode())
    return h.hexdigest()[:16]


def compute_features(clips: list[Clip], aug: AugmentConfig = AugmentConfig(), *,
                     frontend: str = "acoustic", cache_dir: Path | None = None,
                     progress: bool = True, room: RoomAugment | None = None,
                     condition: str = "clean", fold_of: dict[str, int] | None = None,
                     babble: BabbleBank | None = None, workers: int = 1) -> FeatureSet:
    """Load from cache, or decode, prepare, augment and featurise every clip (with a progress bar).

    ``frontend`` "acoustic": per-frame features (:func:`ml.features.extract_features`);
    "whisper": one row per speech window (:func:`ml.segments.speech_windows`), the frozen
    Whisper encoder's embedding of it (:class:`ml.whisper.Embedder`).

    ``room`` (Whisper front end): that many room/device copies per clip
    (:func:`ml.rooms.degrade`), babble from the clip's own fold in ``fold_of``. ``condition``:
    every clip as that robustness condition delivers it (:func:`ml.rooms.apply_condition`),
    babble from the other folds. ``workers`` > 1 extracts in that many processes.
    """
    import time

    t0 = time.time()
    cache_dir = cache_dir or default_cache_dir()
    get_frontend(frontend)  # an unknown name is refused before any work
    if room is not None and room.copy_kinds and condition == "clean":
        # Each kind of focused copy is cached apart from the clips and their room copies (and
        # under the settings of its own kind only), so switching one on or off re-extracts nothing
        # else; its variant numbers are moved up to their place in the whole set.
        again = functools.partial(compute_features, clips, aug, frontend=frontend, cache_dir=cache_dir,
                                  progress=progress, fold_of=fold_of, babble=babble, workers=workers)  # fmt: skip
        fs = again(room=room.only_copies(None))
        for kind in room.copy_kinds:
            own = room.only_copies(kind)
            part = again(room=own, condition=COPY_CONDITIONS[kind])
            part.variant = part.variant + (room.copies_before(kind) - own.copies_before(kind))
            fs = _merged(fs, part)
        return fs
    path = cache_dir / f"features-{_key(clips, aug, frontend, room=room, condition=condition)}.npz"
    if path.exists():
        return _load(path, clips)
    _check_babble(frontend, room, condition, fold_of, babble)
    args = (aug, frontend, room, condition, fold_of or {}, babble)
    if workers > 1 and len(clips) >= 2 * workers:
        chunks, clip_index, variant, skipped = _extract_in_processes(clips, args, progress, workers)
    else:
        chunks, clip_index, variant, skipped = _extract(clips, args, progress)
    if skipped:
        print(f"skipped {skipped} clips that were unreadable or had no detectable speech")
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunks])]).astype(np.int64)
    fs = FeatureSet(clips, np.array(clip_index), np.array(variant), offsets,
                    np.concatenate(chunks, axis=0), time.time() - t0)  # fmt: skip
    _save(fs, path)
    return fs


def _load(path: Path, clips: list[Clip]) -> FeatureSet:
    """The cached feature set at ``path`` of ``clips``."""
    z = np.load(path)
    secs = float(z["seconds"]) if "seconds" in z.files else float("nan")
    return FeatureSet(clips, z["clip_index"], z["variant"], z["offsets"], z["frames"], secs)


def _save(fs: FeatureSet, path: Path) -> None:
    """Write ``fs`` to the cache file ``path`` (whole or not at all: written aside, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, clip_index=fs.clip_index, variant=fs.variant, offsets=fs.offsets,
             frames=fs.frames, seconds=np.array(fs.extract_seconds))  # fmt: skip
    tmp.replace(path)


def _check_babble(frontend: str, room: RoomAugment | None, condition: str,
                  fold_of: dict[str, int] | None, babble: BabbleBank | None) -> None:
    """ValueError where babble is asked for without what it is drawn from."""
    needs_babble = condition.startswith("babble") or (room is not None and room.variants > 0
                                                      and room.p_babble > 0)  # fmt: skip
    if condition in COPY_CONDITIONS.values() and (room is None or not get_frontend(frontend).pooled_embedding):
        raise ValueError("focused copies (babble, quiet, reverb) are room copies of the Whisper front end")
    if needs_babble and (fold_of is None or babble is None):
        raise ValueError("babble needs the speaker folds (fold_of) and a BabbleBank")


def _extract_in_processes(clips: list[Clip], args: tuple, progress: bool, workers: int,
                          ) -> tuple[list[np.ndarray], list[int], list[int], int]:
    """:func:`_extract` over ``workers`` contiguous shares of ``clips``, in as many processes."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    bounds = np.linspace(0, len(clips), workers + 1).astype(int)
    # spawn, not fork: TensorFlow's thread pools do not survive a fork.
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        parts = list(pool.map(_extract, [clips[a:b] for a, b in zip(bounds[:-1], bounds[1:])],
                              [args] * workers, [progress and i == 0 for i in range(workers)]))
    chunks = [c for p in parts for c in p[0]]
    clip_index = [int(i) + a for p, a in zip(parts, bounds[:-1], strict=True) for i in p[1]]
    variant = [v for p in parts for v in p[2]]
    return chunks, clip_index, variant, sum(p[3] for p in parts)


def _merged(a: FeatureSet, b: FeatureSet) -> FeatureSet:
    """``a``'s items then ``b``'s (same clips), as one feature set."""
    frames = np.concatenate([a.frames, b.frames])
    offsets = np.concatenate([a.offsets, b.offsets[1:] + a.offsets[-1]])
    return FeatureSet(a.clips, np.concatenate([a.clip_index, b.clip_index]),
                      np.concatenate([a.variant, b.variant]), offsets, frames,
                      a.extract_seconds + b.extract_seconds)  # fmt: skip


def _extract(clips: list[Clip], args: tuple, progress: bool,
             ) -> tuple[list[np.ndarray], list[int], list[int], int]:
    """Rows of every item of ``clips``: (chunks, clip index, variant, clips skipped)."""
    from tqdm import tqdm

    aug, frontend, room, condition, fold_of, babble = args
    # The encoder's embedding (Whisper) or the per-frame features (acoustic) of each copy.
    pooled = get_frontend(frontend).pooled_embedding
    if pooled:
        from ml.runtime import configure_threads

        configure_threads(1 if _in_worker_process() else None)
    chunks: list[np.ndarray] = []
    clip_index: list[int] = []
    variant: list[int] = []
    skipped = 0
    for ci, clip in enumerate(tqdm(clips, desc=f"features ({condition})", unit="clip",
                                   disable=not progress)):  # fmt: skip
        try:
            rows = _whisper_items(clip, room, condition, fold_of, babble) if pooled else _acoustic_items(clip, aug)
        except AudioError:
            skipped += 1  # an unusable (or, in a condition, refused) file is skipped, not fatal
            continue
        for v, r in enumerate(rows):
            if r is not None:
                chunks.append(r.astype(np.float16))
                clip_index.append(ci)
                variant.append(v)
    return chunks, clip_index, variant, skipped


def _in_worker_process() -> bool:
    import multiprocessing as mp

    return mp.parent_process() is not None


def embed_speech(waveform: np.ndarray, sample_rate: int, *, served: bool = False) -> np.ndarray:
    """``(windows, EMBEDDING_DIM)``: a recording as the Whisper model's input (training and
    evaluation; the predictor does the same steps with its timings). ``served``: through the
    int8 ONNX encoder the predictor serves (:mod:`ml.serving`) instead of the float Keras one."""
    from ml.segments import speech_windows
    from ml.whisper import get_embedder, log_mel

    embed = _served_encoder().embed_mel if served else get_embedder().embed_mel
    speech = prepare_speech(waveform, sample_rate)
    return np.stack([embed(log_mel(w.waveform)) for w in speech_windows(speech)])


@functools.cache
def _served_encoder():  # noqa: ANN202 - ml.serving.OnnxEncoder
    from ml.serving import OnnxEncoder

    return OnnxEncoder("int8")


def _whisper_items(clip: Clip, room: RoomAugment | None, condition: str,
                   fold_of: dict[str, int], babble: BabbleBank | None) -> list[np.ndarray | None]:
    """The clip (as ``condition`` delivers it), then its room/device copies; a copy whose speech
    the degradation hid is None (left out), the clip itself raises."""
    kind = next((k for k, c in COPY_CONDITIONS.items() if c == condition), None)
    if kind is not None:
        assert room is not None
        return [None] * room.copies_before(kind) + focused_copies(clip, room, kind, fold_of, babble)
    y, sr = load_audio(clip.path)
    seed = variant_seed(clip.clip_id, 0)
    if condition != "clean":
        y = apply_condition(y, condition, seed, babble=babble,
                            allowed=other_fold_voices(fold_of, clip.speaker))  # fmt: skip
    rows: list[np.ndarray | None] = [embed_speech(y, sr, served=condition == "served")]
    for v in range(1, (room.variants if room else 0) + 1):
        assert room is not None
        noisy = degrade(y, variant_seed(clip.clip_id, v), room, babble=babble,
                        allowed=same_fold_voices(fold_of, clip.speaker))  # fmt: skip
        try:
            rows.append(embed_speech(noisy, sr))
        except AudioError:
            rows.append(None)
    return rows


def focused_copies(clip: Clip, room: RoomAugment, kind: str, fold_of: dict[str, int],
                   babble: BabbleBank | None) -> list[np.ndarray | None]:
    """``room``'s copies of ``kind`` (:func:`ml.rooms.focused_copy`) of the clip; a copy whose
    speech the transform hid is None. Babble copies carry only voices of the clip's own fold: a
    clip whose fold has no other speaker gets none (and is not decoded)."""
    allowed = same_fold_voices(fold_of, clip.speaker)
    if kind == "babble_copies" and (not allowed or babble is None):
        return []
    y, sr = load_audio(clip.path)
    rows: list[np.ndarray | None] = []
    for c in range(getattr(room, kind)):
        # Babble copies keep the seeds they were first extracted with (cached features stay valid).
        seed = (variant_seed(clip.clip_id, room.variants + 1 + c) if kind == "babble_copies"
                else variant_seed(f"{clip.clip_id}|{kind}", c))  # fmt: skip
        noisy = focused_copy(y, kind, np.random.default_rng(seed), room, babble=babble, allowed=allowed)
        try:
            rows.append(embed_speech(noisy, sr))
        except AudioError:
            rows.append(None)
    return rows


def _acoustic_items(clip: Clip, aug: AugmentConfig) -> list[np.ndarray | None]:
    speech = load_speech(clip.path)
    rows: list[np.ndarray | None] = []
    for v in range(aug.variants + 1):
        seed = variant_seed(clip.clip_id, v)
        y = speech.waveform if v == 0 else augment(speech.waveform, seed, aug)
        warp = 1.0 if v == 0 else vtlp_factor(seed, aug)
        gain = None if v == 0 else channel_gain(seed, aug)
        rows.append(extract_features(y, vtlp=warp, channel=gain))
    return rows
