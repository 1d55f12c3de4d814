"""The base of every app's typed errors: a code, an HTTP status and a sentence the user can act on.

Services raise them; ``moodify_site.api_errors`` answers them as 4xx JSON and pages show the
sentence. Audio errors come from ``ml`` (no Django, no HTTP): their statuses are mapped there too.
"""
from __future__ import annotations


class DomainError(Exception):
    code: str = "invalid"
    http_status: int = 400
    default_message: str = "We could not do that. Please check what you sent and try again."

    def __init__(self, user_message: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        super().__init__(self.user_message)
