"""PostgreSQL and Redis servers of a test's own, for tests that stop and restart them (the suite's
shared servers must stay up for every other test)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.integration.conftest import ManagedProcess, free_port

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PrivateRedis:
    """redis-server with appendonly persistence, as docker/compose.yaml runs it."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="moodify-redis-"))
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
               "--appendonly", "yes", "--save", "", "--databases", "64"]  # fmt: skip
        self.process = ManagedProcess(f"redis-{self.port}", cmd, dict(os.environ), log_dir)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process.start(port=self.port, timeout=30)

    def restart(self, *, down_s: float) -> None:
        """A graceful stop (SIGTERM: what `docker compose restart` sends), some time down, a start."""
        self.process.stop()
        time.sleep(down_s)
        self.start()

    def destroy(self) -> None:
        self.process.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL cluster holding a copy of the test database (schema and rows)."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="moodify-pg-"))
        self.log_dir = log_dir
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.log_path = self.folder / "server.log"  # the server's user writes it; kept in log_dir at the end

    @property
    def url(self) -> str:
        return f"postgres://moodify:moodify@127.0.0.1:{self.port}/moodify"

    def create_from(self, source_url: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8"]), check=True, capture_output=True)  # fmt: skip
        self.start()
        admin = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        for sql in ("CREATE ROLE moodify LOGIN SUPERUSER PASSWORD 'moodify'", "CREATE DATABASE moodify OWNER moodify"):
            subprocess.run([str(PG_BIN / "psql"), admin, "-qc", sql], check=True, capture_output=True)
        dump = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", source_url],
                              check=True, capture_output=True)
        subprocess.run([str(PG_BIN / "psql"), self.url, "-q", "-v", "ON_ERROR_STOP=1"], input=dump.stdout,
                       check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), "-w",
                                     "-o", options, "start"]), check=True, capture_output=True)  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a restart or a failover."""
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)

    def destroy(self) -> None:
        self.stop()
        if self.log_path.exists():
            shutil.copy(self.log_path, self.log_dir / f"postgres-{self.port}.log")
        shutil.rmtree(self.folder, ignore_errors=True)
