"""What an attacker can send as an upload: too much, too wide, a playlist of other files; and what
they get back when they download a recording."""
from __future__ import annotations

import asyncio
import subprocess
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.files.uploadedfile import SimpleUploadedFile

from emotion.models import VoiceSubmission

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "clip.wav", content_type: str = "audio/wav"):
    return client.post("/api/v1/submissions/", {"audio": SimpleUploadedFile(name, data, content_type)}, format="multipart")


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["error"] == code
    assert body["detail"].endswith(".") and len(body["detail"]) > 30
    assert not VoiceSubmission.objects.exists()
    return body


def test_an_upload_over_the_cap_is_stopped_mid_stream_and_its_temporary_file_removed(api_client, settings, tmp_path):
    # Content-Length within the request cap, file bytes over the file cap: only the running count sees it.
    settings.EMOTION_MAX_UPLOAD_BYTES = 200_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # so Django spools the file to FILE_UPLOAD_TEMP_DIR
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    body = assert_refused(upload(api_client, b"RIFF" + bytes(600_000)), 413, "file_too_large")
    assert "larger than 195 KB" in body["detail"]
    assert list(tmp_path.iterdir()) == []


def _asgi_post(app, *, chunks: int, chunk_size: int) -> tuple[int, int, bytes]:
    """POST a body of `chunks` chunks without Content-Length; (status, chunks read, response body)."""
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        read += 1
        return {"type": "http.request", "body": bytes(chunk_size), "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/api/v1/submissions/", "raw_path": b"/api/v1/submissions/",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"multipart/form-data; boundary=x"),
                    (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], read, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_the_asgi_app_stops_reading_a_chunked_body_once_it_passes_the_cap(settings):
    import json

    from moodify_site.asgi import application

    chunk = 64 * 1024
    status, read, body = _asgi_post(application, chunks=1600, chunk_size=chunk)  # 100 MB offered
    assert status == 413
    assert read * chunk <= settings.REQUEST_MAX_BODY_BYTES + chunk  # the rest was never read
    assert json.loads(body)["error"] == "file_too_large"


def flac_of(*, seconds: float, channels: int, rate: int) -> bytes:
    import io

    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((int(seconds * rate), channels), dtype=np.float32), rate, format="FLAC")
    return buffer.getvalue()


def test_a_small_file_that_would_decode_to_hundreds_of_megabytes_is_refused_from_its_header(api_client):
    data = flac_of(seconds=30, channels=8, rate=192_000)
    assert len(data) < 200_000  # silence compresses: ~58 KB that decode to 184 MB of float32
    tracemalloc.start()
    try:
        response = upload(api_client, data, "bomb.flac", "audio/flac")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    body = assert_refused(response, 400, "invalid_audio")
    assert "8 channels" in body["detail"]
    assert peak < 20 * 1024 * 1024  # nothing was decoded


def test_a_sample_rate_above_48_khz_is_refused_with_a_sentence(api_client):
    body = assert_refused(upload(api_client, flac_of(seconds=3, channels=1, rate=96_000), "hi.flac"), 400, "invalid_audio")
    assert "96000 Hz" in body["detail"] and "48 kHz" in body["detail"]


def test_a_playlist_that_points_ffmpeg_at_a_file_on_the_server_is_refused(api_client, audio_dir):
    from tests.audio_samples import encode, speech_wav

    local = audio_dir / "on-the-server.mp3"
    local.write_bytes(encode(speech_wav(audio_dir / "on-the-server.wav", seconds=4.0), ".mp3"))
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{local}\n#EXT-X-ENDLIST\n".encode()
    # ffmpeg 5.1 on its own follows such a playlist and decodes the server's file (the old upload
    # check answered 202 to it).
    assert_refused(upload(api_client, playlist, "clip.m3u8", "audio/mpegurl"), 415, "undecodable_audio")


def test_a_recording_downloads_as_an_attachment_of_its_detected_type_never_rendered(api_client, speech_clip):
    body = upload(api_client, speech_clip, "page.html", "text/html").json()
    stored = Path(VoiceSubmission.objects.get(id=body["id"]).audio.path)
    assert stored.stat().st_mode & 0o777 == 0o600  # on disk, readable by the site's own user only
    response = api_client.get(body["audio_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == speech_clip


def test_a_type_stored_before_detection_is_served_as_bytes(api_client, speech_clip):
    body = upload(api_client, speech_clip).json()
    VoiceSubmission.objects.filter(id=body["id"]).update(content_type="text/html")
    response = api_client.get(body["audio_url"])
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_largest_recording_within_the_caps_is_accepted(api_client, audio_dir, settings):
    from tests.audio_samples import speech_wav

    source = speech_wav(audio_dir / "long-enough.wav", seconds=settings.EMOTION_MAX_DURATION_S - 1)
    wide = audio_dir / "wide.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-ar", "48000", "-ac", "2", str(wide)],
                   check=True)  # fmt: skip
    data = wide.read_bytes()
    assert len(data) > 5 * 2**20  # well past FILE_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_MEMORY_SIZE
    response = upload(api_client, data, "wide.wav")
    assert response.status_code == 202, response.json()
    assert VoiceSubmission.objects.get(id=response.json()["id"]).size_bytes == len(data)
