"""What Moodify believes about a listener's taste, as Beta posteriors over track features, and
Thompson sampling over them: plain Python and numpy, shared by the service and the simulation.

A track is described by features (its genres, artist, decade and where it sits in valence/energy);
each liked or disliked track moves the counts of all its features, so one rating teaches something
about tracks never shown. Priors come from the mood map: a genre the map favours starts believed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Prior pseudo-counts: weak, so a couple of ratings outweigh them.
PRIOR_STRENGTH = 2.0
# Prior mean of a genre the mood map does not mention, and of a mapped genre with weight 0 and 1.
UNMAPPED_GENRE_PRIOR = 0.4
MAPPED_GENRE_PRIOR = (0.45, 0.75)
NEUTRAL_PRIOR = 0.5
# How strongly believed taste moves a score: the multiplier is exp(strength x sum over the track's
# feature families of (believed mean - prior mean)).
BELIEF_STRENGTH = 3.0
# Valence/energy bins (Spotify scale) for the "sound" feature.
SOUND_BINS = (0.35, 0.65)
FAMILIES = ("genre", "artist", "decade", "sound")

# What one piece of feedback adds to the liked / disliked counts of the track's features.
FEEDBACK_COUNTS: dict[str, tuple[float, float]] = {
    "like": (1.0, 0.0), "dislike": (0.0, 1.0), "played": (0.25, 0.0), "skipped": (0.0, 0.5),
}
RATING_COUNTS: dict[int, tuple[float, float]] = {
    1: (0.0, 1.0), 2: (0.0, 0.75), 3: (0.25, 0.25), 4: (0.75, 0.0), 5: (1.0, 0.0),
}


@dataclass
class Beliefs:
    """Liked / disliked pseudo-counts per feature key ("genre:jazz", "decade:1980s", ...)."""

    counts: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, features: list[str], liked: float, disliked: float) -> None:
        for key in features:
            a, b = self.counts.get(key, (0.0, 0.0))
            self.counts[key] = (a + liked, b + disliked)

    def __bool__(self) -> bool:
        return bool(self.counts)


def counts_for(*, action: str, rating: int | None = None) -> tuple[float, float]:
    """(liked, disliked) pseudo-counts for one piece of feedback."""
    return RATING_COUNTS[rating] if action == "rate" and rating else FEEDBACK_COUNTS.get(action, (0.0, 0.0))


def decade(year: int | None) -> str | None:
    return f"{year // 10 * 10}s" if year else None


def _bin(value: float) -> str:
    return "low" if value < SOUND_BINS[0] else "high" if value >= SOUND_BINS[1] else "mid"


def sound_bin(valence: float, energy: float) -> str:
    return f"{_bin(valence)}-valence {_bin(energy)}-energy"


def features_of(*, genres, artist_key: str, year: int | None, valence: float | None,
                energy: float | None) -> list[str]:
    """The feature keys of a track: what a rating of it teaches about."""
    keys = [f"genre:{g}" for g in genres]
    keys.append(f"artist:{artist_key}")
    if year:
        keys.append(f"decade:{decade(year)}")
    if valence is not None and energy is not None:
        keys.append(f"sound:{sound_bin(valence, energy)}")
    return keys


def prior_mean(key: str, genre_weights: dict[str, float]) -> float:
    family, _, value = key.partition(":")
    if family != "genre":
        return NEUTRAL_PRIOR
    if value not in genre_weights:
        return UNMAPPED_GENRE_PRIOR
    low, high = MAPPED_GENRE_PRIOR
    return low + (high - low) * max(0.0, min(1.0, genre_weights[value]))


def posterior(key: str, beliefs: Beliefs, genre_weights: dict[str, float]) -> tuple[float, float, float]:
    """(alpha, beta, prior mean) of a feature's Beta posterior."""
    prior = prior_mean(key, genre_weights)
    liked, disliked = beliefs.counts.get(key, (0.0, 0.0))
    return PRIOR_STRENGTH * prior + liked, PRIOR_STRENGTH * (1 - prior) + disliked, prior


@dataclass(frozen=True)
class FeatureView:
    """One value per feature: the posterior means (exploiting) or one Thompson sample of them."""

    index: dict[str, int]
    values: np.ndarray
    priors: np.ndarray

    def value(self, key: str) -> float:
        return float(self.values[self.index[key]])

    def lift(self, keys: list[str]) -> dict[str, float]:
        """Per family, the mean (over the track's features of that family) of value - prior."""
        grouped: dict[str, list[float]] = {}
        for key in keys:
            i = self.index[key]
            grouped.setdefault(key.partition(":")[0], []).append(float(self.values[i] - self.priors[i]))
        return {family: sum(v) / len(v) for family, v in grouped.items()}


def views(keys: set[str], beliefs: Beliefs, genre_weights: dict[str, float],
          rng: np.random.Generator | None) -> tuple[FeatureView, FeatureView | None]:
    """The posterior-mean view and (with an rng) one Thompson sample of the same features."""
    ordered = sorted(keys)
    index = {k: i for i, k in enumerate(ordered)}
    priors = np.array([prior_mean(k, genre_weights) for k in ordered])
    counts = np.array([beliefs.counts.get(k, (0.0, 0.0)) for k in ordered]).reshape(-1, 2)
    alpha = PRIOR_STRENGTH * priors + counts[:, 0]
    beta = PRIOR_STRENGTH * (1 - priors) + counts[:, 1]
    means = FeatureView(index, alpha / (alpha + beta), priors)
    if rng is None or not ordered:
        return means, None
    return means, FeatureView(index, rng.beta(alpha, beta), priors)


class Lifts:
    """Every candidate's summed family lifts under a view, as one vectorised sum: rows are
    candidates, and each feature counts 1 / (features of its family the track has)."""

    def __init__(self, features: list[list[str]], index: dict[str, int]):
        self.n = len(features)
        keys = [key for track_keys in features for key in track_keys]
        self.rows = np.repeat(np.arange(self.n), [len(track_keys) for track_keys in features])
        self.cols = np.array([index[key] for key in keys], dtype=int)
        # Only genres come several to a track; each other family has one feature.
        is_genre = np.array([key.startswith("genre:") for key in keys], dtype=bool)
        genres = np.maximum(np.bincount(self.rows, weights=is_genre, minlength=self.n), 1.0)
        self.weights = np.where(is_genre, 1.0 / genres[self.rows], 1.0)

    def multipliers(self, view: FeatureView) -> np.ndarray:
        """exp(BELIEF_STRENGTH x the candidate's summed lifts) for every candidate."""
        gaps = (view.values - view.priors)[self.cols] * self.weights
        return np.exp(BELIEF_STRENGTH * np.bincount(self.rows, weights=gaps, minlength=self.n))
