"""Writes of the recommendations app: building sets, recording feedback and emotion corrections."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Value

from catalog.errors import UnknownEmotionError
from catalog.models import Emotion, Strategy
from emotion.errors import NoVoiceToLearnError
from emotion.models import VoiceExample
from emotion.services import voice_example_record
from operations.metrics import RECOMMENDATION_BUILD

from . import bandit, engine, realtime, reasons, selectors, spotify
from .errors import InvalidFeedbackError, NoEmotionResultError
from .journey import JOURNEY_STRATEGIES, pool_points, travels
from .models import Affinity, EmotionCorrection, Feedback, Recommendation, RecommendationSet, TasteBelief

if TYPE_CHECKING:
    from accounts.models import User
    from emotion.models import EmotionResult, VoiceSubmission

logger = logging.getLogger(__name__)

# Looked up by name: recommendations.tasks imports this module, never the other way round.
BUILD_TASK = "recommendations.tasks.build_recommendations"


def _profile_values(user: User) -> dict[str, Any]:
    """The listener's settings and favourite and excluded genres, in one query."""
    from accounts.models import Profile

    values = {"strategy": Strategy.MATCH, "favourite": [], "excluded": [], "market": "US", "explicit": True}
    columns = ("strategy", "market", "allow_explicit", "genre_list")
    profile = Profile.objects.filter(user=user)
    rows = profile.annotate(genre_list=Value("favourite")).values_list(*columns, "favourite_genres__slug").union(
        profile.annotate(genre_list=Value("excluded")).values_list(*columns, "excluded_genres__slug"), all=True)
    for strategy, market, explicit, genre_list, slug in rows:  # a row per genre of each list, or one for none
        values.update(strategy=strategy, market=market or "US", explicit=explicit)
        if slug is not None:
            values[genre_list].append(slug)
    return values


def build_recommendation_set(*, result: EmotionResult, strategy: str | None = None, correction: EmotionCorrection | None = None,
                             use_spotify: bool = True) -> RecommendationSet:
    """Rank ten tracks for an emotion result (or its correction) and store them as a set.

    Idempotent: a second call for the same result, strategy and correction returns the stored set.
    Spotify is searched outside any transaction.
    """
    submission = result.submission
    user = submission.user
    values = _profile_values(user)
    strategy = strategy or values["strategy"]
    if strategy not in Strategy.values:
        raise InvalidFeedbackError(f"Unknown strategy {strategy!r}; use match, lift or calm.")
    existing = RecommendationSet.objects.filter(result=result, strategy=strategy, correction=correction).first()
    if existing is not None:
        return existing
    if correction is None:
        target = selectors.target_for(label=result.label, strategy=strategy,
                                      probabilities=result.probabilities, confidence=result.confidence)
    else:
        target = selectors.target_for(label=correction.corrected, strategy=strategy)

    started = time.perf_counter()
    start, readings = _journey_start(result=result, correction=correction, strategy=strategy, target=target)
    found = spotify.search(target=target, market=values["market"], allow_explicit=values["explicit"]) \
        if use_spotify else spotify.SpotifyOutcome()
    spotify_ids = {t.pk for t in found.tracks}
    excluded = set(values["excluded"])
    candidates = selectors.candidate_pool(
        target=target, excluded_genres=values["excluded"], allow_explicit=values["explicit"], exclude_ids=spotify_ids,
        also_near=pool_points(start.point if start is not None else None, target.point))
    candidates += [c for c in selectors.candidates_for_tracks(tracks=found.tracks, source="spotify")
                   if not excluded.intersection(c.genres)]
    prefs = selectors.preferences_for(user=user, favourite_genres=values["favourite"])
    ranked = engine.rank(candidates, target, prefs, start=start, explore_share=settings.RECOMMENDATION_EXPLORE_SHARE,
                         seed=f"{result.pk}:{strategy}:{correction.pk if correction else ''}")
    explained = reasons.explain(ranked, target, prefs, start=start)

    try:
        with transaction.atomic():
            rec_set = RecommendationSet.objects.create(
                user=user, submission=submission, result=result, correction=correction,
                emotion=target.emotion, strategy=strategy, target_valence=target.valence,
                target_arousal=target.energy, blended=bool(target.blend), notice=found.notice or "",
                summary=reasons.summary(target), journey=_journey_of(start, target, ranked, readings))
            items = Recommendation.objects.bulk_create([
                Recommendation(recommendation_set=rec_set, track_id=r.candidate.track_id, rank=i,
                               score=r.score, source=r.candidate.source, why=reasons.sentence(why),
                               reasons=[reason.as_dict() for reason in why], explored=r.explored)
                for i, (r, why) in enumerate(zip(ranked, explained), start=1)])
    except IntegrityError:
        # Another worker built the same set first: theirs is the answer.
        return RecommendationSet.objects.get(result=result, strategy=strategy, correction=correction)
    transaction.on_commit(lambda: realtime.publish_new_set(
        rec_set=rec_set, items=items, candidates=[r.candidate for r in ranked]))
    RECOMMENDATION_BUILD.observe(time.perf_counter() - started)
    logger.info("recommendation set built: %d tracks for %s (%s)%s", len(items), target.emotion, strategy,
                ", Spotify unavailable" if found.notice else "", extra={"submission_id": str(submission.pk)})
    return rec_set


