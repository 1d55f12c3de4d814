"""Logging filters every environment uses: the current request and submission ids on each record,
and secrets kept out of log lines. Production settings format records as JSON lines."""
from __future__ import annotations

import logging
import re

from operations.context import request_id_var, submission_id_var

# `Authorization: Token abc`, `password=...`, `"token": "..."`, `?token=...`: whatever wrote them,
# the value is replaced before the line is formatted.
_SECRET_VALUE = re.compile(
    r"(?i)(?P<key>authorization|password\d?|passwd|secret|token|api[_-]?key|sessionid|csrftoken|otp)"
    r"(?P<sep>['\"]?\s*[:=]\s*['\"]?)(?:(?:bearer|token|basic)\s+)?(?P<value>[^\s'\",&;}]+)"
)
REDACTED = "[redacted]"


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `submission_id` (empty when there is none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.submission_id = getattr(record, "submission_id", "") or submission_id_var.get()
        return True


def _describe(value: object) -> object:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"  # a recording or any other payload: its size, never its content
    return value


class RedactSecretsFilter(logging.Filter):
    """Keeps passwords, tokens and audio out of log lines, whichever library logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {k: _describe(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_describe(arg) for arg in record.args)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a malformed call: leave it to the formatter to report
            return True
        redacted = _SECRET_VALUE.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
