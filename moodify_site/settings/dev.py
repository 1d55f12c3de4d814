"""Local development and the one-command embedded mode (`make run`)."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# The published demo admin is for trying Moodify on one's own machine only.
BOOTSTRAP_DEMO_ADMIN = True
# `make run` serves plain http://127.0.0.1:8000; passkeys work there in browsers.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=True)
