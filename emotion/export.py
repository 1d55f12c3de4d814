"""The emotion part of a person's data export: every submission with what is stored about its
recording (the name and type it came with, its size, when it is or was deleted, the summary of its
sound a result keeps), and the labelled examples of their voice Moodify learns from."""
from __future__ import annotations

from typing import Any

import numpy as np

from emotion.models import VoiceExample
from emotion.payloads import emotion_names, submission_payload
from emotion.selectors import submission_list

STORED_FIELDS = [
    "original_filename", "content_type", "size_bytes", "attempts", "failure_code",
    "delete_audio_after", "audio_deleted_at", "face_frames",
]  # fmt: skip


def user_export_section(sender, user, **kwargs) -> dict[str, Any]:
    """Receiver of `accounts.signals.collect_user_export`."""
    submissions = list(submission_list(user=user))
    names = emotion_names()
    rows = [submission_payload(submission, names=names) for submission in submissions]
    for row, submission in zip(rows, submissions, strict=True):
        for name in STORED_FIELDS:
            value = getattr(submission, name)
            row[name] = value.isoformat() if hasattr(value, "isoformat") else value
        result = getattr(submission, "result", None)
        row["voice_embedding"] = _numbers(result.embedding) if result is not None and result.embedding else None
    return {"submissions": rows, "voice_examples": voice_examples_export(user=user)}


def _numbers(blob: bytes | memoryview) -> list[float]:
    return [round(float(v), 6) for v in np.frombuffer(bytes(blob), "<f4")]


def voice_examples_export(*, user) -> list[dict[str, Any]]:
    """What the personal adapter learns from: each example's label, dates and numbers."""
    return [
        {"label": e.label, "source": e.source, "created": e.created_at.isoformat(),
         "updated": e.updated_at.isoformat(), "submission": str(e.submission_id) if e.submission_id else None,
         "model_version": e.model_version, "embedding": _numbers(e.embedding)}
        for e in VoiceExample.objects.filter(user=user).order_by("created_at", "id")
    ]  # fmt: skip
