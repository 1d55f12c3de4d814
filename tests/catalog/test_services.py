"""catalog.services: defaults, CSV import and export, mood tags and the engine's track positions."""
import io

import pytest

from catalog import services
from catalog.errors import CatalogImportError
from catalog.models import Emotion, Mood, MoodMap, Track, TrackMoodTag

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


def test_suggested_tags_place_a_track_only_until_a_confirmed_tag_does(defaults):
    services.import_tracks_csv(file=io.StringIO("title,artist,valence\nPlain,A,\nMeasured,B,0.9\n"))
    plain, measured = Track.objects.get(title="Plain"), Track.objects.get(title="Measured")
    energetic, calm = Mood.objects.get(code="energetic"), Mood.objects.get(code="calm")
    for track in (plain, measured):
        TrackMoodTag.objects.create(track=track, mood=energetic, source=TrackMoodTag.Source.SUGGESTED, confidence=0.7)
    services.refresh_positions(track_ids=[plain.pk, measured.pk])
    plain.refresh_from_db()
    measured.refresh_from_db()
    assert (plain.est_valence, plain.est_energy) == (energetic.valence, energetic.energy)
    assert (measured.est_valence, measured.est_energy) == (0.9, energetic.energy)  # a measured number wins

    assert services.tag_tracks(tracks=[plain], mood=calm) == 1
    plain.refresh_from_db()
    assert (plain.est_valence, plain.est_energy) == (calm.valence, calm.energy)  # the suggestion no longer counts


def test_tagging_again_restores_a_rejected_tag_as_the_curators(defaults):
    services.import_tracks_csv(file=io.StringIO("title,artist\nSong,A\n"))
    song, calm = Track.objects.get(), Mood.objects.get(code="calm")
    TrackMoodTag.objects.create(track=song, mood=calm, source=TrackMoodTag.Source.SUGGESTED, confidence=0.6,
                                rejected=True)
    assert services.tag_tracks(tracks=[song], mood=calm) == 1
    tag = TrackMoodTag.objects.get(track=song)
    assert (tag.source, tag.rejected, tag.confidence) == ("curator", False, None)
    song.refresh_from_db()
    assert song.est_energy == calm.energy


def test_reviewing_suggestions_touches_only_open_suggestions_and_keeps_rejected_ones(defaults):
    services.import_tracks_csv(file=io.StringIO("title,artist,moods\nOne,A,happy\nTwo,B,\n"))
    one, two = Track.objects.get(title="One"), Track.objects.get(title="Two")
    happy, sad = Mood.objects.get(code="happy"), Mood.objects.get(code="sad")
    imported = TrackMoodTag.objects.get(track=one)
    one_sad, two_sad = (TrackMoodTag.objects.create(track=t, mood=sad, source=TrackMoodTag.Source.SUGGESTED)
                        for t in (one, two))

    assert services.review_suggestions(tags=[one_sad, imported], accept=True) == 1  # an imported tag is no suggestion
    one_sad.refresh_from_db()
    one.refresh_from_db()
    assert one_sad.source == "curator"
    assert one.est_energy == pytest.approx((happy.energy + sad.energy) / 2)

    assert services.review_suggestions(tags=[two_sad], accept=False) == 1
    assert services.review_suggestions(tags=[two_sad], accept=True) == 0  # rejected stays rejected
    two_sad.refresh_from_db()
    two.refresh_from_db()
    assert two_sad.rejected and two_sad.source == "suggested"  # kept, so the tagger does not suggest it again
    assert two.est_energy is None
