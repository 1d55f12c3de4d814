"""Test settings: the suite points DATABASE_URL / REDIS_URL at real PostgreSQL and Redis."""
from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
