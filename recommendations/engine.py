"""The ranking of candidate tracks for a target mood: plain Python and numpy, no database, no network.

Used by the service (candidates from PostgreSQL and Spotify), the admin preview, the offline quality
benchmark and the exploration simulation alike, so what is measured offline is what people get.
Every score is kept as its parts (`ScoreParts`), so reasons and the curators' preview say what
actually put a track where it is.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from . import bandit
from .journey import Point, waypoints

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
POPULARITY_BONUS = 0.02
FRESHNESS_FACTOR = 0.5   # a track recommended to this user recently keeps half its score
DIVERSITY_FACTOR = 0.6   # each earlier pick by the same artist multiplies the score again
GENRE_DIVERSITY_FACTOR = 0.85  # and each earlier pick whose best-fitting genre is the same
# An explored track must still sit this close to the set's target (closeness, 0..1): exploring
# tries other genres, artists and eras for the same mood, never other moods.
EXPLORE_MIN_CLOSENESS = 0.5
# Nor does it bring back what the listener turned down: no explored track has a genre or artist
# with a learned affinity this far below zero (one dislike is -1.5).
EXPLORE_MAX_DISLIKE = 1.0

# How one piece of feedback moves the user's learned affinity for the track's genres and artist.
FEEDBACK_DELTAS = {"like": 1.0, "dislike": -1.5, "played": 0.25, "skipped": -0.5}
RATING_DELTAS = {1: -1.5, 2: -0.75, 3: 0.0, 4: 0.75, 5: 1.5}


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

    @property
    def point(self) -> Point:
        return Point(self.valence, self.energy)


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
    year: int | None = None
    tempo: float | None = None

    @cached_property
    def artist_key(self) -> str:
        return artist_key(self.artist)

    @cached_property
    def features(self) -> list[str]:
        # Only measured positions describe a sound: a tag-placed track sits where its mood tag is.
        return bandit.features_of(genres=self.genres, artist_key=self.artist_key, year=self.year,
                                  valence=self.valence if self.measured else None, energy=self.energy)


@dataclass(frozen=True)
class Rating:
    stars: int
    days_ago: int


@dataclass
class Preferences:
    genre_affinity: dict[str, float] = field(default_factory=dict)
    artist_affinity: dict[str, float] = field(default_factory=dict)
    favourite_genres: frozenset[str] = frozenset()
    recent_track_ids: frozenset[int] = frozenset()
    beliefs: bandit.Beliefs = field(default_factory=bandit.Beliefs)
    ratings: dict[int, Rating] = field(default_factory=dict)  # track id -> the latest rating of it
    liked_track_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ScoreParts:
    """Why a track scores what it scores: total = (closeness x genre_fit x affinity x belief
    + mood_bonus + popularity_bonus) x freshness x diversity."""

    closeness: float
    genre_fit: float
    fit_genre: str | None
    affinity: float
    belief: float
    mood_bonus: float
    mood_hit: tuple[str, ...]
    popularity_bonus: float
    freshness: float = 1.0
    diversity: float = 1.0

    @property
    def total(self) -> float:
        return ((self.closeness * self.genre_fit * self.affinity * self.belief + self.mood_bonus
                 + self.popularity_bonus) * self.freshness * self.diversity)


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    parts: ScoreParts
    point: Point  # where this rank aimed: the target, or its waypoint on a journey
    progress: float | None = None  # 0 = where the listener is, 1 = the target; None: not a journey
    explored: bool = False
    explored_feature: str | None = None  # the feature this pick bets on ("genre:jazz")
    belief_lift: dict[str, float] = field(default_factory=dict)  # family -> believed mean - prior


def artist_key(artist: str) -> str:
    return " ".join(artist.casefold().split())[:300]


def affinity_delta(*, action: str, rating: int | None = None) -> float:
    return RATING_DELTAS[rating] if action == "rate" and rating else FEEDBACK_DELTAS.get(action, 0.0)


def learn(prefs: Preferences, candidate: Candidate, *, action: str, rating: int | None = None) -> None:
    """Apply one piece of feedback in memory, as `services.record_feedback` does in the database."""
    delta = affinity_delta(action=action, rating=rating)
    key = artist_key(candidate.artist)
    prefs.artist_affinity[key] = _clip(prefs.artist_affinity.get(key, 0.0) + delta)
    for genre in candidate.genres:
        prefs.genre_affinity[genre] = _clip(prefs.genre_affinity.get(genre, 0.0) + delta)
    prefs.beliefs.add(candidate.features, *bandit.counts_for(action=action, rating=rating))


def _clip(value: float) -> float:
    return max(-AFFINITY_LIMIT, min(AFFINITY_LIMIT, value))


def _genre_fit(candidate: Candidate, target: Target) -> tuple[float, str | None]:
    if not candidate.genres:
        return 0.3 + 0.7 * UNKNOWN_GENRE_WEIGHT, None
    mapped = [(target.genre_weights[g], g) for g in candidate.genres if g in target.genre_weights]
    if not mapped:
        return 0.3 + 0.7 * UNMAPPED_GENRE_WEIGHT, None
    weight, genre = max(mapped)
    return 0.3 + 0.7 * weight, genre


def _genre_affinity(candidate: Candidate, prefs: Preferences) -> float:
    if not candidate.genres:
        return 0.0
    values = [prefs.genre_affinity.get(g, 0.0) + (FAVOURITE_GENRE_BONUS if g in prefs.favourite_genres else 0.0)
              for g in candidate.genres]
    # The most disliked genre decides: one disliked genre is enough to hold a track back.
    negative = min(values)
    return negative if negative < 0 else max(values)


def closeness(candidate: Candidate, point: Point, instrumentalness: float | None) -> float:
    distance2 = (candidate.valence - point.valence) ** 2 + (candidate.energy - point.energy) ** 2
    if instrumentalness is not None and candidate.instrumentalness is not None:
        distance2 += INSTRUMENTAL_WEIGHT * (candidate.instrumentalness - instrumentalness) ** 2
    return math.exp(-distance2 / (2 * CLOSENESS_SIGMA ** 2))


def _listener_parts(candidate: Candidate, prefs: Preferences,
                    genre_aff: float | None = None) -> tuple[float, float, float]:
    """The parts that do not depend on the target: (affinity, popularity bonus, freshness).
    `genre_aff`: the candidate's clipped genre affinity, when the caller already has it."""
    genre_aff = _clip(_genre_affinity(candidate, prefs)) if genre_aff is None else genre_aff
    artist_aff = _clip(prefs.artist_affinity.get(candidate.artist_key, 0.0))
    return (math.exp(AFFINITY_STRENGTH * (genre_aff + artist_aff)),
            POPULARITY_BONUS * candidate.popularity / 100 if candidate.popularity is not None else 0.0,
            FRESHNESS_FACTOR if candidate.track_id in prefs.recent_track_ids else 1.0)


