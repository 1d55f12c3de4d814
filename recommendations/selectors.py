"""Reads for the recommendation engine: targets from mood maps, candidates, user preferences."""
from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Aggregate, CharField, F, FloatField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import Cast
from django.utils import timezone

from catalog.defaults import circumplex_to_music, shared_instrumentalness
from catalog.errors import UnknownEmotionError
from catalog.models import Genre, Mood, MoodMap, MoodMapGenre, Strategy, Track, TrackMoodTag
from emotion.selectors import is_low_confidence

from .bandit import Beliefs
from .engine import Candidate, Preferences, Ranked, Rating, Target, rank
from . import reasons
from .journey import SMOOTHING_MAX_READINGS, SMOOTHING_WINDOW_S, Point, Reading, pool_points, smoothed, travels
from .models import Affinity, EmotionCorrection, Feedback, Recommendation, RecommendationSet, TasteBelief

if TYPE_CHECKING:
    from accounts.models import User
    from emotion.models import EmotionResult, VoiceSubmission

# Below this confidence the model is unsure, and the targets of the likely emotions are blended.
BLEND_MIN_PROBABILITY = 0.1
RECENT_DAYS = 7
POOL_SIZE = 200
# The feedback a set's reasons look back on ("you rated this 5 stars last week").
HISTORY_LIMIT = 500


MOOD_MAP_CACHE_KEY = "recommendations:mood-map-targets:{strategy}"
# A safety net only: saves and deletes of maps, their genres and moods invalidate at once (signals).
MOOD_MAP_CACHE_TTL_S = 600


def _mood_map_targets(*, strategy: str) -> dict[str, Target]:
    """Every emotion's target for a strategy, cached: three queries per request otherwise."""
    key = MOOD_MAP_CACHE_KEY.format(strategy=strategy)
    targets = cache.get(key)
    if targets is None:
        maps = (MoodMap.objects.filter(strategy=strategy).select_related("emotion")
                .prefetch_related("moods", Prefetch("genre_weights", MoodMapGenre.objects.select_related("genre"))))
        targets = {m.emotion.code: _target_from(m) for m in maps}
        cache.set(key, targets, MOOD_MAP_CACHE_TTL_S)
    return targets


def forget_mood_maps() -> None:
    cache.delete_many([MOOD_MAP_CACHE_KEY.format(strategy=s) for s in Strategy.values])


def _target_from(mood_map: MoodMap) -> Target:
    return Target(
        emotion=mood_map.emotion.code, strategy=mood_map.strategy,
        valence=circumplex_to_music(mood_map.valence), energy=circumplex_to_music(mood_map.arousal),
        genre_weights={w.genre.slug: w.weight for w in mood_map.genre_weights.all()},
        moods=frozenset(m.code for m in mood_map.moods.all()), description=mood_map.description,
        keywords=mood_map.keywords,
        instrumentalness=shared_instrumentalness([m.instrumentalness for m in mood_map.moods.all()]))


def target_for(*, label: str, strategy: str, probabilities: dict[str, float] | None = None,
               confidence: float | None = None, targets: dict[str, Target] | None = None) -> Target:
    """The one place that turns an emotion (or a probability blend of emotions) into a target.

    `targets`: the strategy's maps when the caller already holds them (one cache read for many results).
    """
    probabilities = probabilities or {}
    unsure = confidence is not None and is_low_confidence(confidence) and probabilities
    likely = {e: p for e, p in probabilities.items() if p >= BLEND_MIN_PROBABILITY} if unsure else {}
    targets = targets if targets is not None else _mood_map_targets(strategy=strategy)
    if label not in targets:
        raise UnknownEmotionError(f"There is no mood map for {label!r} with strategy {strategy!r}.")
    likely = {e: p for e, p in likely.items() if e in targets}
    if len(likely) < 2:
        return targets[label]
    total = sum(likely.values())
    weights = {e: p / total for e, p in sorted(likely.items(), key=lambda kv: -kv[1])}
    parts = {e: targets[e] for e in weights}
    genre_weights: dict[str, float] = {}
    for emotion, weight in weights.items():
        for slug, w in parts[emotion].genre_weights.items():
            genre_weights[slug] = genre_weights.get(slug, 0.0) + weight * w
    return Target(
        emotion=label, strategy=strategy,
        valence=sum(w * parts[e].valence for e, w in weights.items()),
        energy=sum(w * parts[e].energy for e, w in weights.items()),
        genre_weights=genre_weights,
        moods=frozenset().union(*(parts[e].moods for e in weights)),
        description=parts[label].description if label in parts else "",
        keywords=parts[max(weights, key=weights.__getitem__)].keywords,
        blend={e: round(probabilities[e], 2) for e in weights},
        instrumentalness=_blend_known(weights, {e: parts[e].instrumentalness for e in weights}))


