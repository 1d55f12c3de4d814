"""What `GET /metrics` answers: the counters every process on this machine wrote, plus gauges
read when Prometheus scrapes (queue, backlog, breaker), since Redis and the database hold that
truth, not any one process."""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

ScrapeGauges = Callable[[], Iterable[Metric]]
_sources: dict[str, ScrapeGauges] = {}


def register(name: str, source: ScrapeGauges) -> None:
    """Apps add their scrape-time gauges here (from their AppConfig.ready)."""
    _sources[name] = source


def gauge(name: str, documentation: str, value: float, labels: dict[str, str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


class _ScrapeTimeGauges:
    def collect(self) -> Iterable[Metric]:
        failed = GaugeMetricFamily(
            "moodify_scrape_source_failed", "1 when a scrape-time source could not be read (its gauges are missing).",
            labels=["source"])
        for name, source in sorted(_sources.items()):
            try:
                yield from list(source())
                failed.add_metric([name], 0)
            except Exception:
                logger.exception("metrics source %s could not be read", name)
                failed.add_metric([name], 1)
        yield failed


def exposition() -> bytes:
    """The text Prometheus scrapes."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_ScrapeTimeGauges())
    return generate_latest(registry)


def authorized(authorization: str, token: str) -> bool:
    """Whether an Authorization header carries the operators' bearer token (compared in constant time)."""
    scheme, _, presented = authorization.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())
