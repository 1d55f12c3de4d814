"""What building one set costs the database, and that what is cached to save it never goes stale.

The latency target (p95 <= 30 ms with 100,000 tracks) is measured by benchmarks/bench_recommendations.py;
here each extra round trip a change adds to a set build fails a test, because each one is felt as a
slower set (~0.5 ms each on a quiet machine, several under load).
"""
import random

import pytest

from catalog.models import Genre, Mood, Track, TrackMoodTag
from catalog.services import refresh_positions
from emotion.models import EmotionResult
from recommendations import selectors, services

pytestmark = pytest.mark.django_db


def _as_the_worker_loads_it(result) -> EmotionResult:
    """The result as the build task reads it (tasks.build_recommendations): nothing else cached."""
    return EmotionResult.objects.select_related("submission__user").get(pk=result.pk)


@pytest.fixture
def dense_catalog(catalog):
    """The starter catalog plus 8,000 tracks spread as the benchmark spreads its 100,000: dense
    enough that each candidate box finds its tracks at the first size tried."""
    rng = random.Random(0)
    genres, moods = list(Genre.objects.all()), list(Mood.objects.all())
    tracks = []
    for i in range(8000):
        v, e = rng.random(), rng.random()
        tracks.append(Track(title=f"Song {i}", artist=f"Artist {i % 2000}", match_key=f"artist {i}|song {i}",
                            valence=v, energy=e, est_valence=v, est_energy=e, popularity=rng.randint(0, 100),
                            year=rng.randint(1955, 2025), source=Track.Source.IMPORTED))
    tracks = Track.objects.bulk_create(tracks)
    through = Track.genres.through
    through.objects.bulk_create([through(track_id=t.pk, genre_id=g.pk) for t in tracks
                                 for g in rng.sample(genres, rng.randint(1, 2))])
    TrackMoodTag.objects.bulk_create([TrackMoodTag(track=t, mood=rng.choice(moods), source="imported")
                                      for t in tracks if rng.random() < 0.33])


# The profile with its favourite and excluded genres, the set already built?, the candidate box,
# affinities, beliefs, feedback, recent tracks, BEGIN (a savepoint here) / INSERT set / INSERT
# items / COMMIT, the pushed tracks' details.
MATCH_QUERIES = 12
# and a journey: the listener's recent results (smoothing); its three boxes are one query.
JOURNEY_QUERIES = MATCH_QUERIES + 1


@pytest.mark.parametrize(("strategy", "queries"), [("match", MATCH_QUERIES), ("lift", JOURNEY_QUERIES),
                                                   ("calm", JOURNEY_QUERIES)])
def test_a_set_takes_a_fixed_number_of_queries_once_mood_maps_are_cached(
        dense_catalog, result_for, django_assert_num_queries, django_capture_on_commit_callbacks, strategy, queries):
    services.build_recommendation_set(result=result_for("happy"), strategy=strategy)  # caches the mood maps
    result = _as_the_worker_loads_it(result_for("sad"))
    with django_assert_num_queries(queries), django_capture_on_commit_callbacks(execute=True):
        rec_set = services.build_recommendation_set(result=result, strategy=strategy)
    assert rec_set.items.count() == 10
    assert (rec_set.journey is not None) == (strategy != "match")


def test_a_listener_with_a_history_costs_no_more_queries(dense_catalog, result_for, user, django_assert_num_queries,
                                                         django_capture_on_commit_callbacks):
    """Likes, dislikes, ratings, beliefs and earlier sets are read in the same few queries."""
    for label in ("happy", "sad", "angry"):
        earlier = services.build_recommendation_set(result=result_for(label), strategy="lift")
        items = list(earlier.items.all())
        services.record_feedback(user=user, recommendation=items[0], action="like")
        services.record_feedback(user=user, recommendation=items[1], action="rate", rating=5)
        services.record_feedback(user=user, recommendation=items[-1], action="dislike")
    result = _as_the_worker_loads_it(result_for("calm"))
    with django_assert_num_queries(JOURNEY_QUERIES), django_capture_on_commit_callbacks(execute=True):
        rec_set = services.build_recommendation_set(result=result, strategy="lift")
    assert rec_set.items.count() == 10


def _tracks_at(target, genre, n=12):
    tracks = [Track.objects.create(title=f"Near {i}", artist=f"Near artist {i}", valence=target.valence,
                                   energy=target.energy) for i in range(n)]
    for track in tracks:
        track.genres.add(genre)
    refresh_positions(track_ids=[t.pk for t in tracks])
    return {t.pk for t in tracks}


def test_a_renamed_genre_is_named_anew_in_the_next_set(catalog, result_for, user):
    """Genre names are cached with the mood maps; staff renaming one in the admin shows at once."""
    pop = Genre.objects.get(slug="pop")
    user.profile.favourite_genres.add(pop)
    first = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    assert any("pop is one of your favourite genres" in i.why.lower() for i in first.items.all())

    pop.slug = "pop-music"
    pop.save()  # as the admin does
    again = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    whys = [i.why.lower() for i in again.items.all()]
    assert any("pop-music is one of your favourite genres" in why for why in whys), whys


def test_a_genre_made_without_signals_is_still_named(catalog, result_for, user):
    """A genre written in bulk (no save signals) is not in the cached names yet: it is read, not dropped."""
    target = selectors.target_for(label="happy", strategy="match")
    services.build_recommendation_set(result=result_for("happy"), strategy="match")  # caches the names
    (lofi,) = Genre.objects.bulk_create([Genre(slug="lofi", name="Lo-fi")])
    user.profile.favourite_genres.add(lofi)
    near = _tracks_at(target, lofi)
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    whys = [i.why for i in rec_set.items.filter(track_id__in=near)]
    assert whys and any("lofi is one of your favourite genres" in why.lower() for why in whys), whys
