"""SQL of the understand stage: the items to extract, word roots, mentions, the window
statistics of every candidate, signals, and the topics candidates were merged into."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from trends.models import CandidateColumns, window_stats_schema

__all__ = ["cooccurring_hashtags", "pending_items", "save_mentions", "save_signals",
           "save_stories", "save_word_roots", "topic_stories", "window_stats", "word_roots"]


def pending_items(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """Items whose topics have not been extracted yet: (key, title, summary, language, source,
    event_at, extra)."""
    return con.execute("""
        SELECT key, title, summary, language, source, event_at, extra FROM items
        WHERE NOT extracted ORDER BY event_at LIMIT ?""", [limit]).fetchall()


def word_roots(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every word's root found so far (migration 0009)."""
    return dict(con.execute("SELECT word, root FROM word_roots").fetchall())


def save_word_roots(con: duckdb.DuckDBPyConnection, roots: Mapping[str, str]) -> None:
    """Add the words the table lacks."""
    if not roots:
        return
    con.register("new_roots", pa.table({"word": list(roots), "root": list(roots.values())}))
    try:
        con.execute("""INSERT INTO word_roots SELECT * FROM new_roots n
                       WHERE NOT EXISTS (SELECT 1 FROM word_roots w WHERE w.word = n.word)""")
    finally:
        con.unregister("new_roots")


_ITEM_SCHEMA = pa.schema([("key", pa.string()), ("source", pa.string()),
                          ("event_at", pa.timestamp("us", tz="UTC"))])


def save_mentions(con: duckdb.DuckDBPyConnection, items: Sequence[tuple[str, str, datetime]],
                  found: CandidateColumns) -> None:
    """Store the topics found in one batch of items and mark the items extracted, atomically.

    `items` are (key, source, event_at); `found` holds the candidates of each item in turn,
    distinct per item, in reading order. A new topic takes the next id, and the label and kind
    of its first mention in the batch (items in the order given); every topic's first and last
    seen times widen to the batch's mentions."""
    # Built in C, with no Python object per mention (400,000 after a 10,000-item ingest): the
    # items' columns repeated by their candidate counts, and the batch's distinct keys,
    # numbered in order of first mention, with each mention's number.
    columns: list[Sequence[Any]] = [list(c) for c in zip(*items)] or [[], [], []]
    it = pa.table(columns, schema=_ITEM_SCHEMA)
    mentions = it.take(pa.array(np.repeat(np.arange(len(items), dtype=np.int32),
                                          np.asarray(found.counts, dtype=np.int64))))
    encoded = pa.array(found.keys, pa.dictionary(pa.int32(), pa.string()))
    number = encoded.indices.to_numpy(zero_copy_only=False)
    # Arrow numbers the keys as it meets them: a key's first mention is where the numbers
    # reach a new high.
    first = np.flatnonzero(number > np.maximum.accumulate(np.concatenate(([-1], number[:-1]))))
    keys = pa.table({
        "n": pa.array(np.arange(len(first), dtype=np.int32)), "key": encoded.dictionary,
        "label": pa.array(found.labels, pa.string()).take(first),
        "kind": pa.array(found.kinds, pa.string()).take(first)})
    seen = pa.table({"n": encoded.indices, "event_at": mentions.column("event_at")})
    con.register("batch_items", it)
    con.register("batch_keys", keys)
    con.register("batch_seen", seen)
    con.execute("BEGIN TRANSACTION")
    try:
        # topics has no key (migration 0008): one join finds the topics already known, whose
        # times widen; the others are numbered after the largest id (migration 0010).
        con.execute("""
            CREATE OR REPLACE TEMP TABLE batch_topics AS
            WITH matched AS (
                SELECT k.n, k.key, k.label, k.kind, s.first_seen_at, s.last_seen_at,
                       t.id AS known_id
                FROM batch_keys k
                JOIN (SELECT n, min(event_at) AS first_seen_at, max(event_at) AS last_seen_at
                      FROM batch_seen GROUP BY n) s USING (n)
                LEFT JOIN topics t ON t.key = k.key
            )
            SELECT *, coalesce(known_id, (SELECT coalesce(max(id), 0) FROM topics)
                   + row_number() OVER (PARTITION BY known_id IS NULL ORDER BY n))::INTEGER AS id
            FROM matched""")
        con.execute("""
            UPDATE topics SET first_seen_at = least(topics.first_seen_at, b.first_seen_at),
                              last_seen_at = greatest(topics.last_seen_at, b.last_seen_at)
            FROM batch_topics b
            WHERE topics.id = b.known_id AND (b.first_seen_at < topics.first_seen_at
                                              OR b.last_seen_at > topics.last_seen_at)""")
        con.execute("""INSERT INTO topics (id, key, label, kind, first_seen_at, last_seen_at)
                       SELECT id, key, label, kind, first_seen_at, last_seen_at
                       FROM batch_topics WHERE known_id IS NULL""")
        ids = np.asarray(con.execute("SELECT id FROM batch_topics ORDER BY n").fetchnumpy()["id"],
                         np.int32)
        con.execute("DROP TABLE batch_topics")
        # A plain append (migration 0006): items are extracted once, their mentions written
        # in the transaction that sets the flag below, and an item's candidates are distinct.
        # In the order found (DuckDB keeps insertion order), i.e. by event time, so that zone
        # maps skip old row groups.
        con.register("batch_mentions", pa.table({
            "topic_id": pa.array(ids[number]), "item_key": mentions.column("key"),
            "source": mentions.column("source"), "event_at": mentions.column("event_at")}))
        con.execute("INSERT INTO topic_mentions SELECT * FROM batch_mentions")
        con.execute("UPDATE items SET extracted = TRUE WHERE key IN (SELECT key FROM batch_items)")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_items", "batch_keys", "batch_seen", "batch_mentions"):
            con.unregister(name)


