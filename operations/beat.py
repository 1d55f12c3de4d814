"""Celery beat with a heartbeat: each scheduler tick touches a file, so a container healthcheck
(`manage.py beat_alive`) can tell a beat that is still scheduling from one that hangs."""
from __future__ import annotations

from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings


def heartbeat_path() -> Path:
    return Path(settings.BEAT_HEARTBEAT_FILE)


class HeartbeatScheduler(PersistentScheduler):
    """`celery beat --scheduler operations.beat:HeartbeatScheduler`: the default scheduler, plus
    the heartbeat. Beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds."""

    def tick(self, *args, **kwargs) -> float:
        path = heartbeat_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return super().tick(*args, **kwargs)
