"""Offline quality on data_moods.csv: precision@10 of the engine vs a genre-only baseline.

For every emotion and strategy, the engine ranks the 686 labelled tracks by their audio attributes
alone (mood labels hidden) with the default mood maps; a hit is a track whose label is one of the
map's target moods ("intense" has no label in the data set and counts as Energetic). The
reference systems' fixed emotion -> genre lookup cannot tell these tracks apart (the data set has
no genres), so its expected precision@10 is the share of target-mood tracks in the data.

`--split-check` shows how the calm mood's instrumentalness target was chosen without grading it on
the tracks it was chosen on: the data are split in two halves by artist; on each half a small grid
(no texture term; acousticness or instrumentalness, target 0.6-0.9, weight 0.25-1) is searched, and
the winner is scored on the other half.
Run: python benchmarks/offline_quality.py [--split-check]  (no database needed).
"""
from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
import zlib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import defaults  # noqa: E402
from recommendations import engine  # noqa: E402
from recommendations.engine import Candidate, Preferences, Target, rank  # noqa: E402

DATA = Path(os.environ.get("MOODIFY_DATA_DIR", ROOT.parent / "shared" / "data")) / "music" / "data_moods.csv"
DATASET_LABEL = {"happy": "happy", "sad": "sad", "calm": "calm", "energetic": "energetic", "intense": "energetic"}


def default_targets() -> list[tuple[Target, set[str]]]:
    targets = []
    for (emotion, strategy), (_description, moods, weights, _keywords) in defaults.MOOD_MAPS.items():
        valence, arousal = defaults.default_target(moods)
        target = Target(emotion=emotion, strategy=strategy, valence=defaults.circumplex_to_music(valence),
                        energy=defaults.circumplex_to_music(arousal), genre_weights=weights, moods=frozenset(moods),
                        instrumentalness=defaults.shared_instrumentalness([defaults.MOODS[m][3] for m in moods]))
        targets.append((target, {DATASET_LABEL[m] for m in moods}))
    return targets


def year_of(row: dict) -> int | None:
    """data_moods.csv dates are DD-MM-YYYY or YYYY."""
    tail = row["release_date"].strip()[-4:]
    return int(tail) if tail.isdigit() else None


def candidates_of(rows: list[dict], texture: str = "instrumentalness") -> list[Candidate]:
    return [Candidate(track_id=i, artist=r["artist"], valence=float(r["valence"]), energy=float(r["energy"]),
                      measured=True, popularity=int(r["popularity"]), instrumentalness=float(r[texture]),
                      year=year_of(r), tempo=float(r["tempo"]))
            for i, r in enumerate(rows)]


# A new listener's set with the site's default share of exploration (RECOMMENDATION_EXPLORE_SHARE),
# averaged over this many seeds: which items explore is random, the figure should not be.
EXPLORE_SHARE = 0.0
EXPLORE_SEEDS = 20


def precision_at_10(rows: list[dict], candidates: list[Candidate], target: Target, wanted: set[str],
                    share: float | None = None) -> float:
    share = EXPLORE_SHARE if share is None else share
    seeds = range(EXPLORE_SEEDS) if share else [0]
    hits = sum(rows[r.candidate.track_id]["mood"].lower() in wanted
               for seed in seeds
               for r in rank(candidates, target, Preferences(), k=10, explore_share=share,
                             seed=f"{target.emotion}:{target.strategy}:{seed}"))
    return hits / (10 * len(seeds))


def table(rows: list[dict]) -> None:
    candidates = candidates_of(rows)
    print("| emotion | strategy | target moods | engine P@10 | genre-only baseline P@10 |")
    print("|---|---|---|---|---|")
    engine_total = baseline_total = 0.0
    targets = default_targets()
    for target, wanted in targets:
        precision = precision_at_10(rows, candidates, target, wanted)
        baseline = sum(r["mood"].lower() in wanted for r in rows) / len(rows)
        engine_total += precision
        baseline_total += baseline
        print(f"| {target.emotion} | {target.strategy} | {', '.join(sorted(wanted))} | {precision:.2f} | {baseline:.2f} |")
    print(f"| **mean** | | | **{engine_total / len(targets):.2f}** | **{baseline_total / len(targets):.2f}** |")


def mean_precision(rows: list[dict], texture: str | None, value: float, weight: float, share: float = 0.0) -> float:
    """Mean P@10 with the calm-only maps' texture target set to `value` (None: no texture term);
    the grid is searched without exploration, which does not depend on it."""
    candidates = candidates_of(rows, texture or "instrumentalness")
    saved = engine.INSTRUMENTAL_WEIGHT
    engine.INSTRUMENTAL_WEIGHT = weight
    try:
        total = 0.0
        targets = default_targets()
        for target, wanted in targets:
            calm_only = target.moods == frozenset({"calm"})
            target = replace(target, instrumentalness=value if texture and calm_only else None)
            total += precision_at_10(rows, candidates, target, wanted, share)
        return total / len(targets)
    finally:
        engine.INSTRUMENTAL_WEIGHT = saved


def split_check(rows: list[dict]) -> None:
    halves = [[r for r in rows if zlib.crc32(r["artist"].encode()) % 2 == h] for h in (0, 1)]
    grid = [(None, 0.0, 0.0)] + list(itertools.product(
        ["acousticness", "instrumentalness"], [0.6, 0.7, 0.8, 0.9], [0.25, 0.5, 1.0]))
    for h in (0, 1):
        tune, test = halves[h], halves[1 - h]
        best = max(grid, key=lambda g: mean_precision(tune, *g))
        print(f"chosen on half {h} ({len(tune)} tracks): {best[0]} target {best[1]}, weight {best[2]} "
              f"(mean P@10 there {mean_precision(tune, *best):.3f}); on the other half ({len(test)} tracks): "
              f"{mean_precision(test, *best):.3f} vs {mean_precision(test, None, 0.0, 0.0):.3f} without")
    shipped = ("instrumentalness", defaults.MOODS["calm"][3], engine.INSTRUMENTAL_WEIGHT)
    scores = [mean_precision(half, *shipped, share=EXPLORE_SHARE) for half in halves]
    print(f"the shipped setting ({shipped[0]} target {shipped[1]}, weight {shipped[2]}) with explore share "
          f"{EXPLORE_SHARE} on the halves: {scores[0]:.3f}, {scores[1]:.3f}; mean {sum(scores) / 2:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split-check", action="store_true")
    parser.add_argument("--explore-share", type=float, default=0.2,
                        help="share of each set spent exploring (the site's default: 0.2; 0 = before exploration)")
    args = parser.parse_args()
    global EXPLORE_SHARE
    EXPLORE_SHARE = args.explore_share
    with open(DATA, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    split_check(rows) if args.split_check else table(rows)


if __name__ == "__main__":
    main()
