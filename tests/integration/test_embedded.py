"""Embedded mode (`make run` with REDIS_URL unset): one command serves web + worker + live updates.

Runs the real `manage.py run_moodify` on a fresh SQLite database with the in-process fakeredis
server standing in for Redis, then uses it like a person would.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import ROOT, receive_until, wait_for, free_port, Person

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory, log_dir):
    tmp = tmp_path_factory.mktemp("embedded")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL"}}
    port = free_port()
    env.update(
        DJANGO_SETTINGS_MODULE="moodify_site.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp / 'moodify.sqlite3'}",
        EMBEDDED_REDIS_PORT=str(free_port()),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    boot = subprocess.run([*manage, "bootstrap_moodify"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert "admin@moodify.local" in boot.stdout
    again = subprocess.run([*manage, "bootstrap_moodify"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert "none created" in again.stdout  # idempotent

    log_path = log_dir / "run_moodify.log"
    log = open(log_path, "w")  # noqa: SIM115 -- the child process writes to it until the test ends
    proc = subprocess.Popen([*manage, "run_moodify"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, log_path.read_text()[-3000:]
        text = log_path.read_text(errors="replace")
        return "ready in" in text and _responds(base_url)

    wait_for(up, timeout=180, interval=0.5, what="run_moodify to serve and the worker to load the model")
    yield base_url, proc, log_path
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def _responds(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/api/schema/", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_embedded_sqlite_takes_concurrent_writers_without_database_is_locked(embedded_site):
    """Several people at once while the worker writes their recommendations: SQLite must queue the
    writers (WAL, IMMEDIATE transactions, a busy timeout), not answer 500 "database is locked"."""
    base_url, _, log_path = embedded_site
    people = [Person(base_url, f"busy{i}@example.com").sign_up() for i in range(6)]
    moods = ["happy", "sad", "angry", "calm", "neutral"]

    def busy(person: Person) -> list[int]:
        codes = []
        for mood in moods:
            picked = person.api("POST", "/api/v1/submissions/picked/", json={"emotion": mood})
            codes.append(picked.status_code)
            if picked.ok:
                rec = person.api("GET", f"/api/v1/submissions/{picked.json()['id']}/recommendations/")
                codes.append(rec.status_code)
            codes.append(person.api("PATCH", "/api/v1/me/profile/", json={"strategy": "lift"}).status_code)
        return codes

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        codes = [code for person_codes in pool.map(busy, people) for code in person_codes]
    assert codes and all(code < 500 for code in codes), sorted(set(codes))
    assert all(code in (200, 201, 202) for code in codes), sorted(set(codes))
    assert "database is locked" not in log_path.read_text(errors="replace")


def test_embedded_mode_runs_the_real_pipeline_and_stops_cleanly_on_ctrl_c(embedded_site, speech_clip):
    base_url, proc, log_path = embedded_site
    intro = log_path.read_text()
    assert base_url in intro and "/admin/" in intro and "Sign in" in intro

    person = Person(base_url, "embedded@example.com").sign_up()
    response = person.upload(speech_clip)
    assert response.status_code == 202, response.text
    submission = response.json()
    with person.socket(submission["id"]) as socket:
        messages = receive_until(socket, "done", timeout=90)
    pushed = messages[-1]["submission"]
    assert pushed["result"]["label"]
    assert person.api("GET", submission["url"]).json()["result"] == pushed["result"]

    token = requests.post(
        f"{base_url}/api/v1/auth/token/", json={"email": "admin@moodify.local", "password": "moodify-demo"}, timeout=10
    )
    assert token.status_code == 200 and token.json()["token"]

    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 2  # the worker and Daphne
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