def _map_parts(candidate: Candidate, target: Target) -> tuple[float, str | None, tuple[str, ...]]:
    """The parts the mood map decides: (genre fit, the genre that gave it, the moods that matched)."""
    return _map_parts_of([candidate], target)[0]


def _map_parts_of(candidates: list[Candidate], target: Target) -> list[tuple[float, str | None, tuple[str, ...]]]:
    """`_map_parts` of every candidate: the genre fit once per combination of genres, the matched
    moods once per combination of moods."""
    fits: dict[tuple[str, ...], tuple[float, str | None]] = {}
    hits: dict[tuple[str, ...], tuple[str, ...]] = {}
    parts = []
    for c in candidates:
        if c.genres not in fits:
            fits[c.genres] = _genre_fit(c, target)
        if c.moods not in hits:
            hits[c.moods] = tuple(sorted(set(c.moods) & target.moods))
        parts.append((*fits[c.genres], hits[c.moods]))
    return parts


def _compose(listener: tuple[float, float, float], mapped: tuple[float, str | None, tuple[str, ...]],
             near: float, belief: float) -> ScoreParts:
    (affinity, popularity_bonus, freshness), (genre_fit, fit_genre, mood_hit) = listener, mapped
    return ScoreParts(closeness=near, genre_fit=genre_fit, fit_genre=fit_genre, affinity=affinity, belief=belief,
                      mood_bonus=MOOD_TAG_BONUS if mood_hit else 0.0, mood_hit=mood_hit,
                      popularity_bonus=popularity_bonus, freshness=freshness)


