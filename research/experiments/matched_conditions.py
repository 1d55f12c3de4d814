"""How far can training on the very condition go? An upper bound for "Emotion model on real
recordings" (babble at 10 dB >= 65%, reverberation within 3 points of clean, RAVDESS part).

The shipped model R trains on random room/device chains (:class:`ml.rooms.RoomAugment`). Here
each RAVDESS training clip also gets one copy made by *exactly* the robustness report's
transform (:func:`ml.rooms.apply_condition`: six voices at 10 dB, or a room of RT60 0.5-0.9 s),
the only difference being whose voices make the babble: the clip's own fold's other speakers,
which are never the held-out fold's (:func:`ml.folds.same_fold_voices`). The test side is the
report's own condition features. Variants, same folds and seed:

- ``R``: the shipped configuration (clips + 2 room/device copies), this run's reference;
- ``R+M``: R plus the matched copy (drawn with the clip and its other copies, one per epoch);
- ``M``: the clips plus the matched copy only (a specialist for that one condition).

If even the specialist stays below a target, the frozen encoder's embedding of that condition
does not hold the information, and more augmentation of the same kind cannot reach it.

    PYTHONPATH=. python research/experiments/matched_conditions.py [--conditions babble10,reverb] [--workers 2]

Measured 2026-12-07 (``matched_conditions.json``, RAVDESS, refusals counted wrong): R babble 58.8%,
room -4.2 (clean 71.8%, overall UAR 76.8%); R+M babble 61.3% (UAR 77.8%), M babble 62.9%;
R+M room -2.9 (UAR 74.7%), M room -3.7 (UAR 74.7%).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ml.cache import FeatureSet, compute_features, default_cache_dir
from ml.datasets import discover
from ml.evaluate import cross_validate
from ml.folds import speaker_fold_map
from ml.rooms import BabbleBank
from ml.robustness import evaluation_clips
from ml.config import TrainConfig
from ml.runtime import configure_threads

MATCHED_SEED_VARIANT = 9  # R's copies use variant seeds 1 and 2; the matched copy its own
MATCHED = 3  # the matched copy's variant number in the merged feature set


def _matched_chunk(args: tuple) -> tuple[list[int], list[np.ndarray]]:
    """Embeddings of one chunk of clips as ``condition`` delivers them, babble from their own fold."""
    from ml.audio import load_audio
    from ml.augment import variant_seed
    from ml.cache import embed_speech
    from ml.errors import AudioError
    from ml.folds import same_fold_voices
    from ml.rooms import apply_condition

    clips, indices, condition, fold_of = args
    configure_threads(1)
    babble = BabbleBank(discover()) if condition.startswith("babble") else None
    kept, rows = [], []
    for i in indices:
        clip = clips[i]
        y, sr = load_audio(clip.path)
        y = apply_condition(y, condition, variant_seed(clip.clip_id, MATCHED_SEED_VARIANT), babble=babble,
                            allowed=same_fold_voices(fold_of, clip.speaker))  # fmt: skip
        try:
            rows.append(embed_speech(y, sr).astype(np.float16))
        except AudioError:
            continue
        kept.append(int(i))
    return kept, rows


def matched_copies(clips, condition: str, fold_of: dict[str, int], workers: int,  # noqa: ANN001
                   ) -> tuple[np.ndarray, list[np.ndarray]]:
    """(clip indices, embeddings) of every RAVDESS clip's matched copy, cached on disk. TESS
    folds hold one speaker each, so there is no same-fold voice to make TESS babble from: the
    matched copies are RAVDESS only (the targets are RAVDESS's)."""
    path = default_cache_dir() / f"matched-{condition}-v{MATCHED_SEED_VARIANT}.npz"
    if path.exists():
        z = np.load(path)
        return z["clip_index"], np.split(z["frames"], z["offsets"][1:-1])
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    todo = [i for i, c in enumerate(clips) if c.corpus == "ravdess"]
    chunks = [todo[k::workers] for k in range(workers)]
    t0 = time.time()
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        parts = list(pool.map(_matched_chunk, [(clips, ch, condition, fold_of) for ch in chunks]))
    order = sorted((i, r) for kept, rows in parts for i, r in zip(kept, rows, strict=True))
    index = np.array([i for i, _ in order])
    rows = [r for _, r in order]
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    np.savez(path, clip_index=index, offsets=offsets, frames=np.concatenate(rows))
    print(f"matched {condition}: {len(rows)} copies in {time.time() - t0:.0f} s", flush=True)
    return index, rows


def merged(fs: FeatureSet, index: np.ndarray, rows: list[np.ndarray], *, keep_room: bool) -> FeatureSet:
    """``fs`` plus the matched copies as variant MATCHED (without R's copies unless ``keep_room``)."""
    base = [i for i in range(len(fs.variant)) if keep_room or fs.variant[i] == 0]
    items = [fs.frames[fs.offsets[i]: fs.offsets[i + 1]] for i in base] + rows
    clip_index = np.concatenate([fs.clip_index[base], index])
    variant = np.concatenate([fs.variant[base], np.full(len(index), MATCHED)])
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in items])]).astype(np.int64)
    return FeatureSet(fs.clips, clip_index, variant, offsets, np.concatenate(items))


def ravdess_row(report: dict, condition: str) -> dict[str, float]:
    # Clean as the model card's robustness table counts it: a refused clip is wrong.
    n_refused = report["refused"]["ravdess"]
    n = report["robustness"][condition]["ravdess"]["n"]
    clean = report["per_corpus"]["ravdess"]["accuracy"] * (n - n_refused) / n
    row = report["robustness"][condition]["ravdess"]
    return {"clean": round(100 * clean, 1), condition: round(100 * row["accuracy_with_refusals"], 1),
            "uar": round(100 * row["uar"], 1), "vs_clean": round(100 * (row["accuracy_with_refusals"] - clean), 1),
            "overall_uar": round(100 * report["overall"]["uar"], 1)}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--conditions", default="babble10,reverb")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="research/experiments/matched_conditions.json")
    args = p.parse_args()
    configure_threads()
    clips = discover()
    config = TrainConfig()
    fold_of = speaker_fold_map(clips)
    babble = BabbleBank(clips)
    fs = compute_features(clips, config.augment, frontend="whisper", room=config.room, fold_of=fold_of,
                          babble=babble, workers=args.workers)  # fmt: skip
    names = args.conditions.split(",")
    tests = {n: compute_features(evaluation_clips(clips), config.augment, frontend="whisper", condition=n,
                                 fold_of=fold_of, babble=babble, workers=args.workers) for n in names}  # fmt: skip
    copies = {n: matched_copies(clips, n, fold_of, args.workers) for n in names}
    results: dict[str, dict] = {}
    report = cross_validate(fs, config, verbose=0, conditions=tests)
    results["R"] = {n: ravdess_row(report, n) for n in names}
    print("R", json.dumps(results["R"]), flush=True)
    for n in names:
        for name, keep in ((f"R+M[{n}]", True), (f"M[{n}]", False)):
            report = cross_validate(merged(fs, *copies[n], keep_room=keep), config, verbose=0,
                                    conditions={n: tests[n]})  # fmt: skip
            results[name] = {n: ravdess_row(report, n)}
            print(name, json.dumps(results[name]), flush=True)
            Path(args.out).write_text(json.dumps(results, indent=2))
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
