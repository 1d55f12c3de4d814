"""The Celery application shared by the web process (to enqueue) and the workers (to run)."""
import os

from celery import Celery
from celery.signals import worker_init
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moodify_site.settings.dev")

# Worth another try: the database or Redis blinked, a file system or network hiccup (OSError
# covers requests' Timeout and ConnectionError too). A bad recording or a bug is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError, OSError)

app = Celery("moodify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _keep_database_connections(**_kwargs) -> None:
    # Runs in the worker's main process before the pool forks, so every pool process inherits it:
    # without it each task would open (and close) its own PostgreSQL connection.
    from django.conf import settings
    from django.db import connections

    for connection in connections.all():
        connection.settings_dict["CONN_MAX_AGE"] = settings.WORKER_CONN_MAX_AGE
