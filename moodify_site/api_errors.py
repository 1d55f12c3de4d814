"""One error shape for the whole REST API: ``{"error": code, "detail": sentence[, "fields"]}``.

Views raise DRF exceptions, ``ApiError``, or let a domain error through: a
``moodify_site.errors.DomainError`` (its own status) or an ``ml.errors.AudioError`` or ``FaceError`` (the
library knows no HTTP: ``AUDIO_ERROR_STATUS`` below maps its codes).
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ml.errors import AudioError, FaceError
from moodify_site.errors import DomainError

# The status each audio error code answers with (docs/api.md): size -> 413, unreadable -> 415,
# everything else about the content (too long included) -> 400.
AUDIO_ERROR_STATUS = {
    "file_too_large": 413,
    "unsupported_media_type": 415,
    "undecodable_audio": 415,
    "undecodable_image": 415,
}


class ApiError(exceptions.APIException):
    """A typed, user-facing API error raised by views from service errors."""

    def __init__(self, *, code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = http_status
        self.error_code = code


def api_error(exc: DomainError | AudioError | FaceError) -> ApiError:
    """The API's answer to a service's typed error."""
    # Never ``exc.detail``: for AudioError that is a log line (decoder stderr), not for users.
    if isinstance(exc, DomainError):
        http_status = exc.http_status
    else:
        http_status = AUDIO_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
    return ApiError(code=exc.code, detail=exc.user_message, http_status=http_status)


_CODES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.NotAuthenticated: ("not_authenticated", "Please sign in first."),
    exceptions.AuthenticationFailed: ("not_authenticated", "Your credentials were not accepted. Please sign in again."),
    exceptions.PermissionDenied: ("permission_denied", "You are not allowed to do this."),
    exceptions.NotFound: ("not_found", "We could not find that. It may have been deleted."),
    exceptions.MethodNotAllowed: ("method_not_allowed", "This address does not accept that method."),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "Please send this request in a supported format."),
    exceptions.ParseError: ("invalid", "The request could not be read. Please check what you sent."),
    exceptions.NotAcceptable: ("not_acceptable", "We cannot answer in the format you asked for."),
}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list | tuple):
        return [str(item) for sub in detail for item in _flatten(sub)]
    if isinstance(detail, dict):
        return [str(item) for sub in detail.values() for item in _flatten(sub)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError | AudioError | FaceError):
        exc = api_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django answer 500 and log it

    body: dict[str, Any]
    if isinstance(exc, ApiError):
        body = {"error": exc.error_code, "detail": str(exc.detail)}
    elif isinstance(exc, exceptions.Throttled):
        wait = f" Please try again in {int(exc.wait) + 1} seconds." if exc.wait is not None else ""
        body = {"error": "throttled", "detail": "You are sending requests too quickly." + wait}
    elif isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            fields = {name: _flatten(msgs) for name, msgs in exc.detail.items()}
            first = next(iter(fields.values()), ["Please check the form."])
            body = {"error": "invalid", "detail": first[0] if first else "Please check the form.", "fields": fields}
        else:
            body = {"error": "invalid", "detail": " ".join(_flatten(exc.detail))}
    else:
        code, sentence = next(
            ((c, s) for cls, (c, s) in _CODES.items() if isinstance(exc, cls)),
            ("error", str(getattr(exc, "detail", "")) or "The request could not be completed."),
        )
        body = {"error": code, "detail": sentence}
    response.data = body
    return response