def _journey_start(*, result: EmotionResult, correction: EmotionCorrection | None, strategy: str, target: engine.Target) -> tuple[engine.Target | None, int]:
    """Where a lift/calm set starts (the listener's smoothed mood), or None when there is no way to go."""
    if strategy not in JOURNEY_STRATEGIES:
        return None, 0
    start, readings = selectors.listener_start(result=result, correction=correction)
    return (start if travels(strategy=strategy, start=start.point, goal=target.point) else None), readings


def _journey_of(start: engine.Target | None, target: engine.Target, ranked: list[engine.Ranked],
                readings: int) -> dict | None:
    """The stored arc: from where, to where, and per rank the waypoint aimed at and the track's place."""
    if start is None:
        return None
    def place(p: engine.Point | engine.Target) -> dict[str, float]:
        return {"valence": round(p.valence, 3), "energy": round(p.energy, 3)}

    return {
        "from": {"emotion": start.emotion, **place(start.point)}, "to": {"emotion": target.emotion, **place(target.point)},
        "readings": readings,
        "steps": [{"rank": i, "progress": round(r.progress or 0.0, 2), "aim": place(r.point),
                   "track": place(engine.Point(r.candidate.valence, r.candidate.energy))}
                  for i, r in enumerate(ranked, start=1)],
    }


def _result_of(submission: VoiceSubmission) -> EmotionResult | None:
    from emotion.models import EmotionResult

    try:
        return submission.result
    except EmotionResult.DoesNotExist:
        return None


@dataclass(frozen=True)
class SetPending:
    """Why a submission's set is not there yet, for the 202 answer."""

    status: str  # "analysing" or "building"
    detail: str


ANALYSING = SetPending("analysing", "We are still listening to your recording; your music follows in a few seconds.")
BUILDING = SetPending("building", "We are picking your music; it will be here in a few seconds.")


def recommendations_request(*, submission: VoiceSubmission, strategy: str | None = None) -> SetPending:
    """Someone asked for a set that is not stored: say why, and queue its build if nobody has.

    The set for the result's own strategy is queued when the result is stored
    (``set_build_request`` from ``recommendations.apps``); this queues other strategies and sets
    after a correction, once each.
    """
    result = _result_of(submission)
    if result is None:
        if submission.is_finished:
            raise NoEmotionResultError(
                "We could not detect an emotion in this recording, so there is no music for it. Please record again.")
        return ANALYSING
    set_build_request(result=result, strategy=strategy, correction=selectors.latest_correction(submission=submission))
    return BUILDING


def _build_key(*, result_id: int, strategy: str, correction_id: int | None) -> str:
    return f"recommendations:building:{result_id}:{strategy}:{correction_id or ''}"


