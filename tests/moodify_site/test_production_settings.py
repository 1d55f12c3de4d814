"""Production settings as an operator (and an attacker) meets them: a guessable SECRET_KEY stops the
site from starting, Django's deployment checklist passes, HTTPS is enforced, and bootstrap creates
no admin whose password anyone could know. Each runs `manage.py` in a child process, as deployed."""
from __future__ import annotations

import os
import re
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from moodify_site.settings.secret_key import secret_key_refusal

ROOT = Path(__file__).resolve().parents[2]
HOST = "moodify.example.com"
# Variables a developer's shell or .env might carry that would change what is being checked.
OPERATOR_CHOICES = ("SPOTIFY_", "MOODIFY_ADMIN_", "SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "BEHIND_TLS_PROXY")


def production_env(**overrides: str) -> dict[str, str]:
    """What an operator sets: a fresh random key, the public host name, PostgreSQL and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OPERATOR_CHOICES)}
    env.update(
        DJANGO_SETTINGS_MODULE="moodify_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        EMAIL_HOST="smtp.example.com",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_check_deploy_finds_no_issues_with_a_realistic_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


@pytest.mark.parametrize(
    "key",
    ["", "too-short-to-be-safe", "change-me-in-.env", "dev-only-insecure-key-change-me",
     "django-insecure-" + "k3y" * 20, "a" * 60],
    ids=["missing", "short", "compose-default", "base-default", "django-insecure", "one-letter"],
)  # fmt: skip
def test_production_refuses_to_start_with_a_guessable_secret_key(key):
    result = manage("check", env=production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "secrets.token_urlsafe(50)" in result.stderr, result.stderr


def test_every_secret_key_written_in_the_repository_is_refused():
    # A key that appears in the repository is public: anyone could sign session cookies with it.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    assignment = re.compile(r"""SECRET_KEY["']?\s*[=:]\s*["']?([^\s"',}]+)""")
    written = set()
    for name in filter(None, files.stdout.split("\0")):
        path = ROOT / name
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".sh", ".toml", ".ini", ".cfg", ".txt", ".env"} or (
            path.name in {"Dockerfile", "Makefile"}
        ):
            written.update(assignment.findall(path.read_text(errors="replace")))
    assert written, "the scan found no SECRET_KEY assignments at all: the pattern is broken"
    accepted = sorted(key for key in written if secret_key_refusal(key) is None)
    assert not accepted, f"keys written in the repository that production would accept: {accepted}"


def test_compose_requires_the_secret_key_from_the_environment_and_ships_no_insecure_defaults():
    app = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())["x-app"]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", app["SECRET_KEY"])  # compose stops while it is unset
    assert not {"SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"} & set(app)
    assert ".env" in (ROOT / ".dockerignore").read_text().split()  # the key stays out of the image


def _get(env: dict[str, str], path: str = "/api/v1/me/", **headers: str) -> tuple[int, str, str]:
    """One request through the production settings' middleware: status, Location, HSTS header.
    (An API path: pages need the static manifest that collectstatic writes.)"""
    code = (
        "import django; django.setup(); from django.test import Client; "
        f"r = Client().get({path!r}, headers={headers!r}); "
        "print(r.status_code, r.headers.get('Location', '-'), r.headers.get('Strict-Transport-Security', '-'), sep='|')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    status, location, hsts = result.stdout.strip().splitlines()[-1].split("|")
    return int(status), location, hsts


def test_plain_http_is_redirected_to_https_and_x_forwarded_proto_is_trusted_only_behind_a_tls_proxy():
    status, location, _ = _get(production_env(), Host=HOST)
    assert (status, location) == (301, f"https://{HOST}/api/v1/me/")
    # Without the switch a client cannot claim HTTPS by sending the header itself...
    status, _, _ = _get(production_env(), Host=HOST, X_Forwarded_Proto="https")
    assert status == 301
    # ...behind the operator's TLS proxy the header is the proxy's word, and HSTS pins HTTPS.
    status, _, hsts = _get(production_env(BEHIND_TLS_PROXY="true"), Host=HOST, X_Forwarded_Proto="https")
    assert status in (401, 403)  # answered (the API wants a sign-in), not redirected
    assert hsts == "max-age=31536000; includeSubDomains; preload"


def _admins(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT u.email, u.is_staff, e.verified FROM accounts_user u "
            "LEFT JOIN account_emailaddress e ON e.user_id = u.id WHERE u.is_superuser"
        ).fetchall()


def test_bootstrap_under_production_creates_an_admin_only_from_given_credentials_that_pass_the_validators(tmp_path):
    database = tmp_path / "moodify.sqlite3"
    env = production_env(DATABASE_URL=f"sqlite:///{database}")
    assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0

    nothing_given = manage("bootstrap_moodify", env=env)
    assert nothing_given.returncode == 0, nothing_given.stderr
    assert "MOODIFY_ADMIN_PASSWORD" in nothing_given.stdout and "moodify-demo" not in nothing_given.stdout
    assert _admins(database) == []

    for weak in ("moodify-demo", "password1", "ops@example.com"):
        refused = manage("bootstrap_moodify", env={**env, "MOODIFY_ADMIN_EMAIL": "ops@example.com",
                                                   "MOODIFY_ADMIN_PASSWORD": weak})  # fmt: skip
        assert refused.returncode != 0
        assert "MOODIFY_ADMIN_PASSWORD" in refused.stderr and "rerun" in refused.stderr, refused.stderr
        assert _admins(database) == []

    password = secrets.token_urlsafe(16)
    created = manage("bootstrap_moodify", env={**env, "MOODIFY_ADMIN_EMAIL": "ops@example.com",
                                               "MOODIFY_ADMIN_PASSWORD": password})  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "ops@example.com" in created.stdout
    assert password not in created.stdout + created.stderr
    assert _admins(database) == [("ops@example.com", 1, 1)]
