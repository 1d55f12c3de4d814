"""Live updates: any process publishes a submission's events on its channel-layer group."""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any
from uuid import UUID

from channels.layers import get_channel_layer
from django.conf import settings

from emotion.payloads import submission_payload

if TYPE_CHECKING:
    from emotion.models import VoiceSubmission

logger = logging.getLogger(__name__)


def submission_group(submission_id: UUID | str) -> str:
    return f"submission.{submission_id}"


class _SendLoop:
    """One event loop per process, in a daemon thread, that every synchronous publish runs on.

    channels_redis keeps its Redis connections per event loop, and ``async_to_sync`` outside an
    ASGI request starts a new loop (and a thread) per call: every push from a worker paid for a
    thread, a loop and a fresh Redis connection (~2 ms of a set build's ~30). On one long-lived
    loop the layer's connection is reused. Made lazily and again after a fork (Celery's prefork
    children must not inherit a parent's loop whose thread did not survive the fork).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="channel-layer-send", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        """The coroutine's result; after ``timeout`` seconds it is cancelled and TimeoutError raised
        (a Redis that accepts the connection and never answers must not hold an analysis)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise


_send_loop = _SendLoop()


def publish_submission_event(submission_id: UUID | str, message: dict[str, Any]) -> None:
    """Send ``message`` (e.g. ``{"type": "submission", "submission": {...}}``) to every open socket.

    Best effort: the database stays the truth (REST polling works without it), so a channel-layer
    outage is logged rather than failing the analysis that triggered the event.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        _send_loop.run(layer.group_send(submission_group(submission_id), {"type": "submission.event", "message": message}),
                       timeout=settings.REDIS_SOCKET_TIMEOUT_S)
        status = (message.get("submission") or {}).get("status")
        logger.info("pushed %s event%s", message.get("type"), f" ({status})" if status else "",
                    extra={"submission_id": str(submission_id)})
    except Exception:
        logger.exception("could not publish event for submission %s", submission_id)


def publish_submission_state(submission: VoiceSubmission) -> None:
    """Publish the submission object as the caller holds it, just committed (no second read)."""
    publish_submission_event(submission.pk, {"type": "submission", "submission": submission_payload(submission)})
