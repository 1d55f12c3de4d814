"""emotion.services: accepting an upload or a picked mood, moving a submission through its
states, re-running its analysis, and keeping recordings and voice examples only as their owner chose."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Profile
from catalog.errors import UnknownEmotionError
from emotion import services
from emotion.errors import AnalysisUnavailableError, MissingAudioError, NoVoiceToLearnError
from emotion.models import EmotionResult, VoiceExample, VoiceSubmission
from emotion.tasks import analyze_submission
from ml.errors import AudioError
from tests.emotion.factories import analysed, kept_submission, make_submission

pytestmark = pytest.mark.django_db


def stored_recordings() -> set[Path]:
    from django.conf import settings

    return {p for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "recordings").rglob("*") if p.is_file()}


def broker_away(submission_id):
    raise ConnectionError("Error 111 connecting to redis")


@pytest.fixture
def queued_tasks(monkeypatch) -> list[str]:
    """The submission ids whose analysis task was sent (to nowhere: nothing runs it)."""
    sent: list[str] = []
    monkeypatch.setattr(analyze_submission, "delay", sent.append)
    return sent


def test_an_accepted_upload_is_stored_with_its_detected_type_and_queued_once(
    user, speech_clip, queued_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(user=user, audio=ContentFile(speech_clip, name="voice.mp3"))
    submission.refresh_from_db()
    assert submission.status == "queued" and submission.source == "upload"
    assert "wav" in submission.content_type  # from the bytes, not from the name the client sent
    assert submission.duration_s == pytest.approx(4.0, abs=0.05) and submission.size_bytes == len(speech_clip)
    assert Path(submission.audio.path).read_bytes() == speech_clip
    assert submission.delete_audio_after is None  # the default, "don't keep", deletes it after the analysis
    assert queued_tasks == [str(submission.id)]


@pytest.mark.parametrize("case", ["text_as_wav", "silence", "empty"])
def test_an_upload_without_usable_speech_is_refused_with_a_sentence_and_nothing_is_stored(user, bad_inputs, case):
    data, name, _, codes = bad_inputs[case]
    before = stored_recordings()
    with pytest.raises(AudioError) as refused:
        services.submission_create(user=user, audio=ContentFile(data, name=name))
    assert refused.value.code in codes
    assert refused.value.user_message.endswith(".") and len(refused.value.user_message.split()) > 4
    assert not VoiceSubmission.objects.exists()
    assert stored_recordings() == before


def test_neither_a_recording_nor_camera_frames_is_refused(user):
    with pytest.raises(MissingAudioError, match="attach a recording"):
        services.submission_create(user=user, audio=None, frames=[])
    assert not VoiceSubmission.objects.exists()


def test_when_the_queue_cannot_be_reached_the_upload_fails_with_a_sentence(
    user, speech_clip, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(analyze_submission, "delay", broker_away)
    with pytest.raises(AnalysisUnavailableError), django_capture_on_commit_callbacks(execute=True):
        services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    submission = VoiceSubmission.objects.get(user=user)  # not left `queued` forever
    assert submission.status == "failed" and submission.failure_code == "unavailable"
    assert submission.failure_detail == AnalysisUnavailableError.default_message


def test_a_picked_mood_is_a_finished_submission_and_an_unknown_one_is_refused(user, emotions):
    with pytest.raises(UnknownEmotionError, match="pick one from the list"):
        services.submission_create_picked(user=user, emotion="bored")
    assert not VoiceSubmission.objects.exists()

    picked = services.submission_create_picked(user=user, emotion="calm")
    assert picked.status == "done" and picked.source == "picker" and not picked.audio
    result = EmotionResult.objects.get(submission=picked)
    assert (result.label, result.confidence, result.probabilities) == ("calm", 1.0, {"calm": 1.0})


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


def test_starting_the_analysis_counts_attempts_and_gives_up_with_a_sentence(user, speech_clip, settings):
    submission = make_submission(user, speech_clip)
    started = services.submission_start_processing(submission_id=submission.id)
    assert started.status == "processing" and started.attempts == 1
    VoiceSubmission.objects.filter(id=submission.id).update(attempts=settings.EMOTION_MAX_ATTEMPTS)
    assert services.submission_start_processing(submission_id=submission.id) is None
    submission.refresh_from_db()
    assert submission.status == "failed" and submission.failure_code == "too_many_attempts"
    assert "upload the clip as a WAV file" in submission.failure_detail
    assert services.submission_start_processing(submission_id=submission.id) is None  # finished: a redelivery
    submission.refresh_from_db()
    assert submission.attempts == settings.EMOTION_MAX_ATTEMPTS


def test_failing_deletes_an_unkept_recording_but_never_overturns_a_finished_submission(
    user, speech_clip, emotions, django_capture_on_commit_callbacks
):
    submission = make_submission(user, speech_clip)
    path = Path(submission.audio.path)
    with django_capture_on_commit_callbacks(execute=True):
        failed = services.submission_fail(submission_id=submission.id, code="stuck", detail=services.STUCK_DETAIL)
    assert failed.status == "failed" and failed.failure_detail == services.STUCK_DETAIL
    assert not failed.audio and not path.exists()  # the default choice: recordings are not kept

    picked = services.submission_create_picked(user=user, emotion="happy")
    services.submission_fail(submission_id=picked.id, code="stuck", detail=services.STUCK_DETAIL)
    picked.refresh_from_db()
    assert picked.status == "done" and picked.failure_code == "" and picked.result.label == "happy"


def test_the_reaper_leaves_a_lost_submission_queued_while_the_broker_is_away(user, speech_clip, settings, monkeypatch):
    lost = make_submission(user, speech_clip)
    VoiceSubmission.objects.filter(id=lost.id).update(
        created_at=timezone.now() - timedelta(seconds=settings.EMOTION_REQUEUE_AFTER_S + 5))

    monkeypatch.setattr(analyze_submission, "delay", broker_away)
    assert services.submissions_requeue_lost() == 0
    lost.refresh_from_db()
    assert lost.status == "queued" and lost.failure_code == ""  # the next run tries again


def test_deleting_a_recording_keeps_the_submission_and_its_result(user, speech_clip, emotions,
                                                                  django_capture_on_commit_callbacks):
    submission = make_submission(user, speech_clip)
    EmotionResult.objects.create(submission=submission, label="sad", probabilities={"sad": 0.7}, confidence=0.7)
    path = Path(submission.audio.path)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.recording_delete(submission_id=submission.id) is True
    assert not path.exists()
    submission.refresh_from_db()
    assert not submission.audio and submission.audio_deleted_at and submission.result.label == "sad"
    assert services.recording_delete(submission_id=submission.id) is False


def test_deleting_everything_of_a_user_removes_their_recordings_from_storage_only(
    user, other_user, speech_clip, django_capture_on_commit_callbacks
):
    mine = [kept_submission(user, speech_clip) for _ in range(2)]
    theirs = kept_submission(other_user, speech_clip)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.submission_delete_all_for_user(user=user) == 2
    assert not VoiceSubmission.objects.filter(user=user).exists()
    assert not any(Path(s.audio.path).exists() for s in mine)
    assert Path(theirs.audio.path).read_bytes() == speech_clip


def test_a_changed_retention_choice_applies_to_the_recordings_already_kept(
    user, speech_clip, settings, django_capture_on_commit_callbacks
):
    done, queued = kept_submission(user, speech_clip), kept_submission(user, speech_clip)
    VoiceSubmission.objects.filter(id=done.id).update(status="done")
    profile = Profile.objects.get(user=user)

    profile.recording_retention = Profile.Retention.DAYS_30
    profile.save()
    services.retention_apply_to_existing(user=user)
    for submission in (done, queued):
        submission.refresh_from_db()
        assert submission.delete_audio_after == submission.created_at + timedelta(days=settings.EMOTION_RETENTION_DAYS)

    profile.recording_retention = Profile.Retention.NONE
    profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_apply_to_existing(user=user)
    done.refresh_from_db()
    queued.refresh_from_db()
    assert not done.audio
    assert queued.audio and Path(queued.audio.path).exists()  # still to be analysed: it goes after that


def test_recording_and_confirming_keep_one_example_per_submission_for_its_owner_only(user, other_user):
    result = analysed(user, label="angry")
    services.voice_example_record(user=user, submission=result.submission, emotion="calm", source="correction")
    services.voice_example_confirm(user=user, submission=result.submission)  # changed their mind
    [example] = VoiceExample.objects.all()
    assert (example.user, example.label, example.source) == (user, "angry", "confirmation")

    with pytest.raises(NoVoiceToLearnError, match="nothing to learn from"):
        services.voice_example_record(user=other_user, submission=result.submission, emotion="sad", source="correction")
    assert VoiceExample.objects.count() == 1


def test_forgetting_a_voice_removes_only_that_users_examples(user, other_user):
    for person, seeds in ((user, (1, 2)), (other_user, (3,))):
        for seed in seeds:
            services.voice_example_confirm(user=person, submission=analysed(person, seed=seed).submission)
    assert services.voice_examples_reset(user=user) == 2
    assert list(VoiceExample.objects.values_list("user", flat=True)) == [other_user.pk]
    assert services.voice_examples_reset(user=user) == 0
