"""The site as people meet it: Daphne + a real Celery worker against the test database, driven
by the Debian Chromium through Playwright with a fake microphone that plays espeak-ng speech."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("MOODIFY_CHROMIUM", "/usr/bin/chromium")
BASE_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
SPEECH = (
    "I cannot believe we finally made it here today. This is wonderful news for everyone, "
    "and I am so happy that we are all together again."
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for(predicate, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s\n{tail}")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class LiveSite:
    url: str
    log_dir: Path


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker, tmp_path_factory) -> LiveSite:
    """Daphne on a free port and a Celery worker, both on the pytest test database."""
    from django.conf import settings

    work = tmp_path_factory.mktemp("live-site")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "moodify_site.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PRIVATE_MEDIA_ROOT": str(work / "recordings"),
        "STATIC_ROOT": str(work / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    web_log, worker_log = work / "daphne.log", work / "worker.log"
    processes = []
    try:
        with worker_log.open("wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "moodify_site", "worker", "--loglevel=INFO",
                 "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"e2e-{port}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        with web_log.open("wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "moodify_site.asgi:application"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _http_ok(url + "/"), timeout=60, what="Daphne", log=web_log)
        # The worker loads TensorFlow and warms the model before it says it is ready.
        _wait_for(lambda: b" ready." in worker_log.read_bytes(), timeout=180, what="Celery worker", log=worker_log)
        yield LiveSite(url=url, log_dir=work)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        # Keep the server logs next to the screenshots: they explain a failing browser test.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for log in (web_log, worker_log):
            if log.exists():
                shutil.copy(log, SCREENSHOTS.parent / log.name)


@pytest.fixture
def site(live_site, django_db_blocker) -> LiveSite:
    """The live site with its reference data (emotions, starter catalog) in place.

    Loaded before every test, not once: transactional tests elsewhere in the suite empty
    every table when they finish.
    """
    from django.core.management import call_command

    # Playwright's sync API keeps an event loop in this thread; the ORM call below is plain
    # synchronous code all the same, so Django's async-safety guard is lifted just for it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with django_db_blocker.unblock():
            call_command("bootstrap_moodify", "--domain", live_site.url.split("//")[1], verbosity=0)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    return live_site


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """What the fake microphone says: espeak-ng speech, 48 kHz mono WAV (Chromium loops it)."""
    folder = tmp_path_factory.mktemp("mic")
    raw, wav = folder / "raw.wav", folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(raw), SPEECH], check=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw), "-ar", "48000", "-ac", "1", str(wav)], check=True
    )
    return wav


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, speech_wav):
    """Chromium whose fake microphone plays the speech file (pages get the permission)."""
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[*BASE_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-audio-capture={speech_wav}"],
    )  # fmt: skip
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_without_permission(playwright_instance, speech_wav):
    """Chromium with a microphone whose permission prompt nobody accepts (denied)."""
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[*BASE_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={speech_wav}"],
    )
    yield browser
    browser.close()


class Shots:
    """Screenshots of each page a test visits, kept as test artifacts to look at."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str) -> Path:
        path = SCREENSHOTS / f"{self.prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name.removeprefix("test_"))


@pytest.fixture
def new_page(site):
    """Factory: a fresh browser context (its own cookies) with console errors collected."""
    contexts = []

    def make(browser, *, width: int = 1280, height: int = 900, permissions=("microphone",), **options):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=site.url, permissions=list(permissions), **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
