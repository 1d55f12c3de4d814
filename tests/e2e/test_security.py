"""Account security in a real browser: revoking an API token from the settings page, and a
passkey (Chromium's virtual authenticator) that signs in without a password."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, sign_up, unique_email

pytestmark = pytest.mark.e2e


def test_an_api_token_is_revoked_from_the_settings_page(browser, new_page, site, shots):
    page = new_page(browser)
    email = unique_email("tokens")
    sign_up(page, email)
    issued = requests.post(
        f"{site.url}/api/v1/auth/token/", json={"email": email, "password": PASSWORD, "name": "my script"}, timeout=30
    ).json()
    auth = {"Authorization": f"Token {issued['token']}"}
    assert requests.get(f"{site.url}/api/v1/me/profile/", headers=auth, timeout=30).status_code == 200

    page.goto("/settings/")
    row = page.locator("[data-token-row]").filter(has_text="my script")
    expect(row).to_contain_text(issued["token"][:8])
    shots(page, "tokens")
    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.locator("#tokens-status")).to_have_text("The token is revoked: programs using it are signed out.")
    expect(row).to_have_count(0)
    assert requests.get(f"{site.url}/api/v1/me/profile/", headers=auth, timeout=30).status_code == 401
    assert page.errors == []


def test_a_passkey_signs_in_without_a_password(browser, site, shots):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    # WebAuthn needs a domain name (not an IP address) as the relying party's id.
    context = browser.new_context(base_url=site.url.replace("127.0.0.1", "localhost"))
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
        }})  # fmt: skip
        email = unique_email("passkey")
        sign_up(page, email)
        EmailAddress.objects.filter(email=email).update(verified=True)  # as if they clicked the link we sent

        page.goto("/settings/")
        page.get_by_role("link", name="Two-factor authentication and passkeys").click()
        page.goto("/accounts/2fa/webauthn/add/")
        page.get_by_label("Password").fill(PASSWORD)  # allauth asks again before security changes
        page.get_by_role("button", name="Confirm").click()
        page.get_by_label("Passwordless").check()
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
        assert Authenticator.objects.filter(user__email=email, type=Authenticator.Type.WEBAUTHN).count() == 1
        shots(page, "passkey-added")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert page.evaluate("fetch('/api/v1/me/profile/').then(r => r.json())")["email"] == email
    finally:
        context.close()