def set_build_request(*, result: EmotionResult, strategy: str | None = None, correction: EmotionCorrection | None = None) -> bool:
    """Queue the build of one set unless the same build is already on its way; True if queued.

    The mark lasts RECOMMENDATION_BUILD_PENDING_S: a build whose task was lost is queued again by
    the next request after that.
    """
    strategy = strategy or _profile_values(result.submission.user)["strategy"]
    correction_id = correction.pk if correction is not None else None
    key = _build_key(result_id=result.pk, strategy=strategy, correction_id=correction_id)
    if not cache.add(key, True, timeout=settings.RECOMMENDATION_BUILD_PENDING_S):
        return False
    try:
        current_app.tasks[BUILD_TASK].delay(result.pk, strategy, correction_id)
    except Exception:
        cache.delete(key)
        raise
    return True


@transaction.atomic
def record_feedback(*, user: User, recommendation: Recommendation, action: str, rating: int | None = None) -> Feedback:
    """Store feedback and move the user's affinities for the track's genres and artist."""
    if action not in Feedback.Action.values:
        raise InvalidFeedbackError("action must be one of like, dislike, rate, played, skipped.")
    if action == Feedback.Action.RATE:
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise InvalidFeedbackError("A rating must be a whole number from 1 to 5.")
    else:
        rating = None
    delta = engine.affinity_delta(action=action, rating=rating)
    feedback = Feedback.objects.create(user=user, recommendation=recommendation, action=action, rating=rating)
    track = recommendation.track
    genres = list(track.genres.values_list("slug", flat=True))
    artist = engine.artist_key(track.artist)
    keys = [(Affinity.Kind.ARTIST, artist)]
    keys += [(Affinity.Kind.GENRE, slug) for slug in genres]
    for kind, key in keys:
        affinity, _ = Affinity.objects.get_or_create(user=user, kind=kind, key=key)
        Affinity.objects.filter(pk=affinity.pk).update(
            weight=F("weight") + delta)
    Affinity.objects.filter(user=user, weight__gt=engine.AFFINITY_LIMIT).update(weight=engine.AFFINITY_LIMIT)
    Affinity.objects.filter(user=user, weight__lt=-engine.AFFINITY_LIMIT).update(weight=-engine.AFFINITY_LIMIT)
    liked, disliked = bandit.counts_for(action=action, rating=rating)
    for feature in bandit.features_of(genres=genres, artist_key=artist, year=track.year,
                                      valence=track.valence, energy=track.energy):
        belief, _ = TasteBelief.objects.get_or_create(user=user, feature=feature[:320])
        TasteBelief.objects.filter(pk=belief.pk).update(liked=F("liked") + liked, disliked=F("disliked") + disliked)
    return feedback


def correct_emotion(*, user: User, submission: VoiceSubmission, emotion: str, strategy: str | None = None) -> RecommendationSet:
    """ "I'm actually calm": keep the correction as a labelled example and re-recommend at once."""
    result = _result_of(submission)
    if result is None:
        raise NoEmotionResultError("There is no detected emotion to correct yet.")
    if not Emotion.objects.filter(code=emotion).exists():
        known = ", ".join(Emotion.objects.values_list("code", flat=True))
        raise UnknownEmotionError(f"Unknown emotion {emotion!r}; choose one of: {known}.")
    with transaction.atomic():
        correction = EmotionCorrection.objects.create(
            user=user, submission=submission, result=result, predicted=result.label, corrected=emotion)
        _learn_voice(user=user, submission=submission, emotion=emotion)
    return build_recommendation_set(result=result, strategy=strategy, correction=correction)


def _learn_voice(*, user: User, submission: VoiceSubmission, emotion: str) -> None:
    """A correction of an analysed recording is a labelled example of the user's voice; a
    picked mood (no recording) is only a correction."""
    try:
        voice_example_record(user=user, submission=submission, emotion=emotion,
                             source=VoiceExample.Source.CORRECTION)  # fmt: skip
    except NoVoiceToLearnError:
        pass
