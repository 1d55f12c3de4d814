"""emotion.services: accepting an upload or a picked mood, moving a submission through its
states, re-running its analysis, and keeping recordings and voice examples only as their owner chose."""
from __future__ import annotations

import pytest

from emotion import services
from emotion.models import VoiceSubmission
from tests.emotion.factories import kept_submission

pytestmark = pytest.mark.django_db


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
