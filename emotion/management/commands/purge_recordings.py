"""Delete recordings past their retention period (Celery beat does this hourly; this is for cron)."""
from django.core.management.base import BaseCommand

from emotion.services import recordings_purge_expired


class Command(BaseCommand):
    help = "Delete recordings whose owners' retention period has passed."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{recordings_purge_expired()} recordings deleted.")
