"""What a browser is told about every page: Content-Security-Policy and Permissions-Policy; and the
API docs page, served wholly from this site."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _policy(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_pages_allow_only_this_sites_code_the_spotify_player_and_this_hosts_websocket(client):
    policy = _policy(client.get("/").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-src"] == ["https://open.spotify.com"]
    assert policy["connect-src"] == ["'self'", "ws://testserver"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    secure = _policy(client.get("/", secure=True).headers["Content-Security-Policy"])
    assert secure["connect-src"] == ["'self'", "wss://testserver"]


def test_pages_let_only_this_site_use_the_microphone_and_camera(client):
    features = dict(
        item.split("=", 1) for item in client.get("/").headers["Permissions-Policy"].split(", ")
    )
    assert features["microphone"] == "(self)" and features["camera"] == "(self)"
    assert features["geolocation"] == "()" and features["payment"] == "()" and features["usb"] == "()"
    assert features["encrypted-media"] == '(self "https://open.spotify.com")'


def test_api_docs_load_swagger_ui_from_this_site_with_no_inline_code(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 4 and all(url.startswith("/") for url in assets), assets
    assert "<style" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    for url in assets:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    start_up = client.get(next(url for url in assets if "script=" in url).replace("&amp;", "&"))
    assert start_up.status_code == 200 and start_up["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start_up.content.decode()


def test_no_template_has_inline_script_style_or_event_handler():
    # The CSP blocks these; data reaches scripts through json_script (type="application/json").
    inline = re.compile(r'\sstyle="|\son[a-z]+="|<script(?![^>]*\b(?:src=|type="application/json"))')
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert len(templates) > 10
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert not offenders