def window_stats(con: duckdb.DuckDBPyConnection, as_of: datetime, *, recent: timedelta,
                 baseline_days: float, min_items: int, min_events: int | None = None,
                 buckets: int | None = None) -> pa.Table:
    """Per topic with at least `min_items` items in the recent window (or `min_events` in the
    window before it: yesterday's peak is still worth a "skip"), as of `as_of` so that
    replayed history scores as of its own day, a row of `trends.models.window_stats_schema()`:

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
    # candidates only, and sources and volume from the recent window alone. Mentions are
    # grouped and joined by topic id (migration 0010); the older buckets leave as lists
    # (bucket, count) that numpy spreads into the series.
    query = """
        WITH candidates AS (
            -- Decide which topics to score from the last two buckets alone: most topics of a
            -- busy week are long tails that never qualify, and need no series.
            SELECT topic_id,
                   count(*) FILTER (WHERE event_at > $recent_start) AS recent,
                   count(*) FILTER (WHERE event_at > $half_start) AS last_half,
                   count(*) FILTER (WHERE event_at <= $recent_start) AS previous
            FROM topic_mentions
            WHERE event_at > $two_ago AND event_at <= $as_of
            GROUP BY topic_id
            HAVING (recent >= $min_items OR previous >= $min_events)
               -- a one-bucket series has no room for yesterday: only today's topics
               AND ($buckets >= 2 OR recent > 0)
        ), older AS (
            SELECT topic_id, list(b) AS bs, list(n) AS ns
            FROM (SELECT topic_id,
                         (epoch_us($as_of) - epoch_us(m.event_at)) // $bucket_us AS b,
                         count(*) AS n
                  FROM topic_mentions m SEMI JOIN candidates c USING (topic_id)
                  WHERE m.event_at > $lookback AND m.event_at <= $two_ago
                  GROUP BY ALL)
            GROUP BY topic_id
        ), per_source AS (
            -- Sources first, their kinds then: distinct counts over the few sources of each
            -- topic cost less than over each of its mentions.
            SELECT m.topic_id, m.source, sum(i.volume) AS volume
            FROM topic_mentions m
            SEMI JOIN (SELECT topic_id FROM candidates WHERE recent > 0) c USING (topic_id)
            -- A mention's event_at is its item's: only the recent window's items can match.
            LEFT JOIN (SELECT key, volume FROM items
                       WHERE event_at > $recent_start AND event_at <= $as_of
                         AND volume IS NOT NULL) i ON i.key = m.item_key
            WHERE m.event_at > $recent_start AND m.event_at <= $as_of
            GROUP BY ALL
        ), now AS (
            SELECT p.topic_id, count(*) AS breadth,
                   count(DISTINCT coalesce(s.kind, p.source)) AS platforms,
                   sum(p.volume) AS volume
            FROM per_source p LEFT JOIN sources s ON s.name = p.source
            GROUP BY p.topic_id
        )
        SELECT t.key, t.label, t.kind, c.recent::INTEGER AS recent,
               c.last_half::INTEGER AS last_half,
               (c.recent - c.last_half)::INTEGER AS first_half,
               c.previous::INTEGER AS previous,
               coalesce(n.breadth, 0)::INTEGER AS breadth,
               coalesce(n.platforms, 0)::INTEGER AS platforms,
               coalesce(n.volume, 0)::DOUBLE AS volume, t.first_seen_at,
               o.bs::INTEGER[] AS bs, o.ns::INTEGER[] AS ns
        FROM candidates c JOIN topics t ON t.id = c.topic_id
        LEFT JOIN now n USING (topic_id) LEFT JOIN older o USING (topic_id)
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
    assert tbl is not None
    counts = _series(tbl, buckets)
    return pa.table({
        **{name: tbl.column(name) for name in ("key", "label", "kind", "recent", "last_half",
                                                "first_half")},
        "baseline_total": pa.array(counts[:, :-1].sum(axis=1), pa.int32()),
        **{name: tbl.column(name) for name in ("breadth", "platforms", "volume")},
        "first_seen_at": tbl.column("first_seen_at").cast(pa.timestamp("us", tz="UTC")),
        "series": pa.ListArray.from_arrays(
            pa.array(np.arange(0, counts.size + 1, buckets, dtype=np.int32)),
            pa.array(counts.reshape(-1)))}, schema=window_stats_schema())


