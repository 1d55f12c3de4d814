"""Pipeline latency and throughput on the production process layout.

Latency: from sending a 4-s clip's upload to the `done` message arriving on its WebSocket
(HTTP upload + validation + enqueue + worker analysis + channel-layer push), with a warm worker.
Throughput: clips per second one worker process (prefork, concurrency 1) finishes under a burst.

Needs PostgreSQL + Redis (`make bench`, or `eval $(scripts/services.sh start)` first); starts its
own Daphne and Celery worker on a scratch database. Prints p50/p95 per run and the medians.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import audio_samples  # noqa: E402
from tests.integration.conftest import (  # noqa: E402
    WORKER_CMD,
    WORKER_READY,
    ManagedProcess,
    Person,
    free_port,
    receive_until,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def scratch_database(base_url: str) -> str:
    """A fresh database beside the one in DATABASE_URL, so benchmarks never touch real data."""
    url = urlparse(base_url)
    name = "moodify_bench"
    admin = [f"--host={url.hostname}", f"--port={url.port or 5432}", f"--username={url.username}"]
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    subprocess.run(["psql", *admin, "-d", url.path.lstrip("/"), "-qc", f"DROP DATABASE IF EXISTS {name}"], env=env, check=True)
    subprocess.run(["psql", *admin, "-d", url.path.lstrip("/"), "-qc", f"CREATE DATABASE {name}"], env=env, check=True)
    return url._replace(path=f"/{name}").geturl()


def one_latency(person: Person, clip: bytes, parts: dict[str, list[float]] | None = None, *,
                name: str = "clip.wav") -> float:
    started = time.perf_counter()
    response = person.upload(clip, name=name)
    assert response.status_code == 202, response.text
    accepted = time.perf_counter()
    with person.socket(response.json()["id"]) as socket:
        messages = receive_until(socket, "done", timeout=60)
    total = (time.perf_counter() - started) * 1000
    if parts is not None:
        parts["upload_202"].append((accepted - started) * 1000)
        parts["model_total"].append(messages[-1]["submission"]["result"]["timings_ms"].get("total", 0.0))
    return total


def throughput(person: Person, clip: bytes, n: int, *, name: str = "clip.wav") -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = [r.json()["id"] for r in pool.map(lambda _: person.upload(clip, name=name), range(n))]
    for sid in ids:
        person.wait_until_finished(sid, timeout=300)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clips", type=int, default=20, help="sequential clips per latency run")
    parser.add_argument("--burst", type=int, default=30, help="clips per throughput run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--decode-twice", action="store_true",
                        help="the worker decodes the recording again instead of taking the upload check's samples "
                             "(EMOTION_HAND_OVER_DECODED=0), for comparison")
    parser.add_argument("--format", choices=["wav", "webm"], default="wav",
                        help="upload the clip as a WAV, or as Opus in WebM as Chrome and Firefox record it "
                             "(decoded by an ffmpeg process instead of libsndfile)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="moodify-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "moodify_site.settings.test",
        "DATABASE_URL": scratch_database(os.environ["DATABASE_URL"]),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "PYTHONUNBUFFERED": "1",
        "EMOTION_HAND_OVER_DECODED": "0" if args.decode_twice else "1",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "bootstrap_moodify"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    worker = ManagedProcess("bench-worker", WORKER_CMD, env, tmp)
    web = ManagedProcess(
        "bench-daphne",
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "moodify_site.asgi:application"],
        env,
        tmp,
    )
    worker.start(WORKER_READY, timeout=300)
    web.start(port=port, timeout=60)
    try:
        wav = audio_samples.speech_wav(tmp / "clip.wav", seconds=4.0)
        if args.format == "webm":
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-c:a", "libopus", "-b:a", "32k",
                            str(tmp / "clip.webm")], check=True)  # fmt: skip
        clip = (tmp / f"clip.{args.format}").read_bytes()
        person = Person(f"http://127.0.0.1:{port}", f"bench-{os.getpid()}@example.com").sign_up()
        name = f"clip.{args.format}"
        for _ in range(5):  # warm both processes (imports, numba, connection pools)
            one_latency(person, clip, name=name)
        runs = []
        parts: dict[str, list[float]] = {"upload_202": [], "model_total": []}
        for run in range(args.runs):
            latencies = [one_latency(person, clip, parts, name=name) for _ in range(args.clips)]
            rate = throughput(person, clip, args.burst, name=name)
            runs.append({"p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95), "clips_per_s": rate})
            print(f"run {run + 1}: p50 {runs[-1]['p50_ms']:.1f} ms  p95 {runs[-1]['p95_ms']:.1f} ms  "
                  f"{rate:.2f} clips/s per worker", flush=True)  # fmt: skip
        summary = {
            "clip_s": 4.0,
            "format": args.format,
            "decoded": "twice" if args.decode_twice else "once",
            "runs": runs,
            "median_p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "median_p95_ms": statistics.median(r["p95_ms"] for r in runs),
            "median_clips_per_s_per_worker": statistics.median(r["clips_per_s"] for r in runs),
            "median_upload_to_202_ms": statistics.median(parts["upload_202"]),
            "median_predictor_total_ms": statistics.median(parts["model_total"]),
        }
        print(
            f"\nupload -> result on the socket, 4-s {args.format} clip, warm worker, decoded "
            f"{'twice' if args.decode_twice else 'once'} ({args.runs} runs x {args.clips} clips):\n"
            f"  p50 {summary['median_p50_ms']:.1f} ms, p95 {summary['median_p95_ms']:.1f} ms (medians of runs)\n"
            f"  throughput {summary['median_clips_per_s_per_worker']:.2f} clips/s per worker process\n"
            f"  of which: upload -> 202 {summary['median_upload_to_202_ms']:.1f} ms (validation by decoding), "
            f"predictor {summary['median_predictor_total_ms']:.1f} ms (median)"
        )
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=2))
    finally:
        web.stop()
        worker.stop()


if __name__ == "__main__":
    main()
