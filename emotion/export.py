"""The emotion part of a person's data export: every submission with what is stored about its
recording (the name and type it came with, its size, when it is or was deleted)."""
from __future__ import annotations

from typing import Any

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
    return {"submissions": rows}
