"""Slack delivery: retries for what can heal, pacing per channel, one error type for callers.

slack_sdk raises on a 429 unless `RateLimitErrorRetryHandler` is installed, and only retries
connection resets by default; we install the rate-limit, server-error (500/503) and
connection-error handlers. Slack has no idempotency key: the outbox (trends/deliver/outbox.py)
posts a digest message by message and records each one's ts. Messages with an identity in
their metadata are never retried blindly after a 5xx or a lost connection (Slack may have
accepted them): `post` looks them up in the channel's history (or the thread) first.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from trends.errors import DeliveryError

__all__ = ["DEFAULT_BASE_URL", "Sender", "SlackSender"]

DEFAULT_BASE_URL = "https://slack.com/api/"
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")


class _ProportionalJitter(Jitter):
    # slack_sdk's RandomJitter adds up to a whole second whatever the backoff; scaling the
    # jitter with the interval keeps backoff=0 instant in tests.
    def recalculate(self, duration: float) -> float:
        return duration * (1.0 + random.random())


class _RateLimitHandler(RateLimitErrorRetryHandler):
    """Waits Retry-After plus up to 10 % (slack_sdk adds up to a whole second whatever the
    header says, which makes Retry-After: 0 cost half a second on average)."""

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None,
                                 error: Exception | None = None) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"),
                     None)
        try:
            seconds = float(after[0] if isinstance(after, list) else after)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = 1.0
        time.sleep(max(0.0, seconds) * (1.0 + 0.1 * random.random()))
        state.increment_current_attempt()


class Sender(Protocol):
    """What delivery needs of Slack. `SlackSender` is the real one; the tests run it against
    a local Slack-compatible server (tests/slack_server.py)."""

    def post(self, channel: str, blocks: list[dict[str, Any]], text: str,
             thread_ts: str | None = None, metadata: dict[str, Any] | None = None) -> str: ...

    def find_posted(self, channel: str, event_type: str, payload_id: str,
                    oldest: float | None = None) -> dict[str, Any] | None: ...

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]: ...

    def reactions(self, channel: str, ts: str) -> list[dict[str, Any]]: ...

    def upload_png(self, channel: str, data: bytes, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str | None: ...


class SlackSender:
    """Posts Block Kit messages with retries, pacing and unfurls off."""

    def __init__(self, token: str, base_url: str | None = None, min_interval: float = 1.0, *,
                 timeout: int = 30, max_retries: int = 3, backoff: float = 0.5) -> None:
        """`base_url` defaults to Slack's; `min_interval` is the minimum gap in seconds between
        two messages to one channel (Slack allows about one per second); `max_retries` bounds
        the retries of one call across 429s, 5xx and connection errors; `backoff` is the first
        wait after a 5xx or a connection error, doubled at each retry (a 429 waits Retry-After).
        """
        url = base_url or DEFAULT_BASE_URL
        self.base_url = url if url.endswith("/") else url + "/"
        self.min_interval = min_interval
        interval = BackoffRetryIntervalCalculator(backoff_factor=backoff,
                                                  jitter=_ProportionalJitter())
        self.client = WebClient(
            token=token,
            base_url=self.base_url,
            timeout=timeout,
            retry_handlers=[
                _RateLimitHandler(max_retry_count=max_retries),
                ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
                ConnectionErrorRetryHandler(max_retry_count=max_retries,
                                            interval_calculator=interval),
            ],
        )
        # Messages that carry an identity (metadata) are posted without blind 5xx/connection
        # retries: a 500 or a dropped connection may come after Slack accepted the message, so
        # `post` looks the message up before trying again (a 429 was surely not processed).
        self._once = WebClient(token=token, base_url=self.base_url, timeout=timeout,
                               retry_handlers=[_RateLimitHandler(max_retry_count=max_retries)])
        self.max_retries = max_retries
        self.backoff = backoff
        # Slack answers with the channel's ID; later calls (reactions.get) need the ID.
        self.channel_ids: dict[str, str] = {}
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def post(self, channel: str, blocks: list[dict[str, Any]], text: str,
             thread_ts: str | None = None, metadata: dict[str, Any] | None = None) -> str:
        """Post one message (a thread reply when `thread_ts` is given); returns its ts.

        `metadata` ({"event_type": ..., "event_payload": {...}}) is Slack's message metadata:
        it lets `find_posted` recognise the message after a crash.
        With an identity in `metadata` (event_payload.id), an ambiguous failure (5xx, dropped
        connection) is followed by a history lookup, and the message is posted again only if
        Slack does not have it: never twice.
        Raises DeliveryError when Slack refuses the message or cannot be reached.
        """
        payload = (metadata or {}).get("event_payload") or {}
        ident = payload.get("id") if isinstance(payload, dict) else None
        client = self._once if ident else self.client
        started = time.time()
        attempt = 0
        while True:
            self._wait_for_slot(channel)
            try:
                resp = client.chat_postMessage(
                    channel=channel, text=text, blocks=blocks or None, thread_ts=thread_ts,
                    unfurl_links=False, unfurl_media=False, metadata=metadata)
                break
            except (SlackClientError, OSError, http.client.HTTPException) as exc:
                if client is self.client or not _ambiguous(exc) or attempt >= self.max_retries:
                    raise DeliveryError(self._describe(exc, channel)) from exc
                event_type = str((metadata or {})["event_type"])
                found = (self.find_reply(channel, thread_ts, event_type, str(ident))
                         if thread_ts else
                         self.find_posted(channel, event_type, str(ident), oldest=started - 600))
                if found is not None:
                    return str(found["ts"])
                attempt += 1
                time.sleep(self.backoff * 2 ** (attempt - 1) * (1.0 + random.random()))
        ts = resp.get("ts")
        if not isinstance(ts, str):
            raise DeliveryError(f"Slack chat.postMessage to {channel}: no ts in the response")
        channel_id = resp.get("channel")
        if isinstance(channel_id, str):
            self.channel_ids[channel] = channel_id
        return ts

    def find_posted(self, channel: str, event_type: str, payload_id: str,
                    oldest: float | None = None) -> dict[str, Any] | None:
        """The top-level message of `channel` whose metadata is (`event_type`, id=`payload_id`),
        or None. Reads conversations.history with include_all_metadata, newest first, back to
        `oldest` (a Unix time): how the outbox learns that an attempt it lost track of (a crash
        between Slack's answer and the outbox update) did reach the channel.
        """
        for msg in self.history(channel, oldest):
            meta = msg.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get("id") == payload_id:
                return msg
        return None

    def find_reply(self, channel: str, thread_ts: str, event_type: str,
                   payload_id: str) -> dict[str, Any] | None:
        """The reply in the thread of `thread_ts` whose metadata is (`event_type`, id)."""
        for msg in self.replies(channel, thread_ts):
            meta = msg.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get("id") == payload_id:
                return msg
        return None

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in a thread (the parent left out), with metadata, oldest first."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            try:
                resp = self.client.conversations_replies(
                    channel=self._channel_ref(channel), ts=thread_ts, include_all_metadata=True,
                    limit=200, cursor=cursor)
            except (SlackClientError, OSError, http.client.HTTPException) as exc:
                raise DeliveryError(self._describe(exc, channel, "conversations.replies")) from exc
            out += [m for m in resp.get("messages") or []
                    if isinstance(m, dict) and m.get("ts") != thread_ts]
            meta = resp.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not resp.get("has_more") or not cursor:
                return out

    def history(self, channel: str, oldest: float | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
        """Top-level messages of a channel since `oldest`, with metadata and reactions."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            try:
                resp = self.client.conversations_history(
                    channel=self._channel_ref(channel), include_all_metadata=True, limit=limit,
                    oldest=f"{oldest:.6f}" if oldest is not None else None, cursor=cursor)
            except (SlackClientError, OSError, http.client.HTTPException) as exc:
                raise DeliveryError(self._describe(exc, channel, "conversations.history")) from exc
            out += [m for m in resp.get("messages") or [] if isinstance(m, dict)]
            meta = resp.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not resp.get("has_more") or not cursor:
                return out

    def reactions(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The reactions on one message ([{name, users, count}]), through reactions.get."""
        try:
            resp = self.client.reactions_get(channel=self._channel_ref(channel), timestamp=ts,
                                             full=True)
        except (SlackClientError, OSError, http.client.HTTPException) as exc:
            raise DeliveryError(self._describe(exc, channel, "reactions.get")) from exc
        message = resp.get("message") or {}
        return list(message.get("reactions") or [])

    def upload_png(self, channel: str, data: bytes, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str | None:
        """Upload a PNG into the channel (a thread when `thread_ts`), through files_upload_v2:
        files.getUploadURLExternal, the upload itself, files.completeUploadExternal. Returns the
        file's ID. Raises DeliveryError."""
        self._wait_for_slot(channel)
        try:
            resp = self.client.files_upload_v2(
                channel=self._channel_ref(channel), content=data, filename=filename,
                title=title, alt_txt=alt_text, thread_ts=thread_ts)
        except (SlackClientError, OSError, http.client.HTTPException) as exc:
            raise DeliveryError(self._describe(exc, channel, "files_upload_v2")) from exc
        file = resp.get("file") or {}
        return file.get("id") if isinstance(file, dict) else None

    def _channel_ref(self, channel: str) -> str:
        """The channel's ID: conversations.history, reactions.get and file uploads want an ID,
        while trends.toml names channels. Known from our own posts, else looked up once with
        conversations.list (needs the channels:read scope; groups:read for private ones)."""
        if channel in self.channel_ids:
            return self.channel_ids[channel]
        if _CHANNEL_ID.fullmatch(channel):
            return channel
        name = channel.strip().lstrip("#")
        cursor: str | None = None
        while True:
            try:
                resp = self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000,
                    cursor=cursor)
            except (SlackClientError, OSError, http.client.HTTPException) as exc:
                raise DeliveryError(self._describe(exc, channel, "conversations.list")) from exc
            for c in resp.get("channels") or []:
                if isinstance(c, dict) and c.get("name") == name and isinstance(c.get("id"), str):
                    self.channel_ids[channel] = c["id"]
                    return str(c["id"])
            meta = resp.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not cursor:
                # Not listed (no channels:read scope, or a DM): let Slack judge the name itself.
                return channel

    def _wait_for_slot(self, channel: str) -> None:
        # Reserve the next slot under the lock, sleep outside it: concurrent senders to one
        # channel queue up instead of bursting.
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(channel, now))
            self._next_slot[channel] = start + self.min_interval
        if start > now:
            time.sleep(start - now)

    def _describe(self, exc: Exception, channel: str, method: str = "chat.postMessage") -> str:
        where = f"Slack {method} to {channel}"
        if isinstance(exc, SlackApiError):
            resp = exc.response
            error = resp.get("error") if isinstance(resp.data, dict) else None
            status = resp.status_code
            if status == 429:
                after = resp.headers.get("Retry-After") or resp.headers.get("retry-after")
                return f"{where}: rate limited (HTTP 429, retry after {after or '?'} s)"
            detail = str(error).splitlines()[0][:200] if error else "unexpected response"
            return f"{where}: {detail} (HTTP {status})"
        if isinstance(exc, SlackClientError):
            return f"{where}: {_first_line(exc)}"
        return f"{where}: cannot reach {self.base_url} ({_first_line(exc)})"


def _ambiguous(exc: Exception) -> bool:
    """True when Slack may have done the work although the call failed (5xx, lost connection);
    False for a definite answer (ok: false, 4xx, 429)."""
    if isinstance(exc, SlackApiError):
        return int(exc.response.status_code) >= 500
    return True


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
