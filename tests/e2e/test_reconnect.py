"""The result page while the web server restarts under it: the open socket drops, the page polls
and reconnects by itself, and the result that comes after the restart arrives live."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_up, unique_email
from tests.integration.conftest import daphne_process, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def restartable_site(site, stack_env, log_dir):  # noqa: F811 (fixtures)
    """A Daphne of this test's own, on a port it keeps across restarts (the page's origin)."""
    port = free_port()
    web = daphne_process("daphne-restarted", stack_env, log_dir, port)
    web.start(port=port, timeout=60)
    yield web, f"http://127.0.0.1:{port}"
    web.stop()


def test_the_result_page_reconnects_after_a_server_restart_and_shows_the_final_state(browser, restartable_site, shots):
    from django.db import connections

    from accounts.models import User
    from emotion import services
    from emotion.models import VoiceSubmission
    from ml import Prediction

    web, url = restartable_site
    context = browser.new_context(base_url=url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    email = unique_email("restart")
    sign_up(page, email)
    # Queued and never handed to a worker, so it is still waiting when the server comes back.
    waiting = VoiceSubmission.objects.create(user=User.objects.get(email=email), source="recording")
    page.goto(f"/submissions/{waiting.id}/")
    live = page.locator("#live-mode")
    expect(live).to_have_text(re.compile("^Live"))

    web.kill()  # the socket drops mid-wait
    expect(live).to_have_text(re.compile("Checking for updates"))
    web.start(port=int(url.rsplit(":", 1)[1]), timeout=60)
    expect(live).to_have_text(re.compile("^Live"), timeout=30_000)  # back on a socket, by itself

    # The worker's part: the result is stored and pushed to the reconnected socket (from a thread
    # of its own, as the channel layer's sync API cannot run beside Playwright's event loop).
    prediction = Prediction(label="happy", probabilities={"happy": 0.8, "neutral": 0.2}, confidence=0.8,
                            speech_duration_s=3.2, model_version="test")
    def store_and_push() -> None:
        try:
            services.submission_store_result(submission_id=waiting.id, prediction=prediction)
        finally:
            connections.close_all()  # this thread's own connection, or the test database cannot be dropped

    worker = threading.Thread(target=store_and_push)
    worker.start()
    worker.join(timeout=30)
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#emotion-name")).to_have_text(re.compile("Happy", re.IGNORECASE))
    shots(page, "after-restart")
    context.close()
