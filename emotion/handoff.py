"""The decoded recording, handed from the upload request to the analysis, so audio is decoded once.

The web process must decode an upload to refuse one without speech in the same request (a 4xx
with a sentence); the worker then needs the same samples. Browsers upload Opus in WebM or Ogg and
Safari AAC in MP4, which only an ffmpeg process decodes, and starting one costs ~130 ms here
(README, "Serving speed"). So the request leaves the 16-kHz mono samples it decoded beside the
recording, and the analysis takes them (reads and deletes them at once) instead of decoding again;
when they are not there (a retry, a re-analysis, another host) it decodes the recording itself.

The samples are the user's voice: they live in the same private storage as the recording, are
deleted when the analysis takes them or the submission fails, and anything left by a worker that
died is swept with orphaned recordings (``recordings_delete_orphans``). They are never exported,
logged or served.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import numpy as np
from django.core.files.base import ContentFile

from emotion.models import recordings_storage

logger = logging.getLogger(__name__)

FOLDER = "decoded"
SAMPLE_RATE = 16_000  # what ml.audio.load_audio returns


def _name(submission_id: UUID | str) -> str:
    return f"{FOLDER}/{submission_id}.f32"


def decoded_save(*, submission_id: UUID | str, waveform: np.ndarray) -> None:
    """Keep the samples the upload check decoded (16 kHz mono float32) for the analysis."""
    storage = recordings_storage()
    name = _name(submission_id)
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(np.ascontiguousarray(waveform, dtype="<f4").tobytes()))


def decoded_take(*, submission_id: UUID | str) -> np.ndarray | None:
    """The handed-over samples, deleted as they are read; None when there are none."""
    storage = recordings_storage()
    name = _name(submission_id)
    try:
        with storage.open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    finally:
        decoded_discard(submission_id=submission_id)
    if not data or len(data) % 4:
        logger.warning("submission %s: handed-over samples unreadable (%d bytes); decoding the recording",
                       submission_id, len(data))  # fmt: skip
        return None
    return np.frombuffer(data, dtype="<f4").copy()


def decoded_discard(*, submission_id: UUID | str) -> None:
    storage = recordings_storage()
    name = _name(submission_id)
    if storage.exists(name):
        storage.delete(name)


def decoded_sweep(*, older_than: datetime) -> int:
    """Delete handed-over samples written before ``older_than`` (their analysis never took them)."""
    storage = recordings_storage()
    if not storage.exists(FOLDER):
        return 0
    count = 0
    for name in storage.listdir(FOLDER)[1]:
        path = f"{FOLDER}/{name}"
        if storage.get_modified_time(path) < older_than:
            storage.delete(path)
            count += 1
    return count
