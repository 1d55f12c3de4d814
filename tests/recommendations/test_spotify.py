"""spotipy against a real loopback fake of the Spotify Web API: success, caching, and every failure."""
import time

import pytest

from catalog.models import Track
from recommendations import services, spotify
from recommendations.selectors import target_for
from tests.fakespotify.server import CLIENT_ID, CLIENT_SECRET, FakeSpotify

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(settings):
    server = FakeSpotify().start()
    settings.SPOTIFY_CLIENT_ID = CLIENT_ID
    settings.SPOTIFY_CLIENT_SECRET = CLIENT_SECRET
    settings.SPOTIFY_API_URL = server.api_url
    settings.SPOTIFY_AUTH_URL = server.auth_url
    settings.SPOTIFY_TIMEOUT_S = 1.0
    yield server
    server.stop()


def test_search_results_join_the_set_with_embed_urls(catalog, fake, result_for):
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    searches = fake.searches()
    assert searches and all(int(s["limit"]) <= 10 for s in searches)
    assert searches[0]["q"] == 'genre:"pop" happy feel good' and searches[0]["market"] == "US"
    stored = Track.objects.filter(source=Track.Source.SPOTIFY)
    assert stored.count() == 10 * len(searches)
    assert set(stored.first().mood_tags.values_list("source", flat=True)) == {"spotify"}
    from_spotify = rec_set.items.filter(source="spotify")
    assert from_spotify.exists() and rec_set.notice == ""
    assert from_spotify.first().track.embed_url.startswith("https://open.spotify.com/embed/track/")


def test_token_is_cached_in_django_cache_and_searches_are_cached(catalog, fake, result_for, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = target_for(label="sad", strategy="lift")
    spotify.search(target=target)
    spotify.search(target=target)
    tokens = [r for r in fake.requests if r[0] == "POST"]
    assert len(tokens) == 1 and len(fake.searches()) == 2  # second call answered from the cache
    from django.core.cache import cache

    assert cache.get(spotify.TOKEN_KEY)["access_token"] == "fake-access-token"
    assert not list(tmp_path.iterdir())  # no spotipy .cache file


def test_market_and_explicit_setting_reach_spotify(catalog, fake, result_for, user):
    user.profile.market = "SE"
    user.profile.allow_explicit = False
    user.profile.save()
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    assert {s["market"] for s in fake.searches()} == {"SE"}
    assert not rec_set.items.filter(track__explicit=True).exists()


@pytest.mark.parametrize("mode", ["rate_limited", "server_error", "unauthorized", "bad_credentials", "slow"])
def test_spotify_trouble_degrades_to_local_results_with_a_notice(catalog, fake, result_for, mode):
    fake.mode = mode
    started = time.monotonic()
    rec_set = services.build_recommendation_set(result=result_for("sad"), strategy="lift")
    elapsed = time.monotonic() - started
    assert rec_set.notice == spotify.NOTICE
    assert rec_set.items.count() == 10 and not rec_set.items.filter(source="spotify").exists()
    assert elapsed < 4.0  # no retry loop sleeping on Retry-After
    assert len(fake.searches()) <= 1  # the breaker stops the second query
    # While the breaker is open Spotify is not asked again, and sets still come with the notice.
    fake.mode = "ok"
    again = services.build_recommendation_set(result=result_for("sad"), strategy="lift")
    assert again.notice == spotify.NOTICE and len(fake.searches()) <= 1


def test_retry_after_sets_how_long_the_breaker_stays_open(catalog, fake):
    fake.mode = "rate_limited"
    fake.retry_after_s = 900
    spotify.search(target=target_for(label="happy", strategy="lift"))
    from django.core.cache import cache

    open_for = cache.get(spotify.BREAKER_OPEN_KEY) - time.time()
    assert 800 < open_for <= 900


def test_breaker_closes_after_its_time_and_spotify_is_used_again(catalog, fake):
    fake.mode = "server_error"
    target = target_for(label="happy", strategy="lift")
    assert spotify.search(target=target).notice == spotify.NOTICE
    from django.core.cache import cache

    cache.delete(spotify.BREAKER_OPEN_KEY)  # the open period elapsed
    fake.mode = "ok"
    outcome = spotify.search(target=target)
    assert outcome.notice is None and len(outcome.tracks) == 20
    assert cache.get(spotify.BREAKER_FAILURES_KEY) is None


def test_without_credentials_spotify_is_not_contacted_and_no_notice(catalog, result_for, settings):
    settings.SPOTIFY_CLIENT_ID = ""
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="lift")
    assert rec_set.notice == "" and rec_set.items.count() == 10
    assert not Track.objects.filter(source=Track.Source.SPOTIFY).exists()
