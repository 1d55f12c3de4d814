"""What the current piece of work is about (request id, submission id), for every log line.

Context variables follow a request through Django's sync/async hops and a Celery task through its
run; the ids cross from the web process to a worker in the task message's headers."""
from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from uuid import UUID

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
submission_id_var: ContextVar[str] = ContextVar("submission_id", default="")

# What a client may hand us as X-Request-ID: anything else (too long, spaces, quotes, newlines that
# could forge log lines) is replaced by an id of our own.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from_header(value: str | None) -> str:
    """The client's (or proxy's) X-Request-ID when it is a plain token, else a new one."""
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def bind_submission(submission_id: UUID | str) -> None:
    """From here on, this request's or task's log lines name the submission."""
    submission_id_var.set(str(submission_id))
