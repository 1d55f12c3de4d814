"""The face as a second signal: camera frames travel with a submission, are checked on upload,
analysed with the voice in the same task, fused, and deleted as soon as they are analysed."""
from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emotion import services
from emotion.models import FusionSettings, VoiceSubmission, recordings_storage

pytestmark = pytest.mark.django_db


def _has_faces() -> bool:
    from ml.face.data import data_dir

    return (data_dir() / "val").is_dir()


pytestmark = [pytestmark, pytest.mark.skipif(not _has_faces(), reason="FER-2013 validation images not found")]


def _jpeg(grey: np.ndarray) -> bytes:
    import cv2

    return cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.fixture(scope="module")
def face_frames() -> list[bytes]:
    """Three 640x480 JPEG frames, each holding a validation face the detector finds."""
    from ml.errors import NoFaceError
    from ml.face.data import load_split
    from ml.face.detect import find_face
    from ml.face.framing import place_in_frame

    x, _ = load_split("val")
    rng = np.random.default_rng(4)
    out = []
    for face in x[rng.permutation(len(x))[:60]]:
        frame = place_in_frame(face, rng)
        try:
            find_face(frame)
        except NoFaceError:
            continue
        out.append(_jpeg(frame))
        if len(out) == 3:
            return out
    raise AssertionError("no detectable validation faces")


@pytest.fixture(scope="module")
def wall_frame() -> bytes:
    return _jpeg(np.full((480, 640), 110, np.uint8))


def post(client, *, audio: bytes | None = None, frames: list[bytes] = (), **extra):
    data = {**extra}
    if audio is not None:
        data["audio"] = SimpleUploadedFile("clip.wav", audio, "audio/wav")
    data["frames"] = [SimpleUploadedFile(f"f{i}.jpg", f, "image/jpeg") for i, f in enumerate(frames)]
    return client.post("/api/v1/submissions/", data, format="multipart")


def frames_left(submission_id) -> bool:
    return recordings_storage().exists(f"frames/{submission_id}")


def test_voice_and_face_are_fused_and_the_frames_are_gone_after_analysis(
        api_client, speech_clip, face_frames, predictor, run_task, emotions):
    response = post(api_client, audio=speech_clip, frames=face_frames, source="recording")
    assert response.status_code == 202, response.json()
    sid = response.json()["id"]
    assert VoiceSubmission.objects.get(id=sid).face_frames == 3 and frames_left(sid)
    assert run_task(sid) == "done"
    assert not frames_left(sid)
    body = api_client.get(f"/api/v1/submissions/{sid}/").json()
    result, signals = body["result"], body["result"]["signals"]
    assert signals["voice"]["available"] and signals["face"]["available"]
    assert set(signals["weights"]) == {"face", "voice"} and sum(signals["weights"].values()) == pytest.approx(1)
    voice, face, w = signals["voice"]["probabilities"], signals["face"]["probabilities"], signals["weights"]
    for label, p in result["probabilities"].items():
        assert p == pytest.approx(w["face"] * face[label] + w["voice"] * voice[label], abs=1e-4)
    assert result["label"] == max(result["probabilities"], key=result["probabilities"].get)
    assert signals["rule_text"]


def test_staff_weights_are_the_ones_used(api_client, speech_clip, face_frames, predictor, run_task, emotions):
    FusionSettings.objects.create(face_weight=0.3, voice_weight=0.7, min_confidence=0.0)
    sid = post(api_client, audio=speech_clip, frames=face_frames).json()["id"]
    run_task(sid)
    signals = api_client.get(f"/api/v1/submissions/{sid}/").json()["result"]["signals"]
    assert signals["weights"] == {"face": 0.3, "voice": 0.7} and signals["rule"] == "both"
    assert signals["default_weights"] == {"face": 0.3, "voice": 0.7}


def test_no_face_in_the_frames_leaves_the_voice_result_untouched(
        api_client, speech_clip, wall_frame, predictor, run_task, emotions):
    sid = post(api_client, audio=speech_clip, frames=[wall_frame, wall_frame]).json()["id"]
    assert run_task(sid) == "done"
    assert not frames_left(sid)
    result = api_client.get(f"/api/v1/submissions/{sid}/").json()["result"]
    assert result["signals"]["face"] == {"available": False, "reason": "no_face",
                                         "reason_text": "No face was found in the camera pictures."}
    assert result["signals"]["weights"] == {"face": 0.0, "voice": 1.0}
    assert result["probabilities"] == pytest.approx(result["signals"]["voice"]["probabilities"], abs=1e-5)
    assert result["label"] == result["signals"]["voice"]["label"]


