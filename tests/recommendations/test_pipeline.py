"""An upload flows one way: the worker analyses it, builds its set once and pushes it; asking for
the set meanwhile is a read that never builds one (nor calls Spotify) in the web request."""
from __future__ import annotations

from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emotion.tasks import analyze_submission
from recommendations.models import RecommendationSet
from recommendations.tasks import build_recommendations

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(monkeypatch):
    """The broker: what the site queues waits here until the test runs it, as a busy worker would."""
    queued: list[tuple] = []
    for task in (analyze_submission, build_recommendations):
        monkeypatch.setattr(task, "delay", lambda *args, task=task: queued.append((task, args)))
    return queued


def searches(fake) -> list[str]:
    return [params["q"] for method, path, params in fake.requests if path == "/v1/search"]


def test_an_upload_and_an_immediate_get_make_one_set_and_search_spotify_once(
    catalog, api, fake, speech_clip, predictor, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = api.post("/api/v1/submissions/", {"audio": SimpleUploadedFile("clip.wav", speech_clip)},
                          format="multipart")
    assert upload.status_code == 202
    url = upload.json()["recommendations_url"]
    [(task, args)] = queue
    assert task is analyze_submission

    waiting = api.get(url)  # the page asks before the worker has even started
    assert waiting.status_code == 202 and waiting.json()["status"] == "analysing"

    with django_capture_on_commit_callbacks(execute=True):  # the worker stores the result
        assert analyze_submission.apply(args=args).get() == "done"
    [build] = [job for job in queue if job[0] is build_recommendations]

    for _ in range(3):  # asked again and again while the set is being built: nothing more is queued
        pending = api.get(url)
        assert pending.status_code == 202 and pending.json()["status"] == "building"
    assert [job for job in queue if job[0] is build_recommendations] == [build]
    assert searches(fake) == [] and not RecommendationSet.objects.exists()  # nothing built in a request

    with django_capture_on_commit_callbacks(execute=True):
        build_recommendations.apply(args=build[1]).get()
    served = api.get(url)
    assert served.status_code == 200 and len(served.json()["items"]) == 10
    assert RecommendationSet.objects.count() == 1
    searched = searches(fake)
    assert searched and set(Counter(searched).values()) == {1}  # each query of the one build, once
    assert any(item["source"] == "spotify" for item in served.json()["items"])
