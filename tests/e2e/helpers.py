"""Steps people take on the site, shared by the browser tests."""
from __future__ import annotations

import itertools
import time

from playwright.sync_api import Page, expect

PASSWORD = "listen-to-my-voice-42"
_counter = itertools.count()


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{int(time.time() * 1000)}-{next(_counter)}@example.com"


def sign_up(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/")
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()  # not "Sign in with a passkey"


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
