"""spotipy against a real loopback fake of the Spotify Web API: success, caching, and every failure."""
import time

import pytest

from catalog.models import Track
from recommendations import services, spotify
from recommendations.selectors import target_for
from tests.recommendations.conftest import make_trouble
from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("mode", ["rate_limited", "server_error", "token_server_error", "slow", "refused"])
def test_spotify_down_degrades_to_local_results_and_opens_the_breaker(catalog, fake, result_for, mode):
    make_trouble(fake, mode)
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


@pytest.mark.parametrize("mode", ["unauthorized", "bad_credentials"])
def test_a_refused_request_degrades_that_set_but_leaves_spotify_on(catalog, fake, result_for, mode):
    fake.mode = mode
    rec_set = services.build_recommendation_set(result=result_for("sad"), strategy="lift")
    assert rec_set.notice == spotify.NOTICE and not rec_set.items.filter(source="spotify").exists()
    fake.mode = "ok"
    again = services.build_recommendation_set(result=result_for("happy"), strategy="lift")
    assert again.notice == "" and again.items.filter(source="spotify").exists()


def test_one_persons_invalid_market_does_not_switch_spotify_off_for_everyone(catalog, fake, result_for, user):
    user.profile.market = "XX"  # stored before markets were checked against ISO 3166-1
    user.profile.save()
    theirs = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    assert theirs.notice == spotify.NOTICE
    assert not spotify.breaker.is_open()
    someone_else = UserFactory()
    ours = services.build_recommendation_set(result=result_for("happy", owner=someone_else), strategy="match")
    assert ours.notice == "" and ours.items.filter(source="spotify").exists()
    assert {s["market"] for s in fake.searches()} == {"XX", "US"}


def test_a_401_evicts_the_cached_app_token_and_a_new_one_is_fetched(catalog, fake, result_for):
    from django.core.cache import cache

    # A token Spotify no longer accepts (revoked, or expired before its stated time).
    cache.set(spotify.TOKEN_KEY, {"access_token": "revoked-token", "token_type": "Bearer", "expires_in": 3600,
                                  "expires_at": int(time.time()) + 3600})
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    assert rec_set.notice == "" and rec_set.items.filter(source="spotify").exists()
    assert cache.get(spotify.TOKEN_KEY)["access_token"] == "fake-access-token"
    assert len([r for r in fake.requests if r[0] == "POST"]) == 1 and not spotify.breaker.is_open()


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
