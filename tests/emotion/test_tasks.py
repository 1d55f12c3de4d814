"""The analysis task with the real model, run in this process (the worker process runs it in tests/integration)."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import timezone

from accounts.services import profile_update
from emotion import services
from emotion.models import EmotionResult, VoiceSubmission
from emotion.signals import emotion_result_stored
from tests.emotion.factories import make_submission

pytestmark = pytest.mark.django_db


def test_analysis_stores_the_prediction_signals_it_and_drops_the_recording(user, speech_clip, predictor, run_task):
    submission = make_submission(user, speech_clip)
    path = submission.audio.path
    received = []
    handler = lambda sender, result, **kw: received.append(result.submission_id)  # noqa: E731
    emotion_result_stored.connect(handler)
    try:
        assert run_task(submission.id) == "done"
    finally:
        emotion_result_stored.disconnect(handler)
    submission.refresh_from_db()
    assert submission.status == "done" and submission.attempts == 1
    assert submission.started_at <= submission.finished_at
    result = submission.result
    assert result.label in predictor.labels and result.model_version == predictor.version
    assert set(result.probabilities) == set(predictor.labels)
    assert result.timings_ms
    assert received == [submission.id]
    assert not submission.audio and submission.audio_deleted_at and not os.path.exists(path)


def test_running_the_task_again_never_duplicates_the_result(user, speech_clip, predictor, run_task):
    submission = make_submission(user, speech_clip)
    assert run_task(submission.id) == "done"
    assert run_task(submission.id) == "skipped"
    assert EmotionResult.objects.filter(submission=submission).count() == 1
    # A redelivery that finds the result already stored (killed after the insert) just finishes.
    VoiceSubmission.objects.filter(id=submission.id).update(status="processing")
    assert services.submission_store_result(submission_id=submission.id, prediction=None) == submission.result


def test_a_silent_recording_fails_with_a_sentence_and_is_not_retried(user, bad_inputs, predictor, run_task):
    data = bad_inputs["silence"][0]
    submission = make_submission(user, data)
    assert run_task(submission.id) == "failed"
    submission.refresh_from_db()
    assert submission.status == "failed" and submission.attempts == 1
    assert submission.failure_code == "no_speech"
    assert "speech" in submission.failure_detail
    assert not EmotionResult.objects.filter(submission=submission).exists()


def test_transient_database_errors_are_retried(user, speech_clip, predictor, run_task, monkeypatch):
    submission = make_submission(user, speech_clip)
    real = services.submission_store_result
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "submission_store_result", flaky)
    run_task(submission.id)
    submission.refresh_from_db()
    assert submission.status == "done" and submission.attempts == 2 and len(calls) == 2


def test_thirty_day_retention_keeps_the_recording_until_the_hourly_purge(user, speech_clip, predictor, run_task):
    profile_update(user=user, recording_retention="30d")
    submission = services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    expected = submission.created_at + timedelta(days=30)
    assert abs(submission.delete_audio_after - expected) < timedelta(seconds=5)
    run_task(submission.id)
    submission.refresh_from_db()
    assert submission.status == "done" and submission.audio
    path = submission.audio.path
    assert services.recordings_purge_expired(now=timezone.now() + timedelta(days=29)) == 0
    assert os.path.exists(path)
    assert services.recordings_purge_expired(now=timezone.now() + timedelta(days=31)) == 1
    submission.refresh_from_db()
    assert not submission.audio and submission.audio_deleted_at
    assert submission.result.label  # the result itself stays


def test_choosing_not_to_keep_recordings_deletes_the_ones_already_kept(user, speech_clip, predictor, run_task, django_capture_on_commit_callbacks):
    profile_update(user=user, recording_retention="forever")
    submission = services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    run_task(submission.id)
    submission.refresh_from_db()
    path = submission.audio.path
    assert submission.delete_audio_after is None and os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(user=user, recording_retention="none")
    assert not os.path.exists(path)
