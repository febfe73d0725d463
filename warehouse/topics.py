"""SQL of topic extraction and scoring: mentions, windows, signals, client scores, ideas."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from trends.config import ClientConfig


def pending_items(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """Items whose topics have not been extracted yet: (key, title, summary, language, source,
    event_at, extra)."""
    return con.execute("""
        SELECT key, title, summary, language, source, event_at, extra FROM items
        WHERE NOT extracted ORDER BY event_at LIMIT ?""", [limit]).fetchall()


_MENTION_SCHEMA = pa.schema([("topic_key", pa.string()), ("item_key", pa.string()),
                             ("source", pa.string()), ("event_at", pa.timestamp("us", tz="UTC"))])
_TOPIC_SCHEMA = pa.schema([("key", pa.string()), ("label", pa.string()), ("kind", pa.string()),
                           ("first_seen_at", pa.timestamp("us", tz="UTC")),
                           ("last_seen_at", pa.timestamp("us", tz="UTC"))])


def save_mentions(con: duckdb.DuckDBPyConnection, mentions: Sequence[tuple[str, str, str, datetime]],
                  topics: Sequence[tuple[str, str, str, datetime, datetime]],
                  item_keys: Sequence[str]) -> None:
    """Store one batch of mentions and topics and mark its items extracted, atomically."""
    m = pa.table(list(zip(*mentions)) if mentions else [[] for _ in _MENTION_SCHEMA],
                 schema=_MENTION_SCHEMA)
    t = pa.table(list(zip(*topics)) if topics else [[] for _ in _TOPIC_SCHEMA], schema=_TOPIC_SCHEMA)
    k = pa.table({"key": pa.array(item_keys, pa.string())})
    con.register("batch_mentions", m)
    con.register("batch_topics", t)
    con.register("batch_items", k)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("""
            INSERT INTO topics SELECT * FROM batch_topics
            ON CONFLICT (key) DO UPDATE SET
                first_seen_at = least(topics.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(topics.last_seen_at, excluded.last_seen_at)""")
        con.execute("""INSERT INTO mentions SELECT * FROM batch_mentions
                       ANTI JOIN mentions USING (topic_key, item_key)""")
        con.execute("UPDATE items SET extracted = TRUE WHERE key IN (SELECT key FROM batch_items)")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_mentions", "batch_topics", "batch_items"):
            con.unregister(name)


def window_stats(con: duckdb.DuckDBPyConnection, as_of: datetime, *, recent: timedelta,
                 baseline_days: int, min_items: int) -> list[dict[str, Any]]:
    """Per topic with at least `min_items` items in the recent window: counts in the recent
    window and its two halves, the baseline before it, distinct sources, platform volume,
    and when it was first seen (as of `as_of`, so replayed history scores as of its own day)."""
    recent_start = as_of - recent
    half_start = as_of - recent / 2
    lookback = recent_start - timedelta(days=baseline_days)
    cur = con.execute("""
        WITH m AS (
            SELECT topic_key, item_key, source, event_at FROM mentions
            WHERE event_at > $lookback AND event_at <= $as_of
        ), agg AS (
            SELECT topic_key,
                   count(*) FILTER (WHERE event_at > $recent_start) AS recent,
                   count(*) FILTER (WHERE event_at > $half_start) AS last_half,
                   count(*) FILTER (WHERE event_at > $recent_start AND event_at <= $half_start)
                       AS first_half,
                   count(*) FILTER (WHERE event_at <= $recent_start) AS baseline_total,
                   count(DISTINCT source) FILTER (WHERE event_at > $recent_start) AS breadth
            FROM m GROUP BY topic_key
            HAVING count(*) FILTER (WHERE event_at > $recent_start) >= $min_items
        ), vol AS (
            SELECT m.topic_key, sum(i.volume) AS volume
            FROM m JOIN items i ON i.key = m.item_key
            WHERE m.event_at > $recent_start AND i.volume IS NOT NULL
              AND m.topic_key IN (SELECT topic_key FROM agg)
            GROUP BY m.topic_key
        ), first AS (
            SELECT topic_key, min(event_at) AS first_seen_at FROM mentions
            WHERE event_at <= $as_of AND topic_key IN (SELECT topic_key FROM agg)
            GROUP BY topic_key
        )
        SELECT a.topic_key AS key, t.label, t.kind, a.recent, a.last_half, a.first_half,
               a.baseline_total, a.breadth, coalesce(v.volume, 0) AS volume, f.first_seen_at
        FROM agg a JOIN topics t ON t.key = a.topic_key
        JOIN first f USING (topic_key) LEFT JOIN vol v USING (topic_key)
        """, {"lookback": lookback, "as_of": as_of, "recent_start": recent_start,
              "half_start": half_start, "min_items": min_items})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def topic_stories(con: duckdb.DuckDBPyConnection, keys: Sequence[str], since: datetime,
                  as_of: datetime, per_topic: int) -> list[tuple[Any, ...]]:
    """The newest stories of each topic: (topic_key, item_key, title, summary, url, source,
    event_at, extra)."""
    if not keys:
        return []
    return con.execute("""
        SELECT m.topic_key, i.key, i.title, i.summary, i.url, i.source, i.event_at, i.extra
        FROM mentions m JOIN items i ON i.key = m.item_key
        WHERE m.topic_key IN (SELECT unnest($keys)) AND m.event_at > $since
          AND m.event_at <= $as_of
        QUALIFY row_number() OVER (PARTITION BY m.topic_key ORDER BY m.event_at DESC, i.key)
                <= $per_topic
        ORDER BY m.topic_key, m.event_at DESC""",
        {"keys": list(keys), "since": since, "as_of": as_of, "per_topic": per_topic}).fetchall()


def cooccurring_hashtags(con: duckdb.DuckDBPyConnection, keys: Sequence[str], since: datetime,
                         as_of: datetime) -> dict[str, list[str]]:
    """For each topic, the hashtags that appear in the same items, most frequent first."""
    if not keys:
        return {}
    rows = con.execute("""
        SELECT m.topic_key, t.label, count(*) AS n
        FROM mentions m
        JOIN mentions h ON h.item_key = m.item_key AND h.topic_key <> m.topic_key
        JOIN topics t ON t.key = h.topic_key AND t.kind = 'hashtag'
        WHERE m.topic_key IN (SELECT unnest($keys)) AND m.event_at > $since AND m.event_at <= $as_of
        GROUP BY ALL ORDER BY m.topic_key, n DESC, t.label""",
        {"keys": list(keys), "since": since, "as_of": as_of}).fetchall()
    out: dict[str, list[str]] = {}
    for key, label, _ in rows:
        out.setdefault(key, []).append(label)
    return out


def save_signals(con: duckdb.DuckDBPyConnection, as_of: datetime, rows: Sequence[dict[str, Any]],
                 finished_at: datetime) -> None:
    con.execute("DELETE FROM topic_signals WHERE as_of = ?", [as_of])
    if rows:
        cols = ["topic_key", "label", "mentions", "baseline", "velocity", "breadth", "volume",
                "freshness", "first_seen_at", "state", "trend"]
        tbl = pa.table({"as_of": [as_of] * len(rows), **{c: [r[c] for r in rows] for c in cols}})
        con.register("batch_signals", tbl)
        try:
            con.execute(f"INSERT INTO topic_signals (as_of, {', '.join(cols)}) "
                        f"SELECT as_of, {', '.join(cols)} FROM batch_signals")
        finally:
            con.unregister("batch_signals")
    con.execute("""INSERT INTO scoring_runs VALUES (?, ?, ?)
                   ON CONFLICT (as_of) DO UPDATE SET finished_at = excluded.finished_at,
                       topics = excluded.topics""", [as_of, finished_at, len(rows)])


def sync_clients(con: duckdb.DuckDBPyConnection, clients: Sequence[ClientConfig]) -> None:
    for c in clients:
        con.execute("""
            INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [c.id, c.name, list(c.languages), list(c.keywords), list(c.exclude), c.channel,
             c.timezone, c.digest_time.strftime("%H:%M"), c.tone])


