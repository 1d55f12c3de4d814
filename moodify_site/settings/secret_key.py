"""Why a SECRET_KEY is unfit for production (signed cookies, password reset links, tokens)."""
from __future__ import annotations

MIN_LENGTH = 50
# Django's own check asks for at least this many different characters.
MIN_UNIQUE_CHARACTERS = 5
# Values that have been written in this repository at some point (defaults, examples, build
# steps) or that Django generates for throwaway projects: anyone can read them, so anyone could
# sign values with them. tests/moodify_site/test_production_settings.py refuses any new one found in the repo.
PUBLIC_KEYS = frozenset({
    "change-me-in-.env",
    "dev-only-insecure-key-change-me",
    "build-only",
})
DJANGO_INSECURE_PREFIX = "django-insecure-"
HOW_TO_FIX = (
    'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))" '
    "and put it in .env as SECRET_KEY=..."
)


def secret_key_refusal(key: str) -> str | None:
    """A sentence saying why `key` must not sign anything in production, or None if it may."""
    if not key:
        return f"SECRET_KEY is not set. {HOW_TO_FIX}"
    if key in PUBLIC_KEYS or key.startswith(DJANGO_INSECURE_PREFIX):
        return f"SECRET_KEY is a value published with Moodify or Django, so anyone could forge signed data. {HOW_TO_FIX}"
    if len(key) < MIN_LENGTH or len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is too weak ({len(key)} characters; at least {MIN_LENGTH}, "
            f"with at least {MIN_UNIQUE_CHARACTERS} different ones). {HOW_TO_FIX}"
        )
    return None
