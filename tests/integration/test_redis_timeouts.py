"""A Redis that accepts connections but never answers (wedged, or a half-open network path) must
make the cache and the broker give up after REDIS_SOCKET_TIMEOUT_S, with the site's own client
settings, instead of hanging a request or a worker forever.

The channel layer has only a connect timeout: with a read timeout on its connections, a WebSocket
handshake that was refused left a task that could not be cancelled, and the event loop hung on
shutdown (tests/emotion/test_consumers.py, seen when both changes met). Its blocking pops already
return every few seconds (channels_redis's own timeout)."""
from __future__ import annotations

import socket
import threading
import time

import pytest
from django.conf import settings

pytestmark = [pytest.mark.integration]


@pytest.fixture
def silent_redis():
    """A TCP server that accepts and reads, and never writes a byte back."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def test_cache_channel_layer_and_broker_time_out_on_a_silent_redis(silent_redis):
    from django.core.cache.backends.redis import RedisCache

    from moodify_site.celery import app

    cache_config = settings.CACHES["default"]
    cache = RedisCache(f"{silent_redis}/2", {"OPTIONS": cache_config["OPTIONS"]})

    def enqueue() -> None:
        with app.connection_for_write(f"{silent_redis}/0") as connection:
            app.send_task("emotion.tasks.analyze_submission", args=["x"], connection=connection, retry=False)

    outcomes: dict[str, tuple[float, BaseException | None]] = {}

    def seconds_until_error(name: str, call) -> None:
        started = time.monotonic()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 -- which error each client raises is its own business
            outcomes[name] = (time.monotonic() - started, exc)
        else:
            outcomes[name] = (time.monotonic() - started, None)

    calls = {"cache": lambda: cache.get("anything"), "broker": enqueue}
    # Daemon threads: without the timeouts these calls never return, and the test must fail, not hang.
    threads = [threading.Thread(target=seconds_until_error, args=item, daemon=True) for item in calls.items()]
    for thread in threads:
        thread.start()
    limit = settings.REDIS_SOCKET_TIMEOUT_S
    deadline = time.monotonic() + limit * 3
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert set(outcomes) == set(calls), f"still waiting on a silent Redis: {set(calls) - set(outcomes)}"
    for name, (elapsed, error) in outcomes.items():
        assert error is not None and "timeout" in f"{type(error).__name__} {error}".lower(), (name, error)
        assert limit * 0.9 <= elapsed < limit * 3, (name, elapsed)
