"""Settings shared by every environment; values come from the environment (django-environ)."""
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.spotify",
    "catalog",
    "accounts",
    "emotion",
    "recommendations",
    "operations",
    # The project package itself holds the site-wide management commands (bootstrap, run).
    "moodify_site",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics first: internal callers, no Host check or HTTPS redirect.
    "operations.middleware.OperationsEndpointsMiddleware",
    "operations.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "moodify_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "moodify_site.context_processors.api_urls",
            ],
        },
    },
]
WSGI_APPLICATION = "moodify_site.wsgi.application"
ASGI_APPLICATION = "moodify_site.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'moodify.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Under ASGI each request runs in its own thread, so Django advises against persistent
# connections in the web process (they would pile up). Celery workers run tasks on long-lived
# threads and keep theirs for WORKER_CONN_MAX_AGE seconds (see moodify_site/celery.py);
# health checks drop a connection the server closed instead of failing the next query.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets must not hang a request (or a readiness probe) for
    # libpq's default of forever: the request fails and the API answers 503 with a sentence.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT_S", default=5))
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has the web process and the Celery worker writing to one file. WAL lets
    # readers go on beside a writer; IMMEDIATE transactions take the write lock when they start
    # (a deferred one that later wants to write fails at once with "database is locked", whatever
    # the timeout); the timeout is how long a writer waits its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
SITE_ID = 1
AUTH_USER_MODEL = "accounts.User"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.exists()]
# Recordings are personal data: they live outside any publicly served URL and are only
# streamed back to their owner through an authenticated view.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Recordings get their own storage with no base URL: nothing serves this directory, the only
# way back to a recording is `GET /api/v1/submissions/<id>/audio/` (owner only).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "recordings": {
        "BACKEND": "emotion.storage.PrivateRecordingStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Voice submissions: limits checked on upload (the decoder is the judge, not the extension).
