"""Site-wide 404/500 handlers: JSON in the API's error shape under /api/, Django's pages elsewhere."""
from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "not_found", "detail": "We could not find that. It may have been deleted."}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "server_error", "detail": "Something went wrong on our side. Please try again."}, status=500
        )
    return defaults.server_error(request)
