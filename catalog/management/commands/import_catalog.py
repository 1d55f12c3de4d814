"""`manage.py import_catalog PATH`: upsert tracks from a data_moods.csv or generic catalog CSV."""
from django.core.management.base import BaseCommand, CommandError

from catalog import services
from catalog.errors import CatalogImportError


class Command(BaseCommand):
    help = "Import tracks from a CSV (data_moods.csv layout or the generic layout); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--verbose-rows", action="store_true", help="List every row, not only rejected ones.")

    def handle(self, *args, path, verbose_rows, **options):
        services.load_defaults(with_starter_catalog=False)
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                report = services.import_tracks_csv(file=handle)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except CatalogImportError as exc:
            raise CommandError(exc.user_message) from None
        for row in report.rows:
            if verbose_rows or row.status == "rejected":
                reasons = f": {'; '.join(row.reasons)}" if row.reasons else ""
                self.stdout.write(f"line {row.line} {row.status} {row.track}{reasons}")
        self.stdout.write(self.style.SUCCESS(f"{report.layout} layout: {report.summary}"))
