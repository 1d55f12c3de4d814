"""Publishing finished sets to the submission's live channel (the platform owns the channel)."""
from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)


def publish_set(*, rec_set_id: int) -> bool:
    """Send the set object to `/ws/submissions/<id>/`; False when live updates are unavailable."""
    try:
        realtime = importlib.import_module("emotion.realtime")
    except ImportError:
        return False
    from .api.serializers import set_payload
    from .selectors import set_with_items

    rec_set = set_with_items(set_id=rec_set_id)
    try:
        realtime.publish_submission_event(
            str(rec_set.submission_id), {"type": "recommendations", "recommendations": set_payload(rec_set)})
    except Exception:  # a broken channel layer must not undo a stored set
        logger.exception("Could not publish recommendations for %s", rec_set.submission_id)
        return False
    return True
