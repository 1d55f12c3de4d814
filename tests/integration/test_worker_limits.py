"""Time limits, redelivery and the attempts cap on the real broker and a real worker process.

The worker processes get the small limits of `stack_env` (soft 15 s, hard 18 s, at most 2 attempts).
"""
from __future__ import annotations

import sys
import time

import pytest

from emotion.models import VoiceSubmission
from tests.integration.conftest import WORKER_CMD, WORKER_READY, ManagedProcess, receive_until, wait_for

pytestmark = [pytest.mark.integration]

ANALYSIS_RECEIVED = "Task emotion.tasks.analyze_submission["


def special_worker(name: str, env: dict[str, str], log_dir, *, concurrency: int = 1) -> ManagedProcess:
    """A worker whose model is slow or crashes (tests/integration/slow_worker.py), started and warm."""
    args = [f"--concurrency={concurrency}" if arg.startswith("--concurrency=") else arg for arg in WORKER_CMD[3:]]
    worker = ManagedProcess(name, [sys.executable, "-m", "tests.integration.slow_worker", *args], env, log_dir)
    worker.log_path.write_text("")
    worker.start(WORKER_READY)
    wait_for(lambda: worker.log_tail(10**7).count(WORKER_READY) >= concurrency, timeout=120,
             what="every pool process to load the model")
    return worker


def received_count(worker: ManagedProcess) -> int:
    return sum(ANALYSIS_RECEIVED in line and "received" in line for line in worker.log_tail(10**7).splitlines())


def test_an_analysis_slower_than_the_old_visibility_timeout_runs_once(
    person_factory, celery_worker, stack_env, log_dir, speech_clip
):
    """9 s of analysis, inside its 15-s limit: Redis must not hand the task to the idle second pool
    process meanwhile (it did with a visibility timeout set apart from the limits, here the old 5 s)."""
    celery_worker.stop()
    # CELERY_VISIBILITY_TIMEOUT_S was the separate knob (5 s in these tests); it is ignored now.
    env = {**stack_env, "SLOW_PREDICT_S": "9", "CELERY_VISIBILITY_TIMEOUT_S": "5"}
    slow = special_worker("celery-worker-slow-once", env, log_dir, concurrency=2)
    try:
        ada = person_factory()
        submission = ada.upload(speech_clip).json()
        assert ada.wait_until_finished(submission["id"], timeout=90)["status"] == "done"
        time.sleep(3)  # a redelivered copy would be picked up within the 1-s restore interval
        assert VoiceSubmission.objects.get(id=submission["id"]).attempts == 1  # the model ran once
        assert received_count(slow) == 1
    finally:
        slow.stop()
        celery_worker.start(WORKER_READY)


def test_a_recording_that_kills_the_worker_fails_with_a_sentence_instead_of_looping(
    person_factory, celery_worker, stack_env, log_dir, speech_clip
):
    celery_worker.stop()
    crashing = special_worker("celery-worker-crashing", {**stack_env, "CRASH_PREDICT": "1"}, log_dir)
    try:
        ada = person_factory()
        submission = ada.upload(speech_clip).json()
        with ada.socket(submission["id"]) as socket:
            messages = receive_until(socket, "failed", timeout=240)
        failed = messages[-1]["submission"]
        assert failed["error"]["code"] == "too_many_attempts"
        assert "Please record again" in failed["error"]["detail"]
        assert ada.api("GET", submission["url"]).json()["error"] == failed["error"]
        stored = VoiceSubmission.objects.get(id=submission["id"])
        assert stored.attempts == 2 and stored.status == "failed"
        handed_out = received_count(crashing)
        assert handed_out == 3  # two crashed attempts, then the delivery that gave up
        time.sleep(4)
        assert received_count(crashing) == handed_out  # no more redeliveries
    finally:
        crashing.stop()
        celery_worker.start(WORKER_READY)


@pytest.mark.parametrize("limit, env", [("soft", {}), ("hard", {"HANG_PREDICT": "1"})])
def test_an_analysis_past_its_time_limit_fails_with_a_sentence(
    person_factory, celery_worker, stack_env, log_dir, speech_clip, limit, env
):
    """30 s of analysis against a 15-s soft and 18-s hard limit. At the soft limit the task stops
    itself; when it cannot (stuck in native code) the worker kills it at the hard limit and its
    main process fails the submission. Either way the person is told, live, and it is not retried."""
    celery_worker.stop()
    worker = special_worker(f"celery-worker-{limit}-limit", {**stack_env, "SLOW_PREDICT_S": "30", **env}, log_dir)
    try:
        ada = person_factory()
        submission = ada.upload(speech_clip).json()
        with ada.socket(submission["id"]) as socket:
            messages = receive_until(socket, "failed", timeout=60)
        error = messages[-1]["submission"]["error"]
        assert error["code"] == "analysis_timeout" and "took too long" in error["detail"]
        assert ada.api("GET", submission["url"]).json()["error"] == error
        assert VoiceSubmission.objects.get(id=submission["id"]).attempts == 1
    finally:
        worker.stop()
        celery_worker.start(WORKER_READY)


def test_clearing_the_cache_leaves_queued_analyses_in_the_queue(person_factory, celery_worker, speech_clip):
    from django.core.cache import cache

    celery_worker.stop()
    try:
        ada = person_factory()
        submission = ada.upload(speech_clip).json()
        cache.set("some-cached-value", 1)
        cache.clear()
        assert cache.get("some-cached-value") is None
    finally:
        celery_worker.start(WORKER_READY)
    done = ada.wait_until_finished(submission["id"], timeout=90)
    assert done["status"] == "done" and done["result"]["label"]