EMOTION_MAX_UPLOAD_BYTES = env.int("EMOTION_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
EMOTION_MAX_DURATION_S = env.float("EMOTION_MAX_DURATION_S", default=30.0)
# The recorder page asks for at least this much speech before it lets people send it.
EMOTION_MIN_RECORDING_S = 3
# Checked from the file's header before anything is decoded: decoding is what costs memory
# (a 58 KB FLAC of 30 s, 8 channels at 192 kHz decodes to 184 MB of float32).
EMOTION_MAX_CHANNELS = 2
EMOTION_MAX_SAMPLE_RATE = 48_000
# The containers an upload may be in are emotion.audio_probe.AUDIO_CONTENT_TYPES. ffprobe, run on
# every upload that libsndfile cannot read, is limited to this much CPU and memory.
EMOTION_PROBE_CPU_S = 10
EMOTION_PROBE_MEMORY_BYTES = 512 * 1024 * 1024
# At or below this confidence the result is flagged so pages can ask the user to confirm, and
# recommendations blend the likely emotions (emotion.selectors.is_low_confidence).
EMOTION_LOW_CONFIDENCE = env.float("EMOTION_LOW_CONFIDENCE", default=0.4)
EMOTION_RETENTION_DAYS = 30
# Personal voice: the most recent labelled examples of a user that their adapter is built from
# (built in the worker, kept per process until the user's examples change; ml.personal).
PERSONAL_VOICE_MAX_EXAMPLES = 200
# A submission still `queued` or `processing` this long after it last moved is failed with a
# sentence, and its recording handled per its owner's retention (Celery beat checks every
# EMOTION_REAPER_INTERVAL_S). Far above an analysis with all its retries (~1 min).
EMOTION_STUCK_AFTER_S = env.int("EMOTION_STUCK_AFTER_S", default=15 * 60)
EMOTION_REAPER_INTERVAL_S = env.int("EMOTION_REAPER_INTERVAL_S", default=300)
# The upload check hands the samples it decoded to the analysis (emotion.handoff), so browser
# recordings (WebM, Ogg, MP4: an ffmpeg process each) are decoded once, not twice.
EMOTION_HAND_OVER_DECODED = env.bool("EMOTION_HAND_OVER_DECODED", default=True)

# Camera frames sent with a submission (the face signal, emotion.frames): a few small JPEG/PNG
# stills, checked on upload, deleted as soon as they are analysed. The record page takes
# FACE_FRAMES_PER_RECORDING of them while people speak.
FACE_MAX_FRAMES = 5
FACE_MAX_FRAME_BYTES = 512 * 1024
FACE_MAX_FRAME_SIDE = 2048  # pixels, read from the image header before anything is decoded
FACE_FRAMES_PER_RECORDING = 3

# Request bodies are refused as they stream, never spooled whole first:
# moodify_site.uploads.RequestBodyLimitMiddleware stops reading an ASGI body once it passes
# REQUEST_MAX_BODY_BYTES, and moodify_site.uploads.CappedUploadHandler stops a multipart upload
# once its files pass EMOTION_MAX_UPLOAD_BYTES (both answer 413 with a sentence).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # form fields and JSON bodies; files are counted apart
REQUEST_MAX_BODY_BYTES = EMOTION_MAX_UPLOAD_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "moodify_site.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
# Recordings on disk are readable by the site's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Where the shared speech/music data lives (training, evaluation, tests).
MOODIFY_DATA_DIR = Path(env("MOODIFY_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))

SPOTIFY_CLIENT_ID = env("SPOTIFY_CLIENT_ID", default="")
SPOTIFY_CLIENT_SECRET = env("SPOTIFY_CLIENT_SECRET", default="")
# Overridable so tests can point spotipy at a local fake Spotify Web API server.
SPOTIFY_API_URL = env("SPOTIFY_API_URL", default="https://api.spotify.com/v1/")
SPOTIFY_AUTH_URL = env("SPOTIFY_AUTH_URL", default="https://accounts.spotify.com/api/token")

# Share of each recommendation set spent exploring the listener's taste (Thompson sampling,
# recommendations.bandit); 0 turns exploration off. Explored items are marked in the API.
RECOMMENDATION_EXPLORE_SHARE = env.float("RECOMMENDATION_EXPLORE_SHARE", default=0.2)
# A set is built once, in the background, and pushed on the submission's socket; asked for before
# then, the API answers 202 with Retry-After. A build queued longer ago than
# RECOMMENDATION_BUILD_PENDING_S (its task lost) is queued again by the next request.
RECOMMENDATION_RETRY_AFTER_S = 1
RECOMMENDATION_BUILD_PENDING_S = env.int("RECOMMENDATION_BUILD_PENDING_S", default=120)

# Redis carries the Celery broker, the Channels layer and the cache, each in its own database
# numbered from REDIS_URL's (/0: broker 0, channel layer 1, cache 2), so clearing the cache never
# drops queued tasks. With REDIS_URL unset the site runs in embedded mode: `make run` starts a
# small in-process Redis-protocol server (fakeredis, which keeps databases apart too) on
# EMBEDDED_REDIS_PORT so the very same code paths run without installing Redis.
EMBEDDED_MODE = not env("REDIS_URL", default="")
EMBEDDED_REDIS_PORT = env.int("EMBEDDED_REDIS_PORT", default=6390)
REDIS_URL = env("REDIS_URL", default="") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"


def redis_database_url(url: str, offset: int) -> str:
    """``url`` with its database number moved up by ``offset`` (redis://host:port/2 + 1 -> /3)."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{database}"))


CHANNEL_LAYER_REDIS_URL = redis_database_url(REDIS_URL, 1)
CACHE_REDIS_URL = redis_database_url(REDIS_URL, 2)
# A Redis that stops answering must not hang a request or a worker forever. The read timeout is
# longer than the blocking reads the clients make on purpose (channels-redis waits up to 5 s for
# a message, kombu 1 s).
REDIS_CONNECT_TIMEOUT_S = env.float("REDIS_CONNECT_TIMEOUT_S", default=3.0)
REDIS_SOCKET_TIMEOUT_S = env.float("REDIS_SOCKET_TIMEOUT_S", default=10.0)
REDIS_TIMEOUTS = {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S, "socket_timeout": REDIS_SOCKET_TIMEOUT_S}
# An open submission socket reads its submission again this often until the analysis has
# finished, in case the channel layer dropped the push (emotion.consumers).
SUBMISSION_SOCKET_RECHECK_S = env.float("SUBMISSION_SOCKET_RECHECK_S", default=5.0)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Time limits, in seconds, for every task: at the soft limit the task gets SoftTimeLimitExceeded
# and finishes with a sentence for the user; at the hard limit its pool process is killed.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_S", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_S", default=90)
# An analysis of the longest clip allowed takes about a second (the model loads before the pool
# process takes work, not inside the task), so these leave a wide margin for a busy machine.
EMOTION_ANALYSIS_SOFT_TIME_LIMIT_S = env.int("EMOTION_ANALYSIS_SOFT_TIME_LIMIT_S", default=30)
EMOTION_ANALYSIS_TIME_LIMIT_S = env.int("EMOTION_ANALYSIS_TIME_LIMIT_S", default=45)
# How many times a recording is handed to the analyser (a worker crash or a transient error
# hands it over again) before its submission fails with a sentence instead of looping forever.
EMOTION_MAX_ATTEMPTS = env.int("EMOTION_MAX_ATTEMPTS", default=3)
# While the database or Redis cannot be reached (a restart, a failover) an analysis waits and tries
# again, 1, 2, 4, 8, 16 s apart: about half a minute before its submission fails with a sentence.
# A try that fails before the submission is marked `processing` does not count against
# EMOTION_MAX_ATTEMPTS (that cap is for recordings that crash the analyser).
EMOTION_TRANSIENT_RETRIES = env.int("EMOTION_TRANSIENT_RETRIES", default=5)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": EMOTION_ANALYSIS_SOFT_TIME_LIMIT_S, "time_limit": EMOTION_ANALYSIS_TIME_LIMIT_S}
    for name in ("emotion.tasks.analyze_submission", "emotion.tasks.reanalyze_submission")
}
# Redis hands a delivered but unacknowledged task out again after the visibility timeout, even
# while a live worker still runs it, so it must outlast the longest hard limit plus the time a
# task waits unacknowledged inside a worker (a retry's countdown, up to a minute; a pool process
# restarting). It is also how long a task waits after its whole worker was killed (a warm
# shutdown hands tasks back at once). Workers look for such orphaned tasks every
# CELERY_RESTORE_INTERVAL_S (kombu's default scans only every 100 s).
CELERY_VISIBILITY_MARGIN_S = env.int("CELERY_VISIBILITY_MARGIN_S", default=90)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, EMOTION_ANALYSIS_TIME_LIMIT_S) + CELERY_VISIBILITY_MARGIN_S,
    "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL_S", default=10),
    "unacked_restore_throttle": 1,
    # A scan holds a Redis lock so two workers do not hand the same task out twice. kombu keeps it
    # for 5 minutes when its holder dies mid-scan (a killed worker, Redis restarted under it), and
    # every orphaned task would then wait those 5 minutes; a scan takes milliseconds.
    "unacked_mutex_expire": env.int("CELERY_RESTORE_LOCK_S", default=30),
    **REDIS_TIMEOUTS,
}
# A submission still `queued` this long after it was accepted may have lost its task (a worker
# killed between taking the message from Redis and recording it as handed out: kombu cannot hand
# such a message out again); the reaper sends its task again (an analysis is safe to run twice). Longer
# than a task can legitimately wait for a restore (the visibility timeout) plus a minute.
EMOTION_REQUEUE_AFTER_S = env.int(
    "EMOTION_REQUEUE_AFTER_S", default=CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 60
)
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_S
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A pool process loads TensorFlow and warms the model before it reports for work (seconds).
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = {
    "purge-expired-recordings": {
        "task": "emotion.tasks.purge_expired_recordings",
        "schedule": 3600.0,
    },
    "fail-stuck-submissions": {
        "task": "emotion.tasks.fail_stuck_submissions",
        "schedule": float(EMOTION_REAPER_INTERVAL_S),
    },
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # Connect timeout only: a read timeout on the layer's connections left a refused
        # handshake's task uncancellable and hung the event loop on shutdown (see
        # tests/integration/test_redis_timeouts.py); its blocking pops return every few seconds.
        "CONFIG": {"hosts": [{"address": CHANNEL_LAYER_REDIS_URL,
                              "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S}]},
    }
}
# The cache must work in management commands run while the embedded server is down (migrate,
# bootstrap, imports), so embedded mode keeps it in files shared by the web and worker processes.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
         "LOCATION": str(BASE_DIR / "var" / "cache")}
        if EMBEDDED_MODE
        else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL,
              "OPTIONS": REDIS_TIMEOUTS}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Expiring, revocable tokens (`Authorization: Token <key>`), see accounts.authentication.
        # First, so that a request without credentials is answered 401 with `WWW-Authenticate`.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "moodify_site.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "submissions": env("SUBMISSION_THROTTLE_RATE", default="30/min"),
        "auth_token": "20/min",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Moodify API",
    "DESCRIPTION": "Submit a voice recording, get the detected emotion and music for it.",
    "VERSION": "1.0.0",
    # Swagger UI from drf-spectacular-sidecar's copy in static files: no CDN, works offline and
    # under the Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# Spotify sign-in is offered only where the deployment has credentials for it.
SOCIALACCOUNT_PROVIDERS = {}
if SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["spotify"] = {
        "APPS": [{"client_id": SPOTIFY_CLIENT_ID, "secret": SPOTIFY_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["user-read-email"],
    }
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Moodify <no-reply@moodify.local>")

# Every record carries the request id and submission id it belongs to; passwords, tokens and
# audio bytes are scrubbed before any handler sees them. Production formats records as JSON lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "operations.logs.RequestContextFilter"},
        "redact": {"()": "operations.logs.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(submission_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(process)d %(message)s %(request_id)s %(submission_id)s",
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": "time",  # ISO 8601, UTC
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", default="plain"),
                    "filters": ["context", "redact"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Operations (issue 17): health, metrics ---------------------------------------------------
# `GET /metrics` (Prometheus) answers only `Authorization: Bearer <MOODIFY_METRICS_TOKEN>`; with
# no token configured it is off (404).
MOODIFY_METRICS_TOKEN = env("MOODIFY_METRICS_TOKEN", default="")
# Every process (web, workers, their pool processes) writes its metrics to files in this
# directory, and `GET /metrics` adds them up: it must be set before prometheus_client is imported,
# so it is set here, and it must be shared by the processes of one machine and emptied when they
# all start (docker/compose.yaml: a tmpfs; `run_moodify` empties it).
PROMETHEUS_MULTIPROC_DIR = Path(env("PROMETHEUS_MULTIPROC_DIR", default=str(BASE_DIR / "var" / "metrics")))
PROMETHEUS_MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(PROMETHEUS_MULTIPROC_DIR)
# How long `GET /readyz` waits for a Celery worker to answer a ping (the first answer ends it).
READINESS_WORKER_TIMEOUT_S = env.float("READINESS_WORKER_TIMEOUT_S", default=1.0)
# A worker on another machine than the web process serves its own /metrics on this port (off when
# 0; needs MOODIFY_METRICS_TOKEN). Keep it on the private network, like the web's.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_HOST = env("WORKER_METRICS_HOST", default="0.0.0.0")
# Celery beat ticks at least this often, touching BEAT_HEARTBEAT_FILE (`manage.py beat_alive`
# checks it: the beat container's healthcheck).
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
BEAT_HEARTBEAT_FILE = env("BEAT_HEARTBEAT_FILE", default="/tmp/moodify-beat-heartbeat")

# --- Credentials and browser security (issue 15) ---
# `bootstrap_moodify` creates the published demo admin (admin@moodify.local / moodify-demo)
# only where this is on: development settings (`make run`). Elsewhere the first admin comes from
# MOODIFY_ADMIN_EMAIL / MOODIFY_ADMIN_PASSWORD, checked by the password validators.
BOOTSTRAP_DEMO_ADMIN = False
# Every sign-in, the admin's included, goes through allauth's rate-limited page.
LOGIN_URL = "account_login"
# Pages load scripts, styles, images and fonts from this site only (no inline code: templates
# pass data through json_script), frame only the Spotify player, and talk only to this site's
# API and WebSocket (moodify_site.security_headers adds ws(s)://<host>).
INSTALLED_APPS += ["csp", "drf_spectacular_sidecar"]
MIDDLEWARE += [
    "moodify_site.security_headers.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
]
SPOTIFY_PLAYER_ORIGIN = "https://open.spotify.com"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],  # the review player plays the recording from memory
        "frame-src": [SPOTIFY_PLAYER_ORIGIN],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Spotify sign-in posts here, then redirects to Spotify's authorisation page.
        "form-action": ["'self'", "https://accounts.spotify.com"],
        "frame-ancestors": ["'none'"],
    },
}
# The microphone (and camera) for this site only; what the Spotify player frame uses to play, for
# it and this site; every other powerful feature off.
_SPOTIFY_PLAYER = ["self", SPOTIFY_PLAYER_ORIGIN]
PERMISSIONS_POLICY = {
    "microphone": ["self"],
    "camera": ["self"],
    "autoplay": _SPOTIFY_PLAYER,
    "encrypted-media": _SPOTIFY_PLAYER,
    "fullscreen": _SPOTIFY_PLAYER,
    "picture-in-picture": _SPOTIFY_PLAYER,
    # Passkeys (allauth.mfa, below): created and used on this site only.
    "publickey-credentials-get": ["self"],
    "publickey-credentials-create": ["self"],
    **dict.fromkeys([
        "accelerometer", "display-capture", "geolocation", "gyroscope", "hid",
        "idle-detection", "magnetometer", "midi", "payment",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    ], []),
}

# --- Authentication hardening (issue 15) ------------------------------------------------------
# How many reverse proxies of ours stand in front of the site, each appending the address it saw
# to X-Forwarded-For. 0 (the default, and docker/compose.yaml's layout): the header is ignored and
# a client's address is the TCP peer, so a client cannot pick its own address to escape
# per-address limits. DRF's throttles and allauth's rate limits read the same number.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
# allauth's limits, shared by the HTML login form and POST /api/v1/auth/token/ (both sign in
# through the allauth adapter). `key` is the email address: wrong passwords for one account are
# counted wherever they come from; `ip` also slows one address spraying many accounts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
}
# Two-factor authentication (allauth.mfa, pages under /accounts/2fa/): an authenticator app
# (TOTP) with recovery codes, and passkeys/security keys (WebAuthn), which can also sign in
# without a password. allauth.usersessions records each signed-in session (listed under
# /accounts/sessions/, a page that needs django.contrib.humanize) so that deleting an account
# can end them all.
INSTALLED_APPS += ["allauth.mfa", "allauth.usersessions", "django.contrib.humanize"]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Moodify"
# Browsers allow passkeys on http://localhost; fido2 does not unless told (dev settings do).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)
# API tokens (accounts.models.ApiToken) stop working this many days after they were issued.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
