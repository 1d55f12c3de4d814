"""The recommendations part of a person's data export: the music shown to them, their feedback,
their corrections and what Moodify learned from them (affinities and taste beliefs)."""
from __future__ import annotations

from typing import Any

from recommendations.models import Affinity, EmotionCorrection, Feedback, RecommendationSet, TasteBelief


def user_export_section(sender, user, **kwargs) -> dict[str, Any]:
    """Receiver of `accounts.signals.collect_user_export`."""
    sets = (
        RecommendationSet.objects.filter(user=user)
        .prefetch_related("items__track")
        .order_by("created_at", "id")
    )
    return {
        "recommendation_sets": [
            {
                "id": s.id,
                "submission_id": str(s.submission_id),
                "emotion": s.emotion,
                "strategy": s.strategy,
                "notice": s.notice,
                "created_at": s.created_at.isoformat(),
                "items": [
                    {
                        "id": item.id,
                        "rank": item.rank,
                        "why": item.why,
                        "reasons": item.reasons,
                        "explored": item.explored,
                        "source": item.source,
                        "track": {"title": item.track.title, "artist": item.track.artist},
                    }
                    for item in s.items.all()
                ],
            }
            for s in sets
        ],
        "feedback": [
            {
                "recommendation_id": f.recommendation_id,
                "track": {"title": f.recommendation.track.title, "artist": f.recommendation.track.artist},
                "action": f.action,
                "rating": f.rating,
                "created_at": f.created_at.isoformat(),
            }
            for f in Feedback.objects.filter(user=user).select_related("recommendation__track").order_by("created_at", "id")
        ],
        "emotion_corrections": [
            {
                "submission_id": str(c.submission_id),
                "predicted": c.predicted,
                "corrected": c.corrected,
                "created_at": c.created_at.isoformat(),
            }
            for c in EmotionCorrection.objects.filter(user=user).order_by("created_at", "id")
        ],
        "taste": [
            {"kind": a.kind, "key": a.key, "weight": a.weight}
            for a in Affinity.objects.filter(user=user).order_by("kind", "key")
        ],
        "taste_beliefs": [
            {"feature": b.feature, "liked": b.liked, "disliked": b.disliked}
            for b in TasteBelief.objects.filter(user=user).order_by("feature")
        ],
    }
