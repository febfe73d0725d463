"""Slack delivery: retries for what can heal, pacing per channel, one error type for callers.

slack_sdk raises on a 429 unless `RateLimitErrorRetryHandler` is installed, and only retries
connection resets by default; we install the rate-limit, server-error (500/503) and
connection-error handlers. Slack has no idempotency key: a digest whose parent message was
posted but whose thread failed raises `PartialDeliveryError` carrying the parent's ts, so the
outbox can record it instead of posting the day twice.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from trends.errors import DeliveryError, PartialDeliveryError

__all__ = ["DEFAULT_BASE_URL", "SlackSender"]

DEFAULT_BASE_URL = "https://slack.com/api/"


class _ProportionalJitter(Jitter):
    # slack_sdk's RandomJitter adds up to a whole second whatever the backoff; scaling the
    # jitter with the interval keeps backoff=0 instant in tests.
    def recalculate(self, duration: float) -> float:
        return duration * (1.0 + random.random())


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
                RateLimitErrorRetryHandler(max_retry_count=max_retries),
                ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
                ConnectionErrorRetryHandler(max_retry_count=max_retries,
                                            interval_calculator=interval),
            ],
        )
        # Slack answers with the channel's ID; later calls (reactions.get) need the ID.
        self.channel_ids: dict[str, str] = {}
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def post(self, channel: str, blocks: list[dict[str, Any]], text: str,
             thread_ts: str | None = None) -> str:
        """Post one message (a thread reply when `thread_ts` is given); returns its ts.

        Raises DeliveryError when Slack refuses the message or cannot be reached.
        """
        self._wait_for_slot(channel)
        try:
            resp = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks or None, thread_ts=thread_ts,
                unfurl_links=False, unfurl_media=False)
        except (SlackClientError, OSError, http.client.HTTPException) as exc:
            raise DeliveryError(self._describe(exc, channel)) from exc
        ts = resp.get("ts")
        if not isinstance(ts, str):
            raise DeliveryError(f"Slack chat.postMessage to {channel}: no ts in the response")
        channel_id = resp.get("channel")
        if isinstance(channel_id, str):
            self.channel_ids[channel] = channel_id
        return ts

    def post_digest(self, channel: str, messages: list[list[dict[str, Any]]], text: str) -> str:
        """Post the first message, then the others as replies in its thread; returns the parent ts.

        Raises DeliveryError if the parent fails, PartialDeliveryError if a reply fails.
        """
        if not messages:
            messages = [[]]
        parent = self.post(channel, messages[0], text)
        total = len(messages)
        for i, blocks in enumerate(messages[1:], start=2):
            try:
                self.post(channel, blocks, f"{text} ({i}/{total})", thread_ts=parent)
            except DeliveryError as exc:
                raise PartialDeliveryError(
                    f"{exc} (thread reply {i}/{total}; parent ts {parent} was posted)",
                    ts=parent, posted=i - 1) from exc
        return parent

    def _wait_for_slot(self, channel: str) -> None:
        # Reserve the next slot under the lock, sleep outside it: concurrent senders to one
        # channel queue up instead of bursting.
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(channel, now))
            self._next_slot[channel] = start + self.min_interval
        if start > now:
            time.sleep(start - now)

    def _describe(self, exc: Exception, channel: str) -> str:
        where = f"Slack chat.postMessage to {channel}"
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


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
