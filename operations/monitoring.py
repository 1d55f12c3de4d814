"""The Celery broker's queue as Prometheus gauges, read from Redis at scrape time."""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from operations import broker
from operations.scrape import gauge


def broker_gauges() -> Iterator[Metric]:
    from moodify_site.celery import app

    queue = app.conf.task_default_queue
    yield gauge("moodify_queue_depth", "Tasks waiting in the broker queue that no worker has taken yet.",
                broker.queue_depth(queue), {"queue": queue})
    yield gauge("moodify_queue_unacked", "Tasks workers have taken (prefetched or running) and not yet finished.",
                broker.unacknowledged())
