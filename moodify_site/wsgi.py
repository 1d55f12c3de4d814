"""WSGI entry point (plain HTTP only; the site normally runs under ASGI for WebSockets)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moodify_site.settings.dev")
application = get_wsgi_application()
