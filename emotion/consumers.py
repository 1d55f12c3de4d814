"""WebSocket for one submission: its owner gets the current state at once, then every change."""
from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from emotion import selectors
from emotion.payloads import submission_payload
from emotion.realtime import submission_group


@database_sync_to_async
def _current_state(user, submission_id: str) -> dict | None:
    submission = selectors.submission_get(user=user, submission_id=submission_id)
    return None if submission is None else submission_payload(submission)


class SubmissionConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

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
        await self.send_json({"type": "submission", "submission": state})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The socket is one-way; clients may send pings, which are ignored.
        return None

    async def submission_event(self, event: dict) -> None:
        await self.send_json(event["message"])
