"""SQL of the digest outbox: one row per client and local day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb


@dataclass(slots=True)
class OutboxRow:
    client_id: str
    digest_date: date
    channel: str
    status: str            # pending | sent | failed | printed
    text: str
    messages: list[list[dict[str, Any]]]
    ts: str | None
    attempts: int
    attempted_at: datetime | None = None   # when the last attempt to post started
    chart_status: str | None = None        # None (no chart asked) | pending | sent
    chart_attempted_at: datetime | None = None   # when the last chart upload started


def get(con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> OutboxRow | None:
    row = con.execute("""SELECT client_id, digest_date, channel, status, text, messages, ts, attempts,
                                attempted_at, chart_status, chart_attempted_at
                         FROM digests WHERE client_id = ? AND digest_date = ?""",
                      [client_id, day]).fetchone()
    if row is None:
        return None
    return OutboxRow(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7],
                     row[8], row[9], row[10])


def mark_attempt(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                 now: datetime) -> None:
    """Record, before Slack is called, that an attempt starts: if the process dies before
    `mark_sent`, the next run knows the message may be in the channel and looks it up."""
    con.execute("UPDATE digests SET attempted_at = ? WHERE client_id = ? AND digest_date = ?",
                [now, client_id, day])


def put(con: duckdb.DuckDBPyConnection, client_id: str, day: date, channel: str, text: str,
        messages: list[list[dict[str, Any]]], status: str, now: datetime, *,
        chart: bool = False) -> None:
    """Write the day's digest unless it was already sent. A digest that was only printed or
    failed is replaced by the newest rendering. `chart`: a chart is owed once it is sent."""
    con.execute("""
        INSERT INTO digests (client_id, digest_date, channel, status, text, messages, created_at,
                             chart_status)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (client_id, digest_date) DO UPDATE SET
            channel = excluded.channel, text = excluded.text, messages = excluded.messages,
            status = excluded.status, chart_status = excluded.chart_status
        WHERE digests.status NOT IN ('sent', 'pending')""",
        [client_id, day, channel, status, text, json.dumps(messages, ensure_ascii=False), now,
         "pending" if chart else None])


def owed_charts(con: duckdb.DuckDBPyConnection, since: date) -> list[tuple[str, date]]:
    """Sent digests from `since` on whose chart is not in their thread yet."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT client_id, digest_date FROM digests
           WHERE status = 'sent' AND chart_status = 'pending' AND digest_date >= ?
           ORDER BY digest_date, client_id""", [since]).fetchall()]


def mark_chart_attempt(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                       now: datetime) -> None:
    """Before the upload: if the process dies after Slack took the file, the next run looks
    for it in the thread instead of uploading it twice."""
    con.execute("""UPDATE digests SET chart_attempted_at = ?
                   WHERE client_id = ? AND digest_date = ?""", [now, client_id, day])


def mark_chart_sent(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                    file_id: str | None) -> None:
    con.execute("""UPDATE digests SET chart_status = 'sent', chart_file = ?
                   WHERE client_id = ? AND digest_date = ?""", [file_id, client_id, day])


def mark_sent(con: duckdb.DuckDBPyConnection, client_id: str, day: date, ts: str,
              sent_at: datetime) -> None:
    con.execute("""UPDATE digests SET status = 'sent', ts = ?, sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE client_id = ? AND digest_date = ?""",
                [ts, sent_at, client_id, day])


def mark_failed(con: duckdb.DuckDBPyConnection, client_id: str, day: date, error: str) -> None:
    con.execute("""UPDATE digests SET status = 'failed', attempts = attempts + 1, last_error = ?
                   WHERE client_id = ? AND digest_date = ?""", [error[:500], client_id, day])


def unsent(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date]]:
    """Digests that are pending or failed: to be sent on the next run instead of being lost."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT client_id, digest_date FROM digests WHERE status IN ('pending', 'failed')
           ORDER BY digest_date, client_id""").fetchall()]
