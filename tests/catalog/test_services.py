"""catalog.services: defaults, CSV import and export, mood tags and the engine's track positions."""
import io

import pytest

from catalog import services
from catalog.errors import CatalogImportError
from catalog.models import Emotion, MoodMap, Track, TrackMoodTag

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults(db):
    services.load_defaults(with_starter_catalog=False)


def test_load_defaults_is_idempotent_and_keeps_staff_edits(db):
    services.load_defaults()
    counts = (Emotion.objects.count(), MoodMap.objects.count(), Track.objects.count())
    assert counts[0] == 8 and counts[1] == 24 and counts[2] >= 150
    MoodMap.objects.filter(emotion__code="sad", strategy="lift").update(keywords="staff edit")
    services.load_defaults()
    assert (Emotion.objects.count(), MoodMap.objects.count(), Track.objects.count()) == counts
    assert MoodMap.objects.get(emotion__code="sad", strategy="lift").keywords == "staff edit"
    # The starter catalog leaves numbers unknown rather than invented.
    starter = Track.objects.filter(source=Track.Source.CURATOR)
    assert not starter.filter(valence__isnull=False).exists() and not starter.filter(est_valence=None).exists()


def test_bad_rows_are_reported_not_fatal(defaults):
    text = ("title,artist,valence,moods,spotify_id,year\n"
            "Good Song,Someone,0.5,happy,,1999\n"
            ",No Title,0.5,,,\n"
            "Loud,Band,1.7,,,\n"
            "Odd,Band,abc,,,\n"
            "Mystery,Band,,bored,,\n"
            "Bad Id,Band,,,xyz,\n"
            "Too,Many,0.1,happy,,2000,extra\n")
    report = services.import_tracks_csv(file=io.StringIO(text))
    assert [(r.line, r.status) for r in report.rows] == [
        (2, "created"), (3, "rejected"), (4, "rejected"), (5, "rejected"), (6, "rejected"), (7, "rejected"),
        (8, "rejected")]
    reasons = " | ".join(r.reasons[0] for r in report.rows[1:])
    for words in ("title is empty", "valence 1.7", "not a number", "unknown mood bored", "22 letters", "more cells"):
        assert words in reasons
    assert Track.objects.count() == 1


def test_unreadable_files_raise_a_typed_error(defaults):
    with pytest.raises(CatalogImportError):
        services.import_tracks_csv(file=io.StringIO(""))
    with pytest.raises(CatalogImportError, match="Unrecognised columns"):
        services.import_tracks_csv(file=io.StringIO("foo,bar\n1,2\n"))


def test_export_round_trips_through_import(db):
    services.load_defaults()
    out = io.StringIO()
    count = services.export_tracks_csv(tracks=Track.objects.prefetch_related("genres", "mood_tags__mood"), out=out)
    before = {(t.match_key, tuple(sorted(t.genres.values_list("slug", flat=True)))) for t in Track.objects.all()}
    Track.objects.all().delete()
    report = services.import_tracks_csv(file=io.StringIO(out.getvalue()))
    assert report.count("created") == count and report.count("rejected") == 0
    after = {(t.match_key, tuple(sorted(t.genres.values_list("slug", flat=True)))) for t in Track.objects.all()}
    assert after == before


def test_mood_tags_place_tracks_without_attributes(defaults):
    services.import_tracks_csv(file=io.StringIO("title,artist,moods\nQuiet,A,calm\nLoud,B,energetic\n"))
    quiet, loud = Track.objects.get(title="Quiet"), Track.objects.get(title="Loud")
    assert quiet.est_energy < 0.3 < 0.8 < loud.est_energy
    services.untag_tracks(tracks=[quiet], mood=quiet.mood_tags.get().mood)
    quiet.refresh_from_db()
    assert quiet.est_energy is None and not TrackMoodTag.objects.filter(track=quiet).exists()
