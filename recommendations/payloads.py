"""The recommendation set object of docs/api.md as plain data: the REST answer and the live push."""
from __future__ import annotations

from catalog.api.serializers import track_payload
from catalog.models import Track

from .engine import Candidate
from .models import Recommendation, RecommendationSet
from .selectors import feedback_summary


def _set_object(rec_set: RecommendationSet, items: list[tuple[Recommendation, dict, dict]]) -> dict:
    return {
        "id": rec_set.pk, "submission_id": str(rec_set.submission_id), "emotion": rec_set.emotion,
        "strategy": rec_set.strategy, "created_at": rec_set.created_at.isoformat(),
        "notice": rec_set.notice or None, "summary": rec_set.summary, "journey": rec_set.journey,
        "items": [{"id": item.pk, "rank": item.rank, "score": item.score, "source": item.source,
                   "why": item.why, "reasons": item.reasons, "explored": item.explored,
                   "track": track, "feedback": feedback}
                  for item, track, feedback in items],
    }


def set_payload(rec_set: RecommendationSet) -> dict:
    """The recommendation set object of docs/api.md (expects set_with_items prefetching)."""
    items = list(rec_set.items.all())
    feedback = feedback_summary(user=rec_set.user_id, recommendation_ids=[i.pk for i in items])
    return _set_object(rec_set, [(item, track_payload(item.track), feedback[item.pk]) for item in items])


def new_set_payload(rec_set: RecommendationSet, items: list[Recommendation], candidates: list[Candidate]) -> dict:
    """The same object for a set just stored, from what the engine already holds.

    One query (the tracks' details) instead of five: genres and moods come with the candidates, and
    nobody can have rated a set that nobody has seen. A test holds it equal to `set_payload`.
    """
    tracks = Track.objects.in_bulk([item.track_id for item in items])
    by_id = {c.track_id: c for c in candidates}
    return _set_object(rec_set, [
        (item, track_payload(tracks[item.track_id], genres=by_id[item.track_id].genres,
                             moods=by_id[item.track_id].moods), {"liked": None, "rating": None})
        for item in items])
