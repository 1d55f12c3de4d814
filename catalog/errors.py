"""Typed errors of the catalog app; the API and admin turn them into sentences people act on."""
from moodify_site.errors import DomainError


class CatalogError(DomainError):
    pass


class UnknownEmotionError(CatalogError):
    """The one unknown-emotion error: the mood picker, corrections and mood maps raise it."""

    code = "unknown_emotion"
    default_message = "We do not know that emotion. Please pick one from the list."


class CatalogImportError(CatalogError):
    """The file as a whole cannot be read (bad rows are reported per row instead)."""

    code = "invalid_csv"
