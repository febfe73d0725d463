"""A real local HTTP feed server for `trends demo` and for tests.

The fetch layer is tested against this server where a mock transport would
hide what matters: conditional GET, keep-alive, gzip, timeouts and status
codes. Routes live in memory; every request is recorded.

    with FeedServer() as srv:
        srv.add("/feed.xml", body)
        httpx.get(srv.url("/feed.xml"))

Only loopback addresses can be bound: the demo must never be reachable from
another machine.
"""

from __future__ import annotations

import dataclasses
import gzip as gzip_codec
import hashlib
import ipaddress
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["DEFAULT_LAST_MODIFIED", "FeedServer", "RecordedRequest"]

DEFAULT_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
# A fixed default keeps responses byte-for-byte reproducible between runs.
DEFAULT_LAST_MODIFIED = datetime(2024, 1, 1, tzinfo=UTC)


class RecordedRequest(NamedTuple):
    """One request as the server saw it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Route:
    body: bytes
    content_type: str
    status: int
    headers: tuple[tuple[str, str], ...]
    etag: bool
    gzip: bool
    delay: float
    last_modified: datetime
    etag_value: str
    gzipped: bytes | None
    hold: threading.Event | None = None

    @classmethod
    def build(cls, body: bytes, content_type: str, status: int,
              headers: dict[str, str] | None, etag: bool, gzip: bool, delay: float,
              last_modified: datetime) -> _Route:
        if last_modified.tzinfo is None:
            raise ValueError("last_modified must be timezone-aware")
        return cls(
            body=body, content_type=content_type, status=status,
            headers=tuple((headers or {}).items()), etag=etag, gzip=gzip, delay=delay,
            last_modified=last_modified.astimezone(UTC).replace(microsecond=0),
            etag_value='"' + hashlib.sha1(body).hexdigest() + '"',
            # mtime=0: the same body always compresses to the same bytes.
            gzipped=gzip_codec.compress(body, compresslevel=6, mtime=0) if gzip else None,
        )


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ is ignored."""
    header = header.strip()
    if header == "*":
        return True
    want = etag.removeprefix("W/")
    return any(tok.strip().removeprefix("W/") == want for tok in header.split(","))


def _not_modified(route: _Route, if_none_match: str | None, if_modified_since: str | None) -> bool:
    if if_none_match is not None:   # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
        return _etag_matches(if_none_match, route.etag_value)
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return route.last_modified <= since


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"          # keep-alive; Content-Length is always sent
    server_version = "trends-feeds/1"
    sys_version = ""
    # Without TCP_NODELAY a response on a reused connection can wait ~40 ms for
    # the client's delayed ACK (Nagle). Writing headers and body at once helps too.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass   # quiet: tests and the demo print their own output

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner._record(RecordedRequest(self.command, self.path, headers))
        route = owner._lookup(self.path)
        if route is None:
            self._respond(404, [("Content-Type", "text/plain; charset=utf-8")],
                          b"not found\n", head)
            return
        if route.delay > 0 and owner._stopping.wait(route.delay):
            self.close_connection = True   # shutting down: drop the request unanswered
            return
        while route.hold is not None and not route.hold.wait(0.05):
            if owner._stopping.is_set():
                self.close_connection = True
                return

        out: list[tuple[str, str]] = [("Content-Type", route.content_type)]
        body = route.body
        encoded = (route.gzipped is not None
                   and "gzip" in headers.get("accept-encoding", "").lower())
        if route.gzip:
            out.append(("Vary", "Accept-Encoding"))
        if route.status == 200 and route.etag:
            # Like nginx: a strong ETag turns weak once the bytes are re-encoded.
            etag = "W/" + route.etag_value if encoded else route.etag_value
            out.append(("ETag", etag))
            out.append(("Last-Modified", format_datetime(route.last_modified, usegmt=True)))
        out = _merge(out, route.headers)
        if (route.status == 200 and route.etag
                and _not_modified(route, headers.get("if-none-match"),
                                  headers.get("if-modified-since"))):
            self._respond(304, [h for h in out if h[0].lower() != "content-type"], b"", head)
            return
        if encoded and route.gzipped is not None:
            body = route.gzipped
            out.append(("Content-Encoding", "gzip"))
        self._respond(route.status, out, body, head)

    def _respond(self, status: int, headers: list[tuple[str, str]], body: bytes,
                 head: bool) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}",
                 f"Server: {self.server_version}",
                 f"Date: {formatdate(usegmt=True)}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if status != 304 and not 100 <= status < 200 and status != 204:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head and status not in (204, 304):
            payload += body
        self.wfile.write(payload)   # one write: headers and body leave in one segment


