"""Worker layout on this machine: worker processes x intra-op threads, latency and throughput.

Each configuration starts P processes (as a prefork worker with concurrency P would), each with a
predictor using T threads (``MOODIFY_ML_THREADS``); after all have loaded and warmed up they
analyse the same 4-s clip back to back for ``--seconds``. Printed per configuration: median and
p95 latency of one analysis, and clips per second over all processes. Medians over ``--runs``.

    python benchmarks/bench_threads.py [--seconds 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CONFIGS = ((1, 1), (1, 2), (2, 1), (2, 2))  # (processes, threads per process)


def _worker(threads: int, clip: str, seconds: float, ready: mp.Barrier, out: mp.Queue) -> None:  # type: ignore[type-arg]
    os.environ["MOODIFY_ML_THREADS"] = str(threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    from ml import EmotionPredictor

    predictor = EmotionPredictor.load()
    for _ in range(3):
        predictor.predict_file(clip)
    ready.wait()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        predictor.predict_file(clip)
        times.append((time.perf_counter() - t) * 1000)
    out.put(times)


def measure(processes: int, threads: int, clip: str, seconds: float) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    ready, out = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(threads, clip, seconds, ready, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    times = [t for _ in procs for t in out.get(timeout=300)]
    for p in procs:
        p.join()
    ordered = sorted(times)
    return {"p50_ms": statistics.median(times), "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
            "clips_per_s": len(times) / seconds}  # fmt: skip


def main() -> None:
    from clips import make_clip

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as d:
        clip = Path(d) / "clip4s.wav"
        make_clip(clip)
        for processes, threads in CONFIGS:
            runs = [measure(processes, threads, str(clip), args.seconds) for _ in range(args.runs)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rates = ", ".join(f"{r['clips_per_s']:.1f}" for r in runs)
            print(f"{processes} process(es) x {threads} thread(s): p50 {med['p50_ms']:6.1f} ms, "
                  f"p95 {med['p95_ms']:6.1f} ms, {med['clips_per_s']:5.1f} clips/s "
                  f"(runs: {rates} clips/s)", flush=True)  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
