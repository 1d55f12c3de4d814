"""What people see when the microphone cannot be used, or the recording is unusable."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_up, unique_email

pytestmark = pytest.mark.e2e


def test_denied_microphone_explains_how_to_fix_it(browser_without_permission, new_page, shots):
    page = new_page(browser_without_permission, permissions=())
    sign_up(page, unique_email("denied"))
    page.goto("/record/")
    page.get_by_role("button", name="Start recording").click()
    alert = page.locator("#rec-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("access was blocked")
    expect(alert).to_contain_text("Allow")
    # Nothing is left spinning or half-started, and the other ways in are right there.
    expect(page.get_by_role("button", name="Start recording")).to_be_enabled()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    expect(page.get_by_label("Audio file")).to_be_visible()
    expect(page.get_by_role("link", name="Pick your mood instead")).to_be_visible()
    shots(page, "record-denied")
    assert not page.errors, page.errors


def test_missing_microphone_says_so(browser, new_page):
    page = new_page(browser)
    # A computer without any microphone: the browser answers NotFoundError.
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('none', 'NotFoundError'));"
    )
    sign_up(page, unique_email("nomic"))
    page.goto("/record/")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#rec-error")).to_contain_text("couldn’t find a microphone")


def test_too_short_recording_is_refused_before_upload(browser, new_page, shots):
    page = new_page(browser)
    sign_up(page, unique_email("short"))
    page.goto("/record/")
    page.get_by_role("button", name="Start recording").click()
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#rec-error")).to_contain_text("at least 3 seconds")
    expect(page.get_by_role("button", name="Analyse this recording")).to_be_hidden()
    expect(page.get_by_role("button", name="Try again")).to_be_focused()
    shots(page, "record-too-short")


def test_upload_that_is_not_audio_gets_a_sentence_not_a_crash(browser, new_page, tmp_path):
    page = new_page(browser)
    sign_up(page, unique_email("upload"))
    page.goto("/record/")
    notes = tmp_path / "notes.wav"
    notes.write_text("these are my shopping notes, not a recording\n" * 40)
    page.get_by_label("Audio file").set_input_files(str(notes))
    page.get_by_role("button", name="Upload and analyse").click()
    error = page.locator("#upload-error")
    expect(error).to_be_visible()
    expect(error).not_to_contain_text("Traceback")
    expect(error).to_contain_text("audio")
    expect(page.get_by_role("button", name="Upload and analyse")).to_be_enabled()
    expect(page.locator("#upload-status")).to_be_hidden()


def test_a_silent_upload_says_no_speech_was_heard(browser, new_page, tmp_path):
    import subprocess

    page = new_page(browser)
    sign_up(page, unique_email("silent"))
    page.goto("/record/")
    silent = tmp_path / "silence.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "4", str(silent)],
        check=True,
    )
    page.get_by_label("Audio file").set_input_files(str(silent))
    page.get_by_role("button", name="Upload and analyse").click()
    error = page.locator("#upload-error")
    expect(error).to_contain_text("speech", timeout=30_000)
    expect(page).to_have_url(re.compile(r"/record/$"))
