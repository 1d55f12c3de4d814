"""Operator endpoints: liveness, readiness and Prometheus metrics (routed by
operations.middleware.OperationsEndpointsMiddleware, ahead of host and HTTPS checks)."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST

from operations import health, scrape


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests. Nothing else is checked (restarting a web process
    because the database is down would not help)."""
    return JsonResponse({"status": "alive"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every check passes, 503 naming the failing ones otherwise."""
    result = health.readiness()
    response = JsonResponse(result.as_dict(), status=200 if result.ok else 503)
    response["Cache-Control"] = "no-store"
    # Polled every few seconds: each failing check is logged once per poll by health, not again
    # as a "Service Unavailable" error line by Django.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition for operators holding MOODIFY_METRICS_TOKEN; off without a token."""
    token = settings.MOODIFY_METRICS_TOKEN
    if not token:
        return _error(404, "not_found", "Metrics are switched off: set MOODIFY_METRICS_TOKEN to switch them on.")
    if not scrape.authorized(request.headers.get("Authorization", ""), token):
        response = _error(401, "not_authenticated", "Metrics are for operators: send Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(scrape.exposition(), content_type=CONTENT_TYPE_LATEST)
