"""The site as people meet it: Daphne + a real Celery worker against the test database (the
integration tests' process fixtures), driven by the Debian Chromium through Playwright with a
fake microphone that plays espeak-ng speech. Screenshots land in test-artifacts/screenshots/."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# One Daphne and one Celery worker per test session, shared with the integration tests.
from tests.integration.conftest import (  # noqa: F401
    celery_worker,
    log_dir,
    stack_env,
    web_server,
)

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@dataclass
class LiveSite:
    url: str


@pytest.fixture(scope="session")
def collected_static(stack_env) -> None:  # noqa: F811 (fixture)
    """Daphne serves static files through WhiteNoise from STATIC_ROOT (DEBUG is off in tests)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=stack_env, check=True
    )


@pytest.fixture(scope="session")
def live_site(collected_static, web_server, celery_worker) -> LiveSite:  # noqa: F811 (fixtures)
    """The same Daphne and Celery worker the integration tests use: one model load per session."""
    return LiveSite(url=web_server)


@pytest.fixture
def site(live_site, transactional_db) -> LiveSite:
    """The live site with its reference data (emotions, starter catalog) in place.

    Loaded before every test: transactional tests (these included) empty every table when they
    finish, so nothing a browser test creates leaks into the rest of the suite.
    """
    from django.core.management import call_command

    call_command("bootstrap_moodify", "--domain", live_site.url.split("//")[1], verbosity=0)
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

    # Playwright's sync API keeps an asyncio loop running in this thread for the whole session;
    # the ORM calls the fixtures make beside it (bootstrap, flush) are ordinary synchronous code,
    # so Django's async-context guard is lifted while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


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
def new_page(site, request):
    """Factory: a fresh browser context (its own cookies) with page errors collected; a failing
    test leaves a screenshot of every page it had open."""
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
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for n, context in enumerate(contexts):
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()
