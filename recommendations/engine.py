"""The ranking of candidate tracks for a target mood: plain Python, no database, no network.

Used by the service (candidates from PostgreSQL and Spotify) and by the offline quality benchmark
alike, so what is measured offline is what people get.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

# How far from the target a track may sit before it stops counting as close (valence/energy units).
CLOSENESS_SIGMA = 0.2
# How much a squared instrumentalness gap counts against a track, relative to valence/energy; only
# where the target cares (calm) and the track's value is measured.
INSTRUMENTAL_WEIGHT = 0.25
# Weight kept by a track whose genres the mood map does not mention / whose genres are unknown.
UNMAPPED_GENRE_WEIGHT = 0.3
UNKNOWN_GENRE_WEIGHT = 0.5
AFFINITY_STRENGTH = 0.45
AFFINITY_LIMIT = 4.0
FAVOURITE_GENRE_BONUS = 1.0
MOOD_TAG_BONUS = 0.15
FRESHNESS_FACTOR = 0.5   # a track recommended to this user recently keeps half its score
DIVERSITY_FACTOR = 0.6   # each earlier pick by the same artist multiplies the score again


@dataclass(frozen=True)
class Target:
    """Where to look: a point on Spotify's valence/energy scale plus what the mood map says."""

    emotion: str
    strategy: str
    valence: float
    energy: float
    genre_weights: dict[str, float] = field(default_factory=dict)
    moods: frozenset[str] = frozenset()
    description: str = ""
    keywords: str = ""
    blend: dict[str, float] = field(default_factory=dict)  # emotion -> probability when blended
    instrumentalness: float | None = None  # None: the target's moods do not care


@dataclass(frozen=True)
class Candidate:
    track_id: int
    artist: str
    valence: float
    energy: float
    genres: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    measured: bool = False
    popularity: int | None = None
    source: str = "catalog"
    instrumentalness: float | None = None


@dataclass
class Preferences:
    genre_affinity: dict[str, float] = field(default_factory=dict)
    artist_affinity: dict[str, float] = field(default_factory=dict)
    favourite_genres: frozenset[str] = frozenset()
    recent_track_ids: frozenset[int] = frozenset()


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    why: str


def artist_key(artist: str) -> str:
    return " ".join(artist.casefold().split())[:300]


def _clip(value: float) -> float:
    return max(-AFFINITY_LIMIT, min(AFFINITY_LIMIT, value))


def _genre_weight(candidate: Candidate, target: Target) -> float:
    if not candidate.genres:
        return UNKNOWN_GENRE_WEIGHT
    mapped = [target.genre_weights[g] for g in candidate.genres if g in target.genre_weights]
    return max(mapped) if mapped else UNMAPPED_GENRE_WEIGHT


def _genre_affinity(candidate: Candidate, prefs: Preferences) -> float:
    if not candidate.genres:
        return 0.0
    values = [prefs.genre_affinity.get(g, 0.0) + (FAVOURITE_GENRE_BONUS if g in prefs.favourite_genres else 0.0)
              for g in candidate.genres]
    # The most disliked genre decides: one disliked genre is enough to hold a track back.
    negative = min(values)
    return negative if negative < 0 else max(values)


def base_score(candidate: Candidate, target: Target, prefs: Preferences) -> tuple[float, list[str]]:
    """Closeness to the target times genre weight, scaled by learned affinities; plus reasons."""
    distance2 = (candidate.valence - target.valence) ** 2 + (candidate.energy - target.energy) ** 2
    texture = target.instrumentalness is not None and candidate.instrumentalness is not None
    if texture:
        distance2 += INSTRUMENTAL_WEIGHT * (candidate.instrumentalness - target.instrumentalness) ** 2
    closeness = math.exp(-distance2 / (2 * CLOSENESS_SIGMA ** 2))
    genre_weight = _genre_weight(candidate, target)
    genre_aff = _clip(_genre_affinity(candidate, prefs))
    artist_aff = _clip(prefs.artist_affinity.get(artist_key(candidate.artist), 0.0))
    score = closeness * (0.3 + 0.7 * genre_weight) * math.exp(AFFINITY_STRENGTH * (genre_aff + artist_aff))
    mood_hit = sorted(set(candidate.moods) & target.moods)
    if mood_hit:
        score += MOOD_TAG_BONUS
    if candidate.popularity is not None:
        score += 0.02 * candidate.popularity / 100
    reasons = []
    if candidate.measured:
        reasons.append(("high" if candidate.valence >= 0.6 else "low" if candidate.valence <= 0.35 else "mid")
                       + " valence, "
                       + ("high" if candidate.energy >= 0.65 else "low" if candidate.energy <= 0.35 else "mid")
                       + " energy"
                       + (", instrumental" if texture and candidate.instrumentalness >= 0.5 else ""))
    elif mood_hit:
        reasons.append(f"tagged {'/'.join(mood_hit)}")
    if artist_aff > 0.5:
        reasons.append("you liked this artist")
    if any(g in prefs.favourite_genres for g in candidate.genres):
        reasons.append("a favourite genre of yours")
    elif genre_aff > 0.5:
        reasons.append("you liked this genre")
    return score, reasons


def rank(candidates: list[Candidate], target: Target, prefs: Preferences, *, k: int = 10) -> list[Ranked]:
    """Pick k tracks greedily, penalising recently recommended tracks and repeated artists."""
    head = f"{target.emotion} -> {target.strategy}"
    if target.blend:
        head = "unsure (" + " / ".join(f"{e} {p:.0%}" for e, p in target.blend.items()) + f") -> {target.strategy}"
    if target.description:
        head += f": {target.description}"
    seen: set[int] = set()
    scored = []
    for candidate in candidates:
        if candidate.track_id in seen:
            continue
        seen.add(candidate.track_id)
        score, reasons = base_score(candidate, target, prefs)
        if candidate.track_id in prefs.recent_track_ids:
            score *= FRESHNESS_FACTOR
        scored.append((score, candidate, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].track_id))
    picked: list[Ranked] = []
    artist_count: dict[str, int] = defaultdict(int)
    pool = scored
    while pool and len(picked) < k:
        best_index, best_score = 0, -1.0
        for index, (score, candidate, _) in enumerate(pool):
            adjusted = score * DIVERSITY_FACTOR ** artist_count[artist_key(candidate.artist)]
            if adjusted > best_score:
                best_index, best_score = index, adjusted
            if score <= best_score:  # sorted: nothing further down can beat it
                break
        score, candidate, reasons = pool.pop(best_index)
        artist_count[artist_key(candidate.artist)] += 1
        why = "; ".join([head, *reasons])[:300]
        picked.append(Ranked(candidate=candidate, score=round(best_score, 4), why=why))
    return picked