def _blend_known(weights: dict[str, float], values: dict[str, float | None]) -> float | None:
    """The weighted sum of ``values``, or None when any of them is unknown."""
    known = {e: v for e, v in values.items() if v is not None}
    return sum(w * known[e] for e, w in weights.items()) if len(known) == len(values) else None


class _Joined(Aggregate):
    """Comma-joined text of a column over a group: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _joined(queryset: QuerySet, column: str) -> Subquery:
    """A correlated subquery giving the comma-joined `column` of `queryset`'s rows for the outer track."""
    return Subquery(queryset.filter(track_id=OuterRef("pk")).order_by().values("track_id")
                    .annotate(joined=_Joined(column)).values("joined")[:1])


# Ids, not slugs: joining the genre and mood tables inside the per-track subquery costs more than
# the whole range scan; the few genres and moods are looked up once per pool instead.
_GENRE_IDS = _joined(Track.genres.through.objects.all(), Cast("genre_id", CharField()))
_MOOD_IDS = _joined(TrackMoodTag.objects.filter(rejected=False).exclude(source=TrackMoodTag.Source.SUGGESTED),
                    Cast("mood_id", CharField()))


def _near(queryset: QuerySet, target: Target, radius: float, limit: int) -> list[dict]:
    """The `limit` tracks nearest the target inside a box (an index range scan), with their genre
    and (confirmed) mood ids aggregated by the database: one round trip per call."""
    distance = ExpressionWrapper(
        (F("est_valence") - target.valence) * (F("est_valence") - target.valence)
        + (F("est_energy") - target.energy) * (F("est_energy") - target.energy),
        output_field=FloatField())
    return list(queryset.filter(
        est_valence__gte=target.valence - radius, est_valence__lte=target.valence + radius,
        est_energy__gte=target.energy - radius, est_energy__lte=target.energy + radius,
    ).annotate(distance=distance, genre_ids=_GENRE_IDS, mood_ids=_MOOD_IDS).order_by("distance", "id")
        .values("id", "artist", "est_valence", "est_energy", "valence", "energy", "popularity",
                "instrumentalness", "year", "tempo", "genre_ids", "mood_ids")[:limit])


def _names(joined: str | None, names: dict[int, str]) -> tuple[str, ...]:
    """'3,7' -> the sorted slugs/codes of those ids."""
    return tuple(sorted(names[int(i)] for i in joined.split(",") if int(i) in names)) if joined else ()


