"""Decoding every upload format, and every kind of bad input becoming the right typed error."""

from __future__ import annotations

from pathlib import Path

import subprocess

import numpy as np
import pytest
import soundfile as sf

from ml.audio import SAMPLE_RATE, load_audio, load_speech, prepare_speech, probe_duration
from ml.errors import (
    AudioDecodeError,
    AudioError,
    AudioTooLongError,
    AudioTooShortError,
    EmptyAudioError,
    InvalidAudioError,
    NoSpeechError,
)
from tests.ml.conftest import ffmpeg

FORMATS = ["wav", "flac", "ogg", "opus", "mp3", "webm", "m4a", "mp4"]


@pytest.mark.parametrize("ext", FORMATS)
def test_every_upload_format_decodes_to_the_same_speech(ext: str, speech_formats: dict[str, Path],
                                                       speech_16k: np.ndarray) -> None:
    y, sr = load_audio(speech_formats[ext])
    assert sr == SAMPLE_RATE and y.dtype == np.float32 and y.ndim == 1
    # Codecs add padding/priming samples but the duration must match within 0.1 s.
    assert abs(len(y) - len(speech_16k)) < 0.1 * SAMPLE_RATE
    # ... and it must be the same speech: similar loudness envelope (not noise, not silence).
    n = min(len(y), len(speech_16k))
    env = lambda a: np.sqrt(np.convolve(a[:n] ** 2, np.ones(800) / 800, mode="valid"))  # noqa: E731
    assert np.corrcoef(env(y), env(speech_16k))[0, 1] > 0.8
    assert abs(probe_duration(speech_formats[ext]) - len(speech_16k) / SAMPLE_RATE) < 0.15


def test_streamed_browser_webm_without_duration_header(speech_wav: Path, tmp_path: Path,
                                                       speech_16k: np.ndarray) -> None:
    # MediaRecorder writes WebM as a stream: the header has no duration.
    path = tmp_path / "mediarecorder.webm"
    with path.open("wb") as f:
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(speech_wav), "-c:a", "libopus",
                        "-f", "webm", "pipe:1"], stdout=f, check=True)  # fmt: skip
    assert abs(probe_duration(path) - len(speech_16k) / SAMPLE_RATE) < 0.1
    y, _ = load_audio(path)
    assert abs(len(y) - len(speech_16k)) < 0.1 * SAMPLE_RATE


def test_bytes_input_decodes_like_the_file(speech_formats: dict[str, Path]) -> None:
    for ext in ("wav", "webm", "m4a"):
        a, _ = load_audio(speech_formats[ext])
        b, _ = load_audio(speech_formats[ext].read_bytes())
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("rate", [22_050, 44_100, 96_000])
def test_other_sample_rates_are_resampled(rate: int, speech_wav: Path, tmp_path: Path,
                                          speech_16k: np.ndarray) -> None:
    path = tmp_path / f"speech_{rate}.wav"
    ffmpeg("-i", str(speech_wav), "-ar", str(rate), str(path))
    y, sr = load_audio(path)
    assert sr == SAMPLE_RATE
    assert abs(len(y) - len(speech_16k)) < 0.02 * SAMPLE_RATE


@pytest.mark.parametrize("rate", [8_000, 11_025])
def test_telephone_quality_audio_is_refused_with_a_reason(rate: int, speech_wav: Path, tmp_path: Path,
                                                         speech_16k: np.ndarray) -> None:
    path = tmp_path / f"speech_{rate}.wav"
    ffmpeg("-i", str(speech_wav), "-ar", str(rate), str(path))
    with pytest.raises(InvalidAudioError) as caught:
        load_audio(path)
    assert f"{rate / 1000:g} kHz" in caught.value.user_message and "16 kHz" in caught.value.user_message
    assert caught.value.code == "invalid_audio"
    with pytest.raises(InvalidAudioError):  # arrays handed to the predictor are held to the same rule
        prepare_speech(speech_16k[::2], 8_000)


def test_stereo_is_downmixed(tmp_path: Path, speech_16k: np.ndarray) -> None:
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([speech_16k, speech_16k * 0.5], axis=1), SAMPLE_RATE)
    y, _ = load_audio(path)
    np.testing.assert_allclose(y, speech_16k * 0.75, atol=1e-4)


# ---- bad input -------------------------------------------------------------------------------


def _assert_user_facing(exc: AudioError, code: str) -> None:
    # The library knows no HTTP (tests/moodify_site/test_api_errors.py holds the site's status for each code).
    assert exc.code == code and not hasattr(exc, "http_status")
    assert exc.user_message.endswith(".") and len(exc.user_message.split()) >= 5
    assert exc.to_dict() == {"error": code, "detail": exc.user_message}


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.webm").write_bytes(b"")
    with pytest.raises(EmptyAudioError) as info:
        load_audio(tmp_path / "empty.webm")
    _assert_user_facing(info.value, "empty_file")
    with pytest.raises(EmptyAudioError):
        load_audio(b"")


