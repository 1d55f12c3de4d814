"""Production: PostgreSQL, Redis, HTTPS only, mandatory email verification, secure cookies, SMTP.

It refuses to start with a SECRET_KEY anyone could know (missing, short, or published)."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING, env
from .secret_key import secret_key_refusal

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if refusal := secret_key_refusal(SECRET_KEY):
    raise ImproperlyConfigured(refusal)
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
STORAGES = {
    **STORAGES,  # noqa: F405 -- keeps the private "recordings" storage from base
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")

# HTTPS only, by default: plain-HTTP requests are redirected, browsers are told (HSTS) never to
# use plain HTTP again, and cookies never travel without TLS. `docker/README.md` lists the
# switches for a local plain-HTTP trial.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
# Only behind a proxy that terminates TLS and sets X-Forwarded-Proto itself (overwriting what the
# client sent): trusting the header anywhere else lets any client claim its request was HTTPS.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON object per line (time, level, logger, pid, message, request_id, submission_id) for a log
# shipper; LOG_FORMAT=plain for reading by eye.
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
