"""Request bodies are refused while they stream, once they pass the caps in settings, instead of
being spooled whole first (to memory, a temporary file, then read again to be checked)."""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from emotion.errors import FileTooLargeError


class CappedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the file bytes of a multipart request and stops the
    upload once they pass EMOTION_MAX_UPLOAD_BYTES, before the next handler stores that chunk.

    Stopping with StopUpload lets Django close (and so delete) the partial temporary file; the
    refusal itself is raised from ``upload_complete``, which Django calls right after.
    """

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.total = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        if content_length > settings.REQUEST_MAX_BODY_BYTES:
            raise FileTooLargeError()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        if self.total > settings.EMOTION_MAX_UPLOAD_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def upload_complete(self) -> None:
        if self.too_large:
            raise FileTooLargeError()


class RequestBodyLimitMiddleware:
    """ASGI middleware: stops reading an HTTP body once it passes REQUEST_MAX_BODY_BYTES (declared
    or, for a chunked body without Content-Length, counted as it arrives) and answers 413 JSON.

    Django's ASGI handler would otherwise copy the whole body to a temporary file before any view
    or upload handler sees a byte of it. Nothing is buffered here: messages pass straight through.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.REQUEST_MAX_BODY_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _refuse(send)
        received = 0
        refused = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if message["type"] == "http.request" and received > limit:
                # Answer now; Django, told the client left, stops reading and sends nothing.
                refused = True
                await _refuse(send)
                return {"type": "http.disconnect"}
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send) -> None:
    body = json.dumps({"error": FileTooLargeError.code, "detail": FileTooLargeError().user_message}).encode()
    await send({
        "type": "http.response.start",
        "status": FileTooLargeError.http_status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
