"""Run the whole site from one command: (embedded Redis) + Celery worker + Daphne, until Ctrl-C.

The process layout is the production one (web and worker are separate processes talking through
a Redis-protocol server); only where that server comes from differs. With REDIS_URL unset, a
fakeredis TCP server runs inside this process on EMBEDDED_REDIS_PORT.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def start_embedded_redis(port: int):
    """Serve the Redis protocol from memory (Celery broker, channel layer, cache) on 127.0.0.1:port."""
    from fakeredis import TcpFakeServer

    if _port_open("127.0.0.1", port):
        raise CommandError(
            f"Port {port} is in use, so the embedded Redis cannot start. "
            "Set EMBEDDED_REDIS_PORT to a free port, or REDIS_URL to a real Redis."
        )
    TcpFakeServer.allow_reuse_address = True
    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    threading.Thread(target=server.serve_forever, name="embedded-redis", daemon=True).start()
    return server


def _forget_old_metrics(folder: Path) -> None:
    """Metrics files of an earlier run's processes: a new run starts counting from zero (process
    ids are reused, and a reused one would carry on an old process's counts)."""
    own = f"_{os.getpid()}.db"
    for path in folder.glob("*.db"):
        if not path.name.endswith(own):
            path.unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Start Moodify: embedded Redis when REDIS_URL is unset, a Celery worker and Daphne on $PORT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "1")))

    def handle(self, *args, host: str, port: int, concurrency: int, **options) -> None:
        _forget_old_metrics(Path(settings.PROMETHEUS_MULTIPROC_DIR))
        server = None
        if settings.EMBEDDED_MODE:
            server = start_embedded_redis(settings.EMBEDDED_REDIS_PORT)
            self.stdout.write(f"Embedded Redis (fakeredis) on 127.0.0.1:{settings.EMBEDDED_REDIS_PORT}")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)}
        worker_cmd = [
            sys.executable, "-m", "celery", "-A", "moodify_site", "worker", "--loglevel=INFO",
            "--pool=prefork", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if settings.EMBEDDED_MODE:
            # One process holds the schedule; production runs `celery beat` on its own.
            schedule = Path(settings.PRIVATE_MEDIA_ROOT).parent / "celerybeat-schedule"
            schedule.parent.mkdir(parents=True, exist_ok=True)
            worker_cmd += ["--beat", f"--schedule={schedule}"]
        web_cmd = [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "moodify_site.asgi:application"]
        children: list[subprocess.Popen] = []
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            children.append(subprocess.Popen(worker_cmd, env=env))
            children.append(subprocess.Popen(web_cmd, env=env))
            self._announce(host, port)
            while not stopping:
                for child in children:
                    if child.poll() is not None:
                        raise CommandError(f"{child.args[2:5]} exited with status {child.returncode}")
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            if server is not None:
                server.shutdown()
                server.server_close()
            self.stdout.write("Moodify stopped.")

    def _announce(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nMoodify is starting on {url}"))
        self.stdout.write(f"  Sign in:  {url}accounts/login/  (demo admin: see the bootstrap output above,")
        self.stdout.write("            by default admin@moodify.local / moodify-demo), or sign up with any email;")
        self.stdout.write("            confirmation emails are printed in this terminal.")
        self.stdout.write(f"  Admin:    {url}admin/")
        self.stdout.write(f"  API docs: {url}api/docs/")
        self.stdout.write("  Stop with Ctrl-C.\n")
