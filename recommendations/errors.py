"""Typed errors of the recommendations app; the API turns them into 4xx JSON."""
from catalog.errors import CatalogError, UnknownEmotionError

__all__ = ["CatalogError", "UnknownEmotionError", "NoEmotionResultError", "InvalidFeedbackError"]


class NoEmotionResultError(CatalogError):
    code = "not_found"
    http_status = 404


class InvalidFeedbackError(CatalogError):
    code = "invalid"
