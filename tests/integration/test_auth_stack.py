"""Sign-in limits and API tokens through the real Daphne, PostgreSQL and Redis, as an attacker or
an API client on the network sees them."""
from __future__ import annotations

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from accounts.models import User
from emotion.models import VoiceSubmission
from tests.integration.conftest import PASSWORD

pytestmark = pytest.mark.integration


def _forget_limits() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CACHE_REDIS_URL)  # the limits live in the cache's database
    for pattern in ("*allauth:rl:*", "*throttle_auth_token_*"):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def clean_limits():
    """Every request here comes from 127.0.0.1: start without the address's earlier failures (other
    tests sign in from it too) and give its limits back to the tests after."""
    _forget_limits()
    yield
    _forget_limits()


def _token_request(base_url: str, email: str, password: str, forged: str) -> requests.Response:
    return requests.post(
        f"{base_url}/api/v1/auth/token/",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": forged},
        timeout=30,
    )


def test_forged_forwarded_for_does_not_help_guessing_passwords(person_factory, web_server, clean_limits):
    ada = person_factory()
    guesses = [_token_request(web_server, ada.email, f"guess-{i}", f"198.51.100.{i}") for i in range(6)]
    assert [g.status_code for g in guesses] == [400] * 5 + [429]  # 5 per account, wherever from
    assert guesses[-1].json()["error"] == "too_many_attempts"
    sprayed = [_token_request(web_server, f"nobody{i}@example.com", "guess", f"203.0.113.{i}") for i in range(6)]
    assert 429 in [s.status_code for s in sprayed]  # and 10 failures a minute from one address


def test_an_api_token_opens_the_socket_until_it_is_revoked(person_factory, web_server, clean_limits):
    ada = person_factory()
    body = requests.post(
        f"{web_server}/api/v1/auth/token/", json={"email": ada.email, "password": PASSWORD}, timeout=30
    ).json()
    assert body["expires"]
    auth = {"Authorization": f"Token {body['token']}"}
    submission = VoiceSubmission.objects.create(user=User.objects.get(email=ada.email))
    ws_url = web_server.replace("http://", "ws://") + f"/ws/submissions/{submission.id}/"
    with ws_connect(ws_url, additional_headers=auth, origin=web_server, open_timeout=10) as socket:
        assert '"submission"' in socket.recv(timeout=10)

    assert requests.delete(f"{web_server}/api/v1/auth/token/", headers=auth, timeout=30).status_code == 204
    revoked = requests.get(f"{web_server}/api/v1/me/profile/", headers=auth, timeout=30)
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_token"
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(ws_url, additional_headers=auth, origin=web_server, open_timeout=10)
    assert refused.value.response.status_code == 403
