import uuid

import pytest
from rest_framework.test import APIClient

from recommendations.models import EmotionCorrection, Feedback
from tests.recommendations.conftest import fetch_set
from tests.recommendations.factories import SubmissionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker")]


def test_recommendations_for_own_submission_follow_the_contract(catalog, api, result_for):
    result = result_for("sad")
    url = f"/api/v1/submissions/{result.submission_id}/recommendations/?strategy=lift"
    pending = api.get(url)  # never built in the request: queued, and answered at once
    assert pending.status_code == 202 and pending["Retry-After"] == "1"
    assert pending.json() == {"status": "building",
                              "detail": "We are picking your music; it will be here in a few seconds."}
    response = api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["submission_id"] == str(result.submission_id)
    assert (body["emotion"], body["strategy"], body["notice"]) == ("sad", "lift", None)
    assert len(body["items"]) == 10
    item = body["items"][0]
    assert set(item) == {"id", "rank", "score", "source", "why", "reasons", "explored", "track", "feedback"}
    assert body["summary"] == "Feeling sad, to lift your mood: uplifting happy music."
    assert [step["rank"] for step in body["journey"]["steps"]] == list(range(1, 11))
    assert item["feedback"] == {"liked": None, "rating": None}
    assert set(item["track"]) >= {"id", "title", "artist", "album", "year", "duration_ms", "spotify_id",
                                  "spotify_url", "embed_url", "genres", "moods"}
    with_id = [i["track"] for i in body["items"] if i["track"]["spotify_id"]]
    for track in with_id:
        assert track["embed_url"] == f"https://open.spotify.com/embed/track/{track['spotify_id']}"
    # The same request again answers the stored set.
    again = api.get(url).json()
    assert again["id"] == body["id"]


