"""The Django admin as a password guesser meets it: its sign-in is allauth's, rate-limited."""
from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(user_factory):
    return user_factory(email="staff@example.com", password=PASSWORD, is_staff=True, is_superuser=True)


def test_the_admin_sign_in_form_sends_people_to_the_site_sign_in_and_back(client, staff):
    assert client.get("/admin/").url == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/").url == "/accounts/login/?next=%2Fadmin%2F"
    # Posting the right password to the admin's own form signs nobody in: it has no rate limit.
    posted = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert posted.status_code == 302 and posted.url.startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302

    signed_in = client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD})
    assert signed_in.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_people_who_are_not_staff_are_refused_the_admin_sign_in(client, user):
    client.force_login(user)
    response = client.get("/admin/login/")
    assert response.status_code == 403
    assert "sign in with that account" in response.content.decode()


def _try_admin_password(client: Client, email: str, password: str) -> bool:
    """What a guessing script does: post to the admin's sign-in, follow it to whatever form it
    names, post the same there; True if that signed it in."""
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        response = client.post(response.url, {"login": email, "password": password})
        assert response.status_code in (200, 302, 429), response.status_code
    return "_auth_user_id" in client.session


def test_after_ten_wrong_passwords_for_one_account_even_the_right_one_is_refused(staff):
    # The guesser changes X-Forwarded-For on every try, as if coming from many addresses.
    for attempt in range(10):
        guesser = Client(headers={"X-Forwarded-For": f"203.0.113.{attempt}"})
        assert not _try_admin_password(guesser, staff.email, f"guess-{attempt}")

    late = Client(headers={"X-Forwarded-For": "198.51.100.7"})
    assert not _try_admin_password(late, staff.email, PASSWORD)
    assert late.get("/admin/").status_code == 302
    page = late.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in page.content.decode()
