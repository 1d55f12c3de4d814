"""The camera as a second signal in a real browser: Chromium's fake camera shows validation faces
(a .y4m made at test time) while its fake microphone speaks. The camera is off until ticked; with
it on, the result page shows voice, face and the weights that combined them, and the pictures are
gone from the server once analysed. "Use my face instead of speaking" works without a recording."""
from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BASE_ARGS, CHROMIUM
from tests.e2e.helpers import sign_up, unique_email

pytestmark = pytest.mark.e2e


def _has_faces() -> bool:
    from ml.face.data import data_dir

    return (data_dir() / "val").is_dir()


pytestmark = [pytestmark, pytest.mark.skipif(not _has_faces(), reason="FER-2013 validation images not found")]


def write_y4m(path, frames: list[np.ndarray], repeat: int = 10) -> None:
    """Greyscale 640x480 frames as a 10-fps YUV 4:2:0 stream (neutral chroma), each held ``repeat`` frames."""
    h, w = frames[0].shape
    chroma = np.full((h // 2) * (w // 2), 128, np.uint8).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            for _ in range(repeat):
                f.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture(scope="session")
def camera_y4m(tmp_path_factory):
    """Validation faces, each placed in a 640x480 frame where the detector finds it."""
    from ml.errors import NoFaceError
    from ml.face.data import load_split
    from ml.face.detect import find_face
    from ml.face.framing import place_in_frame

    x, _ = load_split("val")
    rng = np.random.default_rng(11)
    frames = []
    for face in x[rng.permutation(len(x))[:80]]:
        frame = place_in_frame(face, rng, face_px=200)
        try:
            find_face(frame)
        except NoFaceError:
            continue
        frames.append(frame)
        if len(frames) == 4:
            break
    path = tmp_path_factory.mktemp("camera") / "faces.y4m"
    write_y4m(path, frames)
    return path


@pytest.fixture(scope="session")
def camera_browser(playwright_instance, speech_wav, camera_y4m):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[*BASE_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-audio-capture={speech_wav}",
              f"--use-file-for-fake-video-capture={camera_y4m}"],
    )  # fmt: skip
    yield browser
    browser.close()


def frames_on_server(submission_id: str) -> bool:
    from emotion.models import recordings_storage

    return recordings_storage().exists(f"frames/{submission_id}")


def test_voice_and_face_together(camera_browser, new_page, shots):
    from emotion.models import VoiceSubmission

    page = new_page(camera_browser, permissions=("microphone", "camera"))
    sign_up(page, unique_email("face"))
    page.goto("/record/")
    toggle = page.get_by_label("Also read my face with the camera")
    expect(toggle).not_to_be_checked()  # off by default
    expect(page.locator("#camera-help")).to_contain_text("delete them as soon as they are analysed")
    toggle.check()
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#camera-preview")).to_be_visible(timeout=5_000)
    expect(page.locator("#elapsed")).to_have_text("0:04", timeout=10_000)
    shots(page, "01-recording-with-camera")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#camera-preview")).to_be_hidden()
    page.get_by_role("button", name="Analyse this recording").click()

    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=60_000)
    submission_id = page.url.rstrip("/").split("/")[-1]
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=90_000)
    expect(page.locator("#signals-section")).to_be_visible()
    expect(page.locator("#signal-voice")).to_have_text(re.compile(r"^[A-Z][a-z]+ \(\d{1,3}% confident\)$"))
    expect(page.locator("#signal-face")).to_have_text(re.compile(r"^[A-Z][a-z]+ \(\d{1,3}% confident\)$"))
    expect(page.locator("#signal-weights")).to_have_text(re.compile(r"^\d{1,3}% face, \d{1,3}% voice\. .+\.$"))
    shots(page, "02-result-voice-and-face")
    submission = VoiceSubmission.objects.get(id=submission_id)
    assert submission.face_frames == 3
    assert not frames_on_server(submission_id)
    assert page.errors == []


def test_camera_off_keeps_the_voice_alone(camera_browser, new_page):
    page = new_page(camera_browser, permissions=("microphone", "camera"))
    sign_up(page, unique_email("nocam"))
    page.goto("/record/")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#elapsed")).to_have_text("0:03", timeout=10_000)
    expect(page.locator("#camera-preview")).to_be_hidden()
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Analyse this recording").click()
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=90_000)
    expect(page.locator("#signals-section")).to_be_hidden()


def test_use_my_face_instead_of_speaking(camera_browser, new_page, shots):
    page = new_page(camera_browser, permissions=("camera",))
    sign_up(page, unique_email("faceonly"))
    page.goto("/mood/")
    page.get_by_role("button", name="Use my face").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=30_000)
    submission_id = page.url.rstrip("/").split("/")[-1]
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#signal-voice")).to_have_text("You chose your face instead of speaking.")
    expect(page.locator("#signal-face")).to_have_text(re.compile(r"% confident\)$"))
    expect(page.locator("#signal-weights")).to_have_text(re.compile(r"^100% face, 0% voice\."))
    shots(page, "03-face-only-result")
    assert not frames_on_server(submission_id)
