"""Typed errors of the catalog app; the API and admin turn them into sentences people act on."""


class CatalogError(Exception):
    code = "invalid"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class UnknownEmotionError(CatalogError):
    code = "unknown_emotion"


class CatalogImportError(CatalogError):
    """The file as a whole cannot be read (bad rows are reported per row instead)."""

    code = "invalid_csv"
