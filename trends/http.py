"""One HTTP client for every source: timeouts, redirects, a size cap, conditional GET, retries.

Errors are translated here, at the boundary, into the `FetchError` tree: transient ones
(timeouts, connection errors, 5xx, 429) are retried with backoff; permanent ones are not.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from trends import __version__
from trends.errors import FetchError, PermanentFetchError, TransientFetchError

USER_AGENT = f"trends/{__version__} (+feed reader; polite polling with conditional GET)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 30.0


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
    """The shared client. Thread-safe; reuse it for a whole run so connections are kept alive."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT,
                 "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                           "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"},
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        trust_env=False,
    )


def fetch(client: httpx.Client, url: str, *, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BYTES, retries: int = 2,
          backoff: float = 0.5) -> FetchResult:
    """GET `url` conditionally. Returns 200 with a body or 304 without; raises FetchError."""
    attempt = 0
    while True:
        attempt += 1
        try:
            result = _fetch_once(client, url, etag, last_modified, max_bytes)
            result.attempts = attempt
            return result
        except TransientFetchError as exc:
            if attempt > retries:
                raise
            delay = exc.retry_after if exc.retry_after is not None else backoff * 2 ** (attempt - 1)
            time.sleep(min(delay, MAX_RETRY_AFTER))


def _fetch_once(client: httpx.Client, url: str, etag: str | None, last_modified: str | None,
                max_bytes: int) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.perf_counter()
    try:
        with client.stream("GET", url, headers=headers) as response:
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
            chunks: list[bytes] = []
            size = 0
            # iter_bytes decodes gzip/deflate as it goes, so the cap also stops a gzip bomb.
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise PermanentFetchError("too_large", f"body over {max_bytes} bytes")
                chunks.append(chunk)
            return _result(response, b"".join(chunks), started)
    except FetchError:
        raise
    except httpx.TooManyRedirects as exc:
        raise PermanentFetchError("too_many_redirects", str(exc)) from exc
    except httpx.TimeoutException as exc:
        raise TransientFetchError("timeout", type(exc).__name__) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
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
