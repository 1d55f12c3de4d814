"""Each track says why it is there, from what actually put it there."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Genre, Track
from catalog.services import refresh_positions
from recommendations import services
from recommendations.models import Feedback
from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db

EMOTIONS = ["angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised", "calm"]


def distinct_reasons(rec_set) -> set[str]:
    return {json.dumps(reason, sort_keys=True) for item in rec_set.items.all() for reason in item.reasons}


@pytest.mark.parametrize("label", EMOTIONS)
@pytest.mark.parametrize("strategy", ["match", "lift", "calm"])
def test_every_starter_catalog_set_gives_at_least_five_different_reasons(catalog, result_for, label, strategy):
    rec_set = services.build_recommendation_set(result=result_for(label), strategy=strategy, use_spotify=False)
    items = list(rec_set.items.all())
    assert len(distinct_reasons(rec_set)) >= 5, [i.why for i in items]
    assert len({i.why for i in items}) >= 4, "ten tracks, one sentence: the reason explains nothing"
    for item in items:
        assert item.reasons and all(set(r) >= {"code"} for r in item.reasons)
        assert item.why.endswith(".") and "->" not in item.why


def _like_and_rate(user, item, *, stars: int, days_ago: int) -> None:
    services.record_feedback(user=user, recommendation=item, action="like")
    services.record_feedback(user=user, recommendation=item, action="rate", rating=stars)
    Feedback.objects.filter(recommendation=item).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_history_reasons_name_the_artist_the_rating_and_what_is_new(catalog, result_for, user):
    first = services.build_recommendation_set(result=result_for("neutral"), strategy="match")
    norah = first.items.filter(track__artist="Norah Jones").first() or first.items.get(rank=1)
    _like_and_rate(user, norah, stars=5, days_ago=9)
    later = services.build_recommendation_set(result=result_for("neutral"), strategy="match")

    by_track = {item.track_id: item for item in later.items.all()}
    assert norah.track_id in by_track, "a track rated 5 stars comes back"
    again = by_track[norah.track_id]
    assert {"code": "rated", "stars": 5, "when": "last week"} in again.reasons
    assert again.why.startswith("You rated this 5 stars last week")
    assert any(f"you liked {norah.track.artist}".lower() in item.why.lower() for item in later.items.all())
    assert any(item.why.startswith("New to you") for item in later.items.all())
    # The first set of someone with no history never claims "new to you": everything is.
    assert not any(r["code"] == "new_to_you" for item in first.items.all() for r in item.reasons)


def test_measured_tracks_are_described_by_how_they_sound_against_the_target(catalog, result_for):
    Track.objects.update(active=False)  # only the tracks below compete
    ambient = Genre.objects.get(slug="ambient")
    slow = [Track.objects.create(title=f"Slow {i}", artist=f"Pianist {i}", valence=0.15, energy=0.15,
                                 instrumentalness=0.9, tempo=68.0) for i in range(6)]
    fast = [Track.objects.create(title=f"Fast {i}", artist=f"Band {i}", valence=0.8, energy=0.85,
                                 tempo=132.0) for i in range(6)]
    for track in slow + fast:
        track.genres.add(ambient)
    refresh_positions(track_ids=[t.pk for t in slow + fast])

    calm = services.build_recommendation_set(result=result_for("calm"), strategy="calm")
    first = calm.items.get(rank=1)
    assert first.track in slow and first.why.startswith("Sounds slow, soft and instrumental")
    sound = next(r for r in first.reasons if r["code"] == "sound")
    assert sound == {"code": "sound", "words": ["soft"], "tempo": "slow", "instrumental": True}
    assert {"code": "genre_fit", "genres": ["ambient"], "map": "ambient and classical"} in first.reasons

    # Someone else: this listener's calm result a moment ago would be smoothed into where they start.
    lifted = services.build_recommendation_set(result=result_for("happy", owner=UserFactory()), strategy="match")
    assert lifted.items.get(rank=1).why.startswith("Sounds fast, upbeat and high energy")
