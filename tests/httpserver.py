"""Local HTTP(S) servers on loopback addresses that serve fixture files and misbehave on demand.

``FixtureServer(host='127.0.0.1', tls=None)``; with ``tls`` (see
:func:`tls_pair`) it speaks https with a self-signed certificate that only
the test trusts (``REQUESTS_CA_BUNDLE``). ``127.0.0.2`` stands for "another
host". Routes map a path to a :class:`Route`: the body and a ``mode``:

- ``ok``: 200 with Content-Length, an ETag and Last-Modified; ``Range:
  bytes=N-`` gets 206 with the rest, unless ``If-Range`` names another
  version (then 200 and the whole body, as RFC 9110 says).
- ``truncate``: announces the full length, sends half, closes (every time).
- ``drop_once``: like ``truncate`` on the first request, then ``ok``.
- ``no_ranges``: like ``ok`` but ignores ``Range`` headers.
- ``bad_range``: answers a Range request with 206 and a Content-Range that
  does not start where asked (a broken proxy).
- ``blind_range``: honours Range but ignores If-Range (serves the current
  body's tail whatever version the client had).
- ``error_once``: HTTP 500 on the first request, then ``ok``.
- ``status``: always ``status`` (e.g. 404, 401).
- ``slow``: ``ok`` in small chunks with pauses (to make downloads overlap).
- ``redirect``: answers ``status`` (301/302/303/307/308) with ``Location: location``.
- ``crcns``: a POST with the right form fields gets the body; wrong
  credentials get the portal's HTML login form with status 200.

Every request is logged on its route (``calls``, ``forms``, ``ranges``,
``headers``, ``methods``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import ssl
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
    location: str = ""
    set_cookie: str | None = None
    validators: bool = True  # send ETag and Last-Modified
    calls: int = 0
    forms: list = field(default_factory=list)
    ranges: list = field(default_factory=list)  # the Range header of each request (None when absent)
    headers: list = field(default_factory=list)  # every request's headers (a dict each)
    methods: list = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _start(self, status: int, route: Route | None, ctype: str, length: int, extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        if route is not None and route.validators:
            self.send_header("ETag", route.etag)
            self.send_header("Last-Modified", "Tue, 01 Dec 2026 12:00:00 GMT")
        if route is not None and route.set_cookie:
            self.send_header("Set-Cookie", route.set_cookie)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str, route: Route | None = None, chunks: bool = False,
              extra: dict | None = None):
        self._start(status, route, ctype, len(body), extra)
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
        n = int(self.headers.get("Content-Length", 0) or 0)
        raw = self.rfile.read(n) if n else b""
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        route.calls += 1
        route.methods.append(method)
        route.ranges.append(self.headers.get("Range"))
        route.headers.append(dict(self.headers.items()))
        if method == "POST":
            route.forms.append({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        mode = route.mode
        if mode == "redirect":
            self._send(route.status, b"", "text/plain", extra={"Location": route.location})
            return
        if mode == "crcns":
            form = route.forms[-1] if route.forms else {}
            if form.get("username") == route.user and form.get("password") == route.password:
                self._send(200, route.body, route.content_type, route)
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
            self._start(200, route, route.content_type, len(route.body))
            self.wfile.write(route.body[: len(route.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        same_version = if_range is None or if_range in (route.etag, "Tue, 01 Dec 2026 12:00:00 GMT") \
            or mode == "blind_range"
        if rng and mode != "no_ranges" and same_version:  # "bytes=START-", as a resuming client asks
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            size = len(route.body)
            if start >= size:
                self._send(416, b"", "text/plain", extra={"Content-Range": f"bytes */{size}"})
                return
            shown = max(0, start - 7) if mode == "bad_range" else start
            self._send(206, route.body[shown:], route.content_type, route,
                       extra={"Content-Range": f"bytes {shown}-{size - 1}/{size}"})
            return
        self._send(200, route.body, route.content_type, route, chunks=(mode == "slow"))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class FixtureServer:
    """``with FixtureServer() as srv: srv.routes['/x'] = Route(b'...')``; ``srv.url``.

    ``host`` is a loopback address (``127.0.0.2`` stands for another host);
    ``tls`` a ``(certfile, keyfile)`` pair for https.
    """

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None):
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.routes = {}
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.host = host
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def routes(self) -> dict:
        return self.httpd.routes

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def json(self, path: str, data: dict) -> None:
        self.routes[path] = Route(json.dumps(data).encode(), content_type="application/json")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def tls_pair(folder: str) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and 127.0.0.2 and its key, written into ``folder``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "deepSTRF test server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.2")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    with open(certfile, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(keyfile, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return certfile, keyfile
