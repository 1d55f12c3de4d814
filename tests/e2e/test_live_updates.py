"""The result page without its WebSocket, and when no result ever comes: never a dead spinner."""
from __future__ import annotations

import re
import time

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


def test_a_set_still_being_built_arrives_on_the_socket(browser, new_page):
    """The page asks once, hears "202, being built", and shows the set the worker pushes: every
    later ask is answered 202 here, so only the push can bring it."""
    from django.utils import timezone

    from accounts.models import User
    from emotion.models import EmotionResult, VoiceSubmission

    page = new_page(browser)
    email = unique_email("pushed")
    sign_up(page, email)
    now = timezone.now()
    # A result whose set nobody has built yet (stored directly: no signal, no queued build).
    submission = VoiceSubmission.objects.create(user=User.objects.get(email=email), source="recording",
                                                status="done", started_at=now, finished_at=now)
    EmotionResult.objects.create(submission=submission, label="happy", probabilities={"happy": 0.9, "sad": 0.1},
                                 confidence=0.9, model_version="test")
    asked, statuses = [], []
    page.on("response", lambda response: "/recommendations/" in response.url and statuses.append(response.status))

    def answer(route):
        asked.append(route.request.url)
        if len(asked) == 1:
            time.sleep(1)  # the socket is open by now: the push cannot beat it
            route.continue_()
        else:
            route.fulfill(status=202, json={"status": "building", "detail": "On its way."}, headers={"Retry-After": "1"})

    page.route(re.compile(r".*/recommendations/$"), answer)
    try:
        page.goto(f"/submissions/{submission.id}/")
        expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)
    finally:  # nothing of this test's routing may outlive it (a late ask would fail in the next test)
        page.unroute_all(behavior="wait")
    assert statuses[0] == 202  # the real answer: the set was not built in the request
    expect(page.locator("#recs-for")).to_contain_text("happy")
    assert not page.errors, page.errors
