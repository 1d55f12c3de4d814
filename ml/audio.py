"""The one audio loader: any supported container/codec -> mono float32 at the model rate, with typed errors.

soundfile (libsndfile) handles wav/flac/ogg(vorbis, opus)/mp3 in-process and fast; everything else
(webm/opus from Chrome/Firefox, mp4/aac from Safari, ...) goes through an ffmpeg subprocess.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ml.errors import (
    AudioDecodeError,
    AudioTooLongError,
    AudioTooShortError,
    EmptyAudioError,
    InvalidAudioError,
    NoSpeechError,
)

SAMPLE_RATE = 16_000
MAX_DURATION_S = 60.0
MIN_SPEECH_S = 0.5
# Outside this range a file is not a voice recording we can honestly analyse. 22.05-192 kHz audio is
# resampled to 16 kHz. Below 16 kHz the upper half of the model's spectrum is missing: on 120
# RAVDESS clips downsampled to 8 kHz (or 11.025 kHz) the acoustic model H agreed with its own 16 kHz
# answer on only 22% (23%) of them, barely above chance, so telephone audio is refused with a
# sentence saying why rather than answered with a confident guess. The Whisper head shipped since
# agrees with itself on 93% (99%) of those clips; the refusal stays until accuracy on narrowband
# audio is measured, not just agreement.
MIN_INPUT_RATE = SAMPLE_RATE
MAX_INPUT_RATE = 192_000
MAX_CHANNELS = 8
# The level is normalised over frames within this many dB of the speech's loudest frame.
TRIM_TOP_DB = 35.0
TARGET_RMS_DBFS = -23.0
FFMPEG_TIMEOUT_S = 60.0
# ffmpeg reads only local files and pipes, only audio containers, and under CPU-time and memory
# limits (prlimit, util-linux; set in the child before exec, which a preexec_fn in a threaded
# worker cannot do safely): a crafted file can neither reach the network or other files (HLS
# playlists) nor take the worker down.
FFMPEG_FORMATS = "wav,flac,ogg,mp3,aiff,matroska,webm,mov,mp4,m4a,aac"
FFMPEG_CPU_S = 60
FFMPEG_MEMORY_BYTES = 2 << 30

Source = str | os.PathLike[str] | bytes


@dataclass(frozen=True)
class Speech:
    """A decoded, trimmed and level-normalised utterance, ready for feature extraction."""

    waveform: np.ndarray
    sample_rate: int
    # (start in ``waveform``, start in the recording, length), in samples, one per kept speech
    # region; empty for a waveform that was not cut (the identity map).
    pieces: tuple[tuple[int, int, int], ...] = ()

    @property
    def duration_s(self) -> float:
        return len(self.waveform) / self.sample_rate

    def recording_time(self, sample: int) -> float:
        """Where sample ``sample`` of the kept speech was in the original recording, in seconds."""
        for start, source, length in reversed(self.pieces):
            if sample >= start:
                return (source + min(sample - start, length)) / self.sample_rate
        return sample / self.sample_rate


def load_audio(source: Source, *, max_duration_s: float = MAX_DURATION_S) -> tuple[np.ndarray, int]:
    """Decode ``source`` (path or raw bytes) to mono float32 at :data:`SAMPLE_RATE`.

    Raises :class:`EmptyAudioError`, :class:`AudioDecodeError`, :class:`InvalidAudioError` or
    :class:`AudioTooLongError`; silence and speech length are checked by :func:`prepare_speech`.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise EmptyAudioError()
        try:
            y, sr = _read_soundfile(io.BytesIO(data), max_duration_s)
        except _NotSoundfile:
            # ffmpeg needs a seekable file for mp4 (moov atom at the end), so no stdin pipe.
            with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
                tmp.write(data)
                tmp.flush()
                y, sr = _read_ffmpeg(tmp.name, max_duration_s)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise AudioDecodeError("The audio file could not be found.", detail=str(exc)) from exc
        if size == 0:
            raise EmptyAudioError()
        try:
            y, sr = _read_soundfile(path, max_duration_s)
        except _NotSoundfile:
            y, sr = _read_ffmpeg(path, max_duration_s)
    return _to_model_rate(y, sr), SAMPLE_RATE