def _series(tbl: pa.Table, buckets: int) -> npt.NDArray[np.int32]:
    """The series of each row of window_stats' query, a rows x buckets matrix oldest first:
    bucket b (b windows back from as_of) is column buckets - 1 - b. The query gives the last
    two buckets as columns, the older ones as lists of bucket numbers and counts."""
    rows = tbl.num_rows
    counts = np.zeros((rows, buckets), np.int32)
    counts[:, -1] = tbl.column("recent").to_numpy()
    if buckets >= 2:
        counts[:, -2] = tbl.column("previous").to_numpy()
    bs, ns = tbl.column("bs").combine_chunks(), tbl.column("ns").combine_chunks()
    # Both lists of a row have the same length, and a row without older mentions has none.
    row = np.repeat(np.arange(rows), pc.list_value_length(bs).fill_null(0).to_numpy())
    counts[row, buckets - 1 - pc.list_flatten(bs).to_numpy()] = pc.list_flatten(ns).to_numpy()
    return counts


def topic_stories(con: duckdb.DuckDBPyConnection, keys: Sequence[str], since: datetime,
                  as_of: datetime, per_topic: int) -> list[tuple[Any, ...]]:
    """The newest stories of each topic: (topic_key, item_key, title, summary, url, source,
    event_at, extra)."""
    if not keys:
        return []
    return con.execute("""
        SELECT t.key, i.key, i.title, i.summary, i.url, i.source, i.event_at, i.extra
        FROM topics t JOIN topic_mentions m ON m.topic_id = t.id
        JOIN items i ON i.key = m.item_key
        WHERE t.key IN (SELECT unnest($keys)) AND m.event_at > $since AND m.event_at <= $as_of
        QUALIFY row_number() OVER (PARTITION BY t.key ORDER BY m.event_at DESC, i.key)
                <= $per_topic
        ORDER BY t.key, m.event_at DESC""",
        {"keys": list(keys), "since": since, "as_of": as_of, "per_topic": per_topic}).fetchall()


def cooccurring_hashtags(con: duckdb.DuckDBPyConnection, keys: Sequence[str], since: datetime,
                         as_of: datetime) -> dict[str, list[str]]:
    """For each topic, the hashtags that appear in the same items, most frequent first."""
    if not keys:
        return {}
    rows = con.execute("""
        SELECT k.key, t.label, count(*) AS n
        FROM topics k JOIN topic_mentions m ON m.topic_id = k.id
        JOIN topic_mentions h ON h.item_key = m.item_key AND h.topic_id <> m.topic_id
        JOIN topics t ON t.id = h.topic_id AND t.kind = 'hashtag'
        WHERE k.key IN (SELECT unnest($keys)) AND m.event_at > $since AND m.event_at <= $as_of
        GROUP BY ALL ORDER BY k.key, n DESC, t.label""",
        {"keys": list(keys), "since": since, "as_of": as_of}).fetchall()
    out: dict[str, list[str]] = {}
    for key, label, _ in rows:
        out.setdefault(key, []).append(label)
    return out


_SIGNAL_COLUMNS = ("topic_key", "label", "mentions", "baseline", "velocity", "breadth", "volume",
                   "freshness", "first_seen_at", "state", "trend")
_SIGNAL_EXTRA = ("kind", "platforms", "spike", "zscore", "peak_at", "posting_window")


def save_signals(con: duckdb.DuckDBPyConnection, as_of: datetime, signals: pa.Table,
                 finished_at: datetime) -> None:
    """Replace the signals of the run as of `as_of` and record the run, inside the caller's
    transaction. `signals` has topic_signals' columns but as_of
    (trends.understand.signals.vectorized.Signals.table has them); the columns of migration 0003
    are written when present, other columns ignored."""
    # An append-only table (migration 0007): re-scoring the same as_of replaces its rows here.
    con.execute("DELETE FROM topic_signals WHERE as_of = ?", [as_of])
    if signals.num_rows:
        cols = [*_SIGNAL_COLUMNS, *(c for c in _SIGNAL_EXTRA if c in signals.column_names)]
        con.register("batch_signals", signals.select(cols))
        try:
            con.execute(f"INSERT INTO topic_signals (as_of, {', '.join(cols)}) "
                        f"SELECT $as_of, {', '.join(cols)} FROM batch_signals",
                        {"as_of": as_of})
        finally:
            con.unregister("batch_signals")
    con.execute("""INSERT INTO scoring_runs VALUES (?, ?, ?)
                   ON CONFLICT (as_of) DO UPDATE SET finished_at = excluded.finished_at,
                       topics = excluded.topics""", [as_of, finished_at, signals.num_rows])


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
