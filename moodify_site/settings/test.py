"""Test settings: real PostgreSQL and Redis, by default those `scripts/services.sh start` runs."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before base reads them: `make test` exports the same values; a bare `pytest` finds them too.
os.environ.setdefault("DATABASE_URL", "postgres://moodify:moodify@127.0.0.1:55432/moodify")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:56379/0")
# Each test process counts its own metrics unless it is handed a directory (the integration
# tests' Daphne and worker share one, as on a real machine). Only then is one made (and removed at
# exit): some tests check that nothing else appears in the temporary directory.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="moodify-metrics-")
    atexit.register(shutil.rmtree, os.environ["PROMETHEUS_MULTIPROC_DIR"], True)

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, REST_FRAMEWORK, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Load tests send dozens of uploads per user; the throttle itself has its own test.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submissions": "10000/min"},
}
# The suite's recordings go to their own directory (conftest points each session at a temp dir).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "test-private")))
STORAGES = {
    **STORAGES,
    "recordings": {
        "BACKEND": "emotion.storage.PrivateRecordingStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
}
# The browser tests serve plain http://localhost; passkeys are tested there.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
