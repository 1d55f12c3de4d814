"""Recordings for tests and benchmarks: real synthetic speech (espeak-ng) and every kind of bad input."""
from __future__ import annotations

import io
import math
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import soundfile as sf

SENTENCE = "I cannot believe we finally made it here today, this is wonderful news for everyone."


def speech_wav(path: Path, *, seconds: float = 4.0, text: str = SENTENCE, voice: str = "en") -> Path:
    """An espeak-ng sentence as 16 kHz mono WAV, padded or cut to exactly ``seconds``."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw), "-af", "apad", "-t", f"{seconds}",
         "-ar", "16000", "-ac", "1", str(path)],
        check=True,
    )  # fmt: skip
    raw.unlink()
    return path


def encode(path: Path, suffix: str) -> bytes:
    """The same recording in another container/codec (webm/opus as browsers send, mp3, ...)."""
    out = path.with_suffix(suffix)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(path), str(out)], check=True)
    return out.read_bytes()


def wav_bytes(samples: np.ndarray, sr: int = 16000, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, sr, format="WAV", subtype=subtype)
    return buf.getvalue()


def silence(seconds: float = 3.0) -> bytes:
    return wav_bytes(np.zeros(int(16000 * seconds), dtype=np.float32))


def nan_wav(seconds: float = 3.0) -> bytes:
    """A float WAV whose samples are NaN (a broken encoder)."""
    n = int(16000 * seconds)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:  # header written by hand: soundfile refuses to write NaNs
        w.setnchannels(1)
        w.setsampwidth(4)
        w.setframerate(16000)
        w.writeframes(b"")
    header = bytearray(buf.getvalue()[:44])
    header[20:22] = struct.pack("<H", 3)  # WAVE_FORMAT_IEEE_FLOAT
    data = np.full(n, math.nan, dtype="<f4").tobytes()
    header[4:8] = struct.pack("<I", 36 + len(data))
    header[40:44] = struct.pack("<I", len(data))
    return bytes(header) + data


def bad_inputs(tmp: Path) -> dict[str, tuple[bytes, str, set[int], set[str]]]:
    """name -> (bytes, filename, acceptable statuses, acceptable error codes)."""
    speech = speech_wav(tmp / "speech.wav", seconds=4.0)
    long_speech = speech_wav(tmp / "long.wav", seconds=40.0, text=" ".join([SENTENCE] * 10))
    short = speech_wav(tmp / "short.wav", seconds=0.3, text="hi")
    data = speech.read_bytes()
    return {
        "empty": (b"", "empty.wav", {400}, {"empty_file", "invalid"}),
        "text_as_wav": (b"this is not audio at all\n" * 50, "notes.wav", {415}, {"undecodable_audio", "unsupported_media_type"}),
        "random_bytes": (np.random.default_rng(0).bytes(50_000), "noise.mp3", {415}, {"undecodable_audio"}),
        "truncated_header": (data[:30], "cut.wav", {415, 400}, {"undecodable_audio", "empty_file", "invalid_audio"}),
        "silence": (silence(3.0), "silence.wav", {400}, {"no_speech"}),
        "too_short": (short.read_bytes(), "short.wav", {400}, {"too_short", "no_speech"}),
        "too_long": (long_speech.read_bytes(), "long.wav", {400}, {"too_long"}),
        "nan_samples": (nan_wav(), "nan.wav", {400, 415}, {"invalid_audio", "undecodable_audio"}),
        "too_large": (b"RIFF" + bytes(11 * 1024 * 1024), "big.wav", {413}, {"file_too_large"}),
    }
