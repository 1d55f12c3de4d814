"""Health, metrics and logs as an operator meets them on the production process layout: Daphne and
a Celery worker process on PostgreSQL and Redis, called over HTTP like a load balancer, a
Prometheus server and a log shipper would."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import METRICS_TOKEN, PASSWORD, free_port, serve_daphne, wait_for

pytestmark = [pytest.mark.integration]

Samples = dict[tuple[str, frozenset], float]


def scrape(base_url: str) -> Samples:
    response = requests.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def model_version() -> str:
    from ml.serving import DEFAULT_MODEL_DIR

    return json.loads((Path(DEFAULT_MODEL_DIR) / "config.json").read_text())["version"]


@pytest.fixture
def mood_maps(transactional_db) -> None:
    """Emotions, moods, genres and mood maps, so the worker can build recommendation sets."""
    from catalog.services import load_defaults

    load_defaults(with_starter_catalog=False)


@contextmanager
def daphne(name: str, env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """A Daphne of the test's own, with other settings than the suite's."""
    server = serve_daphne(name, env, log_dir)
    try:
        yield next(server)
    finally:
        next(server, None)


# --- health -----------------------------------------------------------------------------------

def test_liveness_and_readiness_name_every_check_and_the_model_the_worker_serves(web_server, celery_worker):
    assert requests.get(f"{web_server}/healthz", timeout=10).json() == {"status": "alive"}
    response = requests.get(f"{web_server}/readyz", timeout=10)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "channel_layer", "worker", "model"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["model"]["versions"] == [model_version()]
    assert body["checks"]["worker"]["workers"]  # celery@<host> of the worker that answered
    # The site's host allow-list and HTTPS redirect do not apply: probes call an internal address.
    assert requests.get(f"{web_server}/readyz", headers={"Host": "10.0.0.7:8000"}, timeout=10).status_code == 200


def test_readiness_is_503_naming_the_worker_when_no_worker_listens_on_the_broker(stack_env, log_dir):
    # Redis databases 40-42: a broker nobody consumes from (the suite's worker listens on 0).
    env = {**stack_env, "REDIS_URL": stack_env["REDIS_URL"].rsplit("/", 1)[0] + "/40"}
    with daphne("daphne-no-worker", env, log_dir) as base_url:
        response = requests.get(f"{base_url}/readyz", timeout=10)
        body = response.json()
        assert response.status_code == 503
        assert body["failing"] == ["worker", "model"]
        assert "no Celery worker answered" in body["checks"]["worker"]["detail"]
        assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
        assert requests.get(f"{base_url}/healthz", timeout=10).status_code == 200  # alive all the same


def test_readiness_is_503_naming_the_database_and_redis_when_they_cannot_be_reached(stack_env, log_dir):
    closed_pg, closed_redis = free_port(), free_port()
    env = {**stack_env,
           "DATABASE_URL": f"postgres://moodify:moodify@127.0.0.1:{closed_pg}/moodify",
           "REDIS_URL": f"redis://127.0.0.1:{closed_redis}/0"}  # fmt: skip
    with daphne("daphne-no-services", env, log_dir) as base_url:
        response = requests.get(f"{base_url}/readyz", timeout=30)
        body = response.json()
        assert response.status_code == 503
        assert body["failing"] == ["database", "broker", "channel_layer", "worker", "model"]
        assert "connect" in body["checks"]["database"]["detail"].lower()
        assert body["checks"]["worker"]["detail"].startswith("not checked")
        # Someone signed in meanwhile (their session is looked up in the database): 503 with a
        # sentence, not a 500, from the API and from pages alike.
        signed_in = {"sessionid": "s" * 32}
        api = requests.get(f"{base_url}/api/v1/submissions/", cookies=signed_in, timeout=30)
        assert api.status_code == 503, api.text[:300]
        assert api.json()["error"] == "unavailable" and "try again" in api.json()["detail"]
        assert api.headers["Retry-After"]
        page = requests.get(f"{base_url}/history/", cookies=signed_in, timeout=30)
        assert page.status_code == 503 and "briefly unavailable" in page.text


# --- metrics ----------------------------------------------------------------------------------

def test_metrics_are_for_operators_only(web_server):
    assert requests.get(f"{web_server}/metrics", timeout=10).status_code == 401
    wrong = requests.get(f"{web_server}/metrics", headers={"Authorization": "Bearer guess"}, timeout=10)
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert "moodify_" not in wrong.text


def test_metrics_from_the_web_and_the_worker_processes_reach_one_scrape(
    web_server, person_factory, celery_worker, speech_clip, mood_maps
):
    ada = person_factory()
    before = scrape(web_server)
    submission = ada.upload(speech_clip).json()
    assert ada.wait_until_finished(submission["id"])["status"] == "done"
    after = wait_for(
        lambda: (s := scrape(web_server)) and value(s, "moodify_recommendation_build_seconds_count")
        > value(before, "moodify_recommendation_build_seconds_count") and s,
        timeout=60, what="the worker to build the recommendations")

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Counted by the web process...
    assert grew("moodify_submissions_created_total", source="upload") == 1
    assert grew("moodify_http_requests_total", route="/api/v1/submissions/", method="POST", status="202") == 1
    assert grew("moodify_http_request_duration_seconds_count", route="/api/v1/submissions/", method="POST") == 1
    # ...and by the worker's pool process, in the same scrape.
    assert grew("moodify_submissions_done_total") == 1
    assert grew("moodify_submission_result_seconds_count") == 1
    for stage in ("decode", "features", "model"):
        assert grew("moodify_analysis_seconds_count", stage=stage) == 1, stage
    assert value(after, "moodify_analysis_seconds_sum", stage="model") > 0
    assert value(after, "moodify_worker_model_load_seconds_count") >= 1
    # Read from Redis and the database when scraped.
    assert ("moodify_queue_depth", frozenset({("queue", "celery")})) in after
    assert value(after, "moodify_submissions_queued") == 0
    assert value(after, "moodify_spotify_breaker_open") == 0
    assert value(after, "moodify_scrape_source_failed", source="submissions") == 0


def test_stuck_submissions_show_on_the_gauge_and_the_reaper_counts_them_by_reason(person_factory, celery_worker):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from emotion.models import VoiceSubmission
    from emotion.tasks import fail_stuck_submissions

    ada = person_factory()
    long_ago = timezone.now() - timedelta(hours=2)
    stuck = VoiceSubmission.objects.create(user=User.objects.get(email=ada.email), source="upload")
    VoiceSubmission.objects.filter(id=stuck.id).update(created_at=long_ago)
    before = scrape(ada.base_url)
    assert value(before, "moodify_submissions_stuck") == 1
    assert value(before, "moodify_submissions_queued") == 1
    assert value(before, "moodify_oldest_queued_submission_age_seconds") >= 2 * 3600 - 60

    fail_stuck_submissions.delay()  # what Celery beat sends every EMOTION_REAPER_INTERVAL_S
    reaped = value(before, "moodify_submissions_failed_total", reason="stuck") + 1
    after = wait_for(
        lambda: (s := scrape(ada.base_url)) and value(s, "moodify_submissions_failed_total", reason="stuck") == reaped
        and s, timeout=60, what="the worker to reap the stuck submission")
    assert value(after, "moodify_submissions_stuck") == 0
    reaped_state = ada.api("GET", f"/api/v1/submissions/{stuck.id}/").json()
    assert reaped_state["status"] == "failed" and reaped_state["error"]["code"] == "stuck"
    assert "Please record again" in reaped_state["error"]["detail"]


# --- logs -------------------------------------------------------------------------------------

def json_lines(path: Path, offset: int) -> list[dict]:
    lines = []
    for line in path.read_text(errors="replace")[offset:].splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return lines


def traced(path: Path, offset: int, submission_id: str, message: str) -> dict | None:
    """The first JSON log line after ``offset`` about the submission whose message has ``message``."""
    return next((line for line in json_lines(path, offset)
                 if line.get("submission_id") == submission_id and message in line.get("message", "")), None)


def test_one_submission_can_be_followed_from_the_upload_through_the_worker_to_the_push(
    person_factory, celery_worker, speech_clip, log_dir, mood_maps
):
    web_log, worker_log = log_dir / "daphne.log", log_dir / "celery-worker.log"
    offsets = web_log.stat().st_size, worker_log.stat().st_size
    ada = person_factory()
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    response = ada.api("POST", "/api/v1/submissions/", files={"audio": ("clip.wav", speech_clip, "audio/wav")},
                       headers={"X-Request-ID": request_id})
    assert response.status_code == 202 and response.headers["X-Request-ID"] == request_id
    submission_id = response.json()["id"]
    assert ada.wait_until_finished(submission_id)["status"] == "done"

    accepted = traced(web_log, offsets[0], submission_id, "submission accepted")
    assert accepted and accepted["request_id"] == request_id and accepted["level"] == "INFO"
    assert {"time", "logger", "pid"} <= set(accepted)
    done = wait_for(lambda: traced(worker_log, offsets[1], submission_id, "submission done"), timeout=30, what="the worker's line")
    assert done["request_id"] == request_id and done["pid"] != accepted["pid"]
    pushed = traced(worker_log, offsets[1], submission_id, "pushed submission event (done)")
    assert pushed and pushed["request_id"] == request_id
    # The next hop (the recommendations task the worker queues) carries them on too.
    built = wait_for(lambda: traced(worker_log, offsets[1], submission_id, "recommendation set built"), timeout=60,
                     what="the recommendations task's line")
    assert built["request_id"] == request_id

    # A request without the header gets an id of its own; one with a header that could forge log
    # lines gets a fresh one too.
    assert len(ada.api("GET", "/api/v1/submissions/").headers["X-Request-ID"]) == 32
    forged = ada.api("GET", "/api/v1/submissions/", headers={"X-Request-ID": 'x" injected="1'})
    assert forged.headers["X-Request-ID"] != 'x" injected="1'


def test_no_password_token_or_audio_reaches_the_logs(person_factory, celery_worker, speech_clip, log_dir, mood_maps):
    logs = [log_dir / "daphne.log", log_dir / "celery-worker.log"]
    offsets = [path.stat().st_size for path in logs]
    ada = person_factory()  # signs up with PASSWORD
    issued = requests.post(f"{ada.base_url}/api/v1/auth/token/", json={"email": ada.email, "password": PASSWORD},
                           timeout=30)
    assert issued.status_code in (200, 201), issued.text
    token = issued.json()["token"]
    refused = requests.post(f"{ada.base_url}/api/v1/auth/token/",
                            json={"email": ada.email, "password": PASSWORD + "-wrong"}, timeout=30)
    assert refused.status_code in (400, 401)
    upload = requests.post(f"{ada.base_url}/api/v1/submissions/", headers={"Authorization": f"Token {token}"},
                           files={"audio": ("clip.wav", speech_clip, "audio/wav")}, timeout=60)
    assert upload.status_code == 202, upload.text
    ada.wait_until_finished(upload.json()["id"])
    wait_for(lambda: traced(logs[1], offsets[1], upload.json()["id"], "recommendation set built"), timeout=60,
             what="the worker to finish with the submission")
    text = "".join(path.read_text(errors="replace")[offset:] for path, offset in zip(logs, offsets, strict=True))
    assert upload.json()["id"] in text  # the lines are there...
    for secret in (PASSWORD, token, token[:12]):
        assert secret not in text
    samples = speech_clip[1000:1024]  # ...and no recording, however it might be written out
    for rendering in (repr(samples)[2:-1], samples.hex(), samples.decode("latin-1")):
        assert rendering not in text
