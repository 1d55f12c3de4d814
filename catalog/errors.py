"""Typed errors of the catalog app; the API and admin turn them into sentences people act on.

They follow the project's domain-error protocol (``moodify_site.api_errors.DomainError``):
``code``, ``http_status`` and ``user_message``.
"""


class CatalogError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class UnknownEmotionError(CatalogError):
    code = "unknown_emotion"


class CatalogImportError(CatalogError):
    """The file as a whole cannot be read (bad rows are reported per row instead)."""

    code = "invalid_csv"