_SCORE_COLS = ["client_id", "topic_key", "label", "score", "trend", "relevance", "freshness",
               "velocity", "breadth", "mentions", "state", "matched", "excluded_by", "selected",
               "reason"]


def save_client_scores(con: duckdb.DuckDBPyConnection, as_of: datetime, client_id: str,
                       rows: Sequence[dict[str, Any]]) -> None:
    con.execute("DELETE FROM client_topic_scores WHERE as_of = ? AND client_id = ?",
                [as_of, client_id])
    if not rows:
        return
    tbl = pa.table({"as_of": [as_of] * len(rows), **{c: [r[c] for r in rows] for c in _SCORE_COLS}})
    con.register("batch_scores", tbl)
    try:
        con.execute(f"INSERT INTO client_topic_scores (as_of, {', '.join(_SCORE_COLS)}) "
                    f"SELECT as_of, {', '.join(_SCORE_COLS)} FROM batch_scores")
    finally:
        con.unregister("batch_scores")


def latest_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    row = con.execute("SELECT max(as_of) FROM scoring_runs").fetchone()
    return row[0] if row else None


def save_ideas(con: duckdb.DuckDBPyConnection, client_id: str, digest_date: date,
               as_of: datetime, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the client's ideas for that day (a re-score the same day refreshes them)."""
    con.execute("DELETE FROM ideas WHERE client_id = ? AND digest_date = ?", [client_id, digest_date])
    for r in rows:
        con.execute("""
            INSERT INTO ideas (client_id, digest_date, rank, topic_key, topic_label, language,
                               angle, platform, hook, caption, hashtags, urgency, why, stories,
                               as_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [client_id, digest_date, r["rank"], r["topic_key"], r["topic_label"], r["language"],
             r["angle"], r["platform"], r["hook"], r["caption"], r["hashtags"], r["urgency"],
             r["why"], json.dumps(r["stories"], ensure_ascii=False), as_of])


def load_ideas(con: duckdb.DuckDBPyConnection, client_id: str,
               digest_date: date) -> list[dict[str, Any]]:
    cur = con.execute("""SELECT * FROM ideas WHERE client_id = ? AND digest_date = ?
                         ORDER BY rank, CASE language WHEN 'id' THEN 0 ELSE 1 END""",
                      [client_id, digest_date])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
