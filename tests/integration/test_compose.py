"""docker/compose.yaml cannot run here (no Docker), so its commands are checked against the
project: every program, module and management command it names exists, the processes are the
ones these tests run (tests/integration/conftest.py), and the healthchecks work when run as written
against the real processes."""
from __future__ import annotations

import importlib
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from tests.integration.conftest import ROOT, WORKER_CMD, ManagedProcess, wait_for

pytestmark = [pytest.mark.integration]

COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")


def argv(command: str | list[str], **variables: str) -> list[str]:
    """A compose command as the container runs it, with compose's ${VAR:-default} filled in."""
    text = command if isinstance(command, str) else shlex.join(command)
    text = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m[1], m[2]), text)
    text = text.replace("$$HOSTNAME", variables.get("HOSTNAME", "$HOSTNAME"))
    return shlex.split(text)


def commands_of(service: str) -> list[list[str]]:
    """Its command (a `sh -c "a && b"` split into a and b) and its healthcheck."""
    spec = SERVICES[service]
    found = []
    command = argv(spec["command"])
    if command[:2] == ["sh", "-c"]:
        found += [shlex.split(part) for part in command[2].split("&&")]
    else:
        found.append(command)
    test = spec.get("healthcheck", {}).get("test")
    if test:
        found.append(argv(test[1]) if test[0] == "CMD-SHELL" else test[1:])
    return found


def assert_exists_in_project(command: list[str]) -> None:
    program, *args = command
    if program == "python":
        if args[0] == "manage.py":
            assert args[1] in get_commands(), f"manage.py has no {args[1]!r} command"
        else:
            assert args[0] == "-c", command
            compile(args[1], "<healthcheck>", "exec")
        return
    assert program in ("daphne", "celery"), f"{program} is not a program the image installs"
    assert importlib.util.find_spec(program), program
    for arg in args:  # module:attribute references and -A apps
        if re.fullmatch(r"[a-z_.]+:[A-Za-z_]+", arg):
            module, attribute = arg.split(":")
            assert hasattr(importlib.import_module(module), attribute), arg
    if "-A" in args:
        importlib.import_module(args[args.index("-A") + 1])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_compose_command_exists_in_the_project(service):
    for command in commands_of(service):
        assert_exists_in_project(command)


def test_compose_runs_the_process_layout_the_tests_run():
    web = argv(SERVICES["web"]["command"])
    assert web[0] == "daphne" and web[-1] == "moodify_site.asgi:application"  # as serve_daphne runs it
    worker = argv(SERVICES["worker"]["command"])
    tested = WORKER_CMD[WORKER_CMD.index("celery"):]
    without_concurrency = [arg for arg in tested if not arg.startswith("--concurrency")]
    assert [arg for arg in worker if not arg.startswith("--concurrency")] == without_concurrency
    assert argv(SERVICES["beat"]["command"])[:4] == ["celery", "-A", "moodify_site", "beat"]
    for service in ("web", "worker", "beat"):
        assert SERVICES[service]["healthcheck"]["test"], service
    assert "--appendonly yes" in SERVICES["redis"]["command"]
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]


def test_the_image_runs_as_a_user_and_leaves_secrets_tests_and_local_state_out():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "tests", "var", ".env"} <= ignored


def test_the_web_healthcheck_passes_against_a_ready_site(web_server, celery_worker):
    code = SERVICES["web"]["healthcheck"]["test"][-1].replace("127.0.0.1:8000", web_server.split("//")[1])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_the_worker_healthcheck_pings_its_own_node(celery_worker, stack_env):
    command = argv(SERVICES["worker"]["healthcheck"]["test"][1], HOSTNAME=socket.gethostname())
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=stack_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout


def test_beat_as_compose_runs_it_ticks_and_its_healthcheck_sees_it(stack_env, log_dir, tmp_path):
    heartbeat = tmp_path / "beat-heartbeat"
    env = {**stack_env, "BEAT_HEARTBEAT_FILE": str(heartbeat)}
    command = argv(SERVICES["beat"]["command"])
    command[command.index("--schedule") + 1] = str(tmp_path / "celerybeat-schedule")
    beat = ManagedProcess("celery-beat", [sys.executable, "-m", *command], env, log_dir)
    healthcheck = [sys.executable, *SERVICES["beat"]["healthcheck"]["test"][2:]]

    def check() -> subprocess.CompletedProcess:
        return subprocess.run(healthcheck, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert check().returncode != 0  # before beat ever ran
    beat.start("beat: Starting", timeout=60)
    try:
        wait_for(heartbeat.exists, timeout=30, what="beat's first tick")
        assert check().returncode == 0
    finally:
        beat.stop()
    stale = time.time() - 600
    os.utime(heartbeat, (stale, stale))  # as if it had hung ten minutes ago
    result = check()
    assert result.returncode != 0 and "stuck or gone" in result.stderr
    assert Path(heartbeat).exists()
