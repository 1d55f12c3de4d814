"""Load test: 50 people for 60 s against the production stack on this machine (Locust, headless).

Starts Daphne and a Celery worker (prefork, WORKER_CONCURRENCY pool processes, 2 by default as in
docker/compose.yaml) with production settings on a scratch database, creates the accounts, runs
benchmarks/locustfile.py, waits for the queue to drain, and reports requests/s, upload -> result
p50/p95, errors, lost submissions, and each process's CPU (what saturates first).

    make load-test        # or: env $(bash scripts/services.sh start) .venv/bin/python benchmarks/load_test.py
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pipeline import scratch_database  # noqa: E402
from moodify_site.settings.base import redis_database_url  # noqa: E402
from tests import audio_samples  # noqa: E402
from tests.integration.conftest import WORKER_CMD, WORKER_READY, ManagedProcess, free_port  # noqa: E402

PASSWORD = "load-test-passphrase-" + secrets.token_hex(4)
METRICS_TOKEN = secrets.token_urlsafe(24)
CREATE_ACCOUNTS = """
import os
from allauth.account.models import EmailAddress
from accounts.services import user_create
for email in os.environ["MOODIFY_LOAD_EMAILS"].split(","):
    user = user_create(email=email, password=os.environ["MOODIFY_LOAD_PASSWORD"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
"""
UNFINISHED_SQL = "SELECT status, count(*) FROM emotion_voicesubmission GROUP BY status"


def production_env(tmp: Path, database_url: str, concurrency: int) -> dict[str, str]:
    """Production settings as an operator sets them for plain HTTP on one machine, behind one proxy
    (the load generator), on Redis databases of their own."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "moodify_site.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
        "NUM_PROXIES": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_database_url(os.environ["REDIS_URL"], 20),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        "MOODIFY_METRICS_TOKEN": METRICS_TOKEN,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "WORKER_CONCURRENCY": str(concurrency),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


class CpuSampler(threading.Thread):
    """Each second, the CPU of every part of the stack (percent of one core) and the queue."""

    def __init__(self, groups: dict[str, list[psutil.Process]], metrics_url: str) -> None:
        super().__init__(daemon=True)
        self.groups, self.metrics_url = groups, metrics_url
        self.samples: dict[str, list[float]] = {name: [] for name in [*groups, "machine", "queue_depth", "oldest_age_s"]}
        self.stop = threading.Event()

    _known: dict[int, psutil.Process] = {}

    def _tree(self, processes: list[psutil.Process]) -> list[psutil.Process]:
        """The processes and their children, the same objects each time (cpu_percent() measures
        since the previous call on the same object)."""
        found = []
        for process in processes:
            try:
                found += [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return [self._known.setdefault(p.pid, p) for p in found]

    def run(self) -> None:
        psutil.cpu_percent()
        while not self.stop.wait(1.0):
            for name, roots in self.groups.items():
                total = 0.0
                for process in self._tree(roots):
                    try:
                        total += process.cpu_percent()
                    except psutil.NoSuchProcess:
                        pass
                self.samples[name].append(total)
            self.samples["machine"].append(psutil.cpu_percent())
            self._queue()

    def _queue(self) -> None:
        try:
            text = requests.get(self.metrics_url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5).text
        except requests.RequestException:
            return
        for line in text.splitlines():
            if line.startswith("moodify_queue_depth{"):
                self.samples["queue_depth"].append(float(line.rsplit(" ", 1)[1]))
            elif line.startswith("moodify_oldest_queued_submission_age_seconds "):
                self.samples["oldest_age_s"].append(float(line.rsplit(" ", 1)[1]))


def by_name(*names: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in names]


def locust_rows(prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def locust_exceptions(prefix: Path) -> int:
    """Exceptions a user's task raised outside any request (they are errors too)."""
    with open(f"{prefix}_exceptions.csv") as handle:
        return sum(int(row["Count"]) for row in csv.DictReader(handle))


def submission_counts(database_url: str) -> dict[str, int]:
    out = subprocess.run(["psql", database_url, "-Atc", UNFINISHED_SQL], capture_output=True, text=True, check=True)
    return {status: int(count) for status, count in (line.split("|") for line in out.stdout.split())}


def run_locust(host: str, env: dict[str, str], users: int, seconds: int, prefix: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
         "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--stop-timeout", "150",
         "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, check=False)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "2")))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="moodify-load-"))
    database_url = scratch_database(os.environ["DATABASE_URL"])
    env = production_env(tmp, database_url, args.concurrency)
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    for offset in (1, 2):
        redis.Redis.from_url(redis_database_url(env["REDIS_URL"], offset)).flushdb()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "bootstrap_moodify"], cwd=ROOT, env=env, check=True, capture_output=True)
    emails = [f"listener{i}@load.example.com" for i in range(args.users)]
    accounts = {"MOODIFY_LOAD_EMAILS": ",".join(emails), "MOODIFY_LOAD_PASSWORD": PASSWORD}
    subprocess.run([*manage, "shell", "-c", CREATE_ACCOUNTS], cwd=ROOT, env={**env, **accounts}, check=True)

    port = free_port()
    worker_cmd = [arg if not arg.startswith("--concurrency") else f"--concurrency={args.concurrency}"
                  for arg in WORKER_CMD]
    worker = ManagedProcess("load-worker", worker_cmd, env, tmp)
    web = ManagedProcess("load-daphne", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                         "moodify_site.asgi:application"], env, tmp)  # fmt: skip
    worker.start(WORKER_READY, timeout=300)
    web.start(port=port, timeout=60)
    host = f"http://127.0.0.1:{port}"
    try:
        sampler = CpuSampler({"worker": [psutil.Process(worker.proc.pid)], "web": [psutil.Process(web.proc.pid)],
                              "postgres": by_name("postgres"), "redis": by_name("redis-server")},
                             f"{host}/metrics")  # fmt: skip
        clip = audio_samples.speech_wav(tmp / "clip.wav", seconds=4.0)
        load_env = {**os.environ, **accounts, "MOODIFY_LOAD_CLIP": str(clip)}
        load_before = os.getloadavg()[0]
        sampler.start()
        started = time.monotonic()
        run_locust(host, load_env, args.users, args.seconds, tmp / "locust")
        wall_s = time.monotonic() - started
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            counts = submission_counts(database_url)
            if not counts.get("queued") and not counts.get("processing"):
                break
            time.sleep(2)
        sampler.stop.set()
        summary = summarise(locust_rows(tmp / "locust"), submission_counts(database_url), sampler, wall_s,
                            load_before, args)  # fmt: skip
        summary["errors"] += locust_exceptions(tmp / "locust")
    finally:
        web.stop()
        worker.stop()
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"logs and Locust CSVs: {tmp}")


def summarise(rows, counts, sampler: CpuSampler, wall_s: float, load_before: float, args) -> dict:
    total, flow, upload = rows["Aggregated"], rows.get("upload -> result", {}), rows.get("upload", {})
    http = [row for name, row in rows.items() if name != "Aggregated" and row["Type"] != "FLOW"]
    cpu = {name: round(sum(values) / len(values), 1) if values else None
           for name, values in sampler.samples.items() if name not in ("queue_depth", "oldest_age_s")}
    accepted = int(upload.get("Request Count", 0)) - int(upload.get("Failure Count", 0))
    finished = counts.get("done", 0) + counts.get("failed", 0)
    return {
        "users": args.users, "seconds": args.seconds, "worker_processes": args.concurrency,
        "wall_s_incl_stop": round(wall_s, 1),
        # HTTP requests only (FLOW rows are timings of whole steps, not requests).
        "requests": sum(int(r["Request Count"]) for r in http),
        "requests_per_s": round(sum(float(r["Requests/s"]) for r in http), 2),
        "errors": int(total["Failure Count"]),
        "websocket_connects_failed": int(rows.get("websocket connect", {}).get("Request Count", 0)),
        "results": int(flow.get("Request Count", 0)),
        "results_per_s": round(float(flow.get("Requests/s", 0)), 2),
        "upload_to_result_p50_ms": float(flow.get("50%", 0)), "upload_to_result_p95_ms": float(flow.get("95%", 0)),
        "upload_p50_ms": float(upload.get("50%", 0)), "upload_p95_ms": float(upload.get("95%", 0)),
        "uploads_accepted": accepted, "submissions": counts,
        # Accepted (202) but never finished, even after the queue had 3 minutes to drain.
        "lost_submissions": accepted - finished,
        "unfinished_after_drain": counts.get("queued", 0) + counts.get("processing", 0),
        "failed_submissions": counts.get("failed", 0),
        "cpu_percent_of_one_core_mean": cpu,
        "queue_depth_max": max(sampler.samples["queue_depth"], default=None),
        "oldest_queued_age_s_max": max(sampler.samples["oldest_age_s"], default=None),
        "load_average_before": round(load_before, 2), "cores": psutil.cpu_count(),
    }  # fmt: skip


if __name__ == "__main__":
    main()
