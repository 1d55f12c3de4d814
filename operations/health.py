"""Readiness: can this web process do its job right now? Each check names what it tried and why it
failed, so an operator (or a load balancer) knows which part to look at."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from operations import broker
from operations.workers import WorkerAnswer, ping_workers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    duration_ms: float
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, CheckResult]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ok else "not ready",
            "failing": [name for name, check in self.checks.items() if not check.ok],
            "checks": {
                name: {"ok": c.ok, "detail": c.detail, "ms": round(c.duration_ms, 1), **c.extra}
                for name, c in self.checks.items()
            },
        }


class CheckFailed(Exception):
    """A check's own sentence for what is wrong."""


def _database() -> tuple[str, dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return f"{connection.vendor} answers", {}


def _broker() -> tuple[str, dict]:
    from moodify_site.celery import app

    broker.ping()
    depth = broker.queue_depth(app.conf.task_default_queue)
    return f"Redis answers; {depth} task(s) waiting", {"queue_depth": depth}


def _channel_layer() -> tuple[str, dict]:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        raise CheckFailed("no channel layer is configured, so live updates cannot reach browsers")
    # A send to a group nobody is in still makes the layer talk to its Redis.
    async_to_sync(layer.group_send)("operations.readiness", {"type": "readiness.probe"})
    return "the channel layer's Redis answers", {}


def _workers(answers: list[WorkerAnswer]) -> tuple[str, dict]:
    answers.extend(ping_workers(timeout_s=settings.READINESS_WORKER_TIMEOUT_S))
    if not answers:
        raise CheckFailed(
            f"no Celery worker answered a ping within {settings.READINESS_WORKER_TIMEOUT_S:g} s, "
            "so uploads would wait in the queue")
    return f"{answers[0].node} answers", {"workers": [a.node for a in answers]}


def _model(answers: list[WorkerAnswer]) -> tuple[str, dict]:
    versions = sorted({a.model_version for a in answers if a.model_version})
    if not versions:
        raise CheckFailed(f"worker {answers[0].node} answers but has not loaded the emotion model yet")
    return f"workers serve model {', '.join(versions)}", {"versions": versions}


def _run(name: str, check: Callable[[], tuple[str, dict]]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail, extra = check()
        ok = True
    except CheckFailed as exc:
        detail, extra, ok = str(exc), {}, False
    except Exception as exc:  # noqa: BLE001 -- the point of a readiness check: any failure is an answer, not a 500
        logger.warning("readiness check %s failed: %r", name, exc)
        detail, extra, ok = f"{type(exc).__name__}: {exc}".strip()[:300], {}, False
    return CheckResult(ok=ok, detail=detail, duration_ms=(time.perf_counter() - started) * 1000, extra=extra)


def _not_checked(reason: str) -> CheckResult:
    return CheckResult(ok=False, detail=f"not checked: {reason}", duration_ms=0.0)


def readiness() -> Readiness:
    """Database, broker, channel layer, a worker answering, the model it serves (each later check
    only when the one it depends on passed)."""
    results = {name: _run(name, check) for name, check in
               (("database", _database), ("broker", _broker), ("channel_layer", _channel_layer))}
    answers: list[WorkerAnswer] = []
    results["worker"] = (_run("worker", lambda: _workers(answers)) if results["broker"].ok
                         else _not_checked("workers are reached through the broker, which does not answer"))
    results["model"] = (_run("model", lambda: _model(answers)) if results["worker"].ok
                        else _not_checked("no worker answered"))
    return Readiness(checks=results)
