"""SQL of the ingest stage: sources, fetch_log and items."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from trends.config import SourceConfig
from trends.models import FeedItem


@dataclass(slots=True)
class SourceState:
    name: str
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None
    consecutive_failures: int


@dataclass(slots=True)
class FetchRecord:
    """One attempt, as it goes into fetch_log and into the source's health."""

    source: str
    url: str
    started_at: datetime
    duration_ms: int
    outcome: str                    # ok | not_modified | error
    http_status: int | None = None
    reason: str | None = None
    detail: str | None = None
    bytes: int | None = None
    entries: int | None = None
    new_items: int | None = None
    attempts: int = 1
    etag: str | None = None
    last_modified: str | None = None


def sync_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[SourceConfig]) -> None:
    """Make the sources table match the config, keeping each source's state and history.
    A source whose URL changed starts over without validators."""
    for s in sources:
        con.execute("""
            INSERT INTO sources (name, kind, url, language, every_seconds) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET
                kind = excluded.kind, language = excluded.language,
                every_seconds = excluded.every_seconds,
                etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
                url = excluded.url""",
            [s.name, s.kind, s.url, s.language, int(s.every.total_seconds())])


def source_states(con: duckdb.DuckDBPyConnection) -> dict[str, SourceState]:
    rows = con.execute("""SELECT name, etag, last_modified, last_attempt_at, consecutive_failures
                          FROM sources""").fetchall()
    return {r[0]: SourceState(*r) for r in rows}


_ITEM_SCHEMA = pa.schema([
    ("key", pa.string()), ("source", pa.string()), ("url", pa.string()), ("guid", pa.string()),
    ("title", pa.string()), ("summary", pa.string()), ("author", pa.string()),
    ("language", pa.string()), ("volume", pa.float64()),
    ("published_at", pa.timestamp("us", tz="UTC")), ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("event_at", pa.timestamp("us", tz="UTC")), ("extra", pa.string()),
])


def insert_items(con: duckdb.DuckDBPyConnection,
                 batch: Iterable[tuple[FeedItem, datetime]]) -> dict[str, int]:
    """Store items that are not stored yet, in one bulk statement. Returns new items per source.
    `batch` pairs each item with the time it was fetched (or replayed)."""
    seen: set[str] = set()
    cols: dict[str, list[object]] = {f.name: [] for f in _ITEM_SCHEMA}
    for item, fetched_at in batch:
        if item.key in seen:   # ON CONFLICT sees only the table, not duplicates within one batch
            continue
        seen.add(item.key)
        pub = item.published_at
        event_at = pub if pub is not None and pub <= fetched_at else fetched_at
        for name, value in (
            ("key", item.key), ("source", item.source), ("url", item.url), ("guid", item.guid),
            ("title", item.title), ("summary", item.summary), ("author", item.author),
            ("language", item.language), ("volume", item.volume), ("published_at", pub),
            ("fetched_at", fetched_at), ("event_at", event_at),
            ("extra", json.dumps(item.extra, ensure_ascii=False) if item.extra else None),
        ):
            cols[name].append(value)
    if not seen:
        return {}
    incoming = pa.table(cols, schema=_ITEM_SCHEMA)   # noqa: F841 (read by DuckDB by name)
    con.register("incoming_items", incoming)
    try:
        rows = con.execute("""
            INSERT INTO items (key, source, url, guid, title, summary, author, language, volume,
                               published_at, fetched_at, event_at, extra)
            SELECT i.key, i.source, i.url, i.guid, i.title, i.summary, i.author, i.language,
                   i.volume, i.published_at, i.fetched_at, i.event_at, i.extra::JSON
            FROM incoming_items i ANTI JOIN items USING (key)
            RETURNING source""").fetchall()
    finally:
        con.unregister("incoming_items")
    counts: dict[str, int] = {}
    for (source,) in rows:
        counts[source] = counts.get(source, 0) + 1
    return counts


def record_fetches(con: duckdb.DuckDBPyConnection, run_id: str,
                   records: Sequence[FetchRecord]) -> None:
    """Append every attempt to fetch_log and update each source's validators and health."""
    if not records:
        return
    con.executemany("""
        INSERT INTO fetch_log (run_id, source, url, started_at, duration_ms, attempts, http_status,
                               outcome, reason, detail, bytes, entries, new_items)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [[run_id, r.source, r.url, r.started_at, r.duration_ms, r.attempts, r.http_status,
          r.outcome, r.reason, r.detail, r.bytes, r.entries, r.new_items] for r in records])
    for r in records:
        if r.outcome == "error":
            con.execute("""
                UPDATE sources SET last_attempt_at = ?, last_error = ?, last_error_at = ?,
                    consecutive_failures = consecutive_failures + 1,
                    first_failure_at = coalesce(first_failure_at, ?)
                WHERE name = ?""",
                [r.started_at, f"{r.reason}: {r.detail}" if r.detail else r.reason, r.started_at,
                 r.started_at, r.source])
        else:
            con.execute("""
                UPDATE sources SET last_attempt_at = ?, last_success_at = ?,
                    consecutive_failures = 0, first_failure_at = NULL,
                    etag = CASE WHEN ? THEN ? ELSE etag END,
                    last_modified = CASE WHEN ? THEN ? ELSE last_modified END
                WHERE name = ?""",
                [r.started_at, r.started_at, r.outcome == "ok", r.etag,
                 r.outcome == "ok", r.last_modified, r.source])


def failing_sources(con: duckdb.DuckDBPyConnection, now: datetime,
                    hours: float = 24.0) -> list[str]:
    """Sources that have failed without a success for longer than `hours`."""
    rows = con.execute("""
        SELECT name FROM sources
        WHERE consecutive_failures > 0 AND first_failure_at <= ? - to_microseconds(?::BIGINT)
        ORDER BY name""", [now, int(hours * 3600 * 1_000_000)]).fetchall()
    return [r[0] for r in rows]
