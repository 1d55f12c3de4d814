"""The Celery broker's Redis as operators see it: reachable or not, how many tasks wait."""
from __future__ import annotations

from functools import cache
from typing import cast

import redis
from django.conf import settings

# kombu keeps messages sent with a priority in sibling lists named `<queue>\x06\x16<priority>`.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


@cache
def broker_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, **settings.REDIS_TIMEOUTS)


def ping() -> None:
    broker_redis().ping()


def queue_depth(queue: str) -> int:
    """Tasks waiting in ``queue`` that no worker has taken yet."""
    client = broker_redis()
    names = [queue, *(f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS)]
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(name)
        return sum(pipe.execute())


def unacknowledged() -> int:
    """Tasks workers have taken but not finished (kombu's `unacked` hash)."""
    return cast(int, broker_redis().hlen("unacked"))  # a sync client: never an Awaitable
