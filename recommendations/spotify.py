"""Spotify track search (client credentials) for the engine, with a circuit breaker instead of retries.

Only the search endpoint is used: Spotify removed recommendations, audio features and related
endpoints for new apps, and development-mode search returns at most 10 results per request.
Failures never reach the user as errors: they degrade to local results with a notice.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import requests
import spotipy
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from prometheus_client.core import Metric
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyBaseException
from spotipy.oauth2 import SpotifyClientCredentials

from catalog.csv_format import match_key
from catalog.models import Genre, Mood, Track, TrackMoodTag
from catalog.services import refresh_positions
from operations.metrics import SPOTIFY_CALLS, SPOTIFY_LATENCY
from operations.scrape import gauge

from .engine import Target

logger = logging.getLogger(__name__)

NOTICE = "Spotify is unavailable right now, so these come from our own catalog."
TOKEN_KEY = "spotify:token"
BREAKER_OPEN_KEY = "spotify:breaker:open-until"
BREAKER_FAILURES_KEY = "spotify:breaker:failures"
SEARCH_LIMIT = 10  # development-mode maximum per request
QUERIES_PER_TARGET = 2


def _setting(name: str, default):
    return getattr(settings, name, default)


class DjangoCacheHandler(CacheHandler):
    """Keeps the client-credentials token in the Django cache (shared by web and workers)."""

    def get_cached_token(self):
        return cache.get(TOKEN_KEY)

    def save_token_to_cache(self, token_info):
        ttl = max(60, int(token_info.get("expires_in", 3600)) - 60)
        cache.set(TOKEN_KEY, token_info, ttl)


class CircuitBreaker:
    """Opens after a failure for Retry-After (or an exponential back-off); state in the cache."""

    base_s = 15
    max_s = 600

    def is_open(self) -> bool:
        return (cache.get(BREAKER_OPEN_KEY) or 0) > time.time()

    def record_failure(self, retry_after_s: float | None = None) -> None:
        failures = (cache.get(BREAKER_FAILURES_KEY) or 0) + 1
        cache.set(BREAKER_FAILURES_KEY, failures, self.max_s * 2)
        backoff = min(self.max_s, self.base_s * 2 ** (failures - 1))
        open_s = int(max(backoff, min(retry_after_s or 0, 3600)))
        cache.set(BREAKER_OPEN_KEY, time.time() + open_s, open_s)

    def record_success(self) -> None:
        cache.delete_many([BREAKER_OPEN_KEY, BREAKER_FAILURES_KEY])


breaker = CircuitBreaker()


def breaker_gauges() -> Iterator[Metric]:
    """Scrape-time gauges: whether Spotify is configured and whether the breaker has it switched off."""
    yield gauge("moodify_spotify_configured", "1 when Spotify credentials are set.", float(is_configured()))
    yield gauge("moodify_spotify_breaker_open",
                "1 while the circuit breaker has Spotify switched off (local catalog only).", float(breaker.is_open()))


@dataclass
class SpotifyOutcome:
    tracks: list[Track] = field(default_factory=list)
    notice: str | None = None


def is_configured() -> bool:
    return bool(_setting("SPOTIFY_CLIENT_ID", "") and _setting("SPOTIFY_CLIENT_SECRET", ""))


def _client() -> spotipy.Spotify:
    timeout = min(float(_setting("SPOTIFY_TIMEOUT_S", 3.0)), 3.0)
    # A plain session: no urllib3 retry adapter, so a 429 is not slept on and its headers reach us.
    session = requests.Session()
    auth = SpotifyClientCredentials(
        client_id=settings.SPOTIFY_CLIENT_ID, client_secret=settings.SPOTIFY_CLIENT_SECRET,
        cache_handler=DjangoCacheHandler(), requests_timeout=timeout, requests_session=session)
    auth.OAUTH_TOKEN_URL = settings.SPOTIFY_AUTH_URL
    client = spotipy.Spotify(auth_manager=auth, requests_timeout=timeout, requests_session=session,
                             retries=0, status_retries=0, backoff_factor=0)
    client.prefix = settings.SPOTIFY_API_URL.rstrip("/") + "/"
    return client


def build_queries(target: Target) -> list[tuple[str, str]]:
    """(genre slug, query) pairs: the mood map's strongest genres plus its mood keywords."""
    genres = sorted(target.genre_weights.items(), key=lambda kv: -kv[1])[:QUERIES_PER_TARGET]
    return [(slug, f'genre:"{slug}" {target.keywords}'.strip()) for slug, _ in genres]


def _cache_key(query: str, market: str) -> str:
    return "spotify:search:" + hashlib.sha1(f"{market}|{query}".encode()).hexdigest()


def _parse(item: dict) -> dict | None:
    if not item or not item.get("id") or not item.get("name"):
        return None
    album = item.get("album") or {}
    release = str(album.get("release_date") or "")[:4]
    return {
        "spotify_id": item["id"], "title": item["name"][:300],
        "artist": ", ".join(a.get("name", "") for a in item.get("artists") or [] if a.get("name"))[:300] or "Unknown",
        "album": (album.get("name") or "")[:300], "year": int(release) if release.isdigit() else None,
        "duration_ms": item.get("duration_ms"), "popularity": item.get("popularity"),
        "explicit": bool(item.get("explicit")),
    }


