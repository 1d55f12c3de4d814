"""What an upload is, read from its header without decoding it: container, channels, sample rate,
duration. Uploads are refused on these before a decoder spends memory or CPU on them."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import soundfile as sf
from django.conf import settings

# The containers uploads may come in (libsndfile format or ffmpeg demuxer names) and the type a
# recording in each is served back with. Anything else (HLS playlists, concat lists, images,
# subtitles, ...) is refused before ffmpeg opens it: those demuxers read other files and URLs.
AUDIO_CONTENT_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "aiff": "audio/aiff",
    "matroska": "audio/webm",
    "webm": "audio/webm",
    "mov": "audio/mp4",
    "mp4": "audio/mp4",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
}
PROBE_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class AudioHeader:
    format: str  # a key of AUDIO_CONTENT_TYPES
    channels: int
    sample_rate: int
    duration_s: float | None  # None where the container does not say (browser WebM is a stream)

    @property
    def content_type(self) -> str:
        return AUDIO_CONTENT_TYPES[self.format]


def audio_probe(*, data: bytes) -> AudioHeader:
    """Read the header of an uploaded recording; raises ``ml.errors.AudioDecodeError`` when it is
    not audio in an allowed container."""
    from ml.errors import AudioDecodeError

    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return _ffprobe(data)
    name = {"wavex": "wav", "rf64": "wav", "w64": "wav"}.get(info.format.lower(), info.format.lower())
    if name not in AUDIO_CONTENT_TYPES:
        raise AudioDecodeError(detail=f"libsndfile format {info.format}")
    duration = info.frames / info.samplerate if info.frames > 0 and info.samplerate > 0 else None
    return AudioHeader(format=name, channels=info.channels, sample_rate=info.samplerate, duration_s=duration)


def _ffprobe(data: bytes) -> AudioHeader:
    from ml.errors import AudioDecodeError

    ffprobe, prlimit = shutil.which("ffprobe"), shutil.which("prlimit")
    if ffprobe is None or prlimit is None:
        raise AudioDecodeError(detail="ffprobe or prlimit is not installed")
    # prlimit sets the limits in the child before it execs ffprobe (a preexec_fn is unsafe in a
    # threaded web process). Only local files, only audio demuxers: nothing is fetched or followed.
    cmd = [
        prlimit, f"--cpu={settings.EMOTION_PROBE_CPU_S}", f"--as={settings.EMOTION_PROBE_MEMORY_BYTES}", "--",
        ffprobe, "-v", "error", "-protocol_whitelist", "file",
        "-format_whitelist", ",".join(AUDIO_CONTENT_TYPES),
        "-select_streams", "a:0", "-show_entries", "format=format_name,duration:stream=channels,sample_rate",
        "-of", "json",
    ]  # fmt: skip
    # ffprobe needs a seekable file for mp4 (the moov atom may be at the end), so no stdin pipe.
    with tempfile.NamedTemporaryFile(suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            proc = subprocess.run([*cmd, tmp.name], capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise AudioDecodeError(detail="ffprobe timed out") from exc
    try:
        found = json.loads(proc.stdout or b"{}")
        stream = found["streams"][0]
        name = found["format"]["format_name"].split(",")[0]
        channels, rate = int(stream["channels"]), int(stream["sample_rate"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise AudioDecodeError(detail=proc.stderr.decode(errors="replace").strip()[-500:]) from exc
    if proc.returncode != 0 or name not in AUDIO_CONTENT_TYPES:
        raise AudioDecodeError(detail=proc.stderr.decode(errors="replace").strip()[-500:])
    try:
        duration = float(found["format"]["duration"])
    except (KeyError, ValueError):
        duration = None
    return AudioHeader(format=name, channels=channels, sample_rate=rate, duration_s=duration)
