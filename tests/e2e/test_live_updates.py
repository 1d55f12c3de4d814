"""The result page without its WebSocket, and when no result ever comes: never a dead spinner."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_up, unique_email

pytestmark = pytest.mark.e2e


def test_result_arrives_by_polling_when_websockets_are_blocked(browser, new_page, speech_wav):
    page = new_page(browser)
    # A proxy that drops WebSockets: every connection fails at once.
    page.add_init_script("""
      window.WebSocket = class { constructor() { setTimeout(() => this.onclose && this.onclose(), 0); }
        addEventListener(type, fn) { if (type === 'close') setTimeout(fn, 10); } close() {} };
    """)
    sign_up(page, unique_email("polling"))
    page.goto("/record/")
    page.get_by_label("Audio file").set_input_files(str(speech_wav))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=60_000)
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)
    assert not page.errors, page.errors


def test_a_result_that_never_comes_ends_in_a_message_not_a_spinner(browser, new_page, shots):
    from accounts.models import User
    from emotion.models import VoiceSubmission

    page = new_page(browser)
    page.add_init_script("window.moodifyTiming = { slowAfterMs: 1500, giveUpAfterMs: 4000 };")
    email = unique_email("stuck")
    sign_up(page, email)
    # Queued, but never handed to the worker: as if the queue were down.
    stuck = VoiceSubmission.objects.create(user=User.objects.get(email=email), source="recording")
    page.goto(f"/submissions/{stuck.id}/")
    expect(page.locator("#status-text")).to_have_text(re.compile("Uploaded|Listening"))
    expect(page.locator("#status-slow")).to_contain_text("taking longer than usual")
    expect(page.locator("#status-error-text")).to_contain_text("still don’t have a result", timeout=10_000)
    expect(page.locator("#status-spinner")).to_be_hidden()
    expect(page.get_by_role("link", name="Record again").first).to_be_visible()
    shots(page, "result-gave-up")