def search(*, target: Target, market: str = "US", allow_explicit: bool = True) -> SpotifyOutcome:
    """Spotify tracks for the target, upserted into the catalog; never raises for Spotify trouble."""
    if not is_configured():
        return SpotifyOutcome()
    if breaker.is_open():
        SPOTIFY_CALLS.labels(outcome="skipped_breaker_open").inc()
        return SpotifyOutcome(notice=NOTICE)
    found: list[tuple[str, dict]] = []
    client = None
    for genre, query in build_queries(target):
        key = _cache_key(query, market)
        items = cache.get(key)
        if items is None:
            started = time.perf_counter()
            try:
                client = client or _client()
                response = _search_with_fresh_token(client, query=query, market=market)
            except SPOTIFY_ERRORS as exc:
                SPOTIFY_LATENCY.observe(time.perf_counter() - started)
                _record_trouble(exc)
                return _finish(found, target, allow_explicit, NOTICE)
            SPOTIFY_LATENCY.observe(time.perf_counter() - started)
            SPOTIFY_CALLS.labels(outcome="ok").inc()
            items = [p for p in map(_parse, ((response or {}).get("tracks") or {}).get("items") or []) if p]
            cache.set(key, items, int(_setting("SPOTIFY_CACHE_TTL_S", 6 * 3600)))
            breaker.record_success()
        found.extend((genre, item) for item in items)
    return _finish(found, target, allow_explicit, None)


# What spotipy lets through: SpotifyException for an HTTP error from the Web API, SpotifyOauthError
# for one from the token endpoint, requests' own errors (Timeout, ConnectionError) as they are,
# ValueError for a body that is not JSON.
SPOTIFY_ERRORS = (SpotifyBaseException, requests.RequestException, ValueError)


def _search_with_fresh_token(client: spotipy.Spotify, *, query: str, market: str) -> dict:
    try:
        return client.search(q=query, type="track", limit=SEARCH_LIMIT, market=market)
    except spotipy.SpotifyException as exc:
        if exc.http_status != 401:
            raise
        # The cached app token was revoked or expired early: forget it so this retry gets a new one.
        cache.delete(TOKEN_KEY)
        return client.search(q=query, type="track", limit=SEARCH_LIMIT, market=market)


def _http_status(exc: Exception) -> int | None:
    if isinstance(exc, spotipy.SpotifyException):
        return exc.http_status
    # SpotifyOauthError is raised while handling the token endpoint's HTTPError, which has the status.
    for source in (exc, exc.__context__):
        response = getattr(source, "response", None)
        if response is not None:  # not `or`: a requests.Response with a 5xx status is falsy
            return response.status_code
    return None


def _outcome(exc: Exception, status: int | None) -> str:
    """How a failed call is counted (moodify_spotify_calls_total's `outcome`)."""
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return "unreachable"
    if status == 429:
        return "rate_limited"
    if (status or 0) >= 500:
        return "server_error"
    return "refused"


def _record_trouble(exc: Exception) -> None:
    """Open the breaker only when Spotify is down or slows everyone down (timeout, refused
    connection, 5xx, 429): a request Spotify refuses (one person's market, a bad token) is that
    request's problem, and must not switch Spotify off for everyone."""
    status = _http_status(exc)
    outcome = _outcome(exc, status)
    SPOTIFY_CALLS.labels(outcome=outcome).inc()
    if outcome == "refused":
        logger.warning("Spotify refused the search (%s: %s); local results for this set", status, exc)
        return
    retry_after = None
    if status == 429 and isinstance(exc, spotipy.SpotifyException) and exc.headers:
        try:
            retry_after = float(exc.headers.get("Retry-After", 0))
        except (TypeError, ValueError):
            retry_after = None
    logger.warning("Spotify unavailable (%s): circuit opened", status or type(exc).__name__)
    breaker.record_failure(retry_after)


def _finish(found: list[tuple[str, dict]], target: Target, allow_explicit: bool, notice: str | None) -> SpotifyOutcome:
    tracks = upsert_tracks(found=found, mood_codes=sorted(target.moods))
    if not allow_explicit:
        tracks = [t for t in tracks if not t.explicit]
    return SpotifyOutcome(tracks=tracks, notice=notice)


@transaction.atomic
def upsert_tracks(*, found: list[tuple[str, dict]], mood_codes: list[str]) -> list[Track]:
    """Store search results as catalog tracks (source spotify) so feedback can attach to them.

    The query's genre filter and the mood map's moods become the track's genre and mood tags.
    """
    if not found:
        return []
    genres = {g.slug: g for g in Genre.objects.filter(slug__in={g for g, _ in found})}
    moods = list(Mood.objects.filter(code__in=mood_codes))
    tracks: dict[int, Track] = {}
    for genre, data in found:
        track = Track.objects.filter(spotify_id=data["spotify_id"]).first()
        if track is None:
            key = match_key(data["artist"], data["title"])
            track = Track.objects.filter(match_key=key, spotify_id=None).first()
            if track is None:
                track = Track(source=Track.Source.SPOTIFY, match_key=key)
            for name, value in data.items():
                if value is not None:
                    setattr(track, name, value)
            track.save()
        if genre in genres:
            track.genres.add(genres[genre])
        if not track.mood_tags.exists():
            TrackMoodTag.objects.bulk_create(
                [TrackMoodTag(track=track, mood=m, source=TrackMoodTag.Source.SPOTIFY) for m in moods],
                ignore_conflicts=True)
        tracks[track.pk] = track
    refresh_positions(track_ids=list(tracks))
    return list(Track.objects.filter(pk__in=list(tracks)).prefetch_related("genres", "mood_tags__mood"))