def test_other_peoples_submissions_and_bad_ids_are_404_json(catalog, api, result_for):
    theirs = result_for("happy", owner=UserFactory())
    for url in (f"/api/v1/submissions/{theirs.submission_id}/recommendations/",
                f"/api/v1/submissions/{uuid.uuid4()}/recommendations/",
                "/api/v1/submissions/not-a-uuid/recommendations/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_no_result_yet_is_202_with_a_sentence_and_a_failed_recording_404(catalog, api, user):
    submission = SubmissionFactory(user=user, status="processing")
    response = api.get(f"/api/v1/submissions/{submission.pk}/recommendations/")
    assert response.status_code == 202 and response.json()["status"] == "analysing"
    assert "still listening" in response.json()["detail"]
    failed = SubmissionFactory(user=user, status="failed")
    response = api.get(f"/api/v1/submissions/{failed.pk}/recommendations/")
    assert response.status_code == 404 and "record again" in response.json()["detail"]


def test_bad_strategy_is_400_json(catalog, api, result_for):
    result = result_for("sad")
    response = api.get(f"/api/v1/submissions/{result.submission_id}/recommendations/?strategy=ignore")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and "strategy" in response.json()["fields"]


def test_feedback_is_recorded_and_shown_on_the_set(catalog, api, result_for):
    result = result_for("happy")
    body = fetch_set(api, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()
    item_id = body["items"][0]["id"]
    assert api.post(f"/api/v1/recommendations/{item_id}/feedback/", {"action": "like"}, format="json").status_code == 201
    response = api.post(f"/api/v1/recommendations/{item_id}/feedback/", {"action": "rate", "rating": 4}, format="json")
    assert response.status_code == 201 and response.json()["rating"] == 4
    again = fetch_set(api, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()
    assert again["items"][0]["feedback"] == {"liked": True, "rating": 4}
    bad = api.post(f"/api/v1/recommendations/{item_id}/feedback/", {"action": "rate", "rating": 7}, format="json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    assert api.post(f"/api/v1/recommendations/{item_id}/feedback/", {"action": "love"}, format="json").status_code == 400
    assert Feedback.objects.count() == 2


def test_feedback_on_someone_elses_item_is_404(catalog, api, result_for):
    other = UserFactory()
    result = result_for("happy", owner=other)
    client = APIClient()
    client.force_authenticate(other)
    item_id = fetch_set(client, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()["items"][0]["id"]
    response = api.post(f"/api/v1/recommendations/{item_id}/feedback/", {"action": "like"}, format="json")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_correction_returns_a_new_set_for_the_corrected_emotion(catalog, api, result_for):
    result = result_for("angry")
    first = fetch_set(api, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()
    response = api.post(f"/api/v1/submissions/{result.submission_id}/correction/", {"emotion": "calm"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["emotion"] == "calm" and body["id"] != first["id"] and len(body["items"]) == 10
    assert EmotionCorrection.objects.get().corrected == "calm"
    latest = fetch_set(api, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()
    assert latest["id"] == body["id"]
    unknown = api.post(f"/api/v1/submissions/{result.submission_id}/correction/", {"emotion": "bored"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_emotion"


def test_mood_history_follows_the_users_corrections(catalog, api, result_for):
    corrected, kept = result_for("angry", confidence=0.55), result_for("sad", confidence=0.8)
    for emotion in ("happy", "calm"):  # changed their mind: the latest word counts
        api.post(f"/api/v1/submissions/{corrected.submission_id}/correction/", {"emotion": emotion}, format="json")
    stats = api.get("/api/v1/me/stats/").json()
    points = {p["submission_id"]: p for p in stats["timeline"]}
    fixed = points[str(corrected.submission_id)]
    assert (fixed["label"], fixed["detected"], fixed["corrected"], fixed["confidence"]) == ("calm", "angry", True, 0.55)
    assert fixed["valence"] > 0 and fixed["arousal"] < 0  # calm's place on the circumplex, not angry's
    unchanged = points[str(kept.submission_id)]
    assert (unchanged["label"], unchanged["detected"], unchanged["corrected"]) == ("sad", "sad", False)
    assert stats["distribution"] == {"calm": 1, "sad": 1}


def test_anonymous_requests_are_refused_with_json(catalog, result_for):
    result = result_for("sad")
    response = APIClient().get(f"/api/v1/submissions/{result.submission_id}/recommendations/")
    assert response.status_code in (401, 403) and response.json()["error"] == "not_authenticated"


def test_tracks_filter_by_mood_and_genre(catalog, api):
    body = api.get("/api/v1/tracks/?mood=calm&genre=jazz").json()
    assert body["count"] >= 5
    for track in body["results"]:
        assert "calm" in track["moods"] and "jazz" in track["genres"]
    assert api.get("/api/v1/tracks/?genre=nonexistent").json()["count"] == 0


def test_emotions_and_genres_are_listed(catalog, api):
    emotions = api.get("/api/v1/emotions/").json()
    assert {e["code"] for e in emotions} == {"angry", "disgust", "fearful", "happy", "neutral", "sad",
                                            "surprised", "calm"}
    assert all(-1 <= e["valence"] <= 1 and e["color"].startswith("#") for e in emotions)
    assert "pop" in {g["slug"] for g in api.get("/api/v1/genres/").json()}


def test_mood_maps_are_readable_by_users_and_writable_by_staff_only(catalog, api, user):
    maps = api.get("/api/v1/mood-maps/?strategy=lift&emotion__code=sad").json()
    assert len(maps) == 1 and maps[0]["genres"][0]["genre"] == "pop"
    url = f"/api/v1/mood-maps/{maps[0]['id']}/"
    change = {"genres": [{"genre": "jazz", "weight": 1.0}]}
    denied = api.patch(url, change, format="json")
    assert denied.status_code == 403 and denied.json()["error"] == "permission_denied"
    user.is_staff = True
    user.save()
    assert api.patch(url, change, format="json").status_code == 200
    assert api.get(url).json()["genres"] == [{"genre": "jazz", "weight": 1.0}]
    bad = api.patch(url, {"genres": [{"genre": "jazz", "weight": 3}]}, format="json")
    assert bad.status_code == 400 and "genres" in bad.json()["fields"]


def test_a_mood_map_edit_takes_effect_on_the_next_request(catalog, api, user, result_for):
    user.is_staff = True
    user.save()
    mood_map = api.get("/api/v1/mood-maps/?strategy=match&emotion__code=happy").json()[0]
    api.patch(f"/api/v1/mood-maps/{mood_map['id']}/", {"genres": [{"genre": "reggae", "weight": 1.0}],
                                                        "description": "island sounds"}, format="json")
    body = fetch_set(api, f"/api/v1/submissions/{result_for('happy').submission_id}/recommendations/").json()
    assert body["summary"] == "Feeling happy, to match your mood: island sounds."
    assert any("reggae suits island sounds" in i["why"].lower() for i in body["items"])
    assert any("reggae" in i["track"]["genres"] for i in body["items"])


def test_the_schema_describes_the_set_object_the_api_serves(catalog, api, result_for):
    result = result_for("sad")
    served = fetch_set(api, f"/api/v1/submissions/{result.submission_id}/recommendations/").json()
    schema = api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert set(components["RecommendationSet"]["properties"]) == set(served)
    assert set(components["RecommendationItem"]["properties"]) == set(served["items"][0])
    assert set(components["Journey"]["properties"]) == {"from", "to", "readings", "steps"}
    assert set(components["Track"]["properties"]) == set(served["items"][0]["track"])
    assert set(components["ItemFeedback"]["properties"]) == set(served["items"][0]["feedback"])
    paths = schema["paths"]
    get = paths["/api/v1/submissions/{submission_id}/recommendations/"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/RecommendationSet")
    assert get["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/SetPending")
    feedback = paths["/api/v1/recommendations/{item_id}/feedback/"]["post"]
    assert feedback["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/FeedbackInput")
