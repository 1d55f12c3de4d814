"""Submissions and results made directly, for tests that start past the upload check."""
from __future__ import annotations

import numpy as np
from django.core.files.base import ContentFile

from accounts.services import profile_update
from emotion import services
from emotion.models import EmotionResult, VoiceSubmission


def make_submission(user, data: bytes) -> VoiceSubmission:
    """A stored submission, bypassing upload validation (as if the audio went bad after upload)."""
    submission = VoiceSubmission(user=user, size_bytes=len(data))
    submission.audio.save("recording", ContentFile(data), save=False)
    submission.save()
    return submission


def kept_submission(user, clip: bytes) -> VoiceSubmission:
    """A real upload through the service by someone who keeps their recordings; its analysis is
    left queued (its task runs only where the test runs the on-commit callbacks)."""
    profile_update(user=user, recording_retention="forever")
    return services.submission_create(user=user, audio=ContentFile(clip, name="a.wav"))


def analysed(user, *, label: str = "angry", seed: int = 0) -> EmotionResult:
    """A done submission whose result kept its recording's embedding (as the worker stores it)."""
    submission = VoiceSubmission.objects.create(user=user, status=VoiceSubmission.Status.DONE)
    embedding = np.random.default_rng(seed).normal(size=4608).astype("<f4")
    return EmotionResult.objects.create(
        submission=submission, label=label, probabilities={label: 0.6}, confidence=0.6,
        model_version="test-model", embedding=embedding.tobytes())  # fmt: skip
