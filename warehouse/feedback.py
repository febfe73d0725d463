"""SQL of team feedback: reactions read back from Slack, and what scoring learns from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb


def sent_digests(con: duckdb.DuckDBPyConnection,
                 since: date) -> list[tuple[str, str, str, date]]:
    """(client_id, channel, ts, digest_date) of digests in Slack since `since`."""
    return [(r[0], r[1], r[2], r[3]) for r in con.execute(
        """SELECT client_id, channel, ts, digest_date FROM digests
           WHERE status = 'sent' AND ts IS NOT NULL AND digest_date >= ?
           ORDER BY digest_date, client_id""", [since]).fetchall()]


def digest_topics(con: duckdb.DuckDBPyConnection, client_id: str,
                  day: date) -> list[tuple[str, str]]:
    """(topic_key, label) of the topics a client's digest of `day` showed, best first."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT topic_key, any_value(topic_label) FROM ideas
           WHERE client_id = ? AND digest_date = ? GROUP BY topic_key
           ORDER BY min(rank), topic_key""", [client_id, day]).fetchall()]


def replace_message(con: duckdb.DuckDBPyConnection, *, client_id: str, channel: str, ts: str,
                    kind: str, day: date, rows: Sequence[tuple[str, str, str, str, str]],
                    now: datetime) -> None:
    """Store the reactions now on one message, (topic_key, label, reaction, verdict, user)
    each, replacing what was read before: a removed reaction stops counting."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM feedback WHERE client_id = ? AND message_ts = ?",
                    [client_id, ts])
        for topic_key, label, reaction, verdict, user in rows:
            con.execute("""
                INSERT INTO feedback (client_id, channel, message_ts, topic_key, label, reaction,
                                      verdict, user_id, kind, day, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                [client_id, channel, ts, topic_key, label, reaction, verdict, user, kind, day,
                 now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def verdicts(con: duckdb.DuckDBPyConnection, client_id: str,
             since: date) -> list[tuple[str, str, int]]:
    """(topic_key, verdict, people) of the client's feedback since `since`."""
    return [(r[0], r[1], int(r[2])) for r in con.execute(
        """SELECT topic_key, verdict, count(DISTINCT user_id) FROM feedback
           WHERE client_id = ? AND day >= ? GROUP BY ALL ORDER BY ALL""",
        [client_id, since]).fetchall()]


def summary(con: duckdb.DuckDBPyConnection, since: date,
            until: date) -> list[dict[str, Any]]:
    """Per client and topic in [since, until]: label and how many people liked, rejected or
    used it; used first."""
    cur = con.execute("""
        SELECT client_id, topic_key, any_value(label) AS label,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'used') AS used,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'liked') AS liked,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'rejected') AS rejected,
               min(day) AS first_day
        FROM feedback WHERE day BETWEEN ? AND ?
        GROUP BY client_id, topic_key
        ORDER BY client_id, used DESC, liked DESC, rejected, topic_key""", [since, until])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
