"""Every Prometheus metric Moodify records, named `moodify_*` (documented in docs/operations.md).

Processes write them to PROMETHEUS_MULTIPROC_DIR (settings set it before this module is imported),
so the web process's `GET /metrics` adds up its own and the workers' on the same machine."""
from __future__ import annotations

from django.conf import settings
from prometheus_client import Counter, Histogram

assert settings.PROMETHEUS_MULTIPROC_DIR  # settings first: it is read when prometheus_client loads

# Seconds; from a cache hit to a slow analysis on a busy machine.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Model loads take seconds (TensorFlow import, weights, warm-up).
LOAD_BUCKETS = (1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0)

HTTP_REQUESTS = Counter(
    "moodify_http_requests", "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "moodify_http_request_duration_seconds", "Time to answer an HTTP request, by route pattern and method.",
    ["route", "method"], buckets=LATENCY_BUCKETS)

SUBMISSIONS_CREATED = Counter(
    "moodify_submissions_created", "Voice submissions accepted, by source (recording, upload, api, picker).",
    ["source"])
SUBMISSIONS_DONE = Counter("moodify_submissions_done", "Submissions whose emotion result was stored.")
SUBMISSIONS_FAILED = Counter(
    "moodify_submissions_failed", "Submissions finished as failed, by reason (the failure code users see).",
    ["reason"])
SUBMISSION_LATENCY = Histogram(
    "moodify_submission_result_seconds", "From the upload being accepted to its result being stored.",
    buckets=LATENCY_BUCKETS)
ANALYSIS_STAGES = ("decode", "features", "model")  # ml.Prediction.timings_ms keys
ANALYSIS_SECONDS = Histogram(
    "moodify_analysis_seconds", "Time the predictor spent on one recording, by stage (decode, features, model).",
    ["stage"], buckets=LATENCY_BUCKETS)

RECOMMENDATION_BUILD = Histogram(
    "moodify_recommendation_build_seconds", "Time to build and store one recommendation set (Spotify search included).",
    buckets=LATENCY_BUCKETS)
SPOTIFY_CALLS = Counter(
    "moodify_spotify_calls", "Spotify searches by outcome: ok, refused (4xx), rate_limited, server_error, "
    "unreachable (timeout, connection), skipped_breaker_open.", ["outcome"])
SPOTIFY_LATENCY = Histogram(
    "moodify_spotify_call_seconds", "Time of one Spotify search request (token fetch included).",
    buckets=LATENCY_BUCKETS)

WORKER_MODEL_LOAD = Histogram(
    "moodify_worker_model_load_seconds", "Time a worker process took to load and warm the emotion model.",
    buckets=LOAD_BUCKETS)
