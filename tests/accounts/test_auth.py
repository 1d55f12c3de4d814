"""Signing in for API tokens and on the HTML form as an attacker would try it: guessing passwords
from many (or forged) addresses, squatting an unverified email, reusing old or revoked tokens."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests/conftest.py's UserFactory
TOKEN_URL = "/api/v1/auth/token/"

# Rate limits live in Redis for the whole session: every test sends from its own addresses so
# that one test's failures never count against another's.
_addresses = (f"10.{n // 250}.{n % 250}.1" for n in itertools.count(1))


def _address() -> str:
    return next(_addresses)


def _api(address: str | None = None) -> APIClient:
    return APIClient(REMOTE_ADDR=address or _address())


def _token(email: str, password: str = PASSWORD, **extra) -> dict:
    response = _api().post(TOKEN_URL, {"email": email, "password": password, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _with_token(key: str) -> APIClient:
    client = _api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_forged_forwarded_for_headers_do_not_escape_the_per_address_limit():
    """Measured before: 25 wrong passwords with 25 made-up X-Forwarded-For values, all 400."""
    client = _api()
    statuses = [
        client.post(
            TOKEN_URL,
            {"email": f"nobody{i}@example.com", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(25)
    ]
    assert statuses[0] == 400
    assert 429 in statuses[:11], statuses  # 10 failures a minute per address (ACCOUNT_RATE_LIMITS)


def test_one_accounts_password_cannot_be_guessed_from_many_addresses(user):
    answers = [
        _api(_address()).post(
            TOKEN_URL, {"email": user.email, "password": f"guess-{i}"}, format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )  # fmt: skip
        for i in range(10)
    ]
    statuses = [a.status_code for a in answers]
    assert statuses[0] == 400 and 429 in statuses, statuses
    limited = answers[statuses.index(429)].json()
    assert limited["error"] == "too_many_attempts" and "wait a few minutes" in limited["detail"]
    # Stopped for the account, not the address: even the right password waits now.
    assert _api().post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json").status_code == 429


def test_html_login_limits_one_account_however_the_guesses_are_spread(user):
    pages = [
        Client(REMOTE_ADDR=_address()).post(
            "/accounts/login/", {"login": user.email, "password": f"guess-{i}"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )  # fmt: skip
        for i in range(10)
    ]
    assert b"Too many failed login attempts" not in pages[0].content
    assert any(b"Too many failed login attempts" in page.content for page in pages), [p.status_code for p in pages]
    right = Client(REMOTE_ADDR=_address()).post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert right.status_code == 200 and b"Too many failed login attempts" in right.content  # not signed in


def test_an_unverified_sign_up_gets_no_token_until_the_email_is_verified(settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    browser = Client(REMOTE_ADDR=_address())
    signup = {"email": "squatter@example.com", "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase"}
    assert browser.post("/accounts/signup/", signup).status_code == 302

    refused = _api().post(TOKEN_URL, {"email": "squatter@example.com", "password": signup["password1"]}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"] == "email_unverified"
    assert "verify your email address" in refused.json()["detail"]
    assert not ApiToken.objects.exists()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert browser.post(f"/{path}").status_code == 302
    assert _token("squatter@example.com", signup["password1"])["token"]


def test_tokens_expire_after_the_configured_days_with_a_sentence(user):
    body = _token(user.email)
    expires = timezone.datetime.fromisoformat(body["expires"].replace("Z", "+00:00"))
    assert abs(expires - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    client = _with_token(body["token"])
    assert client.get("/api/v1/me/profile/").status_code == 200

    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get("/api/v1/me/profile/")
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    assert expired.json()["error"] == "token_expired"
    assert "Get a new one with POST /api/v1/auth/token/" in expired.json()["detail"]


def test_only_a_digest_of_the_token_is_stored(user):
    key = _token(user.email)["token"]
    stored = ApiToken.objects.get(user=user)
    assert key not in (stored.digest, stored.prefix) and key.startswith(stored.prefix)


def test_delete_revokes_only_the_token_that_was_used(user):
    laptop, phone = _token(user.email)["token"], _token(user.email)["token"]
    assert _with_token(laptop).delete(TOKEN_URL).status_code == 204
    revoked = _with_token(laptop).get("/api/v1/me/profile/")
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_token"
    assert _with_token(phone).get("/api/v1/me/profile/").status_code == 200
    assert _api().delete(TOKEN_URL).status_code == 401  # nothing to revoke without a token


def test_tokens_are_listed_and_revoked_by_their_owner_only(user, other_user):
    mine = _token(user.email, name="my script")["token"]
    _token(user.email)
    theirs = _token(other_user.email)["token"]
    client = _with_token(mine)
    listed = client.get("/api/v1/me/tokens/").json()
    assert len(listed) == 2
    current = [t for t in listed if t["current"]]
    assert len(current) == 1 and current[0]["name"] == "my script" and mine.startswith(current[0]["prefix"])

    other_id = ApiToken.objects.get(user=other_user).pk
    assert client.delete(f"/api/v1/me/tokens/{other_id}/").status_code == 404
    assert _with_token(theirs).get("/api/v1/me/profile/").status_code == 200

    second = next(t for t in listed if not t["current"])
    assert client.delete(f"/api/v1/me/tokens/{second['id']}/").status_code == 204
    assert [t["id"] for t in client.get("/api/v1/me/tokens/").json()] == [current[0]["id"]]


def test_the_settings_page_lists_the_tokens_with_a_way_to_revoke_them(user):
    key = _token(user.email, name="my script")["token"]
    browser = Client()
    browser.force_login(user)
    page = browser.get("/settings/").content.decode()
    token = ApiToken.objects.get(user=user)
    assert "my script" in page and key[:8] in page
    assert f'data-token-id="{token.pk}"' in page


def test_changing_the_password_revokes_every_token(user):
    key = _token(user.email)["token"]
    browser = Client(REMOTE_ADDR=_address())
    browser.force_login(user)
    changed = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"},
    )
    assert changed.status_code == 302, changed.content[:300]
    assert _with_token(key).get("/api/v1/me/profile/").status_code == 401
    assert _token(user.email, "a-new-long-passphrase")["token"]


def test_resetting_the_password_revokes_every_token(user, mailoutbox):
    key = _token(user.email)["token"]
    browser = Client(REMOTE_ADDR=_address())
    assert browser.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body).group(1)
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    done = browser.post(form.redirect_chain[-1][0], {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"})
    assert done.status_code == 302, done.content[:300]
    assert _with_token(key).get("/api/v1/me/profile/").status_code == 401


def test_an_admin_setting_a_new_password_revokes_every_token(user, admin_user):
    key = _token(user.email)["token"]
    admin = Client()
    admin.force_login(admin_user)
    changed = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase", "usable_password": "true"},
    )
    assert changed.status_code == 302, changed.content[:500]
    assert _with_token(key).get("/api/v1/me/profile/").status_code == 401


def test_signing_in_again_does_not_revoke_the_other_tokens(user):
    first = _token(user.email)["token"]
    _token(user.email)
    assert _with_token(first).get("/api/v1/me/profile/").status_code == 200


def test_the_sign_in_page_slows_one_address_down_with_a_page_that_says_so():
    browser = Client(REMOTE_ADDR=_address())
    answers = [
        browser.post("/accounts/login/", {"login": f"nobody{i}@example.com", "password": "guess"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        for i in range(31)
    ]
    assert answers[0].status_code == 200 and answers[-1].status_code == 429  # 30 a minute per address
    assert "Please wait a minute, then try again." in answers[-1].content.decode()


def test_behind_one_proxy_only_the_address_it_appended_counts(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy, client_address = _api(), _address()
    statuses = [
        proxy.post(
            TOKEN_URL, {"email": f"nobody{i}@example.com", "password": "guess"}, format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, {client_address}",  # forged part, then what our proxy saw
        ).status_code
        for i in range(11)
    ]  # fmt: skip
    assert statuses[0] == 400 and statuses[-1] == 429, statuses


def test_num_proxies_from_the_environment_reaches_drf_and_allauth():
    from tests.accounts.test_accounts import _settings_in_subprocess

    import secrets

    prod, expr = "moodify_site.settings.production", "m.REST_FRAMEWORK['NUM_PROXIES'], m.ALLAUTH_TRUSTED_PROXY_COUNT"
    key = secrets.token_urlsafe(50)  # production refuses to start with a weak key
    assert _settings_in_subprocess(prod, {"SECRET_KEY": key}, expr) == "0 0"
    assert _settings_in_subprocess(prod, {"SECRET_KEY": key, "NUM_PROXIES": "1"}, expr) == "1 1"
