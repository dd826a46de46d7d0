"""Fixtures shared by the service tests: a webhook receiver on 127.0.0.1, a real HTTP server on a free port."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request and answers the statuses queued per path, then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: dict[str, list[int]] = {}
        self.always: dict[str, int] = {}
        # A path answered with its status and this Location (a redirect the delivery must not follow).
        self.locations: dict[str, str] = {}
        self.base = ""

    def url(self, path: str) -> str:
        return self.base + path

    def on(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        """The headers (lower-case names) and raw bodies received on one path, in order."""
        return [(headers, body) for p, headers, body in self.requests if p == path]

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.on(path)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 and a free port, for as long as the test runs."""
    received = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                received.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                queued = received.answers.get(self.path) or []
                status = queued.pop(0) if queued else received.always.get(self.path, 200)
                location = received.locations.get(self.path)
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.base = f"http://127.0.0.1:{server.server_port}"
    yield received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
