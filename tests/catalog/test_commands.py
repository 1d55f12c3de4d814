"""`manage.py import_catalog`: the command loads the defaults itself and reports what each run changed."""
from django.conf import settings
from django.core.management import call_command

from catalog.models import Track

DATA_MOODS = settings.MOODIFY_DATA_DIR / "music" / "data_moods.csv"


def test_import_catalog_reads_data_moods_idempotently(db, capsys):
    call_command("import_catalog", str(DATA_MOODS))
    assert "686 created" in capsys.readouterr().out
    assert Track.objects.count() == 686
    prince = Track.objects.get(spotify_id="2H7PHVdQ3mXqEHXcvclTB0")
    assert (prince.title, prince.artist, prince.year, prince.valence) == ("1999", "Prince", 1982, 0.625)
    assert list(prince.mood_tags.values_list("mood__code", "source")) == [("happy", "imported")]
    call_command("import_catalog", str(DATA_MOODS))
    assert "686 unchanged" in capsys.readouterr().out
    assert Track.objects.count() == 686
