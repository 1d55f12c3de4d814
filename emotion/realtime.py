"""Live updates: any process publishes a submission's events on its channel-layer group."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from emotion.payloads import submission_payload

if TYPE_CHECKING:
    from emotion.models import VoiceSubmission

logger = logging.getLogger(__name__)


def submission_group(submission_id: UUID | str) -> str:
    return f"submission.{submission_id}"


def publish_submission_event(submission_id: UUID | str, message: dict[str, Any]) -> None:
    """Send ``message`` (e.g. ``{"type": "submission", "submission": {...}}``) to every open socket.

    Best effort: the database stays the truth (REST polling works without it), so a channel-layer
    outage is logged rather than failing the analysis that triggered the event.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            submission_group(submission_id), {"type": "submission.event", "message": message}
        )
        status = (message.get("submission") or {}).get("status")
        logger.info("pushed %s event%s", message.get("type"), f" ({status})" if status else "",
                    extra={"submission_id": str(submission_id)})
    except Exception:
        logger.exception("could not publish event for submission %s", submission_id)


def publish_submission_state(submission: VoiceSubmission) -> None:
    """Publish the submission object as the caller holds it, just committed (no second read)."""
    publish_submission_event(submission.pk, {"type": "submission", "submission": submission_payload(submission)})
