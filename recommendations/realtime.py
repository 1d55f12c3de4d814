"""Publishing a set just built on its submission's live channel (emotion.realtime owns the channel)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from emotion.realtime import publish_submission_event

from .payloads import new_set_payload

if TYPE_CHECKING:
    from .engine import Candidate
    from .models import Recommendation, RecommendationSet

logger = logging.getLogger(__name__)


def publish_new_set(*, rec_set: RecommendationSet, items: list[Recommendation], candidates: list[Candidate]) -> bool:
    """Send a set just built to `/ws/submissions/<id>/`; False when that failed (the set stays).

    Its object is made from what the engine holds (one query, not five).
    """
    try:
        payload = new_set_payload(rec_set, items, candidates)
        publish_submission_event(str(rec_set.submission_id), {"type": "recommendations", "recommendations": payload})
    except Exception:  # a broken channel layer must not undo a stored set
        logger.exception("Could not publish recommendations for %s", rec_set.submission_id)
        return False
    return True
