"""How fast recommendations learn a listener's taste: learned affinities alone (before exploration)
against affinities plus the Thompson-sampling bandit, on simulated listeners.

The catalog is the starter catalog (genres, years, placed by mood tags) plus data_moods.csv
(measured attributes, years, no genres): 970 tracks. Each simulated listener has hidden tastes
drawn from their seed: per genre, per decade, per sound region (valence/energy bin) and per artist,
plus how well a track fits the mood asked for. A session asks for a random emotion and strategy
(the default mood maps), shows the ten tracks the method ranks among the 200 nearest the target
(as the site's candidate pool does), and the listener likes or dislikes each one; the method
learns from it exactly as `services.record_feedback` does (`engine.learn`). Both methods see the
same listeners, the same sessions and the same coin flips (a track's like is decided by one
uniform draw per listener, session and track). Precision = liked / shown, averaged over listeners.

A third row keeps the bandit's beliefs but explores nothing, to show what the explored items add.
Sessions needed = the first session whose precision (mean of it and its two neighbours) reaches
the affinity method's final precision (mean of its last 5 sessions).
Run: python benchmarks/simulate_exploration.py [--users 300] [--sessions 30] [--explore-share 0.2]
"""
from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import defaults  # noqa: E402
from offline_quality import DATA, candidates_of, default_targets  # noqa: E402
from recommendations import bandit, engine  # noqa: E402
from recommendations.engine import Candidate, Preferences  # noqa: E402

STARTER_CATALOG = ROOT / "catalog" / "fixtures" / "starter_catalog.csv"
POOL = 200
RECENT_SESSIONS = 3
# Hidden taste spreads (logit units) and how much the mood fit counts.
GENRE_SD, DECADE_SD, SOUND_SD, ARTIST_SD = 1.2, 1.0, 0.8, 0.6
FIT_WEIGHT = 1.5
BIAS = -0.4


def starter_candidates(first_id: int) -> list[Candidate]:
    """The starter catalog as the site places it: at the mean of its mood tags' points."""
    out = []
    with open(STARTER_CATALOG, encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            moods = [m for m in row["moods"].split(";") if m]
            out.append(Candidate(
                track_id=first_id + i, artist=row["artist"],
                valence=sum(defaults.MOODS[m][1] for m in moods) / len(moods),
                energy=sum(defaults.MOODS[m][2] for m in moods) / len(moods),
                genres=tuple(g for g in row["genres"].split(";") if g), moods=tuple(moods),
                year=int(row["year"]) if row["year"] else None))
    return out


class Listener:
    """Hidden tastes, drawn lazily from the listener's seed so both methods meet the same person."""

    def __init__(self, seed: int):
        self.seed = seed
        self.cache: dict[str, float] = {}

    def taste(self, key: str, sd: float) -> float:
        if key not in self.cache:
            self.cache[key] = random.Random(f"{self.seed}:{key}").gauss(0.0, sd)
        return self.cache[key]

    def p_like(self, c: Candidate, closeness: float) -> float:
        genres = [self.taste(f"genre:{g}", GENRE_SD) for g in c.genres]
        logit = BIAS + (sum(genres) / len(genres) if genres else 0.0)
        logit += self.taste(f"decade:{bandit.decade(c.year)}", DECADE_SD) if c.year else 0.0
        logit += self.taste(f"sound:{bandit.sound_bin(c.valence, c.energy)}", SOUND_SD)
        logit += self.taste(f"artist:{engine.artist_key(c.artist)}", ARTIST_SD)
        logit += FIT_WEIGHT * (closeness - 0.5)
        return 1 / (1 + math.exp(-logit))

    def likes(self, c: Candidate, closeness: float, session: int) -> bool:
        coin = random.Random(f"{self.seed}:{session}:{c.track_id}").random()
        return coin < self.p_like(c, closeness)


def run(method: str, listener: Listener, catalog: list[Candidate], targets, sessions: int,
        share: float) -> list[float]:
    prefs = Preferences()
    shown: list[set[int]] = []
    precision = []
    pick = random.Random(listener.seed)
    valence = np.array([c.valence for c in catalog])
    energy = np.array([c.energy for c in catalog])
    for session in range(sessions):
        target, _ = targets[pick.randrange(len(targets))]
        nearest = np.argsort((valence - target.valence) ** 2 + (energy - target.energy) ** 2, kind="stable")[:POOL]
        prefs.recent_track_ids = frozenset().union(*shown[-RECENT_SESSIONS:])
        ranked = engine.rank([catalog[i] for i in nearest], target, prefs, k=10,
                             explore_share=share if method == "bandit" else 0.0,
                             seed=f"{listener.seed}:{session}")
        liked = 0
        for item in ranked:
            c = item.candidate
            is_liked = listener.likes(c, engine.closeness(c, target.point, target.instrumentalness), session)
            liked += is_liked
            engine.learn(prefs, c, action="like" if is_liked else "dislike")
        if method == "affinity":
            prefs.beliefs = bandit.Beliefs()  # before this change: nothing but the affinities learned
        shown.append({item.candidate.track_id for item in ranked})
        precision.append(liked / max(1, len(ranked)))
    return precision


def smoothed(curve: list[float]) -> list[float]:
    return [sum(curve[max(0, i - 1):i + 2]) / len(curve[max(0, i - 1):i + 2]) for i in range(len(curve))]


def sessions_to(curve: list[float], level: float) -> int | None:
    return next((i + 1 for i, value in enumerate(smoothed(curve)) if value >= level), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--explore-share", type=float, default=0.2, help="the site's default: 0.2")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(DATA, encoding="utf-8", newline="") as handle:
        measured = candidates_of(list(csv.DictReader(handle)))
    catalog = measured + starter_candidates(len(measured))
    targets = default_targets()
    curves: dict[str, np.ndarray] = {}
    # "beliefs, no exploring": the bandit's beliefs steer the ranking but no item explores, which
    # tells what the exploring items themselves add.
    for method in ("affinity", "beliefs, no exploring", "bandit"):
        runs = [run(method, Listener(zlib.crc32(f"{args.seed}:{u}".encode())), catalog, targets, args.sessions,
                    args.explore_share) for u in range(args.users)]
        curves[method] = np.mean(np.array(runs), axis=0)
    final = float(np.mean(curves["affinity"][-5:]))
    print(f"{args.users} simulated listeners x {args.sessions} sessions, {len(catalog)} tracks, "
          f"explore share {args.explore_share}, seed {args.seed}")
    print("| session | " + " | ".join(str(s) for s in range(1, args.sessions + 1)) + " |")
    print("|---|" + "---|" * args.sessions)
    for method, curve in curves.items():
        print(f"| {method} | " + " | ".join(f"{v:.3f}" for v in curve) + " |")
    print(f"affinity final precision (mean of its last 5 sessions): {final:.3f}")
    for method, curve in curves.items():
        print(f"  {method}: reaches it after {sessions_to(list(curve), final)} sessions; "
              f"mean precision over all sessions {float(np.mean(curve)):.3f}, last 5 {float(np.mean(curve[-5:])):.3f}")


if __name__ == "__main__":
    main()
