"""`manage.py suggest_moods`: train the mood tagger and store suggestions for untagged tracks."""
from django.conf import settings
from django.core.management.base import BaseCommand

from catalog import tagger


class Command(BaseCommand):
    help = "Suggest mood tags for untagged tracks (review them in admin); --evaluate reports CV accuracy."

    def add_arguments(self, parser):
        parser.add_argument("--evaluate", action="store_true",
                            help="Also report 5-fold cross-validated accuracy on data_moods.csv.")
        parser.add_argument("--min-confidence", type=float, default=tagger.MIN_CONFIDENCE)

    def handle(self, *args, evaluate, min_confidence, **options):
        if evaluate:
            X, y = tagger.load_data_moods(settings.MOODIFY_DATA_DIR / "music" / "data_moods.csv")
            cv = tagger.cross_validate(X, y)
            self.stdout.write(f"data_moods.csv: {cv.folds}-fold accuracy {cv.accuracy_mean:.3f} "
                              f"± {cv.accuracy_std:.3f} on {cv.samples} tracks")
        outcome = tagger.suggest_moods(min_confidence=min_confidence)
        self.stdout.write(self.style.SUCCESS(
            f"Trained on {outcome['trained_on']} tagged tracks; {outcome['suggested']} suggestions to review."))