def score_parts(candidate: Candidate, target: Target, prefs: Preferences, belief: float = 1.0) -> ScoreParts:
    """The parts of a track's score for a target (before the set's diversity)."""
    return _compose(_listener_parts(candidate, prefs), _map_parts(candidate, target),
                    closeness(candidate, target.point, target.instrumentalness), belief)


def explore_slots(k: int, share: float) -> list[int]:
    """Which ranks (0-based) of a k-track set explore: round(k x share) of them, spread out, never
    the first."""
    n = min(k - 1, round(k * share)) if k > 1 else 0
    return sorted({int((j + 1) * k / (n + 1)) for j in range(n)})


class _Board:
    """The candidates as arrays, so each rank is chosen with a few vectorised operations."""

    def __init__(self, candidates: list[Candidate], maps: list[Target], prefs: Preferences,
                 mean: bandit.FeatureView, sample: bandit.FeatureView | None):
        self.candidates = candidates
        self.maps = maps
        lifts = bandit.Lifts([c.features for c in candidates], mean.index)
        self.beliefs = lifts.multipliers(mean)
        # Genre affinities and a map's parts depend on the genres (and moods) alone, which few
        # combinations cover: each is worked out once per combination, not per candidate.
        genre_aff: dict[tuple[str, ...], float] = {}
        for c in candidates:
            if c.genres not in genre_aff:
                genre_aff[c.genres] = _clip(_genre_affinity(c, prefs))
        self.listener = [_listener_parts(c, prefs, genre_aff[c.genres]) for c in candidates]
        self.mapped = [_map_parts_of(candidates, t) for t in maps]
        affinity, popularity, freshness = (np.array(column) for column in zip(*self.listener))
        self.valence = np.array([c.valence for c in candidates])
        self.energy = np.array([c.energy for c in candidates])
        instrumental = [c.instrumentalness for c in candidates]
        self.instrumental = np.array([np.nan if v is None else v for v in instrumental])
        self.known_instrumental = ~np.isnan(self.instrumental)
        # Per map: the multiplicative part before closeness, and the additive bonuses.
        self.factor = [np.array([m[0] for m in ms]) * affinity * self.beliefs for ms in self.mapped]
        self.bonus = [np.array([MOOD_TAG_BONUS if m[2] else 0.0 for m in ms]) + popularity for ms in self.mapped]
        self.freshness = freshness
        self.explorable = affinity >= math.exp(-AFFINITY_STRENGTH * EXPLORE_MAX_DISLIKE)
        self.sampled = lifts.multipliers(sample) / self.beliefs if sample is not None else None
        keys = [c.artist_key for c in candidates]
        index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        self.artist = np.array([index[key] for key in keys], dtype=int)
        self.artist_count = np.zeros(len(index), dtype=int)
        # Variety of genres, except the ones the listener says or shows they love.
        loved = prefs.favourite_genres | {g for g, w in prefs.genre_affinity.items() if w > 0}
        genres = {g: i + 1 for i, g in enumerate(sorted({m[1] for m in self.mapped[-1] if m[1] and m[1] not in loved}))}
        self.genre = np.array([genres.get(m[1], 0) for m in self.mapped[-1]], dtype=int)
        self.genre_count = np.zeros(len(genres) + 1, dtype=int)  # 0: no mapped genre, never counted
        self.available = np.ones(len(candidates), dtype=bool)

    def closeness(self, point: Point, instrumentalness: float | None) -> np.ndarray:
        distance2 = (self.valence - point.valence) ** 2 + (self.energy - point.energy) ** 2
        if instrumentalness is not None:
            gap = np.where(self.known_instrumental, self.instrumental - instrumentalness, 0.0)
            distance2 = distance2 + INSTRUMENTAL_WEIGHT * gap ** 2
        return np.exp(-distance2 / (2 * CLOSENESS_SIGMA ** 2))

    def pick(self, point: Point, t: float, *, explore: bool,
             tested: set[str] = frozenset()) -> tuple[int, float, np.ndarray] | None:
        """The best available candidate for a point, `t` of the way from the first map to the last."""
        goal = self.maps[-1]
        near = self.closeness(point, goal.instrumentalness if t >= 0.5 or len(self.maps) == 1
                              else self.maps[0].instrumentalness)
        factor = self.factor[-1] if len(self.maps) == 1 else (1 - t) * self.factor[0] + t * self.factor[-1]
        bonus = self.bonus[-1] if len(self.maps) == 1 else (1 - t) * self.bonus[0] + t * self.bonus[-1]
        diversity = self.diversity()
        if explore:
            factor = factor * self.sampled
        score = (near * factor + bonus) * self.freshness * diversity
        allowed = self.available & self.explorable & (near >= EXPLORE_MIN_CLOSENESS) if explore else self.available
        if explore and tested:  # one bet per feature and set: a second teaches nothing new
            allowed = allowed & np.array([not tested.intersection(c.features) for c in self.candidates])
        if not allowed.any():
            return None
        index = int(np.argmax(np.where(allowed, score, -np.inf)))
        self.available[index] = False
        self.chosen_diversity = float(diversity[index])
        self.artist_count[self.artist[index]] += 1
        if self.genre[index]:
            self.genre_count[self.genre[index]] += 1
        return index, float(score[index]), near

    def parts(self, index: int, t: float, near: float) -> ScoreParts:
        """The parts of a chosen candidate's score, from the map nearer its place on the path."""
        mapped = self.mapped[0 if len(self.maps) == 2 and t < 0.5 else -1][index]
        return replace(_compose(self.listener[index], mapped, near, float(self.beliefs[index])),
                       diversity=self.chosen_diversity)

    def diversity(self) -> np.ndarray:
        return DIVERSITY_FACTOR ** self.artist_count[self.artist] * GENRE_DIVERSITY_FACTOR ** self.genre_count[self.genre]


