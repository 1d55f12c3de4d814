"""ASGI entry point: HTTP through Django, WebSockets through Channels."""
import logging
import os
import threading

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moodify_site.settings.dev")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from moodify_site.routing import websocket_urlpatterns  # noqa: E402
from moodify_site.uploads import RequestBodyLimitMiddleware  # noqa: E402
from moodify_site.ws_auth import MoodifyAuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(MoodifyAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


def _warm_upload_check() -> None:
    """Uploads are checked by decoding them (librosa: ~2 s to import and load its compiled kernels
    in a new process). Done here, in the background, the first upload of a web process doesn't pay it."""
    try:
        from emotion.services import audio_validate_warm_up

        audio_validate_warm_up()
    except Exception:  # a failed warm-up only means the first upload is slower
        logging.getLogger(__name__).exception("Could not warm up the upload check")


# The modules the warm-up uses are imported here, in the importing thread: imported by the thread
# while this thread imported them too (a test run collecting modules, a first request), the two
# deadlocked on the ml package's module locks and one import failed.
import emotion.services  # noqa: E402,F401
import ml.audio  # noqa: E402,F401
import ml.vad  # noqa: E402,F401

threading.Thread(target=_warm_upload_check, name="warm-upload-check", daemon=True).start()
