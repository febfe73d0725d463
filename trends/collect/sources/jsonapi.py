"""Helpers shared by the kinds that read a platform's JSON API instead of a feed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from trends.errors import PermanentFetchError

__all__ = ["daily_count_time", "load_json", "to_number", "utc_day"]


def load_json(body: bytes, *, what: str) -> Any:
    """The decoded JSON body, or `PermanentFetchError("not_a_feed")` naming what was expected."""
    if not body.strip():
        raise PermanentFetchError("empty_body", "the server sent no content")
    try:
        # utf-8-sig: a BOM in front of JSON is rare but harmless.
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PermanentFetchError("not_a_feed", f"expected {what}: {exc}"[:300]) from exc


def to_number(value: Any) -> float | None:
    """A count as the API wrote it (Mastodon sends "13", others 13) -> float; junk -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def daily_count_time(day: date, fetched_at: datetime) -> datetime:
    """When a daily count is dated: the end of its UTC day, or the fetch time if the day is still
    running. A daily total is only known once the day is over; dating it at midnight at the start
    would put yesterday's complete count outside the recent window of the trend signals."""
    end = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    return min(end, fetched_at.astimezone(UTC))


def utc_day(timestamp: Any) -> date | None:
    """A unix time (number or numeric string) -> its UTC date."""
    seconds = to_number(timestamp)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    except (OverflowError, ValueError, OSError):
        return None