def _explored_feature(candidate: Candidate, mean: bandit.FeatureView, sample: bandit.FeatureView) -> str:
    """The feature whose draw most exceeded its believed value: what this pick is testing."""
    return max(candidate.features, key=lambda key: (sample.value(key) - mean.value(key), key))


def rank(candidates: list[Candidate], target: Target, prefs: Preferences, *, k: int = 10,
         start: Target | None = None, explore_share: float = 0.0, seed: int | str | None = None) -> list[Ranked]:
    """Pick k tracks greedily, penalising recently recommended tracks and repeated artists.

    With `start` (the listener's own mood), rank i aims at a waypoint on the way from `start` to
    `target`. `explore_share` of the ranks go to Thompson sampling over the listener's believed
    taste (seeded by `seed`, so a set is reproducible); those items are marked explored.
    """
    unique = list({c.track_id: c for c in sorted(candidates, key=lambda c: c.track_id)}.values())
    if not unique:
        return []
    features = {key for c in unique for key in c.features}
    slots = set(explore_slots(k, explore_share))
    rng = np.random.default_rng(_seed(seed)) if slots else None
    mean, sample = bandit.views(features, prefs.beliefs, target.genre_weights, rng)
    maps = [start, target] if start is not None else [target]
    board = _Board(unique, maps, prefs, mean, sample)
    path = waypoints(start.point, target.point, k) if start is not None else [(1.0, target.point)] * k
    picked: list[Ranked] = []
    tested: set[str] = set()
    for position, (t, point) in enumerate(path):
        choice = board.pick(point, t, explore=True, tested=tested) if position in slots and sample is not None else None
        explored = choice is not None
        choice = choice or board.pick(point, t, explore=False)
        if choice is None:
            break
        index, score, near = choice
        candidate = unique[index]
        parts = board.parts(index, t, float(near[index]))
        bet = _explored_feature(candidate, mean, sample) if explored else None
        if bet:
            tested.add(bet)
        # An explored item's stored score is what it is believed worth, not its lucky draw.
        picked.append(Ranked(
            candidate=candidate, score=round(parts.total if explored else score, 4), parts=parts, point=point,
            progress=t if start is not None else None, explored=explored,
            explored_feature=bet,
            belief_lift=mean.lift(candidate.features)))
    return picked


def _seed(seed: int | str | None) -> int:
    return seed if isinstance(seed, int) else zlib.crc32(str(seed).encode())