def test_non_audio_bytes(tmp_path: Path) -> None:
    p = tmp_path / "notes.wav"
    p.write_bytes(b"This is a text file pretending to be audio.\n" * 50)
    with pytest.raises(AudioDecodeError) as info:
        load_audio(p)
    _assert_user_facing(info.value, "undecodable_audio")
    with pytest.raises(AudioDecodeError):
        load_audio(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    with pytest.raises(AudioDecodeError):
        probe_duration(p)
    with pytest.raises(AudioDecodeError):
        load_audio(tmp_path / "missing.wav")


@pytest.mark.parametrize("ext", ["wav", "webm", "m4a", "mp3"])
def test_truncated_file(ext: str, speech_formats: dict[str, Path], tmp_path: Path) -> None:
    data = speech_formats[ext].read_bytes()
    p = tmp_path / f"cut.{ext}"
    p.write_bytes(data[:60])  # the upload died after the header
    with pytest.raises((AudioDecodeError, AudioTooShortError, EmptyAudioError)):
        load_speech(p)


def test_pure_silence_is_no_speech(tmp_path: Path) -> None:
    p = tmp_path / "silence.wav"
    sf.write(p, np.zeros(3 * SAMPLE_RATE, np.float32), SAMPLE_RATE)
    with pytest.raises(NoSpeechError) as info:
        load_speech(p)
    _assert_user_facing(info.value, "no_speech")
    # a muted microphone: tiny hiss, no speech
    hiss = np.random.default_rng(0).normal(0, 1e-5, 3 * SAMPLE_RATE).astype(np.float32)
    with pytest.raises(NoSpeechError):
        prepare_speech(hiss, SAMPLE_RATE)


def test_less_than_half_a_second_of_speech(speech_16k: np.ndarray) -> None:
    # 0.3 s of speech inside 3 s of silence: the upload is long, the speech is not.
    clip = np.zeros(3 * SAMPLE_RATE, np.float32)
    voiced = speech_16k[np.argmax(np.abs(speech_16k) > 0.05):][: int(0.3 * SAMPLE_RATE)]
    clip[SAMPLE_RATE : SAMPLE_RATE + len(voiced)] = voiced
    with pytest.raises(AudioTooShortError) as info:
        prepare_speech(clip, SAMPLE_RATE)
    _assert_user_facing(info.value, "too_short")


def test_over_sixty_seconds(tmp_path: Path, speech_formats: dict[str, Path]) -> None:
    long = np.tile(load_audio(speech_formats["wav"])[0], 30)  # ~75 s
    p = tmp_path / "long.flac"
    sf.write(p, long, SAMPLE_RATE)
    with pytest.raises(AudioTooLongError) as info:
        load_audio(p)
    _assert_user_facing(info.value, "too_long")
    webm = tmp_path / "long.webm"
    ffmpeg("-i", str(p), "-c:a", "libopus", str(webm))
    with pytest.raises(AudioTooLongError):
        load_audio(webm)  # the ffmpeg path stops decoding just past the limit


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_samples(bad: float, speech_16k: np.ndarray, tmp_path: Path) -> None:
    y = speech_16k.copy()
    y[1000] = bad
    with pytest.raises(InvalidAudioError) as info:
        prepare_speech(y, SAMPLE_RATE)
    _assert_user_facing(info.value, "invalid_audio")
    p = tmp_path / "nan.wav"
    sf.write(p, y, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(InvalidAudioError):
        load_audio(p)


def test_many_channels_are_rejected(tmp_path: Path, speech_16k: np.ndarray) -> None:
    p = tmp_path / "sixteen.wav"
    sf.write(p, np.tile(speech_16k[:, None], (1, 16)), SAMPLE_RATE)
    with pytest.raises(InvalidAudioError) as info:
        load_audio(p)
    assert "16 channels" in info.value.user_message


def test_absurd_sample_rates_are_rejected(tmp_path: Path, speech_16k: np.ndarray) -> None:
    p = tmp_path / "4k.wav"
    sf.write(p, speech_16k[::4], 4_000)
    with pytest.raises(InvalidAudioError):
        load_audio(p)


def test_levels_are_normalised(speech_16k: np.ndarray) -> None:
    loud = prepare_speech(speech_16k * 0.9 / np.abs(speech_16k).max(), SAMPLE_RATE)
    quiet = prepare_speech(speech_16k * 0.01, SAMPLE_RATE)
    np.testing.assert_allclose(loud.waveform, quiet.waveform, atol=1e-3)
    assert loud.duration_s < len(speech_16k) / SAMPLE_RATE  # leading/trailing silence trimmed
