"""A local HTTP server on 127.0.0.1 that serves fixture files and misbehaves on demand.

Routes map a path to a :class:`Route`: the body and a ``mode``:

- ``ok``: 200 with Content-Length.
- ``truncate``: announces the full length, sends half, closes (every time).
- ``drop_once``: like ``truncate`` on the first request, then ``ok``.
- ``no_ranges``: like ``ok`` but ignores ``Range`` headers (answers 200 with
  the whole body). Every other ``ok``-like mode answers ``Range: bytes=N-``
  with 206 and the rest of the body.
- ``error_once``: HTTP 500 on the first request, then ``ok``.
- ``status``: always ``status`` (e.g. 404, 401).
- ``slow``: ``ok`` in small chunks with pauses (to make downloads overlap).
- ``crcns``: a POST with the right form fields gets the body; wrong
  credentials get the portal's HTML login form with status 200.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

LOGIN_FORM = (b"<html><body><form method='post'><input name='username'>"
              b"<input type='password' name='password'><input type='submit' value='Login'></form></body></html>")


@dataclass
class Route:
    body: bytes
    mode: str = "ok"
    status: int = 200
    content_type: str = "application/octet-stream"
    user: str = "alice"
    password: str = "s3cret-pass"
    calls: int = 0
    forms: list = field(default_factory=list)
    ranges: list = field(default_factory=list)  # the Range header of each request (None when absent)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, announce: int | None = None, chunks: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if announce is None else announce))
        self.end_headers()
        if chunks:
            for i in range(0, len(body), 4096):
                self.wfile.write(body[i : i + 4096])
                self.wfile.flush()
                time.sleep(0.01)
        else:
            self.wfile.write(body)
        self.wfile.flush()

    def _handle(self, method: str):
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        route.calls += 1
        route.ranges.append(self.headers.get("Range"))
        if method == "POST":
            n = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
            route.forms.append(form)
        mode = route.mode
        if mode == "crcns":
            form = route.forms[-1] if route.forms else {}
            if form.get("username") == route.user and form.get("password") == route.password:
                self._send(200, route.body, route.content_type)
            else:
                self._send(200, LOGIN_FORM, "text/html; charset=utf-8")
            return
        if mode == "status":
            self._send(route.status, b"nope", "text/plain")
            return
        if mode == "error_once" and route.calls == 1:
            self._send(500, b"server error", "text/plain")
            return
        if mode == "truncate" or (mode == "drop_once" and route.calls == 1):
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body[: len(route.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        rng = self.headers.get("Range")
        if rng and mode != "no_ranges":  # "bytes=START-", as a resuming client asks
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            if start >= len(route.body):
                self._send(416, b"", "text/plain")
                return
            self.send_response(206)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}")
            self.send_header("Content-Length", str(len(route.body) - start))
            self.end_headers()
            self.wfile.write(route.body[start:])
            self.wfile.flush()
            return
        self._send(200, route.body, route.content_type, chunks=(mode == "slow"))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class FixtureServer:
    """``with FixtureServer() as srv: srv.routes['/x'] = Route(b'...')``; ``srv.url``."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.routes = {}
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def routes(self) -> dict:
        return self.httpd.routes

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def json(self, path: str, data: dict) -> None:
        self.routes[path] = Route(json.dumps(data).encode(), content_type="application/json")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
