"""Site-wide 404/500 handlers: JSON in the API's error shape under /api/, Django's pages elsewhere.

A request that failed because the database or Redis cannot be reached (restarting, failing over)
is answered 503 with a sentence and Retry-After, not 500: nothing is wrong with the request, and
trying again shortly will work."""
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
OUTAGE_DETAIL = (
    "Moodify cannot reach its database or queue right now (they may be restarting). Please try "
    "again in a minute."
)
OUTAGE_RETRY_AFTER_S = 30


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "not_found", "detail": "We could not find that. It may have been deleted."}, status=404
        )
    return defaults.page_not_found(request, exception)


def _is_outage(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request):
    # Django calls this while handling the exception, so it is still the current one.
    if _is_outage(sys.exc_info()[1]):
        return _unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "server_error", "detail": "Something went wrong on our side. Please try again."}, status=500
        )
    return defaults.server_error(request)


def _unavailable(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "unavailable", "detail": OUTAGE_DETAIL}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"detail": OUTAGE_DETAIL}), status=503)
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER_S)
    return response
