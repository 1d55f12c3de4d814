"""The submission WebSocket through the real ASGI application and the real Redis channel layer."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from accounts.services import api_token_issue
from emotion.models import VoiceSubmission
from emotion.realtime import publish_submission_event
from moodify_site.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(token: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return headers


@async_to_sync
async def _session(path: str, token: str | None, publish: dict | None = None) -> tuple[bool, list[dict]]:
    communicator = WebsocketCommunicator(application, path, headers=_headers(token))
    connected, _ = await communicator.connect(timeout=10)
    messages = []
    if connected:
        messages.append(await communicator.receive_json_from(timeout=10))
        if publish is not None:
            from asgiref.sync import sync_to_async

            await sync_to_async(publish_submission_event)(path.split("/")[3], publish)
            messages.append(await communicator.receive_json_from(timeout=10))
        await communicator.disconnect()
    return connected, messages


def test_owner_gets_the_state_on_connect_then_every_published_event(user):
    submission = VoiceSubmission.objects.create(user=user)
    event = {"type": "recommendations", "recommendations": {"id": 1, "items": []}}
    connected, messages = _session(f"/ws/submissions/{submission.id}/", api_token_issue(user=user).key, event)
    assert connected
    assert messages[0]["type"] == "submission"
    assert messages[0]["submission"]["id"] == str(submission.id)
    assert messages[0]["submission"]["status"] == "queued"
    assert messages[1] == event  # published from outside the consumer, through Redis


def test_others_and_anonymous_are_refused(user, other_user):
    submission = VoiceSubmission.objects.create(user=user)
    path = f"/ws/submissions/{submission.id}/"
    assert _session(path, api_token_issue(user=other_user).key) == (False, [])
    assert _session(path, None) == (False, [])
    assert _session(path, "not-a-token") == (False, [])
    assert _session("/ws/submissions/00000000-0000-0000-0000-000000000000/", api_token_issue(user=user).key) == (False, [])


def test_an_expired_or_revoked_token_is_refused_at_the_handshake(user):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_tokens_revoke_all

    path = f"/ws/submissions/{VoiceSubmission.objects.create(user=user).id}/"
    issued = api_token_issue(user=user)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _session(path, issued.key) == (False, [])
    live = api_token_issue(user=user).key
    assert _session(path, live)[0]
    api_tokens_revoke_all(user=user)
    assert _session(path, live) == (False, [])


@async_to_sync
async def _until_finished_without_a_push(path: str, token: str, submission_id) -> list[dict]:
    from asgiref.sync import sync_to_async

    communicator = WebsocketCommunicator(application, path, headers=_headers(token))
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    messages = [await communicator.receive_json_from(timeout=10)]
    # The analysis finishes, but its push is lost on the way (nothing is published).
    await sync_to_async(VoiceSubmission.objects.filter(id=submission_id).update)(
        status=VoiceSubmission.Status.FAILED, failure_code="analysis_timeout", failure_detail="It took too long.")
    messages.append(await communicator.receive_json_from(timeout=5))
    assert await communicator.receive_nothing(timeout=1)  # told once, then the re-reading stops
    await communicator.disconnect()
    return messages


def test_a_lost_push_still_reaches_the_socket_from_the_database(user, settings):
    """The Redis channel layer can drop a group message; the person must still learn the result."""
    settings.SUBMISSION_SOCKET_RECHECK_S = 0.5
    submission = VoiceSubmission.objects.create(user=user)
    messages = _until_finished_without_a_push(f"/ws/submissions/{submission.id}/", api_token_issue(user=user).key,
                                              submission.id)  # fmt: skip
    assert [m["submission"]["status"] for m in messages] == ["queued", "failed"]
    assert messages[1]["submission"]["error"]["code"] == "analysis_timeout"
