"""The production process layout under faults: Redis and PostgreSQL restarted and the worker
killed while submissions are queued, in flight and being uploaded. These tests run their own
Redis, PostgreSQL (a copy of the test database), Celery worker and Daphne, so restarting them
disturbs no other test."""
from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from tests.integration.conftest import (
    METRICS_TOKEN,
    WORKER_CMD,
    WORKER_READY,
    ManagedProcess,
    Person,
    daphne_process,
    free_port,
    wait_for,
)
from tests.integration.private_services import PrivatePostgres, PrivateRedis

# The private PostgreSQL starts as a copy of the test database, which pytest-django creates only
# for a session with tests that ask for a database.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FINISH_TIMEOUT_S = 150  # a task whose ack was lost comes back after the visibility timeout (21 s here)


@dataclass
class PrivateStack:
    url: str
    redis: PrivateRedis
    postgres: PrivatePostgres
    worker: ManagedProcess
    recordings: Path
    worker_metrics_url: str

    def person(self) -> Person:
        return Person(self.url, f"fault-{time.monotonic_ns()}-{os.getpid()}@example.com").sign_up()

    def broker_queue_length(self) -> int:
        return redis.Redis.from_url(self.redis.url).llen("celery")

    def recording_files(self) -> list[Path]:
        return [path for path in self.recordings.rglob("*") if path.is_file()]


@pytest.fixture(scope="module")
def private_stack(stack_env, log_dir, tmp_path_factory) -> Iterator[PrivateStack]:
    folder = tmp_path_factory.mktemp("faults")
    private_redis, postgres = PrivateRedis(log_dir), PrivatePostgres(log_dir)
    processes: list[ManagedProcess] = []
    try:
        private_redis.start()
        postgres.create_from(stack_env["DATABASE_URL"])
        worker_metrics_port = free_port()
        # As production runs it, Celery beat sends the reaper, here every 5 s: it queues again a
        # task lost with a killed worker (EMOTION_REQUEUE_AFTER_S).
        env = {**stack_env, "REDIS_URL": private_redis.url, "DATABASE_URL": postgres.url,
               "PRIVATE_MEDIA_ROOT": str(folder / "private"), "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
               "WORKER_METRICS_PORT": str(worker_metrics_port), "EMOTION_REAPER_INTERVAL_S": "5",
               "EMOTION_REQUEUE_AFTER_S": "45"}  # fmt: skip
        worker = ManagedProcess("celery-worker-faults", [*WORKER_CMD, "--beat", "--schedule", str(folder / "beat"),
                                                         "--scheduler", "operations.beat:HeartbeatScheduler"],
                                env, log_dir)  # fmt: skip
        port = free_port()
        web = daphne_process("daphne-faults", env, log_dir, port)
        processes += [worker, web]
        worker.start(WORKER_READY)
        web.start(port=port, timeout=60)
        yield PrivateStack(f"http://127.0.0.1:{port}", private_redis, postgres, worker, folder / "private",
                           f"http://127.0.0.1:{worker_metrics_port}/metrics")
    finally:
        for process in processes:
            process.stop()
        private_redis.destroy()
        postgres.destroy()


def finished_states(stack: PrivateStack, owners: dict[str, Person]) -> list[dict]:
    try:
        return [person.wait_until_finished(sid, timeout=FINISH_TIMEOUT_S) for sid, person in owners.items()]
    except AssertionError as exc:
        raise AssertionError(f"{exc}; {broker_state(stack)}") from exc


def broker_state(stack: PrivateStack) -> str:
    """Where the broker's tasks are: queued, handed out and not acknowledged, and the lock a
    scan for orphaned tasks holds (seconds left)."""
    client = redis.Redis.from_url(stack.redis.url)
    return (f"broker: {client.llen('celery')} queued, {client.hlen('unacked')} unacknowledged, "
            f"restore lock ttl {client.ttl('unacked_mutex')} s")