def probe_duration(path: str | os.PathLike[str]) -> float:
    """Duration in seconds from the container header, without decoding (for upload validation)."""
    p = Path(path)
    if not p.exists():
        raise AudioDecodeError("The audio file could not be found.", detail=str(p))
    if p.stat().st_size == 0:
        raise EmptyAudioError()
    try:
        info = sf.info(str(p))
        if info.frames > 0 and info.samplerate > 0:
            return float(info.frames) / float(info.samplerate)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        pass
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise AudioDecodeError(detail="ffprobe is not installed")
    proc = subprocess.run(
        [*_limits(), ffprobe, "-v", "error", "-protocol_whitelist", "file",
         "-format_whitelist", FFMPEG_FORMATS, "-show_entries", "format=duration", "-of", "csv=p=0", str(p)],
        capture_output=True,
        text=True,
        timeout=FFMPEG_TIMEOUT_S,
        check=False,
    )
    try:
        duration = float(proc.stdout.strip().splitlines()[0])
    except (ValueError, IndexError):
        duration = float("nan")
    if np.isfinite(duration) and duration > 0:
        return duration
    if proc.returncode != 0:
        raise AudioDecodeError(detail=proc.stderr.strip()[-500:])
    # Browser MediaRecorder WebM is written as a stream: no duration in the header ("N/A").
    # Decoding is the only way to know; the cap keeps it bounded.
    y, sr = _read_ffmpeg(p, MAX_DURATION_S * 10)
    return len(y) / sr


def prepare_speech(
    waveform: np.ndarray, sample_rate: int, *, min_speech_s: float = MIN_SPEECH_S
) -> Speech:
    """Validate, resample, keep only the speech (voice activity) and normalise its level.

    Training and inference both go through here, so what the model sees never differs. Pauses
    longer than :data:`ml.vad.MERGE_GAP_S` are cut out; :attr:`Speech.pieces` maps the kept
    speech back to times in the recording.
    """
    from ml import vad

    y = _validate_samples(np.asarray(waveform), sample_rate)
    y = _to_model_rate(y, sample_rate)
    peak = float(np.max(np.abs(y), initial=0.0))
    if peak < vad.MUTED_PEAK:
        raise NoSpeechError(detail=f"peak {20 * np.log10(max(peak, 1e-12)):.1f} dBFS: a muted microphone")
    act = vad.activity(y)
    regions = vad.speech_regions(act, len(y))
    if not regions:
        raise NoSpeechError(detail=f"no voice activity (highest speech probability {act.probabilities.max(initial=0):.2f})")
    if act.speech_seconds < min_speech_s:
        raise AudioTooShortError(detail=f"{act.speech_seconds:.2f} s of speech")
    pieces, offset = [], 0
    for s, e in regions:
        pieces.append((offset, s, e - s))
        offset += e - s
    y = np.concatenate([y[s:e] for s, e in regions])
    # RMS normalisation over the voiced part: microphones, gain settings and distance differ far
    # more between users than loudness differs between emotions.
    frame, hop = 512, 128
    rms = np.sqrt(np.mean(_frames(y, frame, hop) ** 2, axis=1))
    active = rms[rms > rms.max(initial=0.0) * 10 ** (-TRIM_TOP_DB / 20)]
    level = float(np.sqrt(np.mean(active**2))) if active.size else float(np.sqrt(np.mean(y**2)))
    y = y * (10 ** (TARGET_RMS_DBFS / 20) / max(level, 1e-8))
    np.clip(y, -1.0, 1.0, out=y)
    return Speech(waveform=y.astype(np.float32, copy=False), sample_rate=SAMPLE_RATE,
                  pieces=tuple(pieces))  # fmt: skip


def _frames(y: np.ndarray, frame: int, hop: int) -> np.ndarray:
    if len(y) < frame:
        return y[None, :]
    n = 1 + (len(y) - frame) // hop
    return np.lib.stride_tricks.sliding_window_view(y, frame)[::hop][:n]


def load_speech(source: Source, *, max_duration_s: float = MAX_DURATION_S) -> Speech:
    """:func:`load_audio` then :func:`prepare_speech`."""
    y, sr = load_audio(source, max_duration_s=max_duration_s)
    return prepare_speech(y, sr)


class _NotSoundfile(Exception):
    """libsndfile cannot read this container; try ffmpeg."""


