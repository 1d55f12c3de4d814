"""Camera frames sent with a submission: checked on upload, kept in the private recordings storage
only until the analysis has read them, then deleted (in a ``finally``), whatever the owner's
recording-retention choice. They are never served, exported or logged; frames a dead worker left
behind are swept with orphaned recordings (``recordings_delete_orphans``)."""
from __future__ import annotations

import io
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from emotion.errors import FrameTooLargeError, TooManyFramesError
from emotion.models import recordings_storage

FOLDER = "frames"
IMAGE_FORMATS = ("JPEG", "PNG")


def frames_validate(*, files: list[UploadedFile]) -> list[bytes]:
    """The frames' bytes, once each is a JPEG or PNG within the limits in settings; raises
    TooManyFramesError, FrameTooLargeError or ``ml.errors.ImageDecodeError`` (415)."""
    from PIL import Image, UnidentifiedImageError

    from ml.errors import ImageDecodeError

    if len(files) > settings.FACE_MAX_FRAMES:
        raise TooManyFramesError()
    frames = []
    for f in files:
        if f.size is not None and f.size > settings.FACE_MAX_FRAME_BYTES:
            raise FrameTooLargeError()
        data = f.read(settings.FACE_MAX_FRAME_BYTES + 1)
        if len(data) > settings.FACE_MAX_FRAME_BYTES:
            raise FrameTooLargeError()
        try:
            # Only the header is read here: the size is checked before anything is decoded.
            with Image.open(io.BytesIO(data)) as img:
                fmt, (w, h) = img.format, img.size
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise ImageDecodeError("A camera picture could not be read. Please send JPEG or PNG pictures.",
                                   detail=str(exc)) from exc  # fmt: skip
        if fmt not in IMAGE_FORMATS:
            raise ImageDecodeError("Camera pictures must be JPEG or PNG.", detail=f"format {fmt}")
        if max(w, h) > settings.FACE_MAX_FRAME_SIDE:
            raise FrameTooLargeError()
        frames.append(data)
    return frames


def frames_have_face(*, frames: list[bytes]) -> bool:
    """Whether the face detector finds a face in at least one frame (decodes them)."""
    from ml.errors import NoFaceError
    from ml.face.detect import decode_image, find_face

    for data in frames:
        try:
            find_face(decode_image(data))
            return True
        except NoFaceError:
            continue
    return False


def _folder(submission_id: UUID | str) -> str:
    return f"{FOLDER}/{submission_id}"


def frames_save(*, submission_id: UUID | str, frames: list[bytes]) -> None:
    storage = recordings_storage()
    for i, data in enumerate(frames):
        storage.save(f"{_folder(submission_id)}/{i}", ContentFile(data))


def frames_load(*, submission_id: UUID | str) -> list[bytes]:
    storage = recordings_storage()
    folder = _folder(submission_id)
    if not storage.exists(folder):
        return []
    out = []
    for name in sorted(storage.listdir(folder)[1]):
        with storage.open(f"{folder}/{name}", "rb") as f:
            out.append(f.read())
    return out


def frames_delete(*, submission_id: UUID | str) -> None:
    storage = recordings_storage()
    folder = _folder(submission_id)
    if not storage.exists(folder):
        return
    for name in storage.listdir(folder)[1]:
        storage.delete(f"{folder}/{name}")
    storage.delete(folder)


def frames_sweep(*, older_than: datetime) -> int:
    """Delete frames written before ``older_than`` that no analysis took (a worker that died)."""
    storage = recordings_storage()
    if not storage.exists(FOLDER):
        return 0
    count = 0
    for sub in storage.listdir(FOLDER)[0]:
        folder = f"{FOLDER}/{sub}"
        names = storage.listdir(folder)[1]
        if all(storage.get_modified_time(f"{folder}/{n}") < older_than for n in names):
            frames_delete(submission_id=sub)
            count += 1
    return count