def test_a_silent_recording_with_a_face_is_read_from_the_face(
        api_client, bad_inputs, face_frames, predictor, run_task, emotions):
    silence = bad_inputs["silence"][0]
    response = post(api_client, audio=silence, frames=face_frames)
    assert response.status_code == 202, response.json()
    sid = response.json()["id"]
    assert run_task(sid) == "done"
    result = api_client.get(f"/api/v1/submissions/{sid}/").json()["result"]
    assert result["signals"]["voice"]["available"] is False and result["signals"]["voice"]["reason"] == "no_speech"
    assert result["signals"]["weights"] == {"face": 1.0, "voice": 0.0}
    assert result["probabilities"] == pytest.approx(result["signals"]["face"]["probabilities"], abs=1e-5)


def test_silence_without_a_face_is_still_refused(api_client, bad_inputs, wall_frame):
    response = post(api_client, audio=bad_inputs["silence"][0], frames=[wall_frame])
    assert response.status_code == 400 and response.json()["error"] == "no_speech"


def test_face_only_submission(api_client, face_frames, run_task, emotions):
    response = post(api_client, frames=face_frames[:2])
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["source"] == "face" and body["has_audio"] is False
    assert run_task(body["id"]) == "done"
    assert not frames_left(body["id"])
    result = api_client.get(body["url"]).json()["result"]
    assert result["signals"]["voice"]["reason"] == "no_recording"
    assert result["label"] == result["signals"]["face"]["label"]


def test_face_only_without_a_face_is_a_clear_4xx(api_client, wall_frame):
    response = post(api_client, frames=[wall_frame])
    assert response.status_code == 400
    assert response.json()["error"] == "no_face" and "face the camera" in response.json()["detail"]
    assert not VoiceSubmission.objects.exists()


@pytest.mark.parametrize(("case", "status", "code"), [
    ("not_an_image", 415, "undecodable_image"),
    ("gif", 415, "undecodable_image"),
    ("too_many", 400, "too_many_frames"),
    ("too_large", 413, "frame_too_large"),
    ("too_wide", 413, "frame_too_large"),
])
def test_bad_frames_answer_4xx_with_a_sentence(api_client, speech_clip, face_frames, settings, case, status, code):
    from PIL import Image

    buf = io.BytesIO()
    frames = {
        "not_an_image": lambda: [b"hello, I am text"],
        "gif": lambda: (Image.new("L", (64, 64)).save(buf, "GIF"), [buf.getvalue()])[1],
        "too_many": lambda: face_frames[:1] * (settings.FACE_MAX_FRAMES + 1),
        "too_large": lambda: [face_frames[0] + b"\0" * settings.FACE_MAX_FRAME_BYTES],
        "too_wide": lambda: (Image.new("L", (settings.FACE_MAX_FRAME_SIDE + 1, 8)).save(buf, "PNG"), [buf.getvalue()])[1],
    }[case]()
    response = post(api_client, audio=speech_clip, frames=frames)
    assert response.status_code == status, response.json()
    assert response.json()["error"] == code and response.json()["detail"].endswith(".")
    assert not VoiceSubmission.objects.exists()


def test_a_failed_or_deleted_submission_leaves_no_frames(api_client, speech_clip, face_frames,
                                                         django_capture_on_commit_callbacks):
    failed = post(api_client, audio=speech_clip, frames=face_frames).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_fail(submission_id=failed, code="analysis_error", detail="x")
    assert not frames_left(failed)
    deleted = post(api_client, audio=speech_clip, frames=face_frames).json()["id"]
    assert frames_left(deleted)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.delete(f"/api/v1/submissions/{deleted}/").status_code == 204
    assert not frames_left(deleted)


def test_the_data_export_holds_results_but_never_frames(api_client, speech_clip, face_frames, predictor, run_task,
                                                        emotions, user):
    from emotion.export import user_export_section

    sid = post(api_client, audio=speech_clip, frames=face_frames).json()["id"]
    run_task(sid)
    rows = user_export_section(sender=None, user=user)["submissions"]
    assert rows[0]["face_frames"] == 3  # how many were sent: the frames themselves are gone
    assert rows[0]["result"]["signals"]["face"]["available"]
    text = repr(rows)
    assert "frames/" not in text and "JFIF" not in text
