"""Locust scenario of one person using Moodify through the API, as the page does: sign in, upload a
4-s clip, wait for `done` on the submission's WebSocket, take the recommendations that follow on
the same socket (or fetch them), rate one. Driven by benchmarks/load_test.py, which creates the
accounts and passes their addresses, the password and the clip in MOODIFY_LOAD_* variables."""
from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

from locust import HttpUser, between, task
from websocket import WebSocketException, WebSocketTimeoutException, create_connection

CLIP = Path(os.environ["MOODIFY_LOAD_CLIP"]).read_bytes()
PASSWORD = os.environ["MOODIFY_LOAD_PASSWORD"]
EMAILS = itertools.cycle(os.environ["MOODIFY_LOAD_EMAILS"].split(","))
RESULT_TIMEOUT_S = 120
RECOMMENDATIONS_TIMEOUT_S = 30
_addresses = itertools.count(1)


class Listener(HttpUser):
    wait_time = between(1, 3)  # reading the result, then recording again

    def on_start(self) -> None:
        # Each simulated person has an address of their own, as the proxy in front reports it
        # (the stack runs with NUM_PROXIES=1), so per-address sign-in limits apply per person.
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.0.{n // 250}.{n % 250 + 1}"
        self.email = next(EMAILS)
        response = self.client.post("/api/v1/auth/token/", json={"email": self.email, "password": PASSWORD},
                                    name="sign in")
        self.token = response.json()["token"]
        self.client.headers["Authorization"] = f"Token {self.token}"

    def _event(self, name: str, started: float, exception: Exception | None = None) -> None:
        self.environment.events.request.fire(
            request_type="FLOW", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=0, exception=exception, context={})

    @task
    def record_and_listen(self) -> None:
        started = time.perf_counter()
        with self.client.post("/api/v1/submissions/", files={"audio": ("clip.wav", CLIP, "audio/wav")},
                              name="upload", catch_response=True) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        submission = response.json()
        try:
            socket = create_connection(
                self.host.replace("http", "ws", 1) + submission["websocket_url"],
                header=[f"Authorization: Token {self.token}",
                        f"X-Forwarded-For: {self.client.headers['X-Forwarded-For']}"],
                origin=self.host, timeout=RESULT_TIMEOUT_S)  # fmt: skip
        except (WebSocketException, OSError) as exc:
            # Counted as an error; then, as the page does, the result is fetched by polling.
            self._event("websocket connect", started, exc)
            state, recommendations = self._poll(submission["url"], started), None
        else:
            try:
                state, recommendations = self._listen(socket, started)
            finally:
                socket.close()
        if state != "done":
            return
        items = (recommendations or self._fetch_recommendations(submission["id"]) or {}).get("items") or []
        if items:
            self.client.post(f"/api/v1/recommendations/{items[0]['id']}/feedback/",
                             json={"action": "rate", "rating": 4}, name="rate")

    def _listen(self, socket, started: float) -> tuple[str, dict | None]:
        """Messages until the result (timed as `upload -> result`), then briefly for the set."""
        state, deadline = "", time.monotonic() + RESULT_TIMEOUT_S
        try:
            while state not in ("done", "failed"):
                socket.settimeout(max(0.1, deadline - time.monotonic()))
                message = json.loads(socket.recv())
                if message.get("type") == "submission":
                    state = message["submission"]["status"]
        except (WebSocketTimeoutException, ConnectionError, OSError) as exc:
            self._event("upload -> result", started, exc)
            return "lost", None
        self._event("upload -> result", started, None if state == "done" else Exception("failed"))
        if state != "done":
            return state, None
        try:
            socket.settimeout(RECOMMENDATIONS_TIMEOUT_S)
            while True:
                message = json.loads(socket.recv())
                if message.get("type") == "recommendations":
                    return state, message["recommendations"]
        except (WebSocketTimeoutException, ConnectionError, OSError):
            return state, None

    def _poll(self, url: str, started: float) -> str:
        deadline, state = time.monotonic() + RESULT_TIMEOUT_S, ""
        while time.monotonic() < deadline and state not in ("done", "failed"):
            time.sleep(1.5)
            response = self.client.get(url, name="poll")
            state = response.json().get("status", "") if response.status_code == 200 else ""
        self._event("upload -> result", started, None if state == "done" else Exception(state or "no result"))
        return state

    def _fetch_recommendations(self, submission_id: str) -> dict | None:
        response = self.client.get(f"/api/v1/submissions/{submission_id}/recommendations/", name="recommendations")
        return response.json() if response.status_code == 200 else None
