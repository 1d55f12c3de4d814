"""Typed submission errors with the code, HTTP status and sentence the API answers with."""
from __future__ import annotations

from django.core.exceptions import RequestDataTooBig

from moodify_site.errors import DomainError


class SubmissionError(DomainError):
    default_message = "We could not accept this submission."


class FileTooLargeError(SubmissionError, RequestDataTooBig):
    """Also Django's RequestDataTooBig, so a page outside the API answers 400 instead of 500."""

    code = "file_too_large"
    http_status = 413

    def __init__(self, user_message: str | None = None) -> None:
        from django.conf import settings

        cap = settings.EMOTION_MAX_UPLOAD_BYTES
        size = f"{cap / 2**20:g} MB" if cap >= 2**20 else f"{cap // 1024} KB"
        super().__init__(user_message or f"The file is larger than {size}. Please upload a shorter recording.")


class LengthRequiredError(SubmissionError):
    code = "length_required"
    http_status = 411
    default_message = (
        "Please send the recording with a Content-Length header; uploads of unknown length "
        "(chunked transfer encoding) are not accepted."
    )


class AnalysisUnavailableError(SubmissionError):
    code = "unavailable"
    http_status = 503
    default_message = (
        "We could not start analysing your recording because a part of our service is down. "
        "Please try again in a few minutes."
    )


class MissingAudioError(SubmissionError):
    code = "invalid"
    default_message = "Please attach a recording in the 'audio' field."


class NoVoiceToLearnError(SubmissionError):
    code = "nothing_to_learn"
    http_status = 409
    default_message = "There is no analysed recording here to learn your voice from."

class TooManyFramesError(SubmissionError):
    code = "too_many_frames"

    def __init__(self, user_message: str | None = None) -> None:
        from django.conf import settings

        super().__init__(user_message or f"Please send at most {settings.FACE_MAX_FRAMES} camera pictures.")


class FrameTooLargeError(SubmissionError):
    code = "frame_too_large"
    http_status = 413

    def __init__(self, user_message: str | None = None) -> None:
        from django.conf import settings

        kb = settings.FACE_MAX_FRAME_BYTES // 1024
        side = settings.FACE_MAX_FRAME_SIDE
        super().__init__(user_message or f"Each camera picture must be under {kb} KB and {side} pixels on its "
                                         "longer side. Please send smaller pictures.")
