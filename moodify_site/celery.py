"""The Celery application shared by the web process (to enqueue) and the workers (to run)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moodify_site.settings.dev")

app = Celery("moodify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
