"""SQL of the understand stage: the items to extract, word roots, mentions, the window
statistics of every candidate, candidates' signals, and the topics they were merged into."""

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

from trends.models import CandidateColumns, TopicSignal, window_stats_schema

__all__ = ["cooccurring_hashtags", "label_items", "pending_items", "save_mentions", "save_signals",
           "save_topics", "save_word_roots", "topic_stories", "trending", "window_stats",
           "word_roots"]


def pending_items(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """Items whose candidates have not been extracted yet: (key, title, summary, language, source,
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


_KINDS = ("phrase", "name", "hashtag", "query")     # weakest first: a kind's strength
_KIND_STRENGTH = {k: i for i, k in enumerate(_KINDS)}


def _strength(column: str) -> str:
    """SQL for the strength of the kind in `column` (_KINDS' order)."""
    return f"list_position({list(_KINDS)}, {column})"


_ITEM_SCHEMA = pa.schema([("key", pa.string()), ("source", pa.string()),
                          ("event_at", pa.timestamp("us", tz="UTC"))])


def save_mentions(con: duckdb.DuckDBPyConnection, items: Sequence[tuple[str, str, datetime]],
                  found: CandidateColumns) -> None:
    """Store the candidates found in one batch of items and mark the items extracted, atomically.

    `items` are (key, source, event_at); `found` holds the candidates of each item in turn,
    distinct per item, in reading order. A new candidate takes the next id, and the label and
    kind of its first mention in the batch (items in the order given); every candidate's first
    and last seen times widen to the batch's mentions."""
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
    # A candidate's kind is the strongest it was found as: a phrase that people also wrote
    # as a hashtag is a hashtag ("kopi susu gula aren", "#KopiSusuGulaAren").
    kinds = pa.array(found.kinds, pa.dictionary(pa.int32(), pa.string()))
    by_kind = np.array([_KIND_STRENGTH.get(k, 0) for k in kinds.dictionary.to_pylist()],
                       np.int8)
    strongest = np.zeros(len(first), np.int8)
    np.maximum.at(strongest, number, by_kind[kinds.indices.to_numpy(zero_copy_only=False)])
    keys = pa.table({
        "n": pa.array(np.arange(len(first), dtype=np.int32)), "key": encoded.dictionary,
        "label": pa.array(found.labels, pa.string()).take(first),
        "kind": pa.array(_KINDS, pa.string()).take(pa.array(strongest.astype(np.int32)))})
    seen = pa.table({"n": encoded.indices, "event_at": mentions.column("event_at")})
    con.register("batch_items", it)
    con.register("batch_keys", keys)
    con.register("batch_seen", seen)
    con.execute("BEGIN TRANSACTION")
    try:
        # candidates has no key (migration 0008): one join finds the candidates already
        # known, whose times widen; the others are numbered after the largest id (0010).
        con.execute("""
            CREATE OR REPLACE TEMP TABLE batch_candidates AS
            WITH matched AS (
                SELECT k.n, k.key, k.label, k.kind, s.first_seen_at, s.last_seen_at,
                       t.id AS known_id
                FROM batch_keys k
                JOIN (SELECT n, min(event_at) AS first_seen_at, max(event_at) AS last_seen_at
                      FROM batch_seen GROUP BY n) s USING (n)
                LEFT JOIN candidates t ON t.key = k.key
            )
            SELECT *, coalesce(known_id, (SELECT coalesce(max(id), 0) FROM candidates)
                   + row_number() OVER (PARTITION BY known_id IS NULL ORDER BY n))::INTEGER AS id
            FROM matched""")
        con.execute(f"""
            UPDATE candidates
            SET first_seen_at = least(candidates.first_seen_at, b.first_seen_at),
                last_seen_at = greatest(candidates.last_seen_at, b.last_seen_at),
                kind = CASE WHEN {_strength("b.kind")} > {_strength("candidates.kind")}
                            THEN b.kind ELSE candidates.kind END
            FROM batch_candidates b
            WHERE candidates.id = b.known_id
              AND (b.first_seen_at < candidates.first_seen_at
                   OR b.last_seen_at > candidates.last_seen_at
                   OR {_strength("b.kind")} > {_strength("candidates.kind")})""")
        con.execute("""INSERT INTO candidates (id, key, label, kind, first_seen_at, last_seen_at)
                       SELECT id, key, label, kind, first_seen_at, last_seen_at
                       FROM batch_candidates WHERE known_id IS NULL""")
        ids = np.asarray(con.execute("SELECT id FROM batch_candidates ORDER BY n"
                                     ).fetchnumpy()["id"], np.int32)
        con.execute("DROP TABLE batch_candidates")
        # A plain append (migration 0006): items are extracted once, their mentions written
        # in the transaction that sets the flag below, and an item's candidates are distinct.
        # In the order found (DuckDB keeps insertion order), i.e. by event time, so that zone
        # maps skip old row groups.
        con.register("batch_mentions", pa.table({
            "candidate_id": pa.array(ids[number]), "item_key": mentions.column("key"),
            "source": mentions.column("source"), "event_at": mentions.column("event_at")}))
        con.execute("INSERT INTO mentions SELECT * FROM batch_mentions")
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
        WITH scored AS (
            -- Decide which candidates to score from the last two buckets alone: most
            -- candidates of a busy week are long tails that never qualify, and need no series.
            SELECT candidate_id,
                   count(*) FILTER (WHERE event_at > $recent_start) AS recent,
                   count(*) FILTER (WHERE event_at > $half_start) AS last_half,
                   count(*) FILTER (WHERE event_at <= $recent_start) AS previous
            FROM mentions
            WHERE event_at > $two_ago AND event_at <= $as_of
            GROUP BY candidate_id
            HAVING (recent >= $min_items OR previous >= $min_events)
               -- a one-bucket series has no room for yesterday: only today's candidates
               AND ($buckets >= 2 OR recent > 0)
        ), older AS (
            SELECT candidate_id, list(b) AS bs, list(n) AS ns
            FROM (SELECT candidate_id,
                         (epoch_us($as_of) - epoch_us(m.event_at)) // $bucket_us AS b,
                         count(*) AS n
                  FROM mentions m SEMI JOIN scored c USING (candidate_id)
                  WHERE m.event_at > $lookback AND m.event_at <= $two_ago
                  GROUP BY ALL)
            GROUP BY candidate_id
        ), per_source AS (
            -- Sources first, their kinds then: distinct counts over the few sources of each
            -- candidate cost less than over each of its mentions.
            SELECT m.candidate_id, m.source, sum(i.volume) AS volume
            FROM mentions m
            SEMI JOIN (SELECT candidate_id FROM scored WHERE recent > 0) c USING (candidate_id)
            -- A mention's event_at is its item's: only the recent window's items can match.
            LEFT JOIN (SELECT key, volume FROM items
                       WHERE event_at > $recent_start AND event_at <= $as_of
                         AND volume IS NOT NULL) i ON i.key = m.item_key
            WHERE m.event_at > $recent_start AND m.event_at <= $as_of
            GROUP BY ALL
        ), now AS (
            SELECT p.candidate_id, count(*) AS breadth,
                   count(DISTINCT coalesce(s.kind, p.source)) AS platforms,
                   sum(p.volume) AS volume
            FROM per_source p LEFT JOIN sources s ON s.name = p.source
            GROUP BY p.candidate_id
        )
        SELECT t.key, t.label, t.kind, c.recent::INTEGER AS recent,
               c.last_half::INTEGER AS last_half,
               (c.recent - c.last_half)::INTEGER AS first_half,
               c.previous::INTEGER AS previous,
               coalesce(n.breadth, 0)::INTEGER AS breadth,
               coalesce(n.platforms, 0)::INTEGER AS platforms,
               coalesce(n.volume, 0)::DOUBLE AS volume, t.first_seen_at,
               o.bs::INTEGER[] AS bs, o.ns::INTEGER[] AS ns
        FROM scored c JOIN candidates t ON t.id = c.candidate_id
        LEFT JOIN now n USING (candidate_id) LEFT JOIN older o USING (candidate_id)
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
        FROM candidates t JOIN mentions m ON m.candidate_id = t.id
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
        FROM candidates k JOIN mentions m ON m.candidate_id = k.id
        JOIN mentions h ON h.item_key = m.item_key AND h.candidate_id <> m.candidate_id
        JOIN candidates t ON t.id = h.candidate_id AND t.kind = 'hashtag'
        WHERE k.key IN (SELECT unnest($keys)) AND m.event_at > $since AND m.event_at <= $as_of
        GROUP BY ALL ORDER BY k.key, n DESC, t.label""",
        {"keys": list(keys), "since": since, "as_of": as_of}).fetchall()
    out: dict[str, list[str]] = {}
    for key, label, _ in rows:
        out.setdefault(key, []).append(label)
    return out


_SIGNAL_COLUMNS = ("candidate_key", "label", "mentions", "baseline", "velocity", "breadth",
                   "volume", "freshness", "first_seen_at", "state", "trend")
_SIGNAL_EXTRA = ("kind", "platforms", "spike", "zscore", "peak_at", "posting_window")


def save_signals(con: duckdb.DuckDBPyConnection, as_of: datetime, signals: pa.Table,
                 finished_at: datetime) -> None:
    """Replace the candidate signals of the run as of `as_of` and record the run, inside the
    caller's transaction. `signals` has candidate_signals' columns but as_of
    (trends.understand.signals.vectorized.Signals.table has them); the columns of migration 0003
    are written when present, other columns ignored."""
    # An append-only table (migration 0007): re-scoring the same as_of replaces its rows here.
    con.execute("DELETE FROM candidate_signals WHERE as_of = ?", [as_of])
    if signals.num_rows:
        cols = [*_SIGNAL_COLUMNS, *(c for c in _SIGNAL_EXTRA if c in signals.column_names)]
        con.register("batch_signals", signals.select(cols))
        try:
            con.execute(f"INSERT INTO candidate_signals (as_of, {', '.join(cols)}) "
                        f"SELECT $as_of, {', '.join(cols)} FROM batch_signals",
                        {"as_of": as_of})
        finally:
            con.unregister("batch_signals")
    con.execute("""INSERT INTO scoring_runs VALUES (?, ?, ?)
                   ON CONFLICT (as_of) DO UPDATE SET finished_at = excluded.finished_at,
                       topics = excluded.topics""", [as_of, finished_at, signals.num_rows])


def save_topics(con: duckdb.DuckDBPyConnection, as_of: datetime,
                topics: Sequence[tuple[TopicSignal, Sequence[TopicSignal]]]) -> None:
    """Replace the topics of the run as of `as_of`, strongest first: each topic's signal (under
    its naming candidate's key and label) with the candidates merged into it, strongest first.
    Each candidate's row in candidate_signals names its topic; `topic_signals` gets one row per
    topic, ranked (migration 0014). Inside the caller's transaction."""
    con.execute("DELETE FROM topic_signals WHERE as_of = ?", [as_of])
    con.execute("""UPDATE candidate_signals SET topic_key = NULL, topic_label = NULL
                   WHERE as_of = ? AND topic_key IS NOT NULL""", [as_of])
    if not topics:
        return
    members = [(m.key, t.key, t.label) for t, ms in topics for m in ms]
    rows = {name: [] for name in _TOPIC_COLUMNS}   # type: dict[str, list[Any]]
    for rank, (t, ms) in enumerate(topics, start=1):
        for name, value in zip(_TOPIC_COLUMNS, (
                rank, t.key, t.label, t.kind, t.state, t.posting_window, t.trend, t.mentions,
                t.baseline, t.velocity, t.breadth, t.platforms, t.volume, t.freshness, t.spike,
                t.zscore, t.first_seen_at, t.peak_at, len(ms), [m.label for m in ms])):
            rows[name].append(value)
    con.register("batch_members", pa.table({
        "candidate_key": [m[0] for m in members], "topic_key": [m[1] for m in members],
        "topic_label": [m[2] for m in members]}))
    con.register("batch_topics", pa.table(rows))
    try:
        con.execute("""
            UPDATE candidate_signals SET topic_key = b.topic_key, topic_label = b.topic_label
            FROM batch_members b
            WHERE candidate_signals.as_of = $as_of
              AND candidate_signals.candidate_key = b.candidate_key""", {"as_of": as_of})
        con.execute(f"""INSERT INTO topic_signals (as_of, {', '.join(_TOPIC_COLUMNS)})
                        SELECT $as_of, {', '.join(_TOPIC_COLUMNS)} FROM batch_topics""",
                    {"as_of": as_of})
    finally:
        con.unregister("batch_members")
        con.unregister("batch_topics")


_TOPIC_COLUMNS = ("rank", "topic_key", "label", "kind", "state", "posting_window", "trend",
                  "mentions", "baseline", "velocity", "breadth", "platforms", "volume",
                  "freshness", "spike", "zscore", "first_seen_at", "peak_at", "candidates",
                  "candidate_labels")


def trending(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """(rank, label, state, mentions, breadth, candidate labels, topic_key) of the top rows
    of `trending_now`, as an analyst's query would read them."""
    return con.execute("""SELECT rank, label, state, mentions, breadth, candidate_labels,
                                 topic_key
                          FROM trending_now ORDER BY rank LIMIT ?""", [limit]).fetchall()


def label_items(con: duckdb.DuckDBPyConnection, as_of: datetime,
                recent: timedelta) -> dict[str, list[str]]:
    """For each topic of the run as of `as_of`, the items of the recent window that mention
    the candidate naming it."""
    rows = con.execute("""
        SELECT t.topic_key, m.item_key
        FROM topic_signals t JOIN candidates c ON c.key = t.topic_key
        JOIN mentions m ON m.candidate_id = c.id
        WHERE t.as_of = $as_of AND m.event_at > $since AND m.event_at <= $as_of""",
        {"as_of": as_of, "since": as_of - recent}).fetchall()
    out: dict[str, list[str]] = {}
    for key, item in rows:
        out.setdefault(key, []).append(item)
    return out
