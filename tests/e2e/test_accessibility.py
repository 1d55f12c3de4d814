"""Keyboard-only use, and a name for every control a screen reader announces."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_up, unique_email

pytestmark = pytest.mark.e2e

UNNAMED_CONTROLS = """() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    return style.display !== "none" && style.visibility !== "hidden" && !el.closest("[hidden]");
  };
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\\s+/).some((id) => (document.getElementById(id)?.textContent || "").trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (["BUTTON", "A"].includes(el.tagName) && el.textContent.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button, a[href]")]
    .filter(visible).filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
}"""


def tab_until(page: Page, predicate_js: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"never reached {predicate_js} with the Tab key")


def test_mood_picker_and_rating_by_keyboard_alone(browser, new_page, shots):
    page = new_page(browser)
    sign_up(page, unique_email("keyboard"))
    page.goto("/mood/")

    # The first Tab lands on the skip link, which jumps past the navigation.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    tab_until(page, "document.activeElement.name === 'emotion'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    picked = page.evaluate("document.querySelector('label[for=\"' + document.activeElement.id + '\"]').textContent.trim()")
    assert page.evaluate("document.activeElement.checked")
    tab_until(page, "document.activeElement.id === 'picker-submit'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"))
    expect(page.locator("#emotion-name")).to_have_text(picked)
    expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)

    # Rate the first track with the keyboard: into its stars, arrow to three, saved at once.
    tab_until(page, "document.activeElement.name && document.activeElement.name.startsWith('rating-')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    first = page.locator("#track-list > li.track").first
    expect(first.locator(".save-state")).to_have_text("Saved")
    expect(first.locator("input[type=radio][value='3']")).to_be_checked()
    shots(page, "keyboard-rated")

    assert page.evaluate(UNNAMED_CONTROLS) == []
    for path in ("/record/", "/history/", "/settings/", "/mood/", "/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNNAMED_CONTROLS) == [], path
    assert not page.errors, page.errors
