"""The main pages under the site's Content-Security-Policy, in a real browser: nothing is blocked
(no inline code left), the recording, the live WebSocket result and the API docs still work."""
from __future__ import annotations

import re

import pytest
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from playwright.sync_api import Page, expect

from catalog.models import Track

from tests.e2e.helpers import sign_up, unique_email

pytestmark = pytest.mark.e2e

# Runs in every document before its own scripts (injected by the browser, so the CSP does not
# apply to it) and reports each violation the page's policy raises.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${location.pathname}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : ""));
});
"""


def _watch(page: Page) -> list[str]:
    violations: list[str] = []
    page.context.expose_binding("reportCspViolation", lambda source, text: violations.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: (
        violations.append(f"console: {message.text}")
        if re.search(r"content.security.policy|permissions.policy", message.text, re.IGNORECASE) else None
    ))  # fmt: skip
    return violations


def test_main_pages_raise_no_content_security_policy_violations(browser, new_page, shots):
    page = new_page(browser)
    violations = _watch(page)

    assert "script-src 'self'" in page.goto("/").headers["content-security-policy"]
    page.goto("/accounts/login/")
    sign_up(page, unique_email("csp"))
    # Every track linked to Spotify, so the result page offers the Spotify player (a frame).
    Track.objects.update(spotify_id=Concat(Value("csp"), Cast("id", CharField())))

    # Record (AudioWorklet, level meter, review from a blob: URL), then the live result over the socket.
    page.goto("/record/")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#level-hint")).to_have_text("We can hear you. Keep talking…", timeout=5_000)
    expect(page.locator("#elapsed")).to_have_text("0:04", timeout=8_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("audio#playback")).to_be_visible()
    with page.expect_websocket(timeout=60_000):
        page.get_by_role("button", name="Analyse this recording").click()
        expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"), timeout=60_000)
    expect(page.locator("#emotion-name")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#track-list > li.track").first).to_be_visible(timeout=30_000)
    # Chart.js draws the bars (its canvas sizing goes through the CSSOM, which the CSP allows).
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('prob-chart')).getDatasetMeta(0).data"
        ".some((bar) => Math.abs(bar.x - bar.base) > 10)"
    )
    # The player frame is allowed (a blocked frame never requests); Spotify itself is stood in for.
    page.route("https://open.spotify.com/**", lambda route: route.fulfill(content_type="text/html", body="<p>player</p>"))
    with page.expect_request(re.compile(r"^https://open\.spotify\.com/embed/track/csp\d+")):
        page.locator("#track-list > li.track").first.get_by_role("button", name=re.compile("^Play ")).click()
    expect(page.locator("iframe[title^='Spotify player']")).to_be_visible()
    page.get_by_role("button", name="That’s not how I feel").click()
    swatch = page.locator("#correction-form .swatch").first
    assert swatch.evaluate("el => getComputedStyle(el).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    shots(page, "result")

    page.goto("/mood/")
    expect(page.locator("#picker-form .swatch").first).to_be_visible()
    page.goto("/history/")
    expect(page.locator(".swatch-dot").first).to_be_visible(timeout=15_000)
    page.goto("/settings/")
    expect(page.get_by_label("Spotify market")).to_be_visible()
    shots(page, "settings")

    # The API docs: Swagger UI from this site's static files, started by a script file.
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Moodify API", timeout=15_000)
    expect(page.locator(".opblock").first).to_be_visible()
    shots(page, "api-docs")

    assert violations == [], sorted(set(violations))
    assert page.errors == []
