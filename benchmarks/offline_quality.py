"""Offline quality on data_moods.csv: precision@10 of the engine vs a genre-only baseline.

For every emotion and strategy, the engine ranks the 686 labelled tracks by their audio attributes
alone (mood labels hidden) with the default mood maps; a hit is a track whose label is one of the
map's target moods ("intense" has no label in the data set and counts as Energetic). The
reference systems' fixed emotion -> genre lookup cannot tell these tracks apart (the data set has
no genres), so its expected precision@10 is the share of target-mood tracks in the data.
Run: python benchmarks/offline_quality.py  (no database needed).
"""
from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import defaults  # noqa: E402
from recommendations.engine import Candidate, Preferences, Target, rank  # noqa: E402

DATA = Path(os.environ.get("MOODIFY_DATA_DIR", ROOT.parent / "shared" / "data")) / "music" / "data_moods.csv"
DATASET_LABEL = {"happy": "happy", "sad": "sad", "calm": "calm", "energetic": "energetic", "intense": "energetic"}


def main() -> None:
    with open(DATA, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = {i: r["mood"].lower() for i, r in enumerate(rows)}
    candidates = [Candidate(track_id=i, artist=r["artist"], valence=float(r["valence"]),
                            energy=float(r["energy"]), measured=True, popularity=int(r["popularity"]))
                  for i, r in enumerate(rows)]
    print("| emotion | strategy | target moods | engine P@10 | genre-only baseline P@10 |")
    print("|---|---|---|---|---|")
    engine_total = baseline_total = 0.0
    for (emotion, strategy), (description, moods, weights, keywords) in defaults.MOOD_MAPS.items():
        valence, arousal = defaults.default_target(moods)
        target = Target(emotion=emotion, strategy=strategy, valence=defaults.circumplex_to_music(valence),
                        energy=defaults.circumplex_to_music(arousal), genre_weights=weights,
                        moods=frozenset(moods))
        wanted = {DATASET_LABEL[m] for m in moods}
        top = rank(candidates, target, Preferences(), k=10)
        precision = sum(labels[r.candidate.track_id] in wanted for r in top) / 10
        baseline = sum(label in wanted for label in labels.values()) / len(labels)
        engine_total += precision
        baseline_total += baseline
        print(f"| {emotion} | {strategy} | {', '.join(sorted(wanted))} | {precision:.2f} | {baseline:.2f} |")
    n = len(defaults.MOOD_MAPS)
    print(f"| **mean** | | | **{engine_total / n:.2f}** | **{baseline_total / n:.2f}** |")


if __name__ == "__main__":
    main()
