"""The production process layout for integration tests: a real `celery worker` and a real Daphne,
both on the test PostgreSQL database and the test Redis, driven over HTTP and WebSockets."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect as ws_connect

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-unusual-passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class ManagedProcess:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.cmd, self.env = name, cmd, env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, ready_marker: str | None = None, *, port: int | None = None, timeout: float = 120) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 -- the child process writes to it while it runs
        log.write(f"\n=== start {' '.join(self.cmd)}\n")
        log.flush()
        offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log_tail()}")
            if ready_marker is not None:
                return ready_marker in self.log_path.read_text(errors="replace")[offset:]
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_for(ready, timeout=timeout, interval=0.2, what=f"{self.name} to start")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, n: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-n:]


METRICS_TOKEN = "operator-metrics-token-for-tests"


@pytest.fixture(scope="session")
def stack_env(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, str]:
    """Environment for child processes: the same settings, pointed at pytest-django's test database."""
    from django.db import connection

    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "moodify_site.settings.test",
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        # Small limits: a task whose whole worker died is handed out again after the longest hard
        # limit plus the margin (21 s), so the kill tests are quick.
        "CELERY_TASK_SOFT_TIME_LIMIT_S": "15",
        "CELERY_TASK_TIME_LIMIT_S": "18",
        "EMOTION_ANALYSIS_SOFT_TIME_LIMIT_S": "15",
        "EMOTION_ANALYSIS_TIME_LIMIT_S": "18",
        "CELERY_VISIBILITY_MARGIN_S": "3",
        "CELERY_RESTORE_INTERVAL_S": "1",
        "EMOTION_MAX_ATTEMPTS": "2",
        "PYTHONUNBUFFERED": "1",
        # As in production: JSON log lines, and one metrics directory for the machine's processes.
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics")),
        "MOODIFY_METRICS_TOKEN": METRICS_TOKEN,
    }


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory) -> Path:
    path = ROOT / "test-artifacts" / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


WORKER_CMD = [
    sys.executable, "-m", "celery", "-A", "moodify_site", "worker", "--loglevel=INFO",
    "--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle",
]  # fmt: skip
WORKER_READY = "ready in"  # logged by emotion.tasks once the pool process has the model warm


@pytest.fixture(scope="session")
def celery_worker(stack_env, log_dir):
    worker = ManagedProcess("celery-worker", WORKER_CMD, stack_env, log_dir)
    worker.start(WORKER_READY)
    yield worker
    worker.stop()


def daphne_process(name: str, env: dict[str, str], log_dir: Path, port: int) -> ManagedProcess:
    """A Daphne process (not started) serving the site on ``port``, as production runs it."""
    return ManagedProcess(
        name,
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "moodify_site.asgi:application"],
        env,
        log_dir,
    )


def serve_daphne(name: str, env: dict[str, str], log_dir: Path):  # noqa: ANN201 - a generator
    """A Daphne process serving the site on a free port; yields its base URL, then stops it."""
    port = free_port()
    daphne = daphne_process(name, env, log_dir, port)
    daphne.start(port=port, timeout=60)
    yield f"http://127.0.0.1:{port}"
    daphne.stop()


@pytest.fixture(scope="session")
def web_server(stack_env, log_dir) -> str:
    yield from serve_daphne("daphne", stack_env, log_dir)


class Person:
    """Someone using the site through a browser-like session (cookies + CSRF) over real HTTP."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url, self.email = base_url, email
        self.http = requests.Session()

    def sign_up(self) -> "Person":
        self.http.get(f"{self.base_url}/accounts/signup/").raise_for_status()
        response = self.http.post(
            f"{self.base_url}/accounts/signup/",
            data={"email": self.email, "password1": PASSWORD, "password2": PASSWORD,
                  "csrfmiddlewaretoken": self.http.cookies["csrftoken"]},
            headers={"Referer": f"{self.base_url}/accounts/signup/"},
            allow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 302, response.text[:500]
        return self

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=60, **kwargs)

    def upload(self, data: bytes, name: str = "clip.wav") -> requests.Response:
        return self.api("POST", "/api/v1/submissions/", files={"audio": (name, data, "audio/wav")})

    def socket(self, submission_id: str):
        cookies = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        ws_url = self.base_url.replace("http://", "ws://") + f"/ws/submissions/{submission_id}/"
        return ws_connect(ws_url, additional_headers={"Cookie": cookies}, origin=self.base_url, open_timeout=10)

    def wait_until_finished(self, submission_id: str, timeout: float = 60) -> dict:
        def finished():
            body = self.api("GET", f"/api/v1/submissions/{submission_id}/").json()
            return body if body["status"] in ("done", "failed") else None

        return wait_for(finished, timeout=timeout, interval=0.2, what=f"submission {submission_id}")


def receive_until(socket, status: str, timeout: float = 60) -> list[dict]:
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        messages.append(message)
        if message.get("type") == "submission" and message["submission"]["status"] == status:
            return messages
    raise AssertionError(f"no {status!r} message within {timeout} s; got {messages}")


_counter = iter(range(10**6))


@pytest.fixture
def person_factory(web_server, transactional_db):
    def make() -> Person:
        return Person(web_server, f"user{next(_counter)}-{os.getpid()}@example.com").sign_up()

    return make
