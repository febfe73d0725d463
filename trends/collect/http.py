"""One HTTP client for every source: timeouts, redirects, a size cap, conditional GET, retries.

Errors are translated here, at the boundary, into the `FetchError` tree: transient ones
(timeouts, connection errors, 5xx, 429) are retried with backoff; permanent ones are not.
"""

from __future__ import annotations

import email.utils
import heapq
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from trends import __version__
from trends.errors import FetchError, PermanentFetchError, TransientFetchError

__all__ = ["Alarms", "DEADLINE_READ_TIMEOUTS", "FetchResult", "HostLimiter", "MAX_BYTES",
           "MAX_REDIRECTS", "MAX_RETRY_AFTER", "PER_HOST", "USER_AGENT", "default_deadline",
           "fetch", "make_client"]

USER_AGENT = f"trends/{__version__} (+feed reader; polite polling with conditional GET)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 30.0
# A whole fetch of one source (waiting for a connection to its host, every attempt and the
# waits between them) may take this many read timeouts: 60 s with the default 15 s, however
# steadily a slow server drips bytes (read timeouts alone never fire on a server that sends one
# byte per second), and however often it fails. A run never waits on one source longer.
DEADLINE_READ_TIMEOUTS = 4.0
PER_HOST = 4


@dataclass(slots=True)
class FetchResult:
    status: int                     # 200 or 304
    url: str                        # final URL after redirects
    body: bytes                     # empty on 304
    content_type: str
    etag: str | None
    last_modified: str | None
    elapsed_ms: int
    attempts: int = 1


def make_client(*, timeout: float = 15.0, max_connections: int = 16) -> httpx.Client:
    """The shared client. Thread-safe; reuse it for a whole run so connections are kept alive.

    `timeout` bounds connecting and each read; `fetch` adds a total deadline per fetch."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT,
                 # Only what _Decoder can inflate with a bounded output (no brotli/zstd).
                 "Accept-Encoding": "gzip, deflate",
                 "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                           "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, "
                           "*/*;q=0.5"},
        limits=httpx.Limits(max_connections=max_connections,
                            max_keepalive_connections=max_connections),
        trust_env=False,
    )


def fetch(client: httpx.Client, url: str, *, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BYTES, retries: int = 2,
          backoff: float = 0.5, deadline: float | None = None,
          max_retry_after: float = MAX_RETRY_AFTER) -> FetchResult:
    """GET `url` conditionally. Returns 200 with a body or 304 without; raises FetchError.

    Transient failures (timeouts, connection errors, 5xx, 429) are retried `retries` times with
    exponential backoff, or after the server's Retry-After capped at `max_retry_after`. The
    whole fetch, retries and waits included, must finish within `deadline` seconds (default:
    `default_deadline(client)`): no attempt starts, and no wait is begun, that the deadline
    could not see through, so a slow server is cut once, at the deadline. A
    TransientFetchError that gives up carries `attempts`."""
    budget = default_deadline(client) if deadline is None else deadline
    stop_at = time.monotonic() + budget
    attempt = 0
    seen: list[str] = []          # what each attempt ran into, for the error that gives up
    while True:
        attempt += 1
        try:
            result = _fetch_once(client, url, etag, last_modified, max_bytes,
                                 max(0.0, stop_at - time.monotonic()), budget)
            result.attempts = attempt
            return result
        except TransientFetchError as exc:
            exc.attempts = attempt   # type: ignore[attr-defined]
            seen.append(exc.detail)
            delay = exc.retry_after if exc.retry_after is not None else backoff * 2 ** (attempt - 1)
            delay = min(delay, max_retry_after)
            # No time left for another attempt: give up now, not later.
            if attempt > retries or time.monotonic() + delay >= stop_at:
                exc.detail = "; then ".join(dict.fromkeys(d for d in seen if d))
                exc.args = (f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason,)
                raise
            time.sleep(delay)


def default_deadline(client: httpx.Client) -> float:
    """The deadline of one source's whole fetch: DEADLINE_READ_TIMEOUTS read timeouts."""
    return DEADLINE_READ_TIMEOUTS * (client.timeout.read or 15.0)


