"""Recordings the inference benchmarks analyse, made from the shared data (no side effects on import)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def make_clip(path: Path) -> None:
    """A 4.0-s 44.1-kHz WAV of real speech (RAVDESS when the data is here, else espeak-ng)."""
    import librosa

    from ml.datasets import default_data_dir

    src = default_data_dir() / "speech" / "ravdess" / "Actor_01" / "03-01-05-02-01-01-01.flac"
    if src.exists():
        y, sr = sf.read(src, dtype="float32")
    else:
        import subprocess

        wav = path.with_suffix(".espeak.wav")
        subprocess.run(["espeak-ng", "-w", str(wav), "Kids are talking by the door, I said."],
                       check=True)  # fmt: skip
        y, sr = sf.read(wav, dtype="float32")
    y = librosa.resample(y, orig_sr=sr, target_sr=44_100)
    n = 4 * 44_100
    y = np.pad(y, (0, max(0, n - len(y))))[:n]
    sf.write(path, y, 44_100, subtype="PCM_16")


def make_long(path: Path, seconds: float = 30.0) -> None:
    """A ``seconds``-long 44.1-kHz WAV: one RAVDESS actor's clips joined as recorded (pauses kept)."""
    import librosa

    from ml.datasets import default_data_dir

    parts, total = [], 0
    for src in sorted((default_data_dir() / "speech" / "ravdess" / "Actor_02").glob("*.flac")):
        y, sr = sf.read(src, dtype="float32")
        parts.append(librosa.resample(y, orig_sr=sr, target_sr=44_100))
        total += len(parts[-1])
        if total >= seconds * 44_100:
            break
    sf.write(path, np.concatenate(parts)[: int(seconds * 44_100)], 44_100, subtype="PCM_16")