def candidate_pool(*, target: Target, excluded_genres: Sequence[str] = (), allow_explicit: bool = True,
                   exclude_ids: AbstractSet[int] = frozenset(), size: int = POOL_SIZE,
                   also_near: Sequence[Point] = ()) -> list[Candidate]:
    """Active local tracks near the target point, from the mapped genres and from anywhere; and
    (for a mood journey) a quarter as many near each of the points `also_near`."""
    base = Track.objects.filter(active=True)
    if not allow_explicit:
        base = base.filter(explicit=False)
    if excluded_genres:
        base = base.exclude(id__in=Track.genres.through.objects.filter(
            genre__slug__in=list(excluded_genres)).values("track_id"))
    mapped = set(target.genre_weights)
    rows: dict[int, dict] = {}
    genre_slugs = dict(Genre.objects.values_list("id", "slug"))
    mood_codes = dict(Mood.objects.values_list("id", "code"))

    def add(pool: list[dict]) -> None:
        for row in pool:
            if row["id"] not in rows:
                row["genres"] = _names(row["genre_ids"], genre_slugs)
                rows[row["id"]] = row

    for point, wanted in [(target.point, size), *((p, size // 4) for p in also_near)]:
        here = replace(target, valence=point.valence, energy=point.energy)
        found = len(rows)
        # Start with a small box around the point and widen only when sparse; a box for fewer
        # tracks starts smaller (the sort of what it holds is most of the query's time).
        for radius in (r * (wanted / size) ** 0.5 for r in (0.06, 0.15, 0.35, 1.0)):
            add(_near(base, here, radius, wanted))
            in_mapped = sum(1 for row in rows.values() if mapped.intersection(row["genres"]))
            if mapped and in_mapped < 30:
                # Too few tracks of the mapped genres nearby: look for them specifically.
                add(_near(base.filter(id__in=Track.genres.through.objects.filter(
                    genre__slug__in=mapped).values("track_id")), here, radius, wanted // 2))
            if len(rows) - found >= 40 * wanted // size:
                break
    return [
        Candidate(track_id=i, artist=row["artist"], valence=row["est_valence"], energy=row["est_energy"],
                  genres=row["genres"], moods=_names(row["mood_ids"], mood_codes),
                  measured=row["valence"] is not None and row["energy"] is not None,
                  popularity=row["popularity"], instrumentalness=row["instrumentalness"], year=row["year"],
                  tempo=row["tempo"])
        for i, row in rows.items() if i not in exclude_ids
    ]


def candidates_for_tracks(*, tracks: list[Track], source: str) -> list[Candidate]:
    return [
        Candidate(track_id=t.pk, artist=t.artist, valence=t.est_valence, energy=t.est_energy,
                  genres=tuple(g.slug for g in t.genres.all()),
                  moods=tuple(tag.mood.code for tag in t.mood_tags.all()
                              if not tag.rejected and tag.source != TrackMoodTag.Source.SUGGESTED),
                  measured=t.valence is not None and t.energy is not None, popularity=t.popularity,
                  source=source, instrumentalness=t.instrumentalness, year=t.year, tempo=t.tempo)
        for t in tracks if t.est_valence is not None and t.est_energy is not None
    ]


def preferences_for(*, user: User | int, favourite_genres: Sequence[str] = ()) -> Preferences:
    genre_affinity: dict[str, float] = {}
    artist_affinity: dict[str, float] = {}
    for kind, key, weight in Affinity.objects.filter(user=user).values_list("kind", "key", "weight"):
        (genre_affinity if kind == Affinity.Kind.GENRE else artist_affinity)[key] = weight
    now = timezone.now()
    recent = Recommendation.objects.filter(
        recommendation_set__user=user, recommendation_set__created_at__gte=now - timedelta(days=RECENT_DAYS)
    ).values_list("track_id", flat=True)
    beliefs = Beliefs({f: (a, b) for f, a, b in TasteBelief.objects.filter(user=user).values_list(
        "feature", "liked", "disliked")})
    ratings: dict[int, Rating] = {}
    liked: dict[int, bool] = {}
    history = Feedback.objects.filter(user=user, action__in=["like", "dislike", "rate"]).order_by(
        "-created_at", "-id").values_list("recommendation__track_id", "action", "rating", "created_at")
    for track_id, action, rating, created_at in history[:HISTORY_LIMIT]:  # newest first: the first one counts
        if action == Feedback.Action.RATE:
            ratings.setdefault(track_id, Rating(stars=rating, days_ago=(now - created_at).days))
        else:
            liked.setdefault(track_id, action == Feedback.Action.LIKE)
    return Preferences(genre_affinity=genre_affinity, artist_affinity=artist_affinity,
                       favourite_genres=frozenset(favourite_genres), recent_track_ids=frozenset(recent),
                       beliefs=beliefs, ratings=ratings,
                       liked_track_ids=frozenset(t for t, is_liked in liked.items() if is_liked))


def listener_start(*, result: EmotionResult, correction: EmotionCorrection | None = None) -> tuple[Target, int]:
    """Where the listener is, as the music that would match them: the match-strategy target of the
    detected (or corrected) emotion, its point smoothed with the user's results of the last few
    minutes so one odd recording does not flip the music; and how many results were smoothed."""
    from emotion.models import EmotionResult

    if correction is not None:
        return target_for(label=correction.corrected, strategy=Strategy.MATCH), 1
    maps = _mood_map_targets(strategy=Strategy.MATCH)
    here = target_for(label=result.label, strategy=Strategy.MATCH, probabilities=result.probabilities,
                      confidence=result.confidence, targets=maps)
    earlier = EmotionResult.objects.filter(
        submission__user_id=result.submission.user_id, created_at__lt=result.created_at,
        created_at__gte=result.created_at - timedelta(seconds=SMOOTHING_WINDOW_S),
    ).exclude(pk=result.pk).order_by("-created_at").values_list(
        "label", "probabilities", "confidence", "created_at")[:SMOOTHING_MAX_READINGS - 1]
    readings = [Reading(here.point, 0.0)]
    for label, probabilities, confidence, created_at in earlier:
        try:
            point = target_for(label=label, strategy=Strategy.MATCH, probabilities=probabilities,
                               confidence=confidence, targets=maps).point
        except UnknownEmotionError:
            continue
        readings.append(Reading(point, (result.created_at - created_at).total_seconds()))
    point, count = smoothed(readings)
    return replace(here, valence=point.valence, energy=point.energy), count


def latest_set(*, submission: VoiceSubmission, strategy: str | None = None) -> RecommendationSet | None:
    sets = RecommendationSet.objects.filter(submission=submission)
    if strategy:
        sets = sets.filter(strategy=strategy)
    return sets.order_by("-created_at", "-id").first()


def latest_correction(*, submission: VoiceSubmission) -> EmotionCorrection | None:
    return submission.corrections.order_by("-created_at", "-id").first()


def submission_set(*, submission: VoiceSubmission, strategy: str | None = None) -> RecommendationSet | None:
    """The set to show for a submission: its newest (for ``strategy``), or None while the one it
    should show is not built. Once someone said "that's not how I feel", every strategy follows
    what they told us."""
    existing = latest_set(submission=submission, strategy=strategy)
    if existing is None:
        return None
    correction = latest_correction(submission=submission)
    return existing if correction is None or existing.correction_id == correction.id else None


def set_with_items(*, set_id: int) -> RecommendationSet:
    return RecommendationSet.objects.prefetch_related(
        Prefetch("items", Recommendation.objects.select_related("track").prefetch_related(
            "track__genres", Prefetch("track__mood_tags", TrackMoodTag.objects.select_related("mood"))))
    ).get(pk=set_id)


def feedback_summary(*, user: User | int, recommendation_ids: list[int]) -> dict[int, dict]:
    """Latest like/dislike and rating per recommendation, for the set object."""
    summary: dict[int, dict[str, Any]] = {i: {"liked": None, "rating": None} for i in recommendation_ids}
    for rec_id, action, rating in Feedback.objects.filter(
            user=user, recommendation_id__in=recommendation_ids).order_by("created_at", "id").values_list(
            "recommendation_id", "action", "rating"):
        if action == "like":
            summary[rec_id]["liked"] = True
        elif action == "dislike":
            summary[rec_id]["liked"] = False
        elif action == "rate":
            summary[rec_id]["rating"] = rating
    return summary



@dataclass(frozen=True)
class PreviewRow:
    ranked: Ranked
    reasons: list


def preview_mood_map(*, emotion: str, strategy: str, k: int = 30) -> tuple[Target, Target | None, list[PreviewRow]]:
    """What a new listener whose mood is `emotion` gets from the local catalog under `strategy`
    (no Spotify, no exploration), each rank with its score's parts: the curators' preview."""
    target = target_for(label=emotion, strategy=strategy)
    here = target_for(label=emotion, strategy=Strategy.MATCH)
    start = here if travels(strategy=strategy, start=here.point, goal=target.point) else None
    pool = candidate_pool(target=target, size=max(POOL_SIZE, 4 * k),
                          also_near=pool_points(start.point if start else None, target.point))
    prefs = Preferences()
    ranked = rank(pool, target, prefs, k=k, start=start)
    return target, start, [PreviewRow(r, why) for r, why in zip(ranked, reasons.explain(ranked, target, prefs, start=start))]
