"""The fetch layer against real sockets on 127.0.0.1: timeouts, a total deadline, a size cap on
decoded bytes, gzip/deflate, redirects, retries and Retry-After, the per-host limit.

`RawServer` writes whatever bytes a test wants, when it wants: the faults that a well-behaved
HTTP server (trends.demo.server.FeedServer) cannot produce.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from types import TracebackType

import pytest

from trends.collect import http
from trends.errors import PermanentFetchError, TransientFetchError

Handler = Callable[[socket.socket, str], None]


class RawServer:
    """A loopback TCP server: each connection's request line is read, then `handler(sock, path)`
    answers however it likes; the connection is closed after it returns. Counts requests and
    the most connections in flight at once."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            with self._lock:
                self.requests.append(path)
            self.handler(conn, path)
        except OSError:
            pass   # the client hung up: that is what a timeout test expects
        finally:
            with self._lock:
                self.in_flight -= 1
            conn.close()

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


def respond(conn: socket.socket, body: bytes, status: str = "200 OK",
            headers: dict[str, str] | None = None) -> None:
    head = {"Content-Type": "application/rss+xml", "Content-Length": str(len(body)),
            "Connection": "close", **(headers or {})}
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in head.items() if v is not None]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def drip(conn: socket.socket, stop: threading.Event, headers_too: bool = False) -> None:
    """One byte every 50 ms, for as long as the client listens."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
    if not headers_too:
        conn.sendall(head)
        head = b""
    payload = head + b"<" * 100000
    for i in range(len(payload)):
        if stop.wait(0.05):
            return
        conn.sendall(payload[i:i + 1])


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def test_slow_drip_body_is_cut_by_the_total_deadline(stop: threading.Event) -> None:
    with RawServer(lambda c, p: drip(c, stop)) as srv, http.make_client(timeout=2) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/drip"), retries=0, deadline=0.5)
    assert err.value.reason == "timeout" and "deadline" in err.value.detail


def test_slow_drip_headers_are_cut_by_the_watchdog(stop: threading.Event) -> None:
    with RawServer(lambda c, p: drip(c, stop, headers_too=True)) as srv, \
            http.make_client(timeout=2) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/drip"), retries=0, deadline=0.5)
    assert err.value.reason == "timeout"


def test_default_deadline_follows_the_read_timeout(stop: threading.Event) -> None:
    # 4 read timeouts of 0.2 s: the drip (a byte per 50 ms, never a read timeout) is cut
    with RawServer(lambda c, p: drip(c, stop)) as srv, http.make_client(timeout=0.2) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/drip"), retries=0)
    assert "deadline of 0.8 s" in err.value.detail


def test_read_timeout(stop: threading.Event) -> None:
    with RawServer(lambda c, p: stop.wait(5)) as srv, http.make_client(timeout=0.3) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/silent"), retries=1, backoff=0.01)
    assert err.value.reason == "timeout" and err.value.detail == "ReadTimeout"
    assert err.value.attempts == 2 and len(srv.requests) == 2


def test_connect_timeout() -> None:
    # A listening socket that never accepts: once its backlog is full, the kernel drops SYNs.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = sock.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                f = socket.socket()
                f.setblocking(False)
                f.connect_ex(("127.0.0.1", port))
                fillers.append(f)
            time.sleep(0.1)
            with http.make_client(timeout=0.3) as client:
                with pytest.raises(TransientFetchError) as err:
                    http.fetch(client, f"http://127.0.0.1:{port}/", retries=0)
        finally:
            for f in fillers:
                f.close()
    assert err.value.reason == "timeout" and err.value.detail == "ConnectTimeout"


def test_size_cap_with_and_without_content_length() -> None:
    big = b"x" * 5000

    def handler(conn: socket.socket, path: str) -> None:
        respond(conn, big, headers={"Content-Length": None if path == "/chunkless" else "5000"})

    with RawServer(handler) as srv, http.make_client(timeout=2) as client:
        for path in ("/declared", "/chunkless"):
            with pytest.raises(PermanentFetchError) as err:
                http.fetch(client, srv.url(path), max_bytes=1000)
            assert err.value.reason == "too_large"
        assert len(http.fetch(client, srv.url("/declared"), max_bytes=5000).body) == 5000


def test_gzip_bomb_stops_at_the_cap_on_decoded_bytes() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)   # 64 MB in ~64 KB
    assert len(bomb) < 100_000

    def handler(conn: socket.socket, path: str) -> None:
        respond(conn, bomb, headers={"Content-Encoding": "gzip"})

    with RawServer(handler) as srv, http.make_client(timeout=5) as client:
        tracemalloc.start()
        try:
            with pytest.raises(PermanentFetchError) as err:
                http.fetch(client, srv.url("/bomb"), max_bytes=2 * 1024 * 1024)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert err.value.reason == "too_large" and "decoded" in err.value.detail
    assert peak < 16 * 1024 * 1024, peak      # bounded by the cap, not by the 64 MB


def test_gzip_and_both_deflate_flavours_are_decoded(  # type: ignore[no-untyped-def]
        feed_server) -> None:
    feed_server.add("/gz.xml", FEED, gzip=True)
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bodies = {"/zlib": zlib.compress(FEED), "/raw": raw.compress(FEED) + raw.flush()}

    def handler(conn: socket.socket, path: str) -> None:
        if path == "/br":
            respond(conn, FEED, headers={"Content-Encoding": "br"})
        else:
            respond(conn, bodies[path], headers={"Content-Encoding": "deflate"})

    with RawServer(handler) as srv, http.make_client(timeout=2) as client:
        assert http.fetch(client, feed_server.url("/gz.xml")).body == FEED
        assert feed_server.requests[-1].headers["accept-encoding"] == "gzip, deflate"
        assert http.fetch(client, srv.url("/zlib")).body == FEED
        assert http.fetch(client, srv.url("/raw")).body == FEED
        with pytest.raises(PermanentFetchError) as err:
            http.fetch(client, srv.url("/br"))
    assert err.value.reason == "bad_encoding"


def test_redirects_are_followed_and_a_loop_is_cut() -> None:
    def handler(conn: socket.socket, path: str) -> None:
        if path == "/loop-a":
            respond(conn, b"", "302 Found", {"Location": "/loop-b"})
        elif path == "/loop-b":
            respond(conn, b"", "302 Found", {"Location": "/loop-a"})
        elif path.startswith("/hop"):
            n = int(path[4:])
            respond(conn, b"", "301 Moved Permanently",
                    {"Location": f"/hop{n - 1}" if n > 1 else "/feed"})
        else:
            respond(conn, FEED)

    with RawServer(handler) as srv, http.make_client(timeout=2) as client:
        res = http.fetch(client, srv.url("/hop3"))
        assert res.body == FEED and res.url == srv.url("/feed")
        with pytest.raises(PermanentFetchError) as err:
            http.fetch(client, srv.url("/loop-a"))
    assert err.value.reason == "too_many_redirects"
    assert srv.requests.count("/loop-a") + srv.requests.count("/loop-b") == http.MAX_REDIRECTS + 1


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_retried_with_backoff(status: int, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(http.time, "sleep", slept.append)
    with RawServer(lambda c, p: respond(c, b"down", f"{status} Oops")) as srv, \
            http.make_client(timeout=2) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/x"), retries=2, backoff=0.5)
    assert err.value.reason == f"http_{status}" and len(srv.requests) == 3
    assert slept == [0.5, 1.0]


@pytest.mark.parametrize(("retry_after", "expected"), [
    ("2", 2.0),
    ("3600", 7.0),                                   # capped
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),           # a date in the past: at once
    ("soon", 0.25),                                   # unreadable: plain backoff
])
def test_429_honours_retry_after_capped(retry_after: str, expected: float,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(http.time, "sleep", slept.append)
    hits = []

    def handler(conn: socket.socket, path: str) -> None:
        hits.append(path)
        if len(hits) == 1:
            respond(conn, b"slow down", "429 Too Many Requests", {"Retry-After": retry_after})
        else:
            respond(conn, FEED)

    with RawServer(handler) as srv, http.make_client(timeout=2) as client:
        res = http.fetch(client, srv.url("/x"), backoff=0.25, max_retry_after=7.0)
    assert res.body == FEED and res.attempts == 2 and slept == [expected]


def test_404_is_not_retried() -> None:
    with RawServer(lambda c, p: respond(c, b"no", "404 Not Found")) as srv, \
            http.make_client(timeout=2) as client:
        with pytest.raises(PermanentFetchError):
            http.fetch(client, srv.url("/x"))
    assert len(srv.requests) == 1


def test_host_limiter_caps_requests_in_flight_per_host() -> None:
    # Counted in the handler, before the response goes out: the server's own count drops only
    # after the connection closes, when the client may already have let the next one in.
    lock, serving, most = threading.Lock(), [0], [0]

    def handler(conn: socket.socket, path: str) -> None:
        with lock:
            serving[0] += 1
            most[0] = max(most[0], serving[0])
        time.sleep(0.1)
        with lock:
            serving[0] -= 1
        respond(conn, FEED)

    limiter = http.HostLimiter(per_host=2)
    with RawServer(handler) as srv, http.make_client(timeout=2) as client:
        def one(i: int) -> None:
            with limiter.slot(srv.url(f"/f{i}")):
                http.fetch(client, srv.url(f"/f{i}"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(srv.requests) == 8 and most[0] == 2


def test_alarms_fire_at_their_deadline_unless_cancelled() -> None:
    alarms = http.Alarms()
    fired: list[tuple[str, float]] = []
    done = threading.Event()
    start = time.monotonic()

    def note(name: str) -> None:
        fired.append((name, time.monotonic() - start))

    alarms.set(0.3, lambda: (note("late"), done.set()))
    cancelled = alarms.set(0.1, lambda: note("cancelled"))
    alarms.set(0.05, lambda: note("early"))
    alarms.cancel(cancelled)
    assert done.wait(5)
    assert [name for name, _ in fired] == ["early", "late"]
    # never before its deadline (the upper side is the machine's, not the alarm's)
    assert fired[0][1] >= 0.05 and fired[1][1] >= 0.3


def test_one_deadline_for_the_whole_fetch_retries_included(stop: threading.Event) -> None:
    # A drip that a retry would only restart: cut once, at the deadline, never attempted twice.
    with RawServer(lambda c, p: drip(c, stop)) as srv, http.make_client(timeout=2) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/drip"), retries=2, backoff=0.01, deadline=0.4)
    assert err.value.reason == "timeout" and "deadline of 0.4 s" in err.value.detail
    assert err.value.attempts == 1 and len(srv.requests) == 1


def test_no_retry_is_begun_that_the_deadline_cannot_see_through() -> None:
    # Retry-After: 30 on a 2 s deadline: the fetch gives up at once instead of sleeping.
    with RawServer(lambda c, p: respond(c, b"", "503 Service Unavailable",
                                        {"Retry-After": "30"})) as srv, \
            http.make_client(timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/busy"), retries=2)
        waited = time.monotonic() - started
    assert err.value.reason == "http_503" and len(srv.requests) == 1
    assert waited < 30      # the proof is the request count; this only names the failure


def test_the_error_that_gives_up_says_what_each_attempt_met(stop: threading.Event) -> None:
    # first a read timeout (0.3 s), then the drip cut by what is left of the 1 s deadline
    answers = iter([lambda c: stop.wait(5), lambda c: drip(c, stop)])
    with RawServer(lambda c, p: next(answers)(c)) as srv, \
            http.make_client(timeout=0.3) as client:
        with pytest.raises(TransientFetchError) as err:
            http.fetch(client, srv.url("/x"), retries=3, backoff=0.01, deadline=1.0)
    assert err.value.detail.startswith("ReadTimeout; then total deadline of 1 s passed")
    assert len(srv.requests) == 2


def test_waiting_for_a_busy_host_counts_against_the_deadline() -> None:
    # One slot on the host, held by a slow fetch: the second source waits what is left of its
    # deadline for it and is cut then, instead of starting its own deadline afterwards.
    limiter = http.HostLimiter(per_host=1)
    with limiter.slot("http://127.0.0.1:1/a"):
        with pytest.raises(TransientFetchError) as err:
            with limiter.slot("http://127.0.0.1:1/b", timeout=0.2):
                pass
    assert err.value.reason == "timeout" and "free connection to 127.0.0.1:1" in err.value.detail
