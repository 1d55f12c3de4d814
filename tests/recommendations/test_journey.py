"""Lift and calm sets travel from where the listener is to where the strategy aims (the iso
principle), and consecutive results minutes apart are smoothed so one odd recording does not flip
the music."""
from datetime import timedelta

import pytest

from emotion.models import EmotionResult
from recommendations import services
from recommendations.selectors import target_for
from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db


def distance(a: dict, b: dict) -> float:
    return ((a["valence"] - b["valence"]) ** 2 + (a["energy"] - b["energy"]) ** 2) ** 0.5


def moods(item) -> set[str]:
    return set(item.track.mood_tags.values_list("mood__code", flat=True))


@pytest.mark.parametrize(("label", "strategy"), [("sad", "lift"), ("angry", "calm"), ("fearful", "calm")])
def test_a_journey_starts_where_the_listener_is_and_arrives_at_the_target(catalog, result_for, label, strategy):
    rec_set = services.build_recommendation_set(result=result_for(label), strategy=strategy)
    journey = rec_set.journey
    here, goal = target_for(label=label, strategy="match"), target_for(label=label, strategy=strategy)
    assert (journey["from"]["emotion"], journey["to"]["emotion"], journey["readings"]) == (label, label, 1)
    assert journey["from"]["valence"] == pytest.approx(here.valence, abs=1e-3)
    assert journey["to"] == {"emotion": label, "valence": round(goal.valence, 3), "energy": round(goal.energy, 3)}
    steps = journey["steps"]
    assert [s["rank"] for s in steps] == list(range(1, 11))
    # A few steps at a time: each aim is nearer the target than the last until it arrives at rank 7.
    gaps = [distance(s["aim"], journey["to"]) for s in steps]
    assert gaps[0] == pytest.approx(distance(journey["from"], journey["to"]), abs=1e-3)
    assert all(later < earlier for earlier, later in zip(gaps[:6], gaps[1:7])) and max(gaps[6:]) < 1e-3
    # The tracks follow: the first ones sit nearer the listener, the last ones at the target.
    first, last = steps[:2], steps[-4:]
    assert max(distance(s["track"], journey["from"]) for s in first) < min(distance(s["track"], journey["from"]) for s in last)
    items = list(rec_set.items.all())
    codes = [next(r["stage"] for r in i.reasons if r["code"] == "journey") for i in items]
    assert codes[0] == "start" and set(codes[1:6]) == {"on_the_way"} and set(codes[6:]) == {"arrived"}
    assert items[0].why.startswith("Close to how you feel now")


def test_sad_lift_starts_with_sad_songs_and_ends_with_happy_ones(catalog, result_for):
    items = list(services.build_recommendation_set(result=result_for("sad"), strategy="lift").items.all())
    assert "sad" in moods(items[0])
    # From rank 7 on: happy songs (an explored one may be merely energetic), none sad.
    assert sum("happy" in moods(i) for i in items[6:]) >= 3 and not any("sad" in moods(i) for i in items[6:])


def test_match_sets_and_listeners_already_there_do_not_travel(catalog, result_for):
    assert services.build_recommendation_set(result=result_for("sad"), strategy="match").journey is None
    # Calm music for a calm listener: the calm map and the match map aim at the same place.
    assert services.build_recommendation_set(result=result_for("calm", owner=UserFactory()), strategy="calm").journey is None


def _earlier(user, label: str, minutes: float) -> EmotionResult:
    from tests.recommendations.factories import EmotionResultFactory

    result = EmotionResultFactory(submission__user=user, label=label, confidence=0.9, probabilities={label: 0.9})
    EmotionResult.objects.filter(pk=result.pk).update(created_at=result.created_at - timedelta(minutes=minutes))
    return result


def test_results_minutes_apart_are_smoothed_and_hours_apart_are_not(catalog, result_for, user):
    alone = services.build_recommendation_set(result=result_for("sad", owner=UserFactory()), strategy="lift")
    _earlier(user, "happy", 3)
    _earlier(user, "happy", 6)
    _earlier(user, "angry", 180)  # hours ago: another moment
    smoothed = services.build_recommendation_set(result=result_for("sad"), strategy="lift")
    assert smoothed.journey["readings"] == 3
    happy = target_for(label="happy", strategy="match")
    # One sad recording among happy ones minutes before: the set starts between them, nearer happy.
    start = smoothed.journey["from"]
    assert alone.journey["from"]["valence"] < start["valence"] < happy.valence
    assert distance(start, {"valence": happy.valence, "energy": happy.energy}) < distance(start, alone.journey["from"])


def test_a_correction_starts_the_journey_from_what_the_listener_told_us(catalog, result_for, user):
    result = result_for("happy")
    corrected = services.correct_emotion(user=user, submission=result.submission, emotion="sad", strategy="lift")
    assert corrected.journey["from"]["emotion"] == "sad"
    assert corrected.journey["from"]["valence"] == pytest.approx(target_for(label="sad", strategy="match").valence, abs=1e-3)
