"""emotion.selectors: a person's own submissions and mood timeline, and the backlog operators watch."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from emotion import selectors, services
from emotion.models import VoiceSubmission
from recommendations.models import EmotionCorrection
from tests.emotion.factories import analysed

pytestmark = pytest.mark.django_db


def aged(submission: VoiceSubmission, *, seconds: float, **fields) -> VoiceSubmission:
    VoiceSubmission.objects.filter(id=submission.id).update(
        created_at=timezone.now() - timedelta(seconds=seconds), **fields)
    submission.refresh_from_db()
    return submission


def test_a_submission_is_found_only_by_its_owner_and_a_well_formed_id(user, other_user, emotions):
    mine = services.submission_create_picked(user=user, emotion="happy")
    assert selectors.submission_get(user=user, submission_id=str(mine.id)).result.label == "happy"
    assert selectors.submission_get(user=other_user, submission_id=mine.id) is None
    assert selectors.submission_get(user=user, submission_id="not-a-uuid") is None
    assert selectors.submission_get(user=user, submission_id=uuid.uuid4()) is None


def test_the_history_is_ones_own_newest_first_within_the_dates_asked(user, other_user, emotions):
    old, new = (services.submission_create_picked(user=user, emotion=e) for e in ("sad", "happy"))
    services.submission_create_picked(user=other_user, emotion="calm")
    aged(old, seconds=3 * 86400)
    assert list(selectors.submission_list(user=user)) == [new, old]
    today = timezone.localdate()
    assert list(selectors.submission_list(user=user, date_from=today)) == [new]
    assert list(selectors.submission_list(user=user, date_to=today - timedelta(days=1))) == [old]


def test_the_mood_timeline_counts_what_the_person_said_over_what_the_model_heard(user, other_user, emotions):
    from catalog.models import Emotion

    heard = analysed(user, label="angry")
    EmotionCorrection.objects.create(user=user, submission=heard.submission, result=heard, predicted="angry",
                                     corrected="calm")  # fmt: skip
    services.submission_create_picked(user=user, emotion="calm")
    services.submission_create_picked(user=other_user, emotion="sad")
    VoiceSubmission.objects.create(user=user)  # still queued: no point on the timeline yet

    stats = selectors.emotion_stats(user=user)
    first, second = stats["timeline"]
    calm = Emotion.objects.get(code="calm")
    assert (first["label"], first["detected"], first["corrected"]) == ("calm", "angry", True)
    assert (first["valence"], first["arousal"]) == (calm.valence, calm.arousal)
    assert (second["label"], second["corrected"]) == ("calm", False)
    assert stats["distribution"] == {"calm": 2}


def test_at_the_threshold_a_result_counts_as_unsure(settings):
    settings.EMOTION_LOW_CONFIDENCE = 0.4
    assert selectors.is_low_confidence(0.4) and selectors.is_low_confidence(0.1)
    assert not selectors.is_low_confidence(0.41)


def test_the_backlog_tells_waiting_lost_and_stuck_submissions_apart(user, settings):
    settings.EMOTION_REQUEUE_AFTER_S, settings.EMOTION_STUCK_AFTER_S = 60, 600
    fresh = aged(VoiceSubmission.objects.create(user=user), seconds=5)
    lost = aged(VoiceSubmission.objects.create(user=user), seconds=120)
    stuck = aged(VoiceSubmission.objects.create(user=user), seconds=900)
    working = aged(VoiceSubmission.objects.create(user=user), seconds=900, status="processing",
                   started_at=timezone.now() - timedelta(seconds=30))  # fmt: skip
    aged(VoiceSubmission.objects.create(user=user), seconds=900, status="done")

    assert list(selectors.submissions_lost()) == [lost]
    assert list(selectors.submissions_stuck()) == [stuck]
    backlog = selectors.pipeline_backlog()
    assert (backlog.queued, backlog.processing, backlog.stuck) == (3, 1, 1)
    assert backlog.oldest_queued_age_s == pytest.approx(900, abs=5)
    assert fresh not in selectors.submissions_lost() and working not in selectors.submissions_stuck()


def test_the_example_count_is_the_users_own(user, other_user):
    for person in (user, other_user, other_user):
        services.voice_example_confirm(user=person, submission=analysed(person).submission)
    assert selectors.voice_example_count(user=user) == 1
    assert selectors.voice_example_count(user=other_user) == 2
