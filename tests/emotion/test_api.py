"""The submissions REST API as a client sees it (the model itself runs in tests/emotion/test_tasks.py)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emotion.models import VoiceSubmission

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "clip.wav", **extra):
    return client.post(
        "/api/v1/submissions/", {"audio": SimpleUploadedFile(name, data, "audio/wav"), **extra}, format="multipart"
    )


def test_upload_answers_202_with_the_submission_object(api_client, user, speech_clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(api_client, speech_clip, source="recording")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued"
    assert body["source"] == "recording"
    assert body["has_audio"] is True
    assert body["duration_s"] == pytest.approx(4.0, abs=0.05)
    assert body["url"] == f"/api/v1/submissions/{body['id']}/"
    assert body["websocket_url"] == f"/ws/submissions/{body['id']}/"
    assert body["audio_url"] == f"/api/v1/submissions/{body['id']}/audio/"
    assert body["result"] is None and body["error"] is None
    assert len(callbacks) == 1  # the analysis is queued once the row is committed
    submission = VoiceSubmission.objects.get(id=body["id"])
    assert submission.user == user


def test_recording_is_not_under_media_and_streams_only_to_its_owner(api_client, speech_clip, other_user, settings):
    body = upload(api_client, speech_clip).json()
    submission = VoiceSubmission.objects.get(id=body["id"])
    path = submission.audio.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert str(submission.user_id) in path and "clip" not in path
    with pytest.raises(ValueError):
        submission.audio.url  # noqa: B018

    own = api_client.get(body["audio_url"])
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == speech_clip

    api_client.force_authenticate(other_user)
    other = api_client.get(body["audio_url"])
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "name",
    ["empty", "text_as_wav", "random_bytes", "truncated_header", "silence", "too_short", "too_long", "nan_samples", "too_large"],
)
def test_every_bad_input_answers_4xx_json_with_a_sentence(api_client, bad_inputs, name):
    data, filename, statuses, codes = bad_inputs[name]
    response = upload(api_client, data, filename)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert body["error"] in codes
    assert body["detail"].endswith(".") and len(body["detail"]) > 20
    assert not VoiceSubmission.objects.exists()


def test_missing_audio_field_is_a_400_with_a_sentence(api_client):
    response = api_client.post("/api/v1/submissions/", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "audio" in response.json()["detail"]


def test_anonymous_requests_are_refused_with_json(client, speech_clip):
    response = client.get("/api/v1/submissions/")
    assert response.status_code in (401, 403)
    assert response.json()["error"] == "not_authenticated"


def test_token_auth_marks_source_api(user, speech_client_token, speech_clip):
    response = speech_client_token.post(
        "/api/v1/submissions/", {"audio": SimpleUploadedFile("a.wav", speech_clip)}, format="multipart"
    )
    assert response.status_code == 202
    assert response.json()["source"] == "api"


@pytest.fixture
def speech_client_token(user):
    from rest_framework.test import APIClient

    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"email": user.email, "password": "correct horse battery"}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def test_token_endpoint_rejects_a_wrong_password(user, client):
    response = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_credentials"


def test_others_submissions_are_404_on_every_endpoint(api_client, speech_clip, other_user, emotions):
    mine = upload(api_client, speech_clip).json()
    api_client.force_authenticate(other_user)
    for method, url in [
        ("get", mine["url"]),
        ("delete", mine["url"]),
        ("get", mine["audio_url"]),
        ("get", "/api/v1/submissions/not-a-uuid/"),
    ]:
        response = getattr(api_client, method)(url)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"] == "not_found"
    assert api_client.get("/api/v1/submissions/").json()["count"] == 0
    assert VoiceSubmission.objects.filter(id=mine["id"]).exists()


def test_history_is_paginated_newest_first_and_filterable_by_date(api_client, user, emotions):
    from datetime import timedelta

    from django.utils import timezone

    ids = [api_client.post("/api/v1/submissions/picked/", {"emotion": e}, format="json").json()["id"] for e in ("sad", "calm", "happy")]
    old = VoiceSubmission.objects.get(id=ids[0])
    VoiceSubmission.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=10))
    listing = api_client.get("/api/v1/submissions/").json()
    assert listing["count"] == 3
    assert [s["id"] for s in listing["results"]] == [ids[2], ids[1], ids[0]]
    recent = api_client.get("/api/v1/submissions/", {"date_from": (timezone.now() - timedelta(days=2)).date().isoformat()}).json()
    assert {s["id"] for s in recent["results"]} == {ids[1], ids[2]}
    bad = api_client.get("/api/v1/submissions/", {"date_from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid" and "date_from" in bad.json()["fields"]


def test_picked_mood_is_done_at_once_and_signals_the_result(api_client, emotions, django_capture_on_commit_callbacks):
    from emotion.signals import emotion_result_stored

    received = []

    def receiver(sender, result, **kwargs):
        received.append(result)

    emotion_result_stored.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post("/api/v1/submissions/picked/", {"emotion": "calm"}, format="json")
    finally:
        emotion_result_stored.disconnect(receiver)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "done" and body["source"] == "picker" and body["has_audio"] is False
    assert body["result"]["label"] == "calm" and body["result"]["label_name"] == "Calm"
    assert [r.label for r in received] == ["calm"]
    unknown = api_client.post("/api/v1/submissions/picked/", {"emotion": "hangry"}, format="json")
    # The same error, code and sentence as a correction to an unknown emotion.
    assert unknown.status_code == 400 and unknown.json() == {
        "error": "unknown_emotion", "detail": "We do not know that emotion. Please pick one from the list."}


def test_delete_removes_the_submission_and_its_file(api_client, speech_clip, django_capture_on_commit_callbacks):
    body = upload(api_client, speech_clip).json()
    path = VoiceSubmission.objects.get(id=body["id"]).audio.path
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.delete(body["url"]).status_code == 204
    assert not VoiceSubmission.objects.filter(id=body["id"]).exists()
    import os

    assert not os.path.exists(path)
    assert api_client.get(body["audio_url"]).status_code == 404


def test_uploads_are_throttled_per_user(api_client, speech_clip, monkeypatch, other_user):
    from emotion.api.views import SubmissionThrottle

    monkeypatch.setattr(SubmissionThrottle, "rate", "2/min", raising=False)
    assert upload(api_client, speech_clip).status_code == 202
    assert upload(api_client, speech_clip).status_code == 202
    third = upload(api_client, speech_clip)
    assert third.status_code == 429
    assert third.json()["error"] == "throttled"
    api_client.force_authenticate(other_user)
    assert upload(api_client, speech_clip).status_code == 202  # per user, not global


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/submissions/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_paths_answer_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("suffix", [".webm", ".mp3", ".ogg", ".m4a"])
def test_browser_and_common_formats_are_accepted_by_content(api_client, audio_dir, suffix):
    from tests.audio_samples import encode, speech_wav

    source = speech_wav(audio_dir / f"fmt{suffix[1:]}.wav", seconds=4.0)
    data = encode(source, suffix)
    response = upload(api_client, data, "recording.bin")  # the name says nothing; the bytes decide
    assert response.status_code == 202, response.json()
    assert response.json()["duration_s"] == pytest.approx(4.0, abs=0.15)
