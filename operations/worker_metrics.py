"""A Celery worker's own `/metrics`, for workers on machines other than the web process's (each
such host is scraped on its own). Served from the worker's main process when WORKER_METRICS_PORT is
set, with the same bearer token as the web's; it adds up every pool process's metrics."""
from __future__ import annotations

import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery.signals import worker_ready
from django.conf import settings
from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess

from operations.scrape import authorized

logger = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 -- the base class's name
        pass  # every scrape would be a log line


def metrics_app(token: str):  # noqa: ANN201 -- a WSGI callable
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    exposition = make_wsgi_app(registry)

    def app(environ, start_response):
        if not authorized(environ.get("HTTP_AUTHORIZATION", ""), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"Metrics are for operators: send Authorization: Bearer <token>.\n"]
        return exposition(environ, start_response)

    return app


@worker_ready.connect(dispatch_uid="operations.worker_metrics")
def serve_worker_metrics(**_kwargs) -> WSGIServer | None:
    port, token = settings.WORKER_METRICS_PORT, settings.MOODIFY_METRICS_TOKEN
    if not port or not token:
        return None
    try:
        server = make_server(settings.WORKER_METRICS_HOST, port, metrics_app(token), handler_class=_QuietHandler)
    except OSError as exc:  # the worker still works; only its metrics endpoint does not
        logger.error("worker metrics could not listen on port %s: %s", port, exc)
        return None
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    logger.info("worker metrics on %s:%s/metrics", settings.WORKER_METRICS_HOST, port)
    return server
