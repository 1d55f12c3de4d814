"""A person talks for twenty-odd seconds: the whole recording is analysed and the result page shows
how the mood moved while they spoke."""
from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_up, unique_email
from tests.ml.conftest import data_dir, needs_data

pytestmark = [pytest.mark.e2e, needs_data]


def test_a_long_recording_gets_a_mood_timeline(browser, new_page, tmp_path, shots):
    import soundfile as sf

    from ml.audio import load_audio

    folder = data_dir() / "speech" / "ravdess" / "Actor_09"
    clips = sorted(folder.glob("03-01-05-02-*.flac"))[:3] + sorted(folder.glob("03-01-04-02-*.flac"))[:3]
    y = np.concatenate([load_audio(p)[0] for p in clips])  # angry, then sad: ~22 s
    assert 18 < len(y) / 16_000 < 30
    path = tmp_path / "my-day.wav"
    sf.write(str(path), y, 16_000, subtype="PCM_16")

    page = new_page(browser)
    sign_up(page, unique_email("long"))
    page.goto("/record/")
    page.get_by_label("Audio file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=60_000)
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=90_000)
    expect(page.get_by_role("heading", name="How your mood moved while you spoke")).to_be_visible()
    parts = page.locator("#timeline-list li")
    assert parts.count() >= 3
    # The windows cover the recording from its start to its end, in order.
    expect(parts.first).to_have_text(re.compile(r"^0:0\d–0:\d\d: [A-Z][a-z]+ \(\d+%\)$"))
    last = parts.last.inner_text()
    end = re.match(r"^\d:\d\d–(\d):(\d\d)", last)
    assert end and int(end.group(1)) * 60 + int(end.group(2)) >= 18, last
    assert page.locator("#timeline-chart").evaluate("el => !!Chart.getChart(el)"), "the timeline chart was not drawn"
    shots(page, "long-recording-timeline")
    assert not page.errors, page.errors
