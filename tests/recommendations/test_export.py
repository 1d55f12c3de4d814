"""The data export carries the music shown, the feedback given and the corrections made."""
from recommendations import services


def test_export_includes_recommendations_feedback_and_corrections(catalog, api, result_for, user):
    result = result_for("sad")
    shown = services.build_recommendation_set(result=result, strategy="match")
    first = shown.items.order_by("rank").first()
    services.record_feedback(user=user, recommendation=first, action="rate", rating=4)
    services.correct_emotion(user=user, submission=result.submission, emotion="calm")

    data = api.get("/api/v1/me/export/").json()

    assert {s["id"] for s in data["recommendation_sets"]} >= {shown.id}
    exported = next(s for s in data["recommendation_sets"] if s["id"] == shown.id)
    assert exported["items"][0]["track"]["title"] == first.track.title and exported["items"][0]["why"]
    assert data["feedback"] == [
        {"recommendation_id": first.id, "track": {"title": first.track.title, "artist": first.track.artist},
         "action": "rate", "rating": 4, "created_at": data["feedback"][0]["created_at"]}
    ]  # fmt: skip
    assert [(c["predicted"], c["corrected"]) for c in data["emotion_corrections"]] == [("sad", "calm")]
    # What exploration learned from the rating: the track's artist, genres and decade, each 0.75 liked.
    beliefs = {b["feature"]: (b["liked"], b["disliked"]) for b in data["taste_beliefs"]}
    assert beliefs[f"artist:{first.track.artist.casefold()}"] == (0.75, 0.0)
    assert {f"genre:{g}" for g in first.track.genres.values_list("slug", flat=True)} <= set(beliefs)
    assert exported["items"][0]["reasons"] and exported["items"][0]["explored"] is False


def test_export_holds_nothing_of_other_people(catalog, api, result_for, user_factory):
    stranger = user_factory()
    services.build_recommendation_set(result=result_for("happy", owner=stranger), strategy="match")
    data = api.get("/api/v1/me/export/").json()
    assert data["recommendation_sets"] == [] and data["feedback"] == [] and data["taste_beliefs"] == []
