"""Every way a submission or its owner goes, and every way its analysis fails to start, leaves on
disk only the recordings its owner chose to keep (checked on the files in PRIVATE_MEDIA_ROOT)."""
from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.services import profile_update
from emotion import services
from emotion.models import VoiceSubmission
from emotion.tasks import fail_stuck_submissions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_recordings_yet(settings):
    # User ids repeat between tests (their rows roll back, files written by other tests stay).
    shutil.rmtree(Path(settings.PRIVATE_MEDIA_ROOT) / "recordings", ignore_errors=True)


def recordings_of(user) -> list[Path]:
    from django.conf import settings

    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "recordings" / str(user.id)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def submit(user, clip: bytes) -> VoiceSubmission:
    """A real upload through the service; the analysis task is left queued (not run)."""
    return services.submission_create(user=user, audio=ContentFile(clip, name="a.wav"))


def test_deleting_a_submission_in_the_admin_deletes_its_recording(client, user, user_factory, speech_clip, django_capture_on_commit_callbacks):
    profile_update(user=user, recording_retention="forever")
    submission = submit(user, speech_clip)
    assert len(recordings_of(user)) == 1
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/emotion/voicesubmission/{submission.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not VoiceSubmission.objects.filter(id=submission.id).exists()
    assert recordings_of(user) == []


def test_deleting_a_person_in_the_admin_deletes_all_their_recordings(client, user, other_user, user_factory, speech_clip, django_capture_on_commit_callbacks):
    for person in (user, other_user):
        profile_update(user=person, recording_retention="forever")
        submit(person, speech_clip)
        submit(person, speech_clip)
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{user.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert recordings_of(user) == []
    assert len(recordings_of(other_user)) == 2  # someone else's are untouched


def test_a_recording_written_for_a_row_the_database_refuses_is_removed(user, speech_clip):
    with connection.cursor() as cursor:  # the database refuses the insert, as a full disk or a lost connection would
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER refuse BEFORE INSERT ON emotion_voicesubmission FOR EACH ROW EXECUTE FUNCTION refuse();"
        )
    with pytest.raises(DatabaseError):
        submit(user, speech_clip)
    assert recordings_of(user) == []


def test_a_submission_stuck_in_the_queue_or_in_analysis_is_failed_with_a_sentence(
    user, other_user, speech_clip, django_capture_on_commit_callbacks
):
    profile_update(user=other_user, recording_retention="forever")
    long_ago = timezone.now() - timedelta(hours=2)
    queued, processing, kept, recent = (
        submit(user, speech_clip), submit(user, speech_clip), submit(other_user, speech_clip), submit(user, speech_clip)
    )
    VoiceSubmission.objects.filter(id__in=[queued.id, kept.id]).update(created_at=long_ago)
    VoiceSubmission.objects.filter(id=processing.id).update(status="processing", created_at=long_ago, started_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert fail_stuck_submissions.apply().get()["failed"] == 3

    for submission in (queued, processing, kept):
        submission.refresh_from_db()
        assert submission.status == "failed" and submission.failure_code == "stuck"
        assert submission.failure_detail.endswith("Please record again.")
    recent.refresh_from_db()
    assert recent.status == "queued"
    # The default choice ("don't keep") leaves only the recording still waiting for analysis;
    # the person who keeps recordings keeps theirs.
    assert recordings_of(user) == [Path(recent.audio.path)]
    assert recordings_of(other_user) == [Path(kept.audio.path)]


def test_a_submission_whose_task_was_lost_is_analysed_when_the_reaper_runs(user, speech_clip, settings,
                                                                        django_capture_on_commit_callbacks):
    """A worker killed between taking a task from Redis and recording it as handed out loses that
    task for good: the reaper sends it again, and the person gets a result, not "stuck"."""
    from moodify_site.celery import app as celery_app

    lost = submit(user, speech_clip)  # its task was never sent: as good as lost
    waiting = submit(user, speech_clip)  # queued a moment ago: its task is still on its way
    VoiceSubmission.objects.filter(id=lost.id).update(
        created_at=timezone.now() - timedelta(seconds=settings.EMOTION_REQUEUE_AFTER_S + 5))
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = fail_stuck_submissions.apply().get()
    finally:
        celery_app.conf.task_always_eager = False
    assert outcome["requeued"] == 1 and outcome["failed"] == 0
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == "done" and lost.result.label
    assert waiting.status == "queued"


def test_a_submission_queued_again_by_staff_is_not_taken_for_stuck(user, speech_clip, django_capture_on_commit_callbacks):
    profile_update(user=user, recording_retention="forever")
    submission = submit(user, speech_clip)
    VoiceSubmission.objects.filter(id=submission.id).update(
        status="failed", created_at=timezone.now() - timedelta(days=3), finished_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert services.submission_reanalyze(submission_id=submission.id) == "queued"
    assert fail_stuck_submissions.apply().get()["failed"] == 0


def test_a_recording_no_submission_points_to_is_deleted_once_old_enough(user, speech_clip):
    import os

    submission = submit(user, speech_clip)
    orphan = Path(submission.audio.path).with_name(str(uuid.uuid4()))
    orphan.write_bytes(speech_clip)  # as left by a process that died before its row was committed
    fresh = orphan.with_name(str(uuid.uuid4()))
    fresh.write_bytes(speech_clip)  # maybe an upload whose row is about to be committed
    old = (timezone.now() - timedelta(hours=1)).timestamp()
    os.utime(orphan, (old, old))
    os.utime(submission.audio.path, (old, old))

    assert fail_stuck_submissions.apply().get()["orphans_deleted"] == 1
    assert recordings_of(user) == sorted([Path(submission.audio.path), fresh])


def test_the_reaper_is_scheduled():
    from django.conf import settings

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["emotion.tasks.fail_stuck_submissions"] == settings.EMOTION_REAPER_INTERVAL_S
