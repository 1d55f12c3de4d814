"""Staff re-run the analysis of kept recordings from the admin; what was built on a result stays."""
from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from accounts.services import profile_update
from emotion import services
from emotion.models import EmotionResult, VoiceSubmission
from emotion.signals import emotion_result_stored
from emotion.tasks import analyze_submission, reanalyze_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """`with committed():` runs what the block leaves for after commit, analysis tasks included,
    in this process."""
    monkeypatch.setattr(analyze_submission, "delay", lambda sid: analyze_submission.apply(args=[sid]))
    monkeypatch.setattr(reanalyze_submission, "delay", lambda sid: reanalyze_submission.apply(args=[sid]))
    return lambda: django_capture_on_commit_callbacks(execute=True)


def kept_submission(user, clip: bytes) -> VoiceSubmission:
    profile_update(user=user, recording_retention="forever")
    submission = services.submission_create(user=user, audio=ContentFile(clip, name="a.wav"))
    return submission


def test_admin_rerun_replaces_the_result_in_place_and_skips_what_it_cannot_redo(
    client, user, user_factory, speech_clip, predictor, committed, emotions
):
    with committed():
        done = kept_submission(user, speech_clip)
    EmotionResult.objects.filter(submission=done).update(label="sad", model_version="old-model")
    result_pk = EmotionResult.objects.get(submission=done).pk
    picked = services.submission_create_picked(user=user, emotion="calm")

    announced = []
    handler = lambda sender, result, **kw: announced.append(result.submission_id)  # noqa: E731
    emotion_result_stored.connect(handler)
    staff = user_factory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    try:
        with committed():
            response = client.post(
                "/admin/emotion/voicesubmission/",
                {"action": "rerun_analysis", "_selected_action": [str(done.id), str(picked.id)]},
                follow=True,
            )
    finally:
        emotion_result_stored.disconnect(handler)

    page = response.content.decode()
    assert "1 submission(s) queued for analysis again." in page
    assert "1 skipped: their recording is no longer kept" in page
    result = EmotionResult.objects.get(submission=done)
    assert result.pk == result_pk and result.model_version == predictor.version
    assert result.label in predictor.labels and set(result.probabilities) == set(predictor.labels)
    assert announced == [done.id]
    done.refresh_from_db()
    assert done.status == "done" and done.audio


def test_a_failed_submission_with_its_recording_goes_through_the_pipeline_again(user, speech_clip, predictor, committed):
    submission = kept_submission(user, speech_clip)  # never analysed: the queue was down
    VoiceSubmission.objects.filter(id=submission.id).update(
        status="failed", failure_code="unavailable", failure_detail="We could not analyse this recording right now."
    )
    with committed():
        assert services.submission_reanalyze(submission_id=submission.id) == "queued"
    submission.refresh_from_db()
    assert submission.status == "done" and submission.failure_code == "" and submission.result.label


def test_a_rerun_after_the_attempts_ran_out_gets_fresh_attempts(user, speech_clip, predictor, committed, settings):
    submission = kept_submission(user, speech_clip)  # it crashed the worker every time, before a fix
    VoiceSubmission.objects.filter(id=submission.id).update(
        status="failed", attempts=settings.EMOTION_MAX_ATTEMPTS, failure_code="too_many_attempts",
        failure_detail="We tried to analyse this recording 3 times and our analyser stopped each time.",
    )
    with committed():
        assert services.submission_reanalyze(submission_id=submission.id) == "queued"
    submission.refresh_from_db()
    assert submission.status == "done" and submission.failure_code == "" and submission.attempts == 1


def test_queued_submissions_are_left_alone(user, speech_clip):
    submission = kept_submission(user, speech_clip)
    assert services.submission_reanalyze(submission_id=submission.id) == "busy"
