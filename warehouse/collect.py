"""SQL of the ingest stage: sources, fetch_log, items and the sources that carried them.

Every write is one bulk statement over an Arrow table, read by DuckDB through the local
variable of that name (a replacement scan): a run of 500 sources writes its log and health in
two statements, not a thousand (DuckDB's executemany does about a thousand rows/s). Each
statement's result is fetched to its end, since DuckDB keeps an unfinished result open on the
connection and refuses some work (`register`) until then.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from trends.config import SourceConfig
from trends.models import FeedItem, FetchRecord, SourceState

__all__ = ["event_time", "existing_item_keys", "failing_now", "failing_sources", "insert_items",
           "recent_headlines", "record_fetches", "replayed_snapshots", "set_new_items",
           "source_states", "stored_alternatives", "sync_sources", "unseen_keys"]

_SOURCE_SCHEMA = pa.schema([
    ("name", pa.string()), ("kind", pa.string()), ("url", pa.string()),
    ("language", pa.string()), ("every_seconds", pa.int32()),
])


def sync_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[SourceConfig]) -> None:
    """Make the sources table match the config, keeping each source's state and history.
    A source whose URL changed starts over without validators. Only new and changed sources
    are written: an upsert of every row costs a quarter of a second on 500 sources, which
    each run would pay for nothing."""
    stored = {r[0]: tuple(r[1:]) for r in con.execute(
        "SELECT name, kind, url, language, every_seconds FROM sources").fetchall()}
    sources = [s for s in sources if stored.get(s.name) != (
        s.kind, s.url, s.language, int(s.every.total_seconds()))]
    if not sources:
        return
    incoming_sources = pa.table({  # noqa: F841 (read by DuckDB by name)
        "name": [s.name for s in sources], "kind": [s.kind for s in sources],
        "url": [s.url for s in sources], "language": [s.language for s in sources],
        "every_seconds": [int(s.every.total_seconds()) for s in sources],
    }, schema=_SOURCE_SCHEMA)
    con.execute("""
        INSERT INTO sources (name, kind, url, language, every_seconds)
        SELECT name, kind, url, language, every_seconds FROM incoming_sources
        ON CONFLICT (name) DO UPDATE SET
            kind = excluded.kind, language = excluded.language,
            every_seconds = excluded.every_seconds,
            etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
            last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
            -- a new kind reads the same bytes differently: parse them again
            body_sha1 = CASE WHEN sources.url = excluded.url AND sources.kind = excluded.kind
                             THEN sources.body_sha1 END,
            url = excluded.url""").fetchall()


def source_states(con: duckdb.DuckDBPyConnection) -> dict[str, SourceState]:
    rows = con.execute("""SELECT name, etag, last_modified, last_attempt_at, consecutive_failures,
                                 body_sha1, last_error
                          FROM sources""").fetchall()
    return {r[0]: SourceState(*r) for r in rows}


_ITEM_SCHEMA = pa.schema([
    ("key", pa.string()), ("source", pa.string()), ("url", pa.string()), ("guid", pa.string()),
    ("title", pa.string()), ("summary", pa.string()), ("author", pa.string()),
    ("language", pa.string()), ("volume", pa.float64()),
    ("published_at", pa.timestamp("us", tz="UTC")), ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("event_at", pa.timestamp("us", tz="UTC")), ("extra", pa.string()),
    ("story_key", pa.string()),
])
_CARRIER_SCHEMA = pa.schema([
    ("item_key", pa.string()), ("source", pa.string()),
    ("first_seen_at", pa.timestamp("us", tz="UTC")),
])


def event_time(item: FeedItem, fetched_at: datetime) -> datetime:
    """The time an item counts at: its publication time, never later than its fetch (a feed
    that dates its entries in the future must not make them look fresh for days)."""
    pub = item.published_at
    return pub if pub is not None and pub <= fetched_at else fetched_at


def stored_alternatives(con: duckdb.DuckDBPyConnection,
                        items: Sequence[FeedItem]) -> dict[str, str]:
    """{key: stored key} for incoming items that are stored under their `alt_key` instead:
    the same entry (same source, guid and title), stored when its link was shared and now is
    not, or the other way round (see `normalize.identify_entries`)."""
    rows = [(i.key, i.alt_key, i.source, i.guid, i.title) for i in items if i.alt_key]
    if not rows:
        return {}
    incoming_alternatives = pa.table(  # noqa: F841 (read by DuckDB by name)
        list(zip(*rows)), names=["key", "alt_key", "source", "guid", "title"])
    return dict(con.execute("""
        SELECT i.key, s.key FROM incoming_alternatives i
        JOIN items s ON s.key = i.alt_key AND s.source = i.source
                    AND s.guid IS NOT DISTINCT FROM i.guid AND s.title = i.title
        WHERE i.key NOT IN (SELECT key FROM items)""").fetchall())


def unseen_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` that no stored item has."""
    wanted_keys = pa.table({"key": pa.array(list(set(keys)), pa.string())})
    if not wanted_keys.num_rows:
        return set()
    rows = con.execute("SELECT key FROM wanted_keys ANTI JOIN items USING (key)").fetchall()
    return {r[0] for r in rows}