def _read_soundfile(
    file: Path | io.BytesIO, max_duration_s: float
) -> tuple[np.ndarray, int]:
    try:
        with sf.SoundFile(file if isinstance(file, io.BytesIO) else str(file)) as f:
            sr, channels, frames = f.samplerate, f.channels, f.frames
            _check_format(sr, channels)
            if frames > 0 and frames / sr > max_duration_s:
                raise AudioTooLongError(detail=f"{frames / sr:.1f} s")
            data = f.read(dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise _NotSoundfile(str(exc)) from exc
    if data.shape[0] == 0:
        raise _NotSoundfile("no frames")
    if data.shape[0] / sr > max_duration_s:
        raise AudioTooLongError(detail=f"{data.shape[0] / sr:.1f} s")
    return _validate_samples(data.mean(axis=1), sr), sr


def _read_ffmpeg(path: str | Path, max_duration_s: float) -> tuple[np.ndarray, int]:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioDecodeError(detail="ffmpeg is not installed")
    # Decode a little past the limit so "too long" is detectable without decoding an hour of audio.
    cmd = [
        *_limits(), ffmpeg, "-nostdin", "-hide_banner", "-v", "error",
        "-protocol_whitelist", "file,pipe", "-format_whitelist", FFMPEG_FORMATS, "-i", str(path),
        "-t", f"{max_duration_s + 0.5:.3f}", "-map", "0:a:0", "-ac", "1",
        "-ar", str(SAMPLE_RATE), "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AudioDecodeError(detail="ffmpeg timed out") from exc
    y = np.frombuffer(proc.stdout, dtype="<f4")
    if proc.returncode != 0 or y.size == 0:
        raise AudioDecodeError(detail=proc.stderr.decode(errors="replace").strip()[-500:])
    if y.size / SAMPLE_RATE > max_duration_s:
        raise AudioTooLongError(detail=f"more than {max_duration_s:.0f} s")
    return _validate_samples(y.copy(), SAMPLE_RATE), SAMPLE_RATE


def _limits() -> list[str]:
    prlimit = shutil.which("prlimit")
    return [prlimit, f"--cpu={FFMPEG_CPU_S}", f"--as={FFMPEG_MEMORY_BYTES}", "--"] if prlimit else []


def _check_format(sample_rate: int, channels: int) -> None:
    if 0 < sample_rate < MIN_INPUT_RATE:
        raise InvalidAudioError(
            f"This recording was made at {sample_rate / 1000:g} kHz (telephone quality), which leaves out "
            "too much of the voice to tell its emotion. Please record again with your device's microphone "
            f"(at least {MIN_INPUT_RATE // 1000} kHz; phones and browsers record at 44.1 or 48 kHz).",
            detail=f"sample rate {sample_rate}",
        )
    if not MIN_INPUT_RATE <= sample_rate <= MAX_INPUT_RATE:
        raise InvalidAudioError(
            f"The recording's sample rate ({sample_rate} Hz) is not supported. "
            f"Please record with a normal microphone ({MIN_INPUT_RATE // 1000} kHz to {MAX_INPUT_RATE // 1000} kHz).",
            detail=f"sample rate {sample_rate}",
        )
    if channels > MAX_CHANNELS:
        raise InvalidAudioError(
            f"The recording has {channels} channels. Please upload a mono or stereo recording.",
            detail=f"{channels} channels",
        )


def _validate_samples(y: np.ndarray, sample_rate: int) -> np.ndarray:
    if y.ndim == 2:
        # (samples, channels) as soundfile returns it; callers passing (channels, samples) get
        # the same result because channels are far fewer than samples.
        if y.shape[0] < y.shape[1]:
            y = y.T
        _check_format(int(sample_rate), y.shape[1])
        y = y.mean(axis=1)
    elif y.ndim != 1:
        raise InvalidAudioError(detail=f"waveform with shape {y.shape}")
    else:
        _check_format(int(sample_rate), 1)
    if y.size == 0:
        raise EmptyAudioError("The recording contains no audio. Please record again.")
    if not np.issubdtype(y.dtype, np.floating):
        # Integer PCM: scale to [-1, 1] from the dtype's range.
        y = y.astype(np.float32) / float(np.iinfo(y.dtype).max) if np.issubdtype(
            y.dtype, np.integer
        ) else y.astype(np.float32)
    if not np.all(np.isfinite(y)):
        raise InvalidAudioError(
            "This recording contains corrupted samples. Please record again.",
            detail="NaN or infinite samples",
        )
    return y.astype(np.float32, copy=False)


def _to_model_rate(y: np.ndarray, sample_rate: int) -> np.ndarray:
    if sample_rate == SAMPLE_RATE:
        return y
    import soxr  # librosa's own resampler backend; called directly to skip librosa's checks

    return soxr.resample(y, sample_rate, SAMPLE_RATE, quality="HQ").astype(np.float32, copy=False)
