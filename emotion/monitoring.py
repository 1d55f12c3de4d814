"""The emotion pipeline's backlog as Prometheus gauges, read from the database at scrape time."""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from emotion import selectors
from operations.scrape import gauge


def backlog_gauges() -> Iterator[Metric]:
    backlog = selectors.pipeline_backlog()
    yield gauge("moodify_submissions_queued", "Submissions accepted and waiting for a worker.", backlog.queued)
    yield gauge("moodify_submissions_processing", "Submissions a worker is analysing now.", backlog.processing)
    yield gauge("moodify_oldest_queued_submission_age_seconds",
                "Age of the oldest submission still waiting for a worker (0 when none waits).",
                backlog.oldest_queued_age_s)
    yield gauge("moodify_submissions_stuck",
                "Submissions queued or processing for longer than EMOTION_STUCK_AFTER_S "
                "(the reaper fails them on its next run).", backlog.stuck)
