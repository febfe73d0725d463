"""SQL of spike alerts: candidates from the latest scoring run, and the alert outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb


@dataclass(slots=True)
class AlertRow:
    id: str
    client_id: str
    topic_key: str
    label: str
    local_date: date
    channel: str
    status: str            # pending | sent | failed | printed
    text: str
    blocks: list[dict[str, Any]]
    ts: str | None
    attempted_at: datetime | None


_COLS = "id, client_id, topic_key, label, local_date, channel, status, text, blocks, ts, " \
        "attempted_at"


def _row(r: tuple[Any, ...]) -> AlertRow:
    return AlertRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9], r[10])


def get(con: duckdb.DuckDBPyConnection, alert_id: str) -> AlertRow | None:
    r = con.execute(f"SELECT {_COLS} FROM alerts WHERE id = ?", [alert_id]).fetchone()
    return _row(r) if r else None


def spiking(con: duckdb.DuckDBPyConnection, client_id: str, *, velocity: float,
            min_mentions: int) -> list[dict[str, Any]]:
    """Topics of the client's latest scoring run that spike and may be shown to it.

    A topic spikes when its signal says so (topic_signals.spike) or, where the signal has no
    spike flag, when it is new or rising at `velocity` times its usual rate. Never a topic
    the client must avoid: excluded_by set, or a score of 0.
    """
    cur = con.execute("""
        WITH latest AS (
            SELECT max(as_of) AS as_of FROM client_topic_scores WHERE client_id = $client
        )
        SELECT c.topic_key, c.label, c.score, c.velocity, c.mentions, c.breadth, c.state,
               c.reason, c.as_of, coalesce(s.spike, false) AS spike
        FROM client_topic_scores c JOIN latest USING (as_of)
        LEFT JOIN topic_signals s ON s.as_of = c.as_of AND s.topic_key = c.topic_key
        WHERE c.client_id = $client AND c.excluded_by IS NULL AND c.score > 0
          AND c.relevance > 0 AND c.mentions >= $min_mentions
          AND (coalesce(s.spike, false)
               OR (s.spike IS NULL AND c.state IN ('new', 'rising') AND c.velocity >= $velocity))
        ORDER BY c.score DESC, c.topic_key""",
        {"client": client_id, "velocity": velocity, "min_mentions": min_mentions})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def recent_topics(con: duckdb.DuckDBPyConnection, client_id: str, since: datetime) -> set[str]:
    """Topics alerted to the client since `since` (the cooldown), whatever their status."""
    return {r[0] for r in con.execute(
        "SELECT topic_key FROM alerts WHERE client_id = ? AND created_at > ? "
        "AND status <> 'printed'", [client_id, since]).fetchall()}


def count_on(con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> int:
    """Alerts of the client on its local `day` (the daily cap), whatever their status."""
    row = con.execute("SELECT count(*) FROM alerts WHERE client_id = ? AND local_date = ? "
                      "AND status <> 'printed'", [client_id, day]).fetchone()
    return int(row[0]) if row else 0


def add(con: duckdb.DuckDBPyConnection, *, alert_id: str, client_id: str, topic_key: str,
        label: str, day: date, channel: str, status: str, text: str,
        blocks: list[dict[str, Any]], velocity: float, score: float, now: datetime) -> None:
    con.execute("""
        INSERT INTO alerts (id, client_id, topic_key, label, local_date, channel, status, text,
                            blocks, velocity, score, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
        [alert_id, client_id, topic_key, label, day, channel, status, text,
         json.dumps(blocks, ensure_ascii=False), velocity, score, now])


def unsent(con: duckdb.DuckDBPyConnection, client_id: str | None = None) -> list[AlertRow]:
    """Alerts still owed to Slack (pending or failed), oldest first."""
    rows = con.execute(f"""SELECT {_COLS} FROM alerts WHERE status IN ('pending', 'failed')
                           AND (? IS NULL OR client_id = ?) ORDER BY created_at, id""",
                       [client_id, client_id]).fetchall()
    return [_row(r) for r in rows]


def mark_attempt(con: duckdb.DuckDBPyConnection, alert_id: str, now: datetime) -> None:
    con.execute("UPDATE alerts SET attempted_at = ? WHERE id = ?", [now, alert_id])


def mark_sent(con: duckdb.DuckDBPyConnection, alert_id: str, ts: str,
              sent_at: datetime) -> None:
    con.execute("""UPDATE alerts SET status = 'sent', ts = ?, sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?""", [ts, sent_at, alert_id])


def mark_failed(con: duckdb.DuckDBPyConnection, alert_id: str, error: str) -> None:
    con.execute("""UPDATE alerts SET status = 'failed', attempts = attempts + 1, last_error = ?
                   WHERE id = ?""", [error[:500], alert_id])


def sent_since(con: duckdb.DuckDBPyConnection, since: datetime) -> list[tuple[str, str, str, str,
                                                                              str, date]]:
    """(client_id, channel, ts, topic_key, label, local_date) of alerts sent since `since`."""
    return [tuple(r) for r in con.execute(
        """SELECT client_id, channel, ts, topic_key, label, local_date FROM alerts
           WHERE status = 'sent' AND ts IS NOT NULL AND created_at > ?
           ORDER BY created_at""", [since]).fetchall()]
