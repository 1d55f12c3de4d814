"""End to end on the production stack: Daphne + a Celery worker process + PostgreSQL + Redis."""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings
from websockets.exceptions import InvalidStatus

from tests.integration.conftest import WORKER_CMD, WORKER_READY, ManagedProcess, receive_until, wait_for

pytestmark = [pytest.mark.integration]


def test_upload_is_analysed_by_the_worker_and_pushed_live(person_factory, celery_worker, speech_clip, predictor):
    ada = person_factory()
    response = ada.upload(speech_clip)
    assert response.status_code == 202, response.text
    submission = response.json()
    with ada.socket(submission["id"]) as socket:
        messages = receive_until(socket, "done")
    assert messages[0]["type"] == "submission"  # the current state arrives on connect
    pushed = messages[-1]["submission"]
    result = pushed["result"]
    assert result["label"] in predictor.labels
    assert set(result["probabilities"]) == set(predictor.labels)
    assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert result["model_version"] == predictor.version

    rest = ada.api("GET", submission["url"]).json()
    assert rest["status"] == "done"
    assert rest["result"] == result
    # The default retention is "not at all": the recording is gone once the result is stored.
    assert rest["has_audio"] is False and rest["audio_url"] is None
    assert pushed["has_audio"] is False  # the pushed state is the committed one
    assert ada.api("GET", submission["audio_url"]).status_code == 404
    # The same clip through the model in this process gives the same answer.
    assert predictor.predict(*_decode(speech_clip)).label == result["label"]


def _decode(data: bytes):
    from ml.audio import load_audio

    return load_audio(data)


def test_another_persons_submission_is_404_everywhere_and_its_socket_refused(person_factory, celery_worker, speech_clip):
    ada, bob = person_factory(), person_factory()
    ada.api("PATCH", "/api/v1/me/profile/", json={"recording_retention": "forever"}).raise_for_status()
    submission = ada.upload(speech_clip).json()
    ada.wait_until_finished(submission["id"])
    for method, path in [("GET", submission["url"]), ("GET", submission["audio_url"]), ("DELETE", submission["url"])]:
        response = bob.api(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"
    with pytest.raises(InvalidStatus) as refused:
        bob.socket(submission["id"])
    assert refused.value.response.status_code == 403
    assert ada.api("GET", submission["audio_url"]).content == speech_clip  # still there for its owner


def test_bad_inputs_through_the_live_server_are_4xx_json_never_5xx(person_factory, bad_inputs):
    ada = person_factory()
    for name, (data, filename, statuses, codes) in bad_inputs.items():
        response = ada.upload(data, filename)
        assert response.status_code in statuses, (name, response.status_code, response.text[:200])
        assert response.json()["error"] in codes, name


def test_fifty_concurrent_uploads_all_complete(person_factory, celery_worker, speech_clip):
    people = [person_factory() for _ in range(5)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda i: people[i % 5].upload(speech_clip), range(50)))
    assert [r.status_code for r in responses] == [202] * 50
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 50
    finished = [people[i % 5].wait_until_finished(sid, timeout=240) for i, sid in enumerate(ids)]
    assert [f["status"] for f in finished] == ["done"] * 50
    histories = sum(p.api("GET", "/api/v1/submissions/").json()["count"] for p in people)
    assert histories == 50
    # The worker works off what the uploads queued after their results (the recommendation builds)
    # instead of piling it up; this also keeps it out of the database the test empties next.
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, timeout=120, interval=0.5,
             what="the worker to finish every task the 50 uploads queued")


def test_a_worker_killed_mid_task_loses_nothing(person_factory, celery_worker, stack_env, log_dir, speech_clip):
    """SIGKILL the worker while it analyses; after a restart the submission still completes."""
    celery_worker.stop()
    slow = ManagedProcess(
        "celery-worker-slow",
        [sys.executable, "-m", "tests.integration.slow_worker", *WORKER_CMD[3:]],
        {**stack_env, "SLOW_PREDICT_S": "60"},
        log_dir,
    )
    slow.start(WORKER_READY)
    try:
        ada = person_factory()
        submission = ada.upload(speech_clip).json()
        wait_for(
            lambda: ada.api("GET", submission["url"]).json()["status"] == "processing",
            timeout=60,
            what="the worker to start the analysis",
        )
    finally:
        slow.kill()  # SIGKILL to the whole process group: no chance to ack or clean up
    assert ada.api("GET", submission["url"]).json()["status"] == "processing"
    celery_worker.start(WORKER_READY)
    done = ada.wait_until_finished(submission["id"], timeout=90)
    assert done["status"] == "done" and done["result"]["label"]