def recent_headlines(con: duckdb.DuckDBPyConnection, since: datetime,
                     until: datetime) -> list[tuple[str, str, datetime, str]]:
    """(key, title, event_at, story_key) of stored items between `since` and `until`."""
    return con.execute("""
        SELECT key, title, event_at, coalesce(story_key, key) FROM items
        WHERE event_at BETWEEN ? AND ? ORDER BY event_at""", [since, until]).fetchall()


def insert_items(con: duckdb.DuckDBPyConnection,
                 batch: Iterable[tuple[FeedItem, datetime]],
                 story_keys: dict[str, str] | None = None) -> dict[str, int]:
    """Store items that are not stored yet, in one bulk statement. Returns new items per source.
    `batch` pairs each item with the time it was fetched (or replayed); `story_keys` gives new
    items their story (default: their own key). Every (item, source) pair is also recorded in
    item_sources, so a source whose copy of an article was already stored still counts."""
    carriers: dict[tuple[str, str], datetime] = {}
    # ON CONFLICT sees only the table, not duplicates within one batch: keep the first of each
    firsts: dict[str, tuple[FeedItem, datetime]] = {}
    for item, fetched_at in batch:
        carriers.setdefault((item.key, item.source), fetched_at)
        firsts.setdefault(item.key, (item, fetched_at))
    if not firsts:
        return {}
    story_keys = story_keys or {}
    pairs = list(firsts.values())
    items = [i for i, _ in pairs]
    cols: dict[str, list[object]] = {
        "key": [i.key for i in items], "source": [i.source for i in items],
        "url": [i.url for i in items], "guid": [i.guid for i in items],
        "title": [i.title for i in items], "summary": [i.summary for i in items],
        "author": [i.author for i in items], "language": [i.language for i in items],
        "volume": [i.volume for i in items], "published_at": [i.published_at for i in items],
        "fetched_at": [at for _, at in pairs],
        "event_at": [event_time(i, at) for i, at in pairs],
        "extra": [json.dumps(i.extra, ensure_ascii=False) if i.extra else None for i in items],
        "story_key": [story_keys.get(i.key, i.key) for i in items],
    }
    incoming_items = pa.table(cols, schema=_ITEM_SCHEMA)   # noqa: F841 (read by DuckDB by name)
    incoming_carriers = pa.table({  # noqa: F841
        "item_key": [k for k, _ in carriers], "source": [s for _, s in carriers],
        "first_seen_at": list(carriers.values())}, schema=_CARRIER_SCHEMA)
    rows = con.execute("""
        INSERT INTO items (key, source, url, guid, title, summary, author, language, volume,
                           published_at, fetched_at, event_at, extra, story_key)
        SELECT i.key, i.source, i.url, i.guid, i.title, i.summary, i.author, i.language,
               i.volume, i.published_at, i.fetched_at, i.event_at, i.extra::JSON,
               i.story_key
        FROM incoming_items i ANTI JOIN items USING (key)
        RETURNING source""").fetchall()
    con.execute("""
        INSERT INTO item_sources (item_key, source, first_seen_at)
        SELECT c.item_key, c.source, c.first_seen_at FROM incoming_carriers c
        ANTI JOIN item_sources s ON s.item_key = c.item_key AND s.source = c.source""").fetchall()
    counts: dict[str, int] = {}
    for (source,) in rows:
        counts[source] = counts.get(source, 0) + 1
    return counts


