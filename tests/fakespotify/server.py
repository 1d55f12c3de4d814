"""A fake Spotify Web API on loopback: client-credentials token and track search, with failure modes.

Real HTTP, so spotipy runs unmodified against it. Switch behaviour with `server.mode`:
"ok", "rate_limited" (429 + Retry-After), "server_error" (503), "slow" (answers after `delay_s`),
"unauthorized" (401 from search), "bad_credentials" (token endpoint refuses the client),
"token_server_error" (503 from the token endpoint). A search
with a market that is not an ISO 3166-1 country code gets 400 "Invalid market code", and a token
other than the one it issued gets 401, as from Spotify.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from iso3166 import countries_by_alpha2

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def fake_id(seed: str) -> str:
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _ in range(22):
        digest, index = divmod(digest, 62)
        chars.append(ALPHABET[index])
    return "".join(chars)


def track_object(query: str, index: int, market: str) -> dict:
    """A track object shaped like Spotify's (fields trimmed to what clients commonly read)."""
    track_id = fake_id(f"{query}|{index}")
    artist_id = fake_id(f"artist|{query}|{index % 7}")
    album_id = fake_id(f"album|{query}|{index % 5}")
    return {
        "album": {
            "album_type": "album", "id": album_id, "name": f"Fake Album {index % 5}",
            "release_date": f"{2000 + index}-05-01", "release_date_precision": "day", "total_tracks": 12,
            "artists": [{"id": artist_id, "name": f"Fake Artist {index % 7}", "type": "artist",
                         "uri": f"spotify:artist:{artist_id}"}],
            "images": [{"url": f"https://i.scdn.co/image/{album_id}", "height": 640, "width": 640}],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
            "uri": f"spotify:album:{album_id}", "type": "album", "available_markets": [market],
        },
        "artists": [{"id": artist_id, "name": f"Fake Artist {index % 7}", "type": "artist",
                     "uri": f"spotify:artist:{artist_id}",
                     "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"}}],
        "available_markets": [market], "disc_number": 1, "duration_ms": 180000 + 1000 * index,
        "explicit": index % 4 == 3, "external_ids": {"isrc": f"USFAKE{index:06d}"},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "href": f"https://api.spotify.com/v1/tracks/{track_id}", "id": track_id, "is_local": False,
        "name": f"Fake Song {index} ({query.split()[0] if query else 'any'})", "popularity": 80 - index,
        "preview_url": None, "track_number": index + 1, "type": "track", "uri": f"spotify:track:{track_id}",
    }


class FakeSpotify:
    def __init__(self, port: int = 0):
        self.mode = "ok"
        self.delay_s = 5.0
        self.retry_after_s = 120
        self.requests: list[tuple[str, str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None):
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                server.requests.append(("POST", self.path, form))
                if urlparse(self.path).path != "/api/token":
                    return self._send(404, {"error": {"status": 404, "message": "Service not found"}})
                expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if server.mode == "token_server_error":
                    return self._send(503, {"error": "server_error", "error_description": "Service unavailable"})
                if server.mode == "bad_credentials" or self.headers.get("Authorization") != f"Basic {expected}":
                    return self._send(400, {"error": "invalid_client", "error_description": "Invalid client"})
                if form.get("grant_type") != ["client_credentials"]:
                    return self._send(400, {"error": "unsupported_grant_type"})
                self._send(200, {"access_token": "fake-access-token", "token_type": "Bearer", "expires_in": 3600})

            def do_GET(self):
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                server.requests.append(("GET", url.path, params))
                if server.mode == "slow":
                    time.sleep(server.delay_s)
                if self.headers.get("Authorization") != "Bearer fake-access-token" or server.mode == "unauthorized":
                    return self._send(401, {"error": {"status": 401, "message": "Invalid access token"}})
                if server.mode == "rate_limited":
                    return self._send(429, {"error": {"status": 429, "message": "API rate limit exceeded"}},
                                      {"Retry-After": str(server.retry_after_s)})
                if server.mode == "server_error":
                    return self._send(503, {"error": {"status": 503, "message": "Service unavailable"}})
                if url.path != "/v1/search":
                    return self._send(404, {"error": {"status": 404, "message": "Service not found"}})
                limit = int(params.get("limit", 20))
                if limit > 10:  # development-mode limit
                    return self._send(400, {"error": {"status": 400, "message": "Invalid limit"}})
                query, market = params.get("q", ""), params.get("market", "US")
                if market not in countries_by_alpha2:
                    return self._send(400, {"error": {"status": 400, "message": "Invalid market code"}})
                items = [track_object(query, i, market) for i in range(limit)]
                self._send(200, {"tracks": {
                    "href": f"https://api.spotify.com/v1/search?{url.query}", "items": items, "limit": limit,
                    "next": None, "offset": int(params.get("offset", 0)), "previous": None, "total": limit}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/"

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/token"

    def searches(self) -> list[dict]:
        return [params for method, path, params in self.requests if method == "GET" and path == "/v1/search"]

    def start(self) -> FakeSpotify:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    import sys

    fake = FakeSpotify(int(sys.argv[1]) if len(sys.argv) > 1 else 8011)
    print(f"Fake Spotify: SPOTIFY_API_URL={fake.api_url} SPOTIFY_AUTH_URL={fake.auth_url} "
          f"SPOTIFY_CLIENT_ID={CLIENT_ID} SPOTIFY_CLIENT_SECRET={CLIENT_SECRET}")
    fake.httpd.serve_forever()
