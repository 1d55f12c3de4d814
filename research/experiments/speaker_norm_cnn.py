"""Ablation: one acoustic network of variant H (H1: plain, coloured, seed 1234) cross-validated
speaker-independently on features standardised per speaker.

Each speaker's frames are standardised with the mean and deviation of that speaker's own
unaugmented frames (labels never used; a test speaker's statistics come only from the test
speaker). In the product this needs a user's past recordings, so the shipped model does not do
it; this script measures what it would be worth. Source of the variants-table row "S1".

    PYTHONPATH=. MOODIFY_TF_THREADS=2 python research/experiments/speaker_norm_cnn.py OUT_DIR [--plain] [--seed N]

``--plain`` runs the same network without the normalisation, as the same-process reference.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.cache import FeatureSet, compute_features
from ml.datasets import discover
from ml.evaluate import cross_validate, summary_line, write_report
from ml.config import TrainConfig


def normalise_per_speaker(fs: FeatureSet) -> None:
    """In place: every item's frames minus its speaker's mean frame, over its speaker's deviation
    (statistics from the speaker's unaugmented clips only)."""
    speaker_of_item = np.array([f"{c.corpus}/{c.speaker}" for c in fs.clips])[fs.clip_index]
    lengths = np.diff(fs.offsets)
    rows_speaker = np.repeat(speaker_of_item, lengths)
    rows_original = np.repeat(fs.variant == 0, lengths)
    frames = fs.frames.astype(np.float32)
    for s in np.unique(speaker_of_item):
        rows = rows_speaker == s
        ref = frames[rows & rows_original]
        frames[rows] = (frames[rows] - ref.mean(0)) / (ref.std(0) + 1e-3)
    fs.frames = frames.astype(np.float16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--plain", action="store_true", help="reference run without the normalisation")
    ap.add_argument("--seed", type=int, default=TrainConfig().seed)
    args = ap.parse_args()
    # H1, the first of the acoustic networks this experiment was run on.
    config = replace(TrainConfig.acoustic_h().member(0), seed=args.seed)
    fs = compute_features(discover(None), config.augment)
    if not args.plain:
        normalise_per_speaker(fs)
    report = cross_validate(fs, config, protocol="speaker", verbose=0)
    write_report(report, args.out)
    print(summary_line(report))


if __name__ == "__main__":
    main()
