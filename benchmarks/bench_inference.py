"""Inference cost on one core: Moodify's predictor vs the reference pipeline, in the same process.

Reference (what the original SER notebooks do): librosa.load at 22.05 kHz; MFCC, chroma, mel,
spectral contrast and tonnetz-with-HPSS each computed separately (each with its own STFT), averaged
over time; a Keras Conv1D model called with ``model.predict``.

1. A warm 4-s clip (44.1-kHz WAV): decode + features + model, medians over ``--runs`` runs.
2. A 30-s recording (RAVDESS clips of one actor joined, pauses and all): its cost / the 4-s clip's.
3. ``python -m ml predict`` over 40 RAVDESS files (a fresh CLI process, as a user runs it) against
   the reference over the same 40 files: per clip, the CLI's time for 40 files minus its time for
   1 file (start-up and model load) over 39.
4. Predictor load time and memory.

Usage::

    python benchmarks/bench_inference.py [--runs 30] [--model DIR] [--encoder int8|float|keras]
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
from clips import make_clip, make_long  # noqa: E402


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status") as f:
        cur = next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS")) / 1024
    return cur, peak


def cli_files(n: int = 40) -> list[Path]:
    from ml.datasets import default_data_dir

    files = sorted((default_data_dir() / "speech" / "ravdess").glob("Actor_*/*.flac"))
    return files[:: max(1, len(files) // n)][:n]


def time_cli(files: list[Path], model: str | None, encoder: str) -> float:
    """Wall seconds of one ``python -m ml predict`` process over ``files`` (this core only)."""
    import subprocess

    cmd = [sys.executable, "-m", "ml", "predict", *map(str, files), "--encoder", encoder]
    if model:
        cmd += ["--model", model]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
    return time.perf_counter() - t


def median_ms(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


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
    parser.add_argument("--encoder", default="int8", choices=["int8", "float", "keras"])
    parser.add_argument("--cli-runs", type=int, default=3, help="CLI timings (each: 1 file, then 40)")
    args = parser.parse_args()

    rss0, _ = _rss_mb()
    t0 = time.perf_counter()
    from ml import EmotionPredictor

    predictor = EmotionPredictor.load(args.model, encoder=args.encoder)
    load_s = time.perf_counter() - t0
    rss_loaded, peak_loaded = _rss_mb()

    with tempfile.TemporaryDirectory() as d:
        clip, long = Path(d) / "clip4s.wav", Path(d) / "long30s.wav"
        make_clip(clip)
        make_long(long)
        ours = []
        parts = []
        for _ in range(3):
            predictor.predict_file(clip)
            predictor.predict_file(long)
        for _ in range(args.runs):
            t = time.perf_counter()
            p = predictor.predict_file(clip)
            ours.append((time.perf_counter() - t) * 1000)
            parts.append(p.timings_ms)
        med_long = median_ms(lambda: predictor.predict_file(long), max(5, args.runs // 3))
        n_windows = len(predictor.predict_file(long).timeline)
        _, peak_after = _rss_mb()

        ref = reference_pipeline()
        for _ in range(2):
            ref(clip)
        theirs = []
        for _ in range(max(5, args.runs // 3)):
            t = time.perf_counter()
            ref(clip)
            theirs.append((time.perf_counter() - t) * 1000)

        files = cli_files()
        ref_files = []
        for f in files:
            t = time.perf_counter()
            ref(f)
            ref_files.append((time.perf_counter() - t) * 1000)
        cli = [(time_cli(files[:1], args.model, args.encoder), time_cli(files, args.model, args.encoder))
               for _ in range(args.cli_runs)]  # fmt: skip

    med = float(np.median(ours))
    med_ref = float(np.median(theirs))
    split = {k: float(np.median([pt[k] for pt in parts])) for k in ("decode", "features", "model")}
    per_clip_cli = [(many - one) / (len(files) - 1) * 1000 for one, many in cli]
    cli_ms = float(np.median(per_clip_cli))
    ref_file_ms = float(np.mean(ref_files))
    print(f"model {predictor.version}, encoder {predictor.encoder}; 1 core; warm; medians")
    print(f"4-s clip, predictor     : {med:7.1f} ms  (decode {split['decode']:.1f}, features "
          f"{split['features']:.1f}, model {split['model']:.1f}; p90 {np.percentile(ours, 90):.1f}; {len(ours)} runs)")
    print(f"4-s clip, reference     : {med_ref:7.1f} ms  (librosa.load 22.05 kHz, separate features + HPSS, "
          f"model.predict; {len(theirs)} runs)")
    print(f"speed-up (4-s clip)     : {med_ref / med:7.1f}x")
    print(f"30-s recording          : {med_long:7.1f} ms  ({n_windows} windows) = {med_long / med:.1f}x the 4-s clip")
    print(f"CLI, 40 RAVDESS files   : {cli_ms:7.1f} ms per clip (runs: {', '.join(f'{x:.1f}' for x in per_clip_cli)}; "
          f"start-up + load {np.median([one for one, _ in cli]):.2f} s)")
    print(f"reference, same 40 files: {ref_file_ms:7.1f} ms per clip (mean)")
    print(f"speed-up (CLI, 40 files): {ref_file_ms / cli_ms:7.1f}x")
    print(f"predictor load          : {load_s:7.2f} s (warm disk cache, incl. imports and warm-up)")
    print(f"predictor memory        : RSS {rss_loaded - rss0:.0f} MiB added by loading, "
          f"{rss_loaded:.0f} MiB total; peak {max(peak_loaded, peak_after):.0f} MiB while predicting")


if __name__ == "__main__":
    main()