def assert_each_done_or_failed_with_a_sentence(states: list[dict]) -> None:
    for state in states:
        assert state["status"] in ("done", "failed"), state
        if state["status"] == "failed":
            assert state["error"]["detail"].endswith("."), state  # a sentence the person can act on


def wait_until_ready(stack: PrivateStack) -> None:
    wait_for(lambda: requests.get(f"{stack.url}/readyz", timeout=10).status_code == 200, timeout=90,
             interval=1, what="the stack to be ready again")


def test_a_redis_restart_with_submissions_queued_and_in_flight_loses_none(private_stack, speech_clip):
    people = [private_stack.person() for _ in range(2)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda i: people[i % 2].upload(speech_clip), range(8)))
    assert [r.status_code for r in responses] == [202] * 8
    owners = {r.json()["id"]: people[i % 2] for i, r in enumerate(responses)}
    assert private_stack.broker_queue_length() > 0  # some still queued when Redis goes down

    private_stack.redis.restart(down_s=2)

    states = finished_states(private_stack, owners)
    assert_each_done_or_failed_with_a_sentence(states)
    assert Counter(s["status"] for s in states)["done"] >= 7, Counter(s["status"] for s in states)
    assert private_stack.recording_files() == []  # retention "none": every recording handled
    wait_until_ready(private_stack)


def test_a_postgres_restart_during_a_burst_of_uploads_is_503_with_a_sentence_and_accepted_ones_complete(
    private_stack, speech_clip
):
    people = [private_stack.person() for _ in range(2)]
    answers: list[tuple[int, dict, Person]] = []
    stop = threading.Event()

    def burst(person: Person) -> None:
        while not stop.is_set():
            response = person.upload(speech_clip)
            answers.append((response.status_code, response.json(), person))
            time.sleep(0.5)

    threads = [threading.Thread(target=burst, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        private_stack.postgres.stop()
        time.sleep(3)
        private_stack.postgres.start()
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    statuses = Counter(status for status, _, _ in answers)
    assert set(statuses) <= {202, 503}, statuses  # never a 500
    assert statuses[503] >= 1 and statuses[202] >= 2, statuses
    for status, body, _ in answers:
        if status == 503:
            assert body["error"] == "unavailable" and "try again" in body["detail"], body
    accepted = {body["id"]: person for status, body, person in answers if status == 202}
    states = finished_states(private_stack, accepted)
    assert [s["status"] for s in states] == ["done"] * len(states), Counter(s["status"] for s in states)
    wait_until_ready(private_stack)


def test_a_worker_killed_during_a_burst_loses_nothing(private_stack, speech_clip):
    ada = private_stack.person()
    ids = [ada.upload(speech_clip).json()["id"] for _ in range(6)]
    wait_for(lambda: any(ada.api("GET", f"/api/v1/submissions/{sid}/").json()["status"] == "done" for sid in ids),
             timeout=60, what="the first result")
    private_stack.worker.kill()  # SIGKILL to the whole process group: no ack, no clean-up
    unfinished = [sid for sid in ids if ada.api("GET", f"/api/v1/submissions/{sid}/").json()["status"]
                  in ("queued", "processing")]
    assert unfinished, "the worker finished everything before it was killed"
    private_stack.worker.start(WORKER_READY)
    states = finished_states(private_stack, dict.fromkeys(ids, ada))
    assert [s["status"] for s in states] == ["done"] * len(ids)


def test_a_worker_host_serves_its_own_metrics_to_operators(private_stack):
    """A worker on another machine is scraped on its own (WORKER_METRICS_PORT): it reports what its
    pool processes did, here the analyses of the tests above, and only with the token."""
    assert requests.get(private_stack.worker_metrics_url, timeout=10).status_code == 401
    response = requests.get(private_stack.worker_metrics_url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                            timeout=10)
    assert response.status_code == 200
    done = re.search(r"^moodify_submissions_done_total (\S+)$", response.text, re.MULTILINE)
    assert done and float(done[1]) >= 1
    assert "moodify_worker_model_load_seconds_count" in response.text
