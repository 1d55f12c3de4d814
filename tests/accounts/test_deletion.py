"""Deleting an account: every session of it ends, and people who signed up through Spotify (no
password) can delete theirs too."""
from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import User
from accounts.services import user_create
from tests.accounts.test_auth import PASSWORD, _address

pytestmark = pytest.mark.django_db


def _signed_in_browser(email: str) -> Client:
    browser = Client(REMOTE_ADDR=_address())
    assert browser.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return browser


def test_deleting_the_account_ends_every_session_of_it(user, other_user):
    laptop, phone = _signed_in_browser(user.email), _signed_in_browser(user.email)
    theirs = _signed_in_browser(other_user.email)
    keys = [laptop.session.session_key, phone.session.session_key]
    assert Session.objects.filter(session_key__in=keys).count() == 2
    listed = laptop.get("/accounts/sessions/").content.decode()  # "where you are signed in"
    assert laptop.defaults["REMOTE_ADDR"] in listed and phone.defaults["REMOTE_ADDR"] in listed

    deleted = laptop.delete("/api/v1/me/", {"password": PASSWORD}, content_type="application/json")
    assert deleted.status_code == 204
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert phone.get("/api/v1/me/profile/").status_code in (401, 403)
    assert theirs.get("/api/v1/me/profile/").json()["email"] == other_user.email  # others stay signed in


@pytest.fixture
def spotify_user(db) -> User:
    person = user_create(email="listener@example.com", password=None)
    SocialAccount.objects.create(user=person, provider="spotify", uid="spotify-listener")
    return person


def test_a_spotify_only_user_confirms_deletion_by_typing_their_email(spotify_user):
    assert not spotify_user.has_usable_password()
    browser = Client()
    browser.force_login(spotify_user)
    page = browser.get("/settings/").content.decode()
    assert 'name="confirm_email"' in page and 'name="password"' not in page

    for body in ({}, {"password": ""}, {"confirm_email": "someone@example.com"}):
        refused = browser.delete("/api/v1/me/", body, content_type="application/json")
        assert refused.status_code == 400, body
        assert refused.json()["error"] == "confirmation_mismatch"
        assert "type your email address" in refused.json()["detail"] and "listener@example.com" in refused.json()["detail"]
    assert User.objects.filter(pk=spotify_user.pk).exists()

    deleted = browser.delete("/api/v1/me/", {"confirm_email": " Listener@Example.com "}, content_type="application/json")
    assert deleted.status_code == 204
    assert not User.objects.filter(pk=spotify_user.pk).exists()
    assert not SocialAccount.objects.filter(uid="spotify-listener").exists()


def test_typing_the_email_is_not_enough_for_an_account_with_a_password(user, api_client):
    refused = api_client.delete("/api/v1/me/", {"confirm_email": user.email}, format="json")
    assert refused.status_code == 400 and refused.json()["error"] == "wrong_password"
    assert User.objects.filter(pk=user.pk).exists()


def test_a_borrowed_session_cannot_guess_the_password_through_deletion(user):
    browser = _signed_in_browser(user.email)
    answers = [
        browser.delete("/api/v1/me/", {"password": f"guess-{i}"}, content_type="application/json") for i in range(6)
    ]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert answers[-1].json()["error"] == "too_many_attempts"
    assert browser.delete("/api/v1/me/", {"password": PASSWORD}, content_type="application/json").status_code == 429
    assert User.objects.filter(pk=user.pk).exists()
