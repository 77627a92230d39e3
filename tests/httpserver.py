"""A small, real HTTP server on 127.0.0.1 for tests, with programmable routes.

Runs in a background thread (so both async tests and synchronous code such as the CLI,
which runs its own event loop, can talk to it) on an ephemeral port, and records every
request it gets. Use it as a context manager or through the ``http_server`` fixture::

    def test_page(http_server):
        http_server.route("/story", body="<html>...</html>")
        http_server.redirect("/old", "/story")
        http_server.stream("/endless")                    # never ends
        http_server.route("/slow", body="late", delay=5)   # answers after 5 s
        url = http_server.url("/story")
        ...
        assert http_server.requests_to("/story")[0].headers["User-Agent"]

To use the fixture from another test module: ``from httpserver import http_server``
(with ``# noqa: F401``), or list ``"httpserver"`` in ``pytest_plugins`` of the root conftest.
"""

from __future__ import annotations

import json as jsonlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # header names as sent; lookups via ``header()``
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default

    @property
    def json(self):
        return jsonlib.loads(self.body or b"null")


@dataclass
class Response:
    """What a route answers. ``chunks`` (possibly endless) is sent chunked-encoded."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: Iterable[bytes] | None = None
    chunk_delay: float = 0.0


Handler = Callable[[Request], Response]


def _to_bytes(body: bytes | str, encoding: str = "utf-8") -> bytes:
    return body if isinstance(body, bytes) else body.encode(encoding)


def endless(chunk: bytes = b"x" * 65536) -> Iterator[bytes]:
    """An infinite body, to check that clients cap what they read."""
    while True:
        yield chunk


class LocalHTTPServer:
    """Programmable HTTP/1.1 server on 127.0.0.1 (ephemeral port by default)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._routes: dict[tuple[str, str], Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self.requests: list[Request] = []
        self._server = _Server((host, port), _make_handler(self))
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def start(self) -> "LocalHTTPServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"httpserver:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open connections (ends endless streams and delays)."""
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- routes

    def handle(self, path: str, handler: Handler, method: str = "GET") -> None:
        """Answer ``method path`` (query string ignored unless given) with ``handler``."""
        with self._lock:
            self._routes[(method.upper(), path)] = handler

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        method: str = "GET",
        etag: str | None = None,
        last_modified: datetime | None = None,
        encoding: str = "utf-8",
    ) -> None:
        """A fixed answer. With ``etag``/``last_modified`` it honours conditional GETs
        (answers 304 to a matching If-None-Match or a not-older If-Modified-Since)."""
        payload = _to_bytes(body, encoding)
        fixed = dict(headers or {})
        if content_type is not None:
            fixed.setdefault("Content-Type", content_type)
        if etag is not None:
            fixed["ETag"] = etag
        if last_modified is not None:
            fixed["Last-Modified"] = format_datetime(last_modified.astimezone(timezone.utc), usegmt=True)

        def answer(request: Request) -> Response:
            if _not_modified(request, etag, last_modified):
                kept = {k: v for k, v in fixed.items() if k in ("ETag", "Last-Modified")}
                return Response(status=304, headers=kept, delay=delay)
            return Response(status=status, body=payload, headers=dict(fixed), delay=delay)

        self.handle(path, answer, method)

    def json(self, path: str, data, *, status: int = 200, method: str = "GET") -> None:
        self.route(path, jsonlib.dumps(data), status=status, method=method, content_type="application/json")

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect to ``location`` (absolute, or a path on this server)."""
        self.route(path, b"", status=status, content_type=None, headers={"Location": location})

    def stream(
        self,
        path: str,
        chunks: Iterable[bytes] | None = None,
        *,
        content_type: str = "text/html; charset=utf-8",
        chunk_delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        """A chunked body; ``chunks=None`` streams 64 KiB chunks forever."""
        fixed = {"Content-Type": content_type, **(headers or {})}

        def answer(request: Request) -> Response:
            body = endless() if chunks is None else iter(list(chunks))
            return Response(headers=dict(fixed), chunks=body, chunk_delay=chunk_delay)

        self.handle(path, answer)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    # ---------------------------------------------------------------- internals

    def _find(self, method: str, path: str) -> Handler | None:
        with self._lock:
            return self._routes.get((method, path)) or self._routes.get((method, urlsplit(path).path))

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _wait(self, seconds: float) -> bool:
        """Sleep, waking early when the server stops; True if it is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()


def _not_modified(request: Request, etag: str | None, last_modified: datetime | None) -> bool:
    if_none_match = request.header("If-None-Match")
    if etag is not None and if_none_match is not None:
        return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = request.header("If-Modified-Since")
    if last_modified is not None and since:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return last_modified.replace(microsecond=0) <= when
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up mid-answer is what many tests do on purpose: stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _make_handler(owner: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "BriefbotTestServer/1.0"

        def setup(self) -> None:
            super().setup()
            owner._track(self.connection, True)

        def finish(self) -> None:
            owner._track(self.connection, False)
            try:
                super().finish()
            except OSError:
                pass

        def log_message(self, format: str, *args) -> None:  # keep test output quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, self.path, dict(self.headers.items()), body)
            owner._record(request)
            handler = owner._find(self.command, self.path)
            response = (
                handler(request)
                if handler
                else Response(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
            )
            if owner._wait(response.delay):
                return
            try:
                self._send(response)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        def _send(self, response: Response) -> None:
            try:
                phrase = HTTPStatus(response.status).phrase
            except ValueError:
                phrase = ""
            self.send_response(response.status, phrase)
            headers = {k.lower(): (k, v) for k, v in response.headers.items()}
            for key, value in headers.values():
                self.send_header(key, value)
            if response.chunks is not None:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._send_chunks(response)
                return
            if "content-length" not in headers and response.status not in (204, 304):
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD" and response.status not in (204, 304):
                self.wfile.write(response.body)

        def _send_chunks(self, response: Response) -> None:
            for chunk in response.chunks:
                if owner._stopping.is_set():
                    self.close_connection = True
                    return
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                if owner._wait(response.chunk_delay):
                    self.close_connection = True
                    return
            self.wfile.write(b"0\r\n\r\n")

    return _Handler


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A started :class:`LocalHTTPServer`, stopped after the test."""
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture
def loopback_only(monkeypatch):
    """Safety net: any httpcore connection to a non-loopback address fails the test.

    Tests of the fetcher's refusals name private and metadata addresses; should a bug
    let one through, this stops the packet from ever leaving the machine.
    """
    import ipaddress

    import httpcore

    real = httpcore.AnyIOBackend.connect_tcp

    async def guarded(self, host, port, *args, **kwargs):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise AssertionError(f"test tried to connect to {host}:{port}")
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", guarded)


def tls_contexts(directory: Path, hostnames: Iterable[str]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a server certificate for ``hostnames``, made with openssl.

    Returns ``(server_context, client_context)``; the client context trusts only that
    CA. Skips the calling test when the openssl command is not installed.
    """
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    d = Path(directory)
    san = ",".join(f"DNS:{h}" for h in hostnames)
    (d / "ext.cnf").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    steps = [
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Briefbot Test CA"],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=briefbot-test"],
        [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    ]
    for step in steps:
        subprocess.run(["openssl", *step], cwd=d, check=True, capture_output=True, timeout=30)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(d / "server.pem", d / "server.key")
    client = ssl.create_default_context(cafile=str(d / "ca.pem"))
    return server, client


def wait_until(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll ``predicate`` (for tests that wait on the server's request log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# --------------------------------------------------------------------------- sample content

SAMPLE_PARAGRAPHS = (
    "The city council of Port Ellis voted 7 to 2 on Thursday to rebuild the crumbling sea "
    "wall that protects the old harbor district, ending a debate that has run for three years.",
    "\u201cWe cannot wait for the next storm to make this decision for us,\u201d said Mayor Helen "
    "Ruiz after the vote. She said construction would begin in the spring.",
    "Opponents argued that the $40 million plan would raise property taxes. Councilman Dev "
    "Patel said the city should have sought more federal money before committing its own funds.",
    "Engineers told the council the existing wall, built in 1952, has lost a third of its "
    "height in places and could fail in a major storm surge.",
)


def news_page(
    title: str = "Harbor city votes to rebuild sea wall",
    paragraphs: Iterable[str] = SAMPLE_PARAGRAPHS,
    *,
    author: str | None = "Maria Okafor",
    published: str | None = "2026-03-14T09:30:00+00:00",
    site: str | None = "The Coastal Ledger",
    meta_charset: str | None = "utf-8",
) -> str:
    """A realistic news page: metadata in <head>, navigation, the story, a footer."""
    head = [f'<meta charset="{meta_charset}">' if meta_charset else ""]
    head.append(f"<title>{title}{' | ' + site if site else ''}</title>")
    if site:
        head.append(f'<meta property="og:site_name" content="{site}">')
    head.append(f'<meta property="og:title" content="{title}">')
    if author:
        head.append(f'<meta name="author" content="{author}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    byline = f'<p class="byline">By {author}</p>' if author else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head>' + "\n".join(head) + "</head><body>\n"
        '<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>\n'
        f"<article><h1>{title}</h1>{byline}\n{body}\n</article>\n"
        "<aside><h3>Most read</h3><ul><li><a href='/a'>Other story</a></li></ul></aside>\n"
        "<footer>Copyright 2026. Subscribe to our newsletter.</footer>\n</body></html>\n"
    )
