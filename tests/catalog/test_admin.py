import io

import pytest
from django.conf import settings

from catalog import services, tagger
from catalog.models import Mood, MoodMap, Track, TrackMoodTag
from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, db):
    services.load_defaults(with_starter_catalog=False)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_csv_upload_in_admin_shows_a_per_row_report(staff_client):
    upload = io.BytesIO(b"title,artist,valence,moods\nFine,Band,0.4,sad\nBroken,Band,9,\n")
    upload.name = "tracks.csv"
    response = staff_client.post("/admin/catalog/track/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 created" in page and "1 rejected" in page and "valence 9" in page
    not_csv = io.BytesIO(b"\xff\xfe\x00garbage")
    not_csv.name = "x.csv"
    response = staff_client.post("/admin/catalog/track/import/", {"file": not_csv})
    assert response.status_code == 200 and "UTF-8" in response.content.decode()


def test_bulk_tag_and_export_actions(staff_client):
    services.import_tracks_csv(file=io.StringIO("title,artist\nOne,A\nTwo,B\n"))
    ids = list(Track.objects.values_list("pk", flat=True))
    response = staff_client.post("/admin/catalog/track/", {"action": "tag_calm", "_selected_action": ids})
    assert response.status_code == 302
    assert TrackMoodTag.objects.filter(mood__code="calm", source="curator").count() == 2
    assert Track.objects.filter(est_energy__isnull=False).count() == 2
    exported = staff_client.post("/admin/catalog/track/", {"action": "export_csv", "_selected_action": ids})
    assert exported["Content-Type"].startswith("text/csv")
    assert "One,A" in exported.content.decode() and "calm" in exported.content.decode()
    staff_client.post("/admin/catalog/track/", {"action": "untag_calm", "_selected_action": ids})
    assert not TrackMoodTag.objects.exists()
    assert staff_client.get("/admin/catalog/track/?mood=none").status_code == 200
    mood_map = MoodMap.objects.first()
    page = staff_client.get(f"/admin/catalog/moodmap/{mood_map.pk}/change/").content.decode()
    assert "genre_weights-TOTAL_FORMS" in page  # genres are edited inline


def test_tagger_suggestions_are_reviewed_in_admin(staff_client):
    path = settings.MOODIFY_DATA_DIR / "music" / "data_moods.csv"
    with open(path, encoding="utf-8") as file:
        services.import_tracks_csv(file=file)
    held_out = list(Track.objects.order_by("id")[:20])
    TrackMoodTag.objects.filter(track__in=held_out).delete()
    outcome = tagger.suggest_moods(min_confidence=0.0)
    assert outcome["suggested"] == 20
    suggestions = TrackMoodTag.objects.filter(source="suggested")
    assert suggestions.count() == 20
    page = staff_client.get("/admin/catalog/track/?tag_source=suggested").content.decode()
    assert "%" in page
    first, second = suggestions[0], suggestions[1]
    staff_client.post("/admin/catalog/trackmoodtag/", {"action": "accept", "_selected_action": [first.pk]})
    staff_client.post("/admin/catalog/trackmoodtag/", {"action": "reject", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.source == "curator" and second.rejected
    # A rejected suggestion is not made again.
    tagger.suggest_moods(min_confidence=0.0)
    assert TrackMoodTag.objects.filter(track=second.track).count() == 1


def test_tagger_cross_validated_accuracy_on_data_moods():
    X, y = tagger.load_data_moods(settings.MOODIFY_DATA_DIR / "music" / "data_moods.csv")
    result = tagger.cross_validate(X, y)
    assert result.samples == 686 and result.accuracy_mean > 0.7
    assert Mood  # moods of the dataset are catalog moods
