"""Warm inference latency of a 4-s clip on one core: Moodify's predictor vs the reference pipeline.

Reference (what the original SER notebooks do): librosa.load at 22.05 kHz; MFCC, chroma, mel,
spectral contrast and tonnetz-with-HPSS each computed separately (each with its own STFT), averaged
over time; a Keras Conv1D model called with ``model.predict``. Both run in this process, on the
same WAV file, after warm-up; medians over ``--runs`` runs. Usage::

    python benchmarks/bench_inference.py [--runs 30] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# One core, set before numpy/TensorFlow start their thread pools.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"
os.environ.setdefault("MOODIFY_TF_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status") as f:
        cur = next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS")) / 1024
    return cur, peak


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


def reference_pipeline():  # noqa: ANN201
    import keras
    import librosa
    from keras import layers

    model = keras.Sequential([
        keras.Input((193, 1)),
        layers.Conv1D(256, 5, padding="same", activation="relu"),
        layers.Conv1D(128, 5, padding="same", activation="relu"),
        layers.Dropout(0.1),
        layers.MaxPooling1D(8),
        layers.Conv1D(128, 5, padding="same", activation="relu"),
        layers.Conv1D(128, 5, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(7, activation="softmax"),
    ])  # fmt: skip

    def run(path: Path) -> np.ndarray:
        y, sr = librosa.load(path, sr=22_050)
        stft = np.abs(librosa.stft(y))
        mfcc = np.mean(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).T, axis=0)
        chroma = np.mean(librosa.feature.chroma_stft(S=stft, sr=sr).T, axis=0)
        mel = np.mean(librosa.feature.melspectrogram(y=y, sr=sr).T, axis=0)
        contrast = np.mean(librosa.feature.spectral_contrast(S=stft, sr=sr).T, axis=0)
        tonnetz = np.mean(librosa.feature.tonnetz(y=librosa.effects.harmonic(y), sr=sr).T, axis=0)
        x = np.concatenate([mfcc, chroma, mel, contrast, tonnetz])[None, :, None]
        return model.predict(x, verbose=0)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()

    rss0, _ = _rss_mb()
    t0 = time.perf_counter()
    from ml import EmotionPredictor

    predictor = EmotionPredictor.load(args.model)
    load_s = time.perf_counter() - t0
    rss_loaded, peak_loaded = _rss_mb()

    with tempfile.TemporaryDirectory() as d:
        clip = Path(d) / "clip4s.wav"
        make_clip(clip)
        ours = []
        parts = []
        for _ in range(3):
            predictor.predict_file(clip)
        for _ in range(args.runs):
            t = time.perf_counter()
            p = predictor.predict_file(clip)
            ours.append((time.perf_counter() - t) * 1000)
            parts.append(p.timings_ms)
        _, peak_after = _rss_mb()

        ref = reference_pipeline()
        for _ in range(2):
            ref(clip)
        theirs = []
        for _ in range(max(5, args.runs // 3)):
            t = time.perf_counter()
            ref(clip)
            theirs.append((time.perf_counter() - t) * 1000)

    med = float(np.median(ours))
    med_ref = float(np.median(theirs))
    split = {k: float(np.median([pt[k] for pt in parts])) for k in ("decode", "features", "model")}
    print(f"model {predictor.version}; 4.0-s 44.1-kHz WAV; 1 core; warm; median of {len(ours)}/{len(theirs)} runs")
    print(f"moodify predictor : {med:7.1f} ms  (decode {split['decode']:.1f}, features "
          f"{split['features']:.1f}, model {split['model']:.1f}; p90 {np.percentile(ours, 90):.1f})")
    print(f"reference pipeline: {med_ref:7.1f} ms  (librosa.load 22.05 kHz, separate features + HPSS, model.predict)")
    print(f"speed-up          : {med_ref / med:7.1f}x")
    print(f"predictor load    : {load_s:7.2f} s (incl. TensorFlow import and warm-up)")
    print(f"predictor memory  : RSS {rss_loaded - rss0:.0f} MiB added by loading, "
          f"{rss_loaded:.0f} MiB total; peak {max(peak_loaded, peak_after):.0f} MiB while predicting")


if __name__ == "__main__":
    main()
