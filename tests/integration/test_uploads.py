"""Uploads against the real ASGI server (Daphne) on PostgreSQL + Redis: a chunked body with no
Content-Length, and a broker that cannot be reached when the analysis is queued."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import Person, free_port, serve_daphne

pytestmark = [pytest.mark.integration]
BOUNDARY = "moodify-test-boundary"


@pytest.fixture(scope="module")
def upload_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("upload-tmp")


@pytest.fixture(scope="module")
def site_without_broker(stack_env, log_dir, upload_tmp) -> str:
    """Daphne whose Celery broker is down (nothing listens there); everything else is up."""
    env = {
        **stack_env,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        "FILE_UPLOAD_TEMP_DIR": str(upload_tmp),
        "TMPDIR": str(upload_tmp),
    }
    yield from serve_daphne("daphne-no-broker", env, log_dir)


def person_on(base_url: str) -> tuple[Person, Path]:
    """A signed-up person and the folder their recordings go to (emptied of files an earlier run left)."""
    from django.conf import settings

    from accounts.models import User

    person = Person(base_url, f"uploads-{uuid.uuid4().hex[:8]}@example.com").sign_up()
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "recordings" / str(User.objects.get(email=person.email).id)
    shutil.rmtree(folder, ignore_errors=True)
    return person, folder


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def chunked_multipart(size: int):
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; filename="big.wav"\r\n'
           "Content-Type: audio/wav\r\n\r\nRIFF").encode()  # fmt: skip
    chunk = bytes(256 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_chunked_upload_without_content_length_over_the_cap_is_refused_and_leaves_nothing(
    site_without_broker, upload_tmp, transactional_db
):
    from django.conf import settings

    ada, folder = person_on(site_without_broker)
    response = ada.api(
        "POST", "/api/v1/submissions/", data=chunked_multipart(settings.REQUEST_MAX_BODY_BYTES + 2 * 2**20),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )  # fmt: skip
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 413, response.text[:300]
    body = response.json()
    assert body["error"] == "file_too_large" and body["detail"].endswith("Please upload a shorter recording.")
    # Nothing of the upload is left; `.ses` is ONNX Runtime's telemetry marker, written on import
    # (its telemetry is switched off: ml.runtime.ort_session).
    assert [p for p in upload_tmp.iterdir() if p.name != ".ses"] == []
    assert files_in(folder) == []
    assert ada.api("GET", "/api/v1/submissions/").json()["count"] == 0


def test_a_chunked_upload_within_the_cap_is_told_to_send_its_length(site_without_broker, speech_clip, transactional_db):
    ada, folder = person_on(site_without_broker)
    head, tail = next(chunked_multipart(0)), f"\r\n--{BOUNDARY}--\r\n".encode()
    response = ada.api(
        "POST", "/api/v1/submissions/", data=iter([head[: -len(b"RIFF")], speech_clip, tail]),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )  # fmt: skip
    assert response.status_code == 411, response.text[:300]
    assert response.json()["error"] == "length_required" and "Content-Length" in response.json()["detail"]
    assert files_in(folder) == []


@pytest.mark.parametrize("retention, kept", [("none", 0), ("forever", 1)])
def test_when_the_analysis_cannot_be_queued_the_client_gets_503_and_the_submission_fails(
    site_without_broker, speech_clip, transactional_db, retention, kept
):
    ada, folder = person_on(site_without_broker)
    ada.api("PATCH", "/api/v1/me/profile/", json={"recording_retention": retention}).raise_for_status()
    response = ada.upload(speech_clip)
    assert response.status_code == 503, response.text[:300]
    assert response.json()["error"] == "unavailable"
    assert response.json()["detail"].endswith("Please try again in a few minutes.")
    [submission] = ada.api("GET", "/api/v1/submissions/").json()["results"]
    assert submission["status"] == "failed"  # not `queued` forever
    assert submission["error"] == {"code": "unavailable", "detail": response.json()["detail"]}
    assert len(files_in(folder)) == kept  # the recording follows the person's retention choice
    assert submission["has_audio"] is bool(kept)


def test_a_staff_rerun_that_cannot_be_queued_says_so_and_leaves_nothing_queued(site_without_broker, speech_clip, transactional_db):
    import requests
    from django.core.files.base import ContentFile

    from accounts.models import User
    from accounts.services import profile_update, user_create
    from emotion.models import VoiceSubmission

    owner, folder = person_on(site_without_broker)
    owner_user = User.objects.get(email=owner.email)
    profile_update(user=owner_user, recording_retention="forever")
    submissions = {}
    for status in ("failed", "done"):
        submission = VoiceSubmission(user=owner_user, status=status, size_bytes=len(speech_clip))
        submission.audio.save("recording", ContentFile(speech_clip), save=False)
        submission.save()
        submissions[status] = submission
    email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    user_create(email=email, password="staff-passphrase-1", is_staff=True, is_superuser=True)
    staff = requests.Session()
    # Staff sign in through the site's (rate-limited) sign-in page, as /admin/login/ sends them.
    login = f"{site_without_broker}/accounts/login/?next=/admin/"
    staff.get(login).raise_for_status()
    signed_in = staff.post(login, data={"login": email, "password": "staff-passphrase-1",
                                        "csrfmiddlewaretoken": staff.cookies["csrftoken"]})  # fmt: skip
    signed_in.raise_for_status()
    assert signed_in.url.rstrip("/").endswith("/admin"), signed_in.url
    changelist = f"{site_without_broker}/admin/emotion/voicesubmission/"
    for status, submission in submissions.items():
        response = staff.post(changelist, data={
            "action": "rerun_analysis", "_selected_action": [str(submission.id)],
            "csrfmiddlewaretoken": staff.cookies["csrftoken"],
        })  # fmt: skip
        assert response.status_code == 200, (status, response.status_code)  # the list again, not a 500
        assert "a part of our service is down" in response.text
        submission.refresh_from_db()
        assert submission.status == status  # a failed one failed again (with why), a done one keeps its result
    assert submissions["failed"].failure_code == "unavailable"
    assert len(files_in(folder)) == 2  # kept, as their owner chose
