"""Exit 0 when Celery beat ticked recently (its container healthcheck), 1 with the reason otherwise."""
from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.beat import heartbeat_path


class Command(BaseCommand):
    help = "Check that Celery beat (operations.beat.HeartbeatScheduler) ticked within --max-age seconds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-age", type=float, default=3 * settings.CELERY_BEAT_MAX_LOOP_INTERVAL)

    def handle(self, *args, max_age: float, **options) -> None:
        path = heartbeat_path()
        if not path.exists():
            raise CommandError(f"Celery beat has not ticked yet (no {path}); is it running with "
                               "--scheduler operations.beat:HeartbeatScheduler?")
        age = time.time() - path.stat().st_mtime
        if age > max_age:
            raise CommandError(f"Celery beat last ticked {age:.0f} s ago (more than {max_age:.0f} s): it is stuck or gone.")
        self.stdout.write(f"Celery beat ticked {age:.0f} s ago.")