_FETCH_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("source", pa.string()), ("url", pa.string()),
    ("started_at", pa.timestamp("us", tz="UTC")), ("duration_ms", pa.int32()),
    ("attempts", pa.int32()), ("http_status", pa.int32()), ("outcome", pa.string()),
    ("reason", pa.string()), ("detail", pa.string()), ("bytes", pa.int64()),
    ("entries", pa.int32()), ("new_items", pa.int32()), ("etag", pa.string()),
    ("last_modified", pa.string()), ("body_sha1", pa.string()), ("got_body", pa.bool_()),
    ("error", pa.string()),
])


def record_fetches(con: duckdb.DuckDBPyConnection, run_id: str,
                   records: Sequence[FetchRecord]) -> None:
    """Append every attempt to fetch_log and update each source's validators and health, in
    one statement each."""
    if not records:
        return
    incoming_fetches = pa.table({  # noqa: F841 (read by DuckDB by name)
        "run_id": [run_id] * len(records),
        "source": [r.source for r in records], "url": [r.url for r in records],
        "started_at": [r.started_at for r in records],
        "duration_ms": [r.duration_ms for r in records],
        "attempts": [r.attempts for r in records],
        "http_status": [r.http_status for r in records],
        "outcome": [r.outcome for r in records], "reason": [r.reason for r in records],
        "detail": [r.detail for r in records], "bytes": [r.bytes for r in records],
        "entries": [r.entries for r in records], "new_items": [r.new_items for r in records],
        "etag": [r.etag for r in records], "last_modified": [r.last_modified for r in records],
        "body_sha1": [r.body_sha1 for r in records],
        # validators change with every 200, whether its body was parsed or found unchanged
        "got_body": [r.outcome != "error" and r.http_status == 200 for r in records],
        "error": [(f"{r.reason}: {r.detail}" if r.detail else r.reason)
                  if r.outcome == "error" else None for r in records],
    }, schema=_FETCH_SCHEMA)
    con.execute("""
        INSERT INTO fetch_log (run_id, source, url, started_at, duration_ms, attempts,
                               http_status, outcome, reason, detail, bytes, entries, new_items)
        SELECT run_id, source, url, started_at, duration_ms, attempts, http_status, outcome,
               reason, detail, bytes, entries, new_items
        FROM incoming_fetches""").fetchall()
    # The last attempt of each source decides its state; a batch may hold several
    # attempts of one source (a replay), so failures are counted after its last success.
    con.execute("""
        WITH last AS (
            SELECT * FROM incoming_fetches
            QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC) = 1),
        ok AS (
            SELECT source, max(started_at) FILTER (WHERE outcome <> 'error') AS last_ok_at
            FROM incoming_fetches GROUP BY source),
        fails AS (
            SELECT f.source, any_value(ok.last_ok_at) AS last_ok_at,
                   count(*) FILTER (WHERE f.outcome = 'error' AND (ok.last_ok_at IS NULL
                                    OR f.started_at > ok.last_ok_at)) AS errors,
                   min(f.started_at) FILTER (WHERE f.outcome = 'error' AND (ok.last_ok_at
                                    IS NULL OR f.started_at > ok.last_ok_at)) AS first_at
            FROM incoming_fetches f JOIN ok USING (source) GROUP BY f.source),
        upd AS (SELECT * FROM last JOIN fails USING (source))
        UPDATE sources SET
            last_attempt_at = upd.started_at,
            last_success_at = CASE WHEN upd.last_ok_at IS NULL THEN sources.last_success_at
                                   ELSE upd.last_ok_at END,
            last_error = CASE WHEN upd.outcome = 'error' THEN upd.error
                              ELSE sources.last_error END,
            last_error_at = CASE WHEN upd.outcome = 'error' THEN upd.started_at
                                 ELSE sources.last_error_at END,
            consecutive_failures = CASE
                WHEN upd.outcome <> 'error' THEN 0
                WHEN upd.last_ok_at IS NULL THEN sources.consecutive_failures + upd.errors
                ELSE upd.errors END,
            first_failure_at = CASE
                WHEN upd.outcome <> 'error' THEN NULL
                WHEN upd.last_ok_at IS NULL THEN coalesce(sources.first_failure_at, upd.first_at)
                ELSE upd.first_at END,
            etag = CASE WHEN upd.got_body THEN upd.etag ELSE sources.etag END,
            last_modified = CASE WHEN upd.got_body THEN upd.last_modified
                                 ELSE sources.last_modified END,
            body_sha1 = CASE WHEN upd.got_body THEN upd.body_sha1 ELSE sources.body_sha1 END
        FROM upd
        WHERE sources.name = upd.source""").fetchall()


