"""Reads for the recommendation engine: targets from mood maps, candidates, user preferences."""
from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import CharField, Expression, Prefetch
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
    cache.delete_many([CATALOG_NAMES_CACHE_KEY, *(MOOD_MAP_CACHE_KEY.format(strategy=s) for s in Strategy.values)])


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


class _JoinedIds(Expression):
    """The comma-joined `column` of the outer track's rows in `model`'s table, as a correlated
    subquery: STRING_AGG, or GROUP_CONCAT on SQLite (the compiler picks the database's form)."""

    output_field = CharField()

    def __init__(self, model: Any, column: str, condition: str = "", params: tuple[Any, ...] = ()) -> None:
        super().__init__()
        self.table, self.column, self.condition, self.params = model._meta.db_table, column, condition, params

    def as_sql(self, compiler: Any, connection: Any, function: str = "STRING_AGG") -> Any:
        qn = compiler.quote_name_unless_alias
        track = qn(compiler.query.get_initial_alias())
        return (f"(SELECT {function}(CAST(j.{qn(self.column)} AS TEXT), ',') FROM {qn(self.table)} j "
                f"WHERE j.{qn('track_id')} = {track}.{qn('id')}{self.condition})"), self.params

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT")


# Ids, not slugs: joining the genre and mood tables inside the per-track subquery costs more than
# the whole range scan; the few genres and moods are named from `_CatalogNames` instead.
_GENRE_IDS = _JoinedIds(Track.genres.through, "genre_id")
_MOOD_IDS = _JoinedIds(TrackMoodTag, "mood_id", " AND NOT j.rejected AND j.source <> %s",
                       (TrackMoodTag.Source.SUGGESTED.value,))
_POOL_COLUMNS = ("id", "artist", "est_valence", "est_energy", "valence", "energy", "popularity", "instrumentalness",
                 "year", "tempo")
# Box half-widths around a pool's point, tried in turn while too few tracks are found (for a pool
# of POOL_SIZE tracks; a smaller pool scales them by the square root of its share).
BOX_RADII = (0.06, 0.15, 0.35, 1.0)


@dataclass(frozen=True)
class _Box:
    point: Point
    radius: float  # half-width, valence/energy units
    limit: int


@dataclass(frozen=True)
class _PoolTracks:
    """Which tracks a pool draws from: active ones, explicit ones only if allowed, none of the
    excluded genres; and, when `only_genres` is given, only tracks of those genres."""

    allow_explicit: bool = True
    excluded_genres: tuple[str, ...] = ()
    only_genres: tuple[str, ...] = ()

    def where(self, qn: Any) -> tuple[str, list[Any]]:
        track = qn(Track._meta.db_table)
        conditions: list[str] = [f"{track}.{qn('active')}"]
        params: list[Any] = []
        if not self.allow_explicit:
            conditions.append(f"NOT {track}.{qn('explicit')}")
        for negate, slugs in (("NOT ", self.excluded_genres), ("", self.only_genres)):
            if slugs:
                conditions.append(
                    f"{negate}{track}.{qn('id')} IN (SELECT tg.{qn('track_id')} FROM {qn(Track.genres.through._meta.db_table)} tg "
                    f"INNER JOIN {qn(Genre._meta.db_table)} g ON g.{qn('id')} = tg.{qn('genre_id')} "
                    f"WHERE g.{qn('slug')} IN ({', '.join(['%s'] * len(slugs))}))")
                params += slugs
        return " AND ".join(conditions), params


def _near(boxes: list[_Box], tracks: _PoolTracks) -> list[list[dict]]:
    """Each box's `limit` tracks nearest its point (an index range scan of the box), with their
    genre and confirmed mood ids: all boxes in one statement (UNION ALL), one list of rows each.

    Written out rather than composed with the ORM: compiling the ORM's version of a box cost more
    than the database takes to answer it, on every set built."""
    queryset = Track.objects.all()
    compiler = queryset.query.get_compiler(queryset.db)
    qn = compiler.connection.ops.quote_name
    track = qn(Track._meta.db_table)
    valence, energy = f"{track}.{qn('est_valence')}", f"{track}.{qn('est_energy')}"
    genre_ids, genre_params = compiler.compile(_GENRE_IDS)
    mood_ids, mood_params = compiler.compile(_MOOD_IDS)
    where, where_params = tracks.where(qn)
    columns = ", ".join(f"{track}.{qn(c)}" for c in _POOL_COLUMNS)
    arms, params = [], []
    for i, box in enumerate(boxes):
        v, e, r = box.point.valence, box.point.energy, box.radius
        arms.append(f"SELECT * FROM (SELECT {i} AS box, {columns}, {genre_ids} AS genre_ids, {mood_ids} AS mood_ids "
                    f"FROM {track} WHERE {where} AND {valence} BETWEEN %s AND %s AND {energy} BETWEEN %s AND %s "
                    f"ORDER BY ({valence} - %s) * ({valence} - %s) + ({energy} - %s) * ({energy} - %s), "
                    f"{track}.{qn('id')} LIMIT {int(box.limit)}) AS box{i}")
        params += [*genre_params, *mood_params, *where_params, v - r, v + r, e - r, e + r, v, v, e, e]
    names = ("box", *_POOL_COLUMNS, "genre_ids", "mood_ids")
    rows: list[list[dict]] = [[] for _ in boxes]
    with compiler.connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        for row in cursor.fetchall():
            rows[row[0]].append(dict(zip(names, row)))
    return rows


