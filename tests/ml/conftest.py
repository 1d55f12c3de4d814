"""Fixtures for the ml tests: speech generated with espeak-ng, formats made with ffmpeg, the data dir."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MOODIFY_TF_THREADS", "1")
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "moodify" / "numba"))


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so tests/ml runs on its own (the project's pytest.ini also lists it).
    config.addinivalue_line("markers", "slow: trains or evaluates a model")


def data_dir() -> Path:
    from ml.datasets import default_data_dir

    return default_data_dir()


def has_data() -> bool:
    return (data_dir() / "speech" / "manifest.csv").exists()


needs_data = pytest.mark.skipif(
    not has_data(),
    reason=f"shared data not found at {data_dir()} (set MOODIFY_DATA_DIR); CI always has it",
)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install {tool})")
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run([_need("ffmpeg"), "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2.5 s of synthetic English speech (espeak-ng, 22.05 kHz mono WAV)."""
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(
        [_need("espeak-ng"), "-s", "150", "-w", str(out),
         "I can not believe you did that again, this is wonderful news for all of us."],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def speech_formats(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The espeak-ng speech in every format browsers and phones upload."""
    d = tmp_path_factory.mktemp("formats")
    specs = {
        "wav": ["-c:a", "pcm_s16le"],
        "flac": ["-c:a", "flac"],
        "ogg": ["-c:a", "libvorbis"],
        "opus": ["-c:a", "libopus", "-b:a", "32k"],
        "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
        "webm": ["-c:a", "libopus", "-b:a", "32k"],
        "m4a": ["-c:a", "aac", "-b:a", "64k"],
        "mp4": ["-c:a", "aac", "-b:a", "64k"],
    }
    out = {}
    for ext, codec in specs.items():
        path = d / f"speech.{ext}"
        ffmpeg("-i", str(speech_wav), "-ar", "48000", *codec, str(path))
        out[ext] = path
    return out


@pytest.fixture(scope="session")
def speech_16k(speech_wav: Path) -> np.ndarray:
    from ml.audio import load_audio

    y, _ = load_audio(speech_wav)
    return y


@pytest.fixture(scope="session")
def predictor():  # noqa: ANN201
    from ml import EmotionPredictor

    return EmotionPredictor.load()
