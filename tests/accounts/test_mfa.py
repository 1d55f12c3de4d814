"""Two-factor authentication (allauth.mfa): turning TOTP on through the pages, then signing in on
the page and for an API token, where the password alone is no longer enough."""
from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from tests.accounts.test_auth import PASSWORD, TOKEN_URL, _address, _api

pytestmark = pytest.mark.django_db


def _code(secret: str, steps_from_now: int = 0) -> str:
    """What an authenticator app shows (30-s steps; a code is accepted once only)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps_from_now))


@pytest.fixture
def staff(user_factory):
    person = user_factory(is_staff=True)
    # allauth turns on MFA only for verified addresses (no squatting someone's email with it).
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    return person


@pytest.fixture
def totp_secret(staff, settings) -> str:
    """Staff member turns TOTP on through the pages, as they would with their phone."""
    settings.MFA_TOTP_TOLERANCE = 1  # so the tests can use three different codes at once
    browser = Client(REMOTE_ADDR=_address())
    assert browser.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}).status_code == 302
    # allauth asks for the password again before security settings change.
    assert browser.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    assert browser.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    page = browser.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = browser.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # for typing into an app without scanning the QR code
    activated = browser.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert activated.status_code == 302, activated.content[:500]
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    return secret


def test_the_html_login_asks_for_the_code_after_the_password(staff, totp_secret):
    browser = Client(REMOTE_ADDR=_address())
    after_password = browser.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert after_password.status_code == 302 and after_password["Location"] == "/accounts/2fa/authenticate/"
    assert browser.get("/api/v1/me/profile/").status_code in (401, 403)  # not signed in yet

    wrong = browser.post("/accounts/2fa/authenticate/", {"code": _code(totp_secret, 5)})
    assert wrong.status_code == 200 and browser.get("/api/v1/me/profile/").status_code in (401, 403)
    signed_in = browser.post("/accounts/2fa/authenticate/", {"code": _code(totp_secret, 1)})
    assert signed_in.status_code == 302
    assert browser.get("/api/v1/me/profile/").json()["email"] == staff.email


def test_the_token_endpoint_wants_the_code_as_otp(staff, totp_secret):
    credentials = {"email": staff.email, "password": PASSWORD}
    missing = _api().post(TOKEN_URL, credentials, format="json")
    assert missing.status_code == 400 and missing.json()["error"] == "otp_required"
    assert '"otp"' in missing.json()["detail"]

    wrong = _api().post(TOKEN_URL, {**credentials, "otp": _code(totp_secret, 5)}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_otp"

    code = _code(totp_secret, -1)
    assert _api().post(TOKEN_URL, {**credentials, "otp": code}, format="json").json()["token"]
    replayed = _api().post(TOKEN_URL, {**credentials, "otp": code}, format="json")
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_otp"


def test_a_recovery_code_works_once_for_a_token(staff, totp_secret):
    recovery = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    code = recovery.wrap().get_unused_codes()[0]
    request = {"email": staff.email, "password": PASSWORD, "otp": code}
    assert _api().post(TOKEN_URL, request, format="json").status_code == 200
    assert _api().post(TOKEN_URL, request, format="json").json()["error"] == "invalid_otp"


def test_passkeys_are_offered_to_everyone(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert b"passkey" in Client().get("/accounts/login/").content.lower()  # sign in without a password
    browser = Client(REMOTE_ADDR=_address())
    assert browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    assert browser.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    add = browser.get("/accounts/2fa/webauthn/add/?passwordless")
    assert add.status_code == 200 and b"credential" in add.content  # fido2's creation options for the browser
    settings_page = browser.get("/settings/").content.decode()
    assert 'href="/accounts/2fa/"' in settings_page and 'href="/accounts/sessions/"' in settings_page


@pytest.mark.parametrize(
    "path",
    ["/accounts/2fa/", "/accounts/2fa/webauthn/", "/accounts/2fa/recovery-codes/generate/", "/accounts/sessions/",
     "/accounts/password/change/", "/accounts/email/", "/settings/"],
)  # fmt: skip
def test_every_security_page_opens_in_the_site_layout(staff, path):
    browser = Client(REMOTE_ADDR=_address())
    assert browser.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}).status_code == 302
    assert browser.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    page = browser.get(path)
    assert page.status_code == 200
    assert b'href="/settings/"' in page.content  # the site's navigation, not a bare allauth page