CATALOG_NAMES_CACHE_KEY = "recommendations:catalog-names"


class _CatalogNames:
    """Genre slugs and mood codes by id, cached (the mood maps' signals forget them too) and reread
    once when a row names an id the cached copy lacks (genres made without signals, bulk_create)."""

    def __init__(self) -> None:
        cached = cache.get(CATALOG_NAMES_CACHE_KEY)
        self.reread = cached is None
        names: tuple[dict[int, str], dict[int, str]] = cached if cached is not None else self._read()
        self.genres, self.moods = names
        self.named: dict[tuple[str, str], tuple[str, ...]] = {}  # a pool's rows repeat the same few lists

    def _read(self) -> tuple[dict[int, str], dict[int, str]]:
        names = dict(Genre.objects.values_list("id", "slug")), dict(Mood.objects.values_list("id", "code"))
        cache.set(CATALOG_NAMES_CACHE_KEY, names, MOOD_MAP_CACHE_TTL_S)
        self.reread = True
        self.named = {}
        return names

    def _named(self, joined: str | None, kind: str) -> tuple[str, ...]:
        """'3,7' -> the sorted slugs (kind "genres") or codes ("moods") of those ids."""
        if not joined:
            return ()
        if (kind, joined) in self.named:
            return self.named[kind, joined]
        ids = [int(i) for i in joined.split(",")]
        if not self.reread and any(i not in getattr(self, kind) for i in ids):
            self.genres, self.moods = self._read()
        names = getattr(self, kind)
        self.named[kind, joined] = tuple(sorted(names[i] for i in ids if i in names))
        return self.named[kind, joined]

    def genre_slugs(self, joined: str | None) -> tuple[str, ...]:
        return self._named(joined, "genres")

    def mood_codes(self, joined: str | None) -> tuple[str, ...]:
        return self._named(joined, "moods")


def candidate_pool(*, target: Target, excluded_genres: Sequence[str] = (), allow_explicit: bool = True,
                   exclude_ids: AbstractSet[int] = frozenset(), size: int = POOL_SIZE,
                   also_near: Sequence[Point] = ()) -> list[Candidate]:
    """Active local tracks near the target point, from the mapped genres and from anywhere; and
    (for a mood journey) a quarter as many near each of the points `also_near`."""
    tracks = _PoolTracks(allow_explicit=allow_explicit, excluded_genres=tuple(excluded_genres))
    mapped = set(target.genre_weights)
    rows: dict[int, dict] = {}
    names = _CatalogNames()
    in_mapped = 0  # how many of the rows have a genre the mood map asks for

    def add(pool: list[dict]) -> None:
        nonlocal in_mapped
        for row in pool:
            if row["id"] not in rows:
                row["genres"] = names.genre_slugs(row["genre_ids"])
                rows[row["id"]] = row
                in_mapped += bool(mapped.intersection(row["genres"]))

    points = [(target.point, size), *((p, size // 4) for p in also_near)]
    # Start with a small box around each point and widen only when sparse; a box for fewer tracks
    # starts smaller (the sort of what it holds is most of the query's time).
    radii = [[r * (wanted / size) ** 0.5 for r in BOX_RADII] for _, wanted in points]
    first = _near([_Box(point, ladder[0], wanted) for (point, wanted), ladder in zip(points, radii)], tracks)
    for (point, wanted), ladder, fetched in zip(points, radii, first):
        found = len(rows)
        for step, radius in enumerate(ladder):
            add(fetched if step == 0 else _near([_Box(point, radius, wanted)], tracks)[0])
            if mapped and in_mapped < 30:
                # Too few tracks of the mapped genres nearby: look for them specifically.
                add(_near([_Box(point, radius, wanted // 2)], replace(tracks, only_genres=tuple(sorted(mapped))))[0])
            if len(rows) - found >= 40 * wanted // size:
                break
    return [
        Candidate(track_id=i, artist=row["artist"], valence=row["est_valence"], energy=row["est_energy"],
                  genres=row["genres"], moods=names.mood_codes(row["mood_ids"]),
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
    recent = Recommendation.objects.filter(  # unordered: only which tracks counts, not the sets' order
        recommendation_set__user=user, recommendation_set__created_at__gte=now - timedelta(days=RECENT_DAYS)
    ).order_by().values_list("track_id", flat=True)
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
