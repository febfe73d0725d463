"""SQL of topic extraction and scoring: mentions, windows, signals, client scores, ideas."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from trends.bulk import many_objects
from trends.config import ClientConfig


def pending_items(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """Items whose topics have not been extracted yet: (key, title, summary, language, source,
    event_at, extra)."""
    return con.execute("""
        SELECT key, title, summary, language, source, event_at, extra FROM items
        WHERE NOT extracted ORDER BY event_at LIMIT ?""", [limit]).fetchall()


_ITEM_SCHEMA = pa.schema([("key", pa.string()), ("source", pa.string()),
                          ("event_at", pa.timestamp("us", tz="UTC")), ("item", pa.int32())])


def save_mentions(con: duckdb.DuckDBPyConnection, items: Sequence[tuple[str, str, datetime]],
                  found: Sequence[Sequence[tuple[str, str, str]]]) -> None:
    """Store the topics found in one batch of items and mark the items extracted, atomically.

    `items` are (key, source, event_at); `found[i]` the (key, label, kind) of the candidates of
    items[i], distinct, in reading order. A new topic takes the label and kind of its first
    mention in the batch (items in the order given); every topic's first and last seen times
    widen to the batch's mentions."""
    # Columns, not a row per mention: 400,000 mentions after a 10,000-item ingest would cost
    # a Python tuple and a datetime conversion each. DuckDB joins them to their items.
    it = pa.table([*zip(*items), range(len(items))] if items else [[] for _ in _ITEM_SCHEMA],
                  schema=_ITEM_SCHEMA)
    n = sum(map(len, found))
    fo = pa.table({
        "pos": pa.array(range(n), pa.int32()),
        "item": pa.array([i for i, cands in enumerate(found) for _ in cands], pa.int32()),
        "topic_key": pa.array([c[0] for cands in found for c in cands], pa.string()),
        "label": pa.array([c[1] for cands in found for c in cands], pa.string()),
        "kind": pa.array([c[2] for cands in found for c in cands], pa.string())})
    con.register("batch_items", it)
    con.register("batch_found", fo)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE batch_mentions AS
            SELECT f.topic_key, i.key AS item_key, i.source, i.event_at, f.label, f.kind, f.pos
            FROM batch_found f JOIN batch_items i USING (item)""")
        con.execute("""
            INSERT INTO topics
            SELECT topic_key, arg_min(label, pos), arg_min(kind, pos), min(event_at), max(event_at)
            FROM batch_mentions GROUP BY topic_key
            ON CONFLICT (key) DO UPDATE SET
                first_seen_at = least(topics.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(topics.last_seen_at, excluded.last_seen_at)""")
        # A plain append (migration 0006): items are extracted once, their mentions written
        # in the transaction that sets the flag below, and an item's candidates are distinct.
        # In the order found, i.e. by event time, so that zone maps skip old row groups.
        con.execute("""INSERT INTO mentions
                       SELECT topic_key, item_key, source, event_at FROM batch_mentions
                       ORDER BY pos""")
        con.execute("UPDATE items SET extracted = TRUE WHERE key IN (SELECT key FROM batch_items)")
        con.execute("DROP TABLE batch_mentions")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_items", "batch_found"):
            con.unregister(name)


def window_stats(con: duckdb.DuckDBPyConnection, as_of: datetime, *, recent: timedelta,
                 baseline_days: float, min_items: int, min_events: int | None = None,
                 buckets: int | None = None) -> list[dict[str, Any]]:
    """Per topic with at least `min_items` items in the recent window (or `min_events` in the
    window before it: yesterday's peak is still worth a "skip"), as of `as_of` so that
    replayed history scores as of its own day:

    recent, last_half, first_half   items in the recent window and in its two halves
    baseline_total                  items in the buckets before it
    series                          items per bucket of `recent` length, oldest first, the last
                                    one being the recent window (`buckets` of them)
    breadth, platforms              distinct sources and source kinds in the recent window
    volume                          platform volume (traffic, views) of its recent items
    first_seen_at                   the first mention of the topic
    """
    if buckets is None:
        buckets = max(2, round(baseline_days * (timedelta(days=1) / recent))) + 1
    min_events = min_items if min_events is None else min_events
    # Every run after an ingest scores some hundred thousand candidates, so the query reads
    # each mention once where it can: the last two buckets (the busiest: today's bursts and
    # the fresh ingest) in one pass that also picks the candidates, the older buckets of the
    # candidates only, and sources and volume from the recent window alone. Results leave
    # through Arrow, column by column: converting a list and a TIMESTAMPTZ per row to Python
    # objects cost more than the query itself.
    query = """
        WITH two AS (
            -- Decide which topics to score from the last two buckets alone: most topics of a
            -- busy week are long tails that never qualify, and need no series.
            SELECT topic_key,
                   count(*) FILTER (WHERE event_at > $recent_start) AS recent,
                   count(*) FILTER (WHERE event_at > $half_start) AS last_half,
                   count(*) FILTER (WHERE event_at <= $recent_start) AS previous
            FROM mentions
            WHERE event_at > $two_ago AND event_at <= $as_of
            GROUP BY topic_key
            HAVING (recent >= $min_items OR previous >= $min_events)
               -- a one-bucket series has no room for yesterday: only today's topics
               AND ($buckets >= 2 OR recent > 0)
        ), older AS (
            SELECT topic_key, list(b) AS bs, list(n) AS ns, sum(n) AS total
            FROM (SELECT topic_key,
                         (epoch_us($as_of) - epoch_us(event_at)) // $bucket_us AS b,
                         count(*) AS n
                  FROM mentions
                  WHERE event_at > $lookback AND event_at <= $two_ago
                    AND topic_key IN (SELECT topic_key FROM two)
                  GROUP BY ALL)
            GROUP BY topic_key
        ), now AS (
            SELECT m.topic_key, count(DISTINCT m.source) AS breadth,
                   count(DISTINCT coalesce(s.kind, m.source)) AS platforms,
                   sum(i.volume) AS volume
            FROM mentions m LEFT JOIN sources s ON s.name = m.source
            LEFT JOIN items i ON i.key = m.item_key AND i.volume IS NOT NULL
            WHERE m.event_at > $recent_start AND m.event_at <= $as_of
              AND m.topic_key IN (SELECT topic_key FROM two WHERE recent > 0)
            GROUP BY m.topic_key
        )
        SELECT w.topic_key AS key, t.label, t.kind, w.recent::INTEGER AS recent,
               w.last_half::INTEGER AS last_half,
               (w.recent - w.last_half)::INTEGER AS first_half,
               (CASE WHEN $buckets >= 2 THEN w.previous ELSE 0 END
                + coalesce(o.total, 0))::INTEGER AS baseline_total,
               coalesce(n.breadth, 0) AS breadth, coalesce(n.platforms, 0) AS platforms,
               coalesce(n.volume, 0) AS volume, epoch_us(t.first_seen_at) AS first_seen_at,
               -- dense, oldest first: bucket b is the b-th window back from as_of
               list_transform(range($buckets - 1, -1, -1), lambda b:
                   CASE WHEN b = 0 THEN w.recent WHEN b = 1 THEN w.previous
                        ELSE coalesce(o.ns[list_position(o.bs, b)], 0) END)::INTEGER[]
                   AS series
        FROM two w JOIN topics t ON t.key = w.topic_key
        LEFT JOIN now n USING (topic_key) LEFT JOIN older o USING (topic_key)
        """
    params = {"lookback": as_of - recent * buckets, "as_of": as_of,
              "two_ago": as_of - recent * 2, "recent_start": as_of - recent,
              "bucket_us": int(recent / timedelta(microseconds=1)),
              "half_start": as_of - recent / 2, "min_items": min_items,
              "min_events": min_events, "buckets": buckets}
    # execute(), not con.sql(): the caller's connection may hold a result it read with
    # fetchone(), which DuckDB counts as unfinished and con.sql() then refuses. The copy
    # DuckDB warns about is one of ~100,000 rows: milliseconds.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        tbl = con.execute(query, params).to_arrow_table()
    names = tbl.column_names
    with many_objects():
        cols = [tbl.column(name).to_pylist() for name in names[:-2]]
        cols.append([_EPOCH + timedelta(microseconds=us)
                     for us in tbl.column("first_seen_at").to_pylist()])
        cols.append(_flat_lists(tbl.column("series")))
        return [dict(zip(names, row)) for row in zip(*cols)]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _flat_lists(column: pa.ChunkedArray) -> list[list[Any]]:
    """A list column as Python lists, converted in one pass over its values: per-row list
    conversion costs a microsecond a row. Null lists come back empty."""
    out: list[list[Any]] = []
    for chunk in column.chunks:
        offsets = chunk.offsets.to_pylist()
        values = chunk.values.to_pylist()
        valid = chunk.is_valid().to_pylist()
        out.extend(values[offsets[j]:offsets[j + 1]] if valid[j] else []
                   for j in range(len(chunk)))
    return out


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


_SIGNAL_EXTRA = ("kind", "platforms", "spike", "zscore", "peak_at", "posting_window")


def save_signals(con: duckdb.DuckDBPyConnection, as_of: datetime, rows: Sequence[dict[str, Any]],
                 finished_at: datetime) -> None:
    con.execute("DELETE FROM topic_signals WHERE as_of = ?", [as_of])
    if rows:
        cols = ["topic_key", "label", "mentions", "baseline", "velocity", "breadth", "volume",
                "freshness", "first_seen_at", "state", "trend"]
        # Columns of migration 0003, written when the signal carries them.
        cols += [c for c in _SIGNAL_EXTRA if c in rows[0]]
        tbl = pa.table({"as_of": [as_of] * len(rows), **{c: [r.get(c) for r in rows]
                                                          for c in cols}})
        con.register("batch_signals", tbl)
        try:
            con.execute(f"INSERT INTO topic_signals (as_of, {', '.join(cols)}) "
                        f"SELECT as_of, {', '.join(cols)} FROM batch_signals")
        finally:
            con.unregister("batch_signals")
    con.execute("""INSERT INTO scoring_runs VALUES (?, ?, ?)
                   ON CONFLICT (as_of) DO UPDATE SET finished_at = excluded.finished_at,
                       topics = excluded.topics""", [as_of, finished_at, len(rows)])


def save_stories(con: duckdb.DuckDBPyConnection, as_of: datetime,
                 members: Sequence[tuple[str, str, str]]) -> None:
    """Record which story each scored candidate was clustered into: (topic_key, story_key,
    story_label). `trending_now` shows one row per story."""
    if not members:
        return
    tbl = pa.table({"topic_key": [m[0] for m in members], "story_key": [m[1] for m in members],
                    "story_label": [m[2] for m in members]})
    con.register("batch_stories", tbl)
    try:
        con.execute("""
            UPDATE topic_signals SET story_key = b.story_key, story_label = b.story_label
            FROM batch_stories b
            WHERE topic_signals.as_of = $as_of AND topic_signals.topic_key = b.topic_key""",
            {"as_of": as_of})
    finally:
        con.unregister("batch_stories")


def sync_clients(con: duckdb.DuckDBPyConnection, clients: Sequence[ClientConfig]) -> None:
    for c in clients:
        con.execute("""
            INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [c.id, c.name, list(c.languages), list(c.keywords), list(c.exclude), c.channel,
             c.timezone, c.digest_time.strftime("%H:%M"), c.tone])


_SCORE_COLS = ["client_id", "topic_key", "label", "score", "trend", "relevance", "freshness",
               "velocity", "breadth", "mentions", "state", "matched", "excluded_by", "selected",
               "reason", "sensitivity", "moment"]   # the last two: migration 0004


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
                               as_of, warning, writer)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [client_id, digest_date, r["rank"], r["topic_key"], r["topic_label"], r["language"],
             r["angle"], r["platform"], r["hook"], r["caption"], r["hashtags"], r["urgency"],
             r["why"], json.dumps(r["stories"], ensure_ascii=False), as_of,
             r.get("warning"), r.get("writer", "template")])


def load_ideas(con: duckdb.DuckDBPyConnection, client_id: str,
               digest_date: date) -> list[dict[str, Any]]:
    cur = con.execute("""SELECT * FROM ideas WHERE client_id = ? AND digest_date = ?
                         ORDER BY rank, CASE language WHEN 'id' THEN 0 ELSE 1 END""",
                      [client_id, digest_date])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