def _merge(base: list[tuple[str, str]],
           extra: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Extra per-route headers replace defaults of the same name."""
    names = {k.lower() for k, _ in extra}
    return [h for h in base if h[0].lower() not in names] + list(extra)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass   # a client that hangs up mid-response is normal in timeout tests


class _Server6(_Server):
    address_family = socket.AF_INET6


class FeedServer:
    """An in-memory HTTP/1.1 server on a loopback address, with ETag and Last-Modified.

    Routes answer GET and HEAD. A 200 route sends a strong ETag (quoted sha1 of
    the body) and Last-Modified unless added with ``etag=False``; a request whose
    If-None-Match matches (or, when absent, whose If-Modified-Since is not older
    than Last-Modified) gets 304 with no body. Unknown paths get 404.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host == "localhost":
            host = "127.0.0.1"
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"FeedServer binds to loopback addresses only, not {host!r}")
        self.host = host
        self._port = port
        self._routes: dict[str, _Route] = {}
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # routes

    def add(self, path: str, body: bytes, content_type: str = DEFAULT_CONTENT_TYPE,
            headers: dict[str, str] | None = None, status: int = 200, *, etag: bool = True,
            gzip: bool = False, delay: float = 0.0,
            last_modified: datetime = DEFAULT_LAST_MODIFIED,
            hold: threading.Event | None = None) -> None:
        """Serve `body` at `path` (which may include a query string, matched exactly).

        etag=False sends no validators (a "volatile" CMS page, always 200);
        gzip=True sends Content-Encoding: gzip to clients that accept it;
        delay waits that many seconds before answering, and `hold` until the event is set (a
        fetch in flight for exactly as long as a test needs); headers are added to (and
        override) the defaults; status other than 200 skips validators.
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        route = _Route.build(body, content_type, status, headers, etag, gzip, delay,
                             last_modified)
        if hold is not None:
            route = dataclasses.replace(route, hold=hold)
        with self._lock:
            self._routes[path] = route

    def replace(self, path: str, body: bytes, *, last_modified: datetime | None = None) -> None:
        """Change the body of an existing route; its ETag follows the new body.

        Last-Modified moves to `last_modified`, or one second past the old value
        when the body changed, so If-Modified-Since clients see the change too.
        """
        with self._lock:
            old = self._routes.get(path)
            if old is None:
                raise KeyError(path)
            if last_modified is None:
                last_modified = (old.last_modified if body == old.body
                                 else old.last_modified + timedelta(seconds=1))
            self._routes[path] = _Route.build(body, old.content_type, old.status,
                                              dict(old.headers), old.etag, old.gzip, old.delay,
                                              last_modified)

    def remove(self, path: str) -> None:
        """Stop serving `path` (it answers 404 from now on)."""
        with self._lock:
            del self._routes[path]

    def _lookup(self, target: str) -> _Route | None:
        with self._lock:
            route = self._routes.get(target)
            if route is None:
                route = self._routes.get(urlsplit(target).path)
            return route

    # requests

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # lifecycle

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FeedServer is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> FeedServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        cls = _Server6 if ":" in self.host else _Server
        httpd = cls((self.host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"FeedServer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open keep-alive connections and wait for handler threads."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        httpd.server_close()    # joins handler threads, which now return promptly
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
