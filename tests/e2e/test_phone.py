"""The site on a 375-px-wide phone: nothing wider than the screen, everything reachable."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import no_horizontal_scroll, sign_up, unique_email

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_phone_layout_upload_pick_and_history(browser, new_page, shots, speech_wav):
    page = new_page(browser, **PHONE)
    page.goto("/")
    assert no_horizontal_scroll(page)
    shots(page, "phone-landing")
    sign_up(page, unique_email("phone"))

    page.goto("/record/")
    assert no_horizontal_scroll(page)
    shots(page, "phone-record")

    # Upload a file instead of recording; the result arrives.
    page.get_by_label("Audio file").set_input_files(str(speech_wav))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=60_000)
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)
    assert no_horizontal_scroll(page)
    for box in page.locator("#track-list > li.track").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= 375, "a track card is wider than the phone screen"
    shots(page, "phone-result")

    # The mood picker, for people who would rather not speak.
    page.goto("/mood/")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="Find music for this mood").click()
    expect(page.locator("#picker-error")).to_contain_text("Choose the mood")
    page.locator("label[for='mood-calm']").click()
    page.get_by_role("button", name="Find music for this mood").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"))
    expect(page.locator("#emotion-name")).to_have_text("Calm")
    expect(page.locator("#emotion-confidence")).to_have_text("You picked this mood.")
    expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)
    assert no_horizontal_scroll(page)
    shots(page, "phone-picked")

    page.goto("/history/")
    expect(page.locator("li.session")).to_have_count(2)
    assert no_horizontal_scroll(page)
    shots(page, "phone-history")

    # Delete one session: asked first, then gone from the list and from the charts.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("li.session").first.get_by_role("button", name=re.compile("^Delete the session")).click()
    expect(page.locator("li.session")).to_have_count(1)
    expect(page.locator("#range-summary")).to_contain_text("1 mood between")
    page.reload()
    expect(page.locator("li.session")).to_have_count(1)

    page.goto("/settings/")
    assert no_horizontal_scroll(page)
    shots(page, "phone-settings")
    assert not page.errors, page.errors
