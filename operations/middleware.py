"""Request id and HTTP metrics for every request, and the operator endpoints answered first."""
from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from operations import views
from operations.context import request_id_from_header, request_id_var, submission_id_var
from operations.metrics import HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"

Handler = Callable[[HttpRequest], HttpResponse]

ENDPOINTS: dict[str, Handler] = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}


class OperationsEndpointsMiddleware:
    """Answers /healthz, /readyz and /metrics before anything looks at the Host header or
    redirects to HTTPS: container healthchecks and the scraper call them by an internal address
    over plain HTTP. Nothing in them depends on the host or builds a URL, and /metrics needs its
    token."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if endpoint is not None and request.method in ("GET", "HEAD"):
            return endpoint(request)
        return self.get_response(request)


class RequestObservabilityMiddleware:
    """Gives each request an id (the client's X-Request-ID when it is a plain token), echoes it,
    and counts the request by route pattern (bounded: no ids from the URL) and status."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        # Not reset on the way out: Django logs the response (django.request) after the middleware
        # chain returns, and that line should carry the id too. Under ASGI each request has its own
        # context; a thread reused for the next request sets both again first.
        request_id_var.set(request_id)
        submission_id_var.set("")
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else "unmatched"
        HTTP_REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route, method=request.method).observe(time.perf_counter() - started)
        response[REQUEST_ID_HEADER] = request_id
        return response
