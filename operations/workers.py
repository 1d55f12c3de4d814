"""Which Celery workers answer, and which model version each one serves.

A pool process records the model it loaded in the cache (shared by every process) under its
worker's node name; readiness asks the workers for a ping and reads what they recorded."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from django.core.cache import cache

_KEY = "operations:worker-model:{node}"
# Set in the worker's main process (worker_init) before the pool forks; pool processes inherit it.
_node_name = ""


def remember_node_name(node_name: str) -> None:
    global _node_name
    _node_name = node_name


def record_model_loaded(*, version: str, load_s: float) -> None:
    """Called by a worker process once its model is warm (no-op outside a worker)."""
    from operations.metrics import WORKER_MODEL_LOAD

    WORKER_MODEL_LOAD.observe(load_s)
    if _node_name:
        # No expiry: a worker that stops answering pings is left out by readiness anyway.
        cache.set(_KEY.format(node=_node_name), {"version": version, "pid": os.getpid(), "at": time.time()}, None)


@dataclass(frozen=True)
class WorkerAnswer:
    node: str
    model_version: str | None  # None: it answers but no pool process has loaded a model yet


def ping_workers(*, timeout_s: float) -> list[WorkerAnswer]:
    """Workers that answered a broadcast ping within ``timeout_s`` (the first answer ends the wait)."""
    from moodify_site.celery import app

    replies = app.control.ping(timeout=timeout_s, limit=1) or []
    nodes = sorted(node for reply in replies for node in reply)
    models = cache.get_many([_KEY.format(node=node) for node in nodes])
    return [
        WorkerAnswer(node=node, model_version=(models.get(_KEY.format(node=node)) or {}).get("version"))
        for node in nodes
    ]