def _fetch_once(client: httpx.Client, url: str, etag: str | None, last_modified: str | None,
                max_bytes: int, deadline: float, budget: float) -> FetchResult:
    """One attempt, cut after `deadline` seconds (what is left of the fetch's `budget`)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.perf_counter()
    stop_at = time.monotonic() + deadline
    try:
        with _Watchdog(deadline) as watchdog, client.stream(
                "GET", url, headers=headers, extensions={"trace": watchdog.trace}) as response:
            watchdog.watch(response)
            status = response.status_code
            if status == 304:
                return _result(response, b"", started)
            if status == 429 or status >= 500:
                raise TransientFetchError(f"http_{status}", response.reason_phrase, status=status,
                                          retry_after=_retry_after(response.headers.get("Retry-After")))
            if status >= 400:
                raise PermanentFetchError(f"http_{status}", response.reason_phrase, status=status)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise PermanentFetchError("too_large", f"Content-Length {declared} > {max_bytes}")
            decoder = _Decoder(response.headers.get("Content-Encoding", ""), max_bytes)
            chunks: list[bytes] = []
            # Raw bytes, inflated by _Decoder with a bounded output: the cap applies to the
            # decoded size, so a gzip bomb stops at max_bytes instead of filling memory.
            for raw in response.iter_raw():
                chunks.append(decoder.feed(raw))
                if time.monotonic() > stop_at:
                    raise TransientFetchError("timeout", f"total deadline of {budget:g} s passed")
            chunks.append(decoder.flush())
            return _result(response, b"".join(chunks), started)
    except FetchError:
        raise
    except httpx.StreamClosed as exc:   # the watchdog closed a response that took too long
        raise TransientFetchError("timeout", f"total deadline of {budget:g} s passed") from exc
    except httpx.TooManyRedirects as exc:
        raise PermanentFetchError("too_many_redirects", str(exc)) from exc
    except httpx.TimeoutException as exc:
        raise TransientFetchError("timeout", type(exc).__name__) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        if time.monotonic() > stop_at:
            raise TransientFetchError("timeout",
                                      f"total deadline of {budget:g} s passed") from exc
        raise TransientFetchError("connection_error", str(exc) or type(exc).__name__) from exc
    except httpx.DecodingError as exc:
        raise PermanentFetchError("bad_encoding", str(exc)) from exc
    except httpx.HTTPError as exc:
        raise PermanentFetchError("http_error", str(exc) or type(exc).__name__) from exc


def _result(response: httpx.Response, body: bytes, started: float) -> FetchResult:
    return FetchResult(
        status=response.status_code,
        url=str(response.url),
        body=body,
        content_type=response.headers.get("Content-Type", ""),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )


def _retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Decoder:
    """Content-Encoding gzip/deflate, inflated with a bounded output per call."""

    def __init__(self, encoding: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self.coding = codings[0] if len(codings) == 1 else ""
        if len(codings) > 1 or self.coding not in ("", "gzip", "x-gzip", "deflate"):
            raise PermanentFetchError("bad_encoding", f"unsupported Content-Encoding {encoding!r}")
        self._z: zlib._Decompress | None = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if self.coding in ("gzip", "x-gzip") else None)
        self._pending = self.coding == "deflate"    # decided on the first two bytes

    def feed(self, data: bytes) -> bytes:
        if self._pending and data:
            self._pending = False
            # "deflate" is zlib-wrapped by the RFC but raw from some servers (httpx allows both).
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self._z is None:
            return self._count(data)
        out: list[bytes] = []
        try:
            while data:
                # Never more than one byte over the cap at a time, whatever the ratio.
                out.append(self._count(self._z.decompress(data, self.max_bytes - self.size + 1)))
                data = self._z.unconsumed_tail
        except zlib.error as exc:
            raise PermanentFetchError("bad_encoding", f"{self.coding}: {exc}") from exc
        return b"".join(out)

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._count(self._z.flush())
        except zlib.error as exc:
            raise PermanentFetchError("bad_encoding", f"{self.coding}: {exc}") from exc

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.max_bytes:
            raise PermanentFetchError("too_large", f"body over {self.max_bytes} bytes (decoded)")
        return piece


class _Watchdog:
    """Cuts the connection of a fetch that outlives its deadline. The body loop checks the
    deadline too, but only between reads: a server that drips its headers, or stalls just
    under the read timeout, is cut from outside, by shutting the socket down."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._streams: list[Any] = []
        self._alarm: list[Any] | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember the network stream of a new connection."""
        if event == "connection.connect_tcp.complete" and info.get("return_value") is not None:
            self._streams.append(info["return_value"])

    def watch(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        if stream is not None:
            self._streams.append(stream)

    def _fire(self) -> None:
        for stream in list(self._streams):
            try:
                sock = stream.get_extra_info("socket")
                if sock is not None:
                    # shutdown, not close: it wakes a recv() blocked in another thread.
                    sock.shutdown(socket.SHUT_RDWR)
            except Exception:   # noqa: BLE001 best effort from another thread
                pass

    def __enter__(self) -> _Watchdog:
        self._alarm = _ALARMS.set(self._deadline, self._fire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._alarm is not None:
            _ALARMS.cancel(self._alarm)


class Alarms:
    """One thread that runs callbacks at their deadlines, for every fetch of the process: a
    timer thread per fetch cost ~1 ms of start-up each, a third of a warm run."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []      # [when, seq, callback, cancelled]
        self._seq = 0
        self._cond = threading.Condition()
        self._pid = 0                          # the process that started the thread

    def set(self, delay: float, callback: Any) -> list[Any]:
        with self._cond:
            if self._pid != os.getpid():       # first use, or a forked child: no thread yet
                self._pid = os.getpid()
                self._heap.clear()
                threading.Thread(target=self._run, name="trends-fetch-alarms",
                                 daemon=True).start()
            self._seq += 1
            alarm = [time.monotonic() + delay, self._seq, callback, False]
            heapq.heappush(self._heap, alarm)
            if self._heap[0] is alarm:
                self._cond.notify()
            return alarm

    def cancel(self, alarm: list[Any]) -> None:
        alarm[3] = True          # dropped when it comes due: cheaper than removing it now

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, callback, cancelled = heapq.heappop(self._heap)
            if not cancelled:
                callback()


_ALARMS = Alarms()


class HostLimiter:
    """At most `per_host` fetches in flight per host (host:port), whatever the thread count:
    politeness towards one site that carries many of our sources."""

    def __init__(self, per_host: int = PER_HOST) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, url: str, timeout: float | None = None) -> Iterator[None]:
        """Hold one of the host's slots; a TransientFetchError("timeout") when none frees
        within `timeout` seconds (the source's deadline, spent waiting on its host)."""
        try:
            parts = urlsplit(url)
            host = f"{(parts.hostname or '').lower()}:{parts.port or ''}"
        except ValueError:
            host = ""
        with self._lock:
            sem = self._slots.get(host)
            if sem is None:
                sem = self._slots[host] = threading.BoundedSemaphore(self.per_host)
        if not sem.acquire(timeout=timeout):
            raise TransientFetchError("timeout", f"waited the whole deadline ({timeout:.0f} s) "
                                      f"for a free connection to {host.rstrip(':')}")
        try:
            yield
        finally:
            sem.release()
