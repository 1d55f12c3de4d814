"""One JSON shape for every API error: {"error": code, "detail": sentence[, "fields": {...}]}."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from catalog.errors import CatalogError

_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.Throttled: "throttled",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "invalid",
    exceptions.ValidationError: "invalid",
}


def _sentence(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_sentence(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_sentence(v)}" for k, v in detail.items())
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, CatalogError):
        http = status.HTTP_404_NOT_FOUND if exc.code == "not_found" else status.HTTP_400_BAD_REQUEST
        return Response({"error": exc.code, "detail": exc.detail}, status=http)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "invalid")
    body = {"error": code, "detail": _sentence(exc.detail) if code != "invalid" else "Some fields are invalid."}
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["fields"] = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
        body["detail"] = _sentence(exc.detail)
    response.data = body
    return response


class JsonErrorsMixin:
    """Views of this app answer errors in the project's shape even without a global handler."""

    def get_exception_handler(self):
        return api_exception_handler
