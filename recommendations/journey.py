"""Mood journeys: a set ordered as a path from where the listener is to where the strategy aims
(the iso principle of music therapy), and smoothing of consecutive results so one odd recording
does not flip the music. Plain Python: the service and the simulation share it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# Strategies whose sets travel from the listener's mood to the target instead of starting there.
JOURNEY_STRATEGIES = ("lift", "calm")
# A listener already this close to the target (valence/energy units) needs no journey.
JOURNEY_MIN_DISTANCE = 0.1
# The path reaches the target at this rank; the rest of the set stays there.
ARRIVE_AT_RANK = 7
# Consecutive results closer than this are smoothed together, each weighted by exp(-age / half-life).
SMOOTHING_WINDOW_S = 20 * 60
SMOOTHING_HALF_LIFE_S = 5 * 60
# At most this many results (the newest) are smoothed together: older ones weigh little anyway.
SMOOTHING_MAX_READINGS = 10


@dataclass(frozen=True)
class Point:
    """A place on Spotify's valence/energy scale (0..1)."""

    valence: float
    energy: float

    def toward(self, other: Point, t: float) -> Point:
        return Point(self.valence + (other.valence - self.valence) * t, self.energy + (other.energy - self.energy) * t)

    def distance(self, other: Point) -> float:
        return math.hypot(self.valence - other.valence, self.energy - other.energy)


@dataclass(frozen=True)
class Reading:
    """One detected mood placed on the music scale, `age_s` seconds before the one being answered."""

    point: Point
    age_s: float


def smoothed(readings: list[Reading], *, window_s: float = SMOOTHING_WINDOW_S,
             half_life_s: float = SMOOTHING_HALF_LIFE_S) -> tuple[Point, int]:
    """The weighted mean of the readings inside the window (the newest has age 0); and how many."""
    inside = [r for r in readings if 0 <= r.age_s <= window_s]
    weights = [0.5 ** (r.age_s / half_life_s) for r in inside]
    total = sum(weights)
    return Point(sum(w * r.point.valence for w, r in zip(weights, inside)) / total,
                 sum(w * r.point.energy for w, r in zip(weights, inside)) / total), len(inside)


def travels(*, strategy: str, start: Point, goal: Point) -> bool:
    """Whether a set under `strategy` should be a journey from `start` to `goal`."""
    return strategy in JOURNEY_STRATEGIES and start.distance(goal) >= JOURNEY_MIN_DISTANCE


def progress(rank_index: int, k: int, arrive_at_rank: int = ARRIVE_AT_RANK) -> float:
    """How far along the path (0 = where the listener is, 1 = the target) the item at `rank_index` is."""
    last = max(1, min(arrive_at_rank, k) - 1)
    return min(1.0, rank_index / last)


def pool_points(start: Point | None, goal: Point) -> list[Point]:
    """Where a journey's candidate pool also looks besides the target: where the listener is and
    halfway there (none when the set does not travel)."""
    return [] if start is None else [start, start.toward(goal, 0.5)]


def waypoints(start: Point, goal: Point, k: int) -> list[tuple[float, Point]]:
    """(progress, point) for each rank of a k-track set."""
    return [(t, start.toward(goal, t)) for t in (progress(i, k) for i in range(k))]
