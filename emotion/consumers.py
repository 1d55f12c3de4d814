"""WebSocket for one submission: its owner gets the current state at once, then every change."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from emotion import selectors
from emotion.models import VoiceSubmission
from emotion.payloads import submission_payload
from emotion.realtime import submission_group

FINISHED = (VoiceSubmission.Status.DONE, VoiceSubmission.Status.FAILED)
logger = logging.getLogger(__name__)


@database_sync_to_async
def _current_state(user, submission_id: str) -> dict | None:
    submission = selectors.submission_get(user=user, submission_id=submission_id)
    return None if submission is None else submission_payload(submission)


class SubmissionConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    _sent_status: str = ""
    _last_sent: dict | None = None
    _recheck: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        submission_id = self.scope["url_route"]["kwargs"]["submission_id"]
        if user is None or not user.is_authenticated:
            await self.close()
            return
        # Join before reading the state, so no change can slip between the read and the join.
        self.group = submission_group(submission_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await _current_state(user, submission_id)
        if state is None:  # someone else's, or no such submission: refused like a missing one
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close()
            return
        await self.accept()
        await self._send_state(state)
        if state["status"] not in FINISHED:
            self._recheck = asyncio.create_task(self._recheck_until_finished(user, submission_id))

    async def _send_state(self, state: dict) -> None:
        await self._send({"type": "submission", "submission": state})

    async def _send(self, message: dict) -> None:
        if message.get("type") == "submission":
            if message == self._last_sent:  # the re-read found it before the push arrived
                return
            self._sent_status, self._last_sent = message["submission"]["status"], message
        await self.send_json(message)

    async def _recheck_until_finished(self, user, submission_id: str) -> None:  # noqa: ANN001
        """The channel layer can drop a group message (a rare, known channels-redis behaviour when
        sockets come and go); the database is the truth. Until the submission has finished, its
        state is read again every SUBMISSION_SOCKET_RECHECK_S and sent when the socket has not
        been told of that status yet, so a lost push costs the person seconds, not the result."""
        while self._sent_status not in FINISHED:
            await asyncio.sleep(settings.SUBMISSION_SOCKET_RECHECK_S)
            try:
                state = await _current_state(user, submission_id)
            except DatabaseError:  # the database is restarting: the push may still come; try again
                logger.warning("could not re-read submission %s for its socket", submission_id, exc_info=True)
                continue
            if state is None:  # deleted meanwhile: nothing more will come
                return
            if state["status"] != self._sent_status:
                await self._send_state(state)

    async def disconnect(self, code: int) -> None:
        if self._recheck is not None:
            self._recheck.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recheck
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The socket is one-way; clients may send pings, which are ignored.
        return None

    async def submission_event(self, event: dict) -> None:
        await self._send(event["message"])