def failing_sources(con: duckdb.DuckDBPyConnection, now: datetime,
                    hours: float = 24.0) -> list[str]:
    """Sources that have failed without a success for longer than `hours`."""
    rows = con.execute("""
        SELECT name FROM sources
        WHERE consecutive_failures > 0 AND first_failure_at <= ? - to_microseconds(?::BIGINT)
        ORDER BY name""", [now, int(hours * 3600 * 1_000_000)]).fetchall()
    return [r[0] for r in rows]


def failing_now(con: duckdb.DuckDBPyConnection,
                names: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(source, reason) of every source whose latest attempt failed, of `names` if given:
    `last_error` holds that attempt's reason and detail as fetch_log has them."""
    rows = con.execute("""
        SELECT name, coalesce(last_error, 'unknown error') FROM sources
        WHERE consecutive_failures > 0 ORDER BY name""").fetchall()
    wanted = None if names is None else set(names)
    return [(str(n), str(e)) for n, e in rows if wanted is None or n in wanted]


# Replay: which archived snapshots of a source were already loaded.


def replayed_snapshots(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """The snapshot URLs (file URIs) already in fetch_log for `source`: a second replay of the
    same folder loads only the snapshots it has not seen."""
    rows = con.execute("""SELECT DISTINCT url FROM fetch_log
                          WHERE source = ? AND run_id LIKE 'replay-%'""", [source]).fetchall()
    return {r[0] for r in rows}


def existing_item_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> set[str]:
    """Which of `keys` are stored items already."""
    if not keys:
        return set()
    rows = con.execute("SELECT key FROM items WHERE key IN (SELECT unnest(?))",
                       [list(set(keys))]).fetchall()
    return {r[0] for r in rows}


def set_new_items(con: duckdb.DuckDBPyConnection, run_id: str,
                  counts: list[tuple[str, int]]) -> None:
    """Each replayed snapshot's own count of new items in fetch_log."""
    if counts:
        con.execute("""
            UPDATE fetch_log SET new_items = c.n
            FROM (SELECT unnest($urls) AS url, unnest($ns) AS n) c
            WHERE fetch_log.run_id = $run_id AND fetch_log.url = c.url""",
            {"urls": [u for u, _ in counts], "ns": [n for _, n in counts], "run_id": run_id})
