"""An upload is decoded once: the analysis uses the samples the upload check decoded, and those
samples (the user's voice) never outlive the analysis."""
from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

import ml.audio
from emotion import handoff, services
from emotion.models import recordings_storage
from emotion.tasks import analyze_submission

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def speech_webm(audio_dir, speech_clip) -> bytes:
    """The 4-s sentence as Chrome records it: Opus in WebM (only an ffmpeg process decodes it)."""
    wav, webm = audio_dir / "handoff.wav", audio_dir / "handoff.webm"
    wav.write_bytes(speech_clip)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-ar", "48000", "-c:a", "libopus",
                    "-b:a", "32k", str(webm)], check=True)  # fmt: skip
    return webm.read_bytes()


@pytest.fixture
def ffmpeg_runs(monkeypatch):
    """How many times ffmpeg decodes a recording from here on."""
    calls = []
    real = ml.audio._read_ffmpeg

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ml.audio, "_read_ffmpeg", counted)
    return calls


def _decoded_exists(submission_id) -> bool:
    return recordings_storage().exists(handoff._name(submission_id))


def _analyse(submission_id, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        return analyze_submission.apply(args=[str(submission_id)]).get()


def test_a_browser_recording_is_decoded_once_and_analysed_as_the_file_would_be(
    user, speech_webm, predictor, ffmpeg_runs, django_capture_on_commit_callbacks
):
    submission = services.submission_create(user=user, audio=ContentFile(speech_webm, name="rec.webm"))
    assert len(ffmpeg_runs) == 1  # the upload check
    assert _decoded_exists(submission.id)
    assert _analyse(submission.id, django_capture_on_commit_callbacks) == "done"
    assert len(ffmpeg_runs) == 1  # the analysis did not decode again
    assert not _decoded_exists(submission.id)  # taken and deleted
    submission.refresh_from_db()
    assert submission.result.timings_ms["decode"] == 0.0
    from_file = predictor.predict(*ml.audio.load_audio(speech_webm))
    assert submission.result.label == from_file.label
    for label, p in from_file.probabilities.items():
        assert submission.result.probabilities[label] == pytest.approx(p, abs=1e-5)


def test_without_the_decoded_samples_the_analysis_decodes_the_recording(
    user, speech_webm, predictor, ffmpeg_runs, django_capture_on_commit_callbacks
):
    submission = services.submission_create(user=user, audio=ContentFile(speech_webm, name="rec.webm"))
    handoff.decoded_discard(submission_id=submission.id)  # e.g. a worker on a host without them
    assert _analyse(submission.id, django_capture_on_commit_callbacks) == "done"
    assert len(ffmpeg_runs) == 2
    submission.refresh_from_db()
    assert submission.result.label in predictor.labels


def test_unreadable_decoded_samples_fall_back_to_the_recording(
    user, speech_clip, predictor, django_capture_on_commit_callbacks
):
    submission = services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    storage = recordings_storage()
    storage.delete(handoff._name(submission.id))
    storage.save(handoff._name(submission.id), ContentFile(b"\x00\x01\x02"))  # a torn write
    assert _analyse(submission.id, django_capture_on_commit_callbacks) == "done"
    assert not _decoded_exists(submission.id)


def test_a_failed_or_deleted_submission_leaves_no_decoded_voice(
    user, speech_clip, django_capture_on_commit_callbacks
):
    failed = services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    deleted = services.submission_create(user=user, audio=ContentFile(speech_clip, name="b.wav"))
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_fail(submission_id=failed.id, code="stuck", detail="Please record again.")
        services.submission_delete(submission=deleted)
    assert not _decoded_exists(failed.id) and not _decoded_exists(deleted.id)


def test_decoded_samples_no_analysis_took_are_swept_with_orphaned_recordings(user, speech_clip):
    old = services.submission_create(user=user, audio=ContentFile(speech_clip, name="a.wav"))
    fresh = services.submission_create(user=user, audio=ContentFile(speech_clip, name="b.wav"))
    hour_ago = time.time() - 3600
    os.utime(recordings_storage().path(handoff._name(old.id)), (hour_ago, hour_ago))
    services.recordings_delete_orphans(now=timezone.now() + timedelta(seconds=1))
    assert not _decoded_exists(old.id)
    assert _decoded_exists(fresh.id)  # its analysis may still be coming


def test_the_decoded_samples_are_the_upload_at_16_khz(user, speech_webm):
    submission = services.submission_create(user=user, audio=ContentFile(speech_webm, name="rec.webm"))
    samples = handoff.decoded_take(submission_id=submission.id)
    expected, rate = ml.audio.load_audio(speech_webm)
    assert rate == handoff.SAMPLE_RATE
    np.testing.assert_array_equal(samples, expected)
