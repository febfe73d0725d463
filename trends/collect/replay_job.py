"""Replay: load a folder of archived snapshots of one feed, each as if fetched when captured.

A new install has no history, so nothing looks "rising" for a week. Replaying an archive gives
it a baseline at once. Snapshot files are named after their capture time
(`20250627T051600Z_<anything>.xml`); each is parsed by the source's kind with
`fetched_at` = capture time, so an item counts at its published time clamped to the capture
time, and snapshots are loaded oldest first so that an item repeated by later snapshots keeps
its first capture. A broken or empty snapshot is an error row in fetch_log, never a crash.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from trends.collect.ingest_job import IngestSummary, store_results
from trends.collect.sources import SourceKind, get_kind
from trends.config import Config, SourceConfig
from trends.errors import ConfigError, FetchError
from trends.models import FeedItem, FetchRecord
from warehouse import collect as sql

__all__ = ["ReplaySummary", "capture_time", "replay", "snapshots"]

_CAPTURED = re.compile(r"^(\d{8}T\d{6}Z)")
# Snapshots are stored this many at a time: a transaction per file costs more than parsing
# it, one for a whole archive would hold all of its items in memory at once.
_BATCH = 50


@dataclass(slots=True)
class ReplaySummary:
    source: str
    loaded: int = 0              # snapshots read this time
    already: int = 0             # snapshots a previous replay loaded
    failed: int = 0              # snapshots recorded as errors
    problems: list[str] = field(default_factory=list)   # one line per failed snapshot, why
    skipped: list[str] = field(default_factory=list)   # files without a capture time
    new_items: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def text(self) -> str:
        span = (f" from {self.first:%Y-%m-%d %H:%M} to {self.last:%Y-%m-%d %H:%M} UTC"
                if self.first and self.last else "")
        return (f"replayed {self.loaded} snapshots of {self.source}{span}: {self.failed} failed, "
                f"{self.already} already loaded, {len(self.skipped)} skipped (no capture time "
                f"in the name); {self.new_items} new items")


def capture_time(name: str) -> datetime | None:
    """The capture time a snapshot's file name starts with, or None."""
    m = _CAPTURED.match(name)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:     # 20251340T..., a name that only looks like a time
        return None


def snapshots(folder: Path) -> tuple[list[tuple[datetime, Path]], list[str]]:
    """(capture time, file) for every snapshot in `folder`, oldest first, and the names of
    files that carry no capture time."""
    found: list[tuple[datetime, Path]] = []
    skipped: list[str] = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        at = capture_time(path.name)
        if at is None:
            skipped.append(path.name)
        else:
            found.append((at, path))
    found.sort(key=lambda p: (p[0], p[1].name))
    return found, sorted(skipped)


def replay(con: duckdb.DuckDBPyConnection, config: Config, folder: str | Path,
           source_name: str) -> ReplaySummary:
    """Load every snapshot in `folder` as a fetch of source `source_name`, in capture order.

    Idempotent: snapshots recorded by an earlier replay (same file) are not read again, and
    items already stored are never stored twice.
    """
    source = config.source(source_name)
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"not a folder: {folder}", key="--replay",
                          fix="pass the folder that holds the snapshot files")
    kind = get_kind(source.kind)
    summary = ReplaySummary(source=source.name)
    found, summary.skipped = snapshots(folder)
    sql.sync_sources(con, [source])
    done = sql.replayed_snapshots(con, source.name)
    todo = [(at, path) for at, path in found if path.resolve().as_uri() not in done]
    summary.already = len(found) - len(todo)
    # "replay-<folder>-<run>": the log tells replays from live fetches, and which folder.
    run_id = "replay-" + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:8] + "-" \
        + uuid.uuid4().hex[:6]
    for chunk in _chunks(todo, _BATCH):
        results = [_read(kind, source, at, path) for at, path in chunk]
        ingest_report = IngestSummary(run_id=run_id)
        _store(con, ingest_report, results)
        summary.new_items += ingest_report.new_items
        summary.failed += len(ingest_report.failed)
        summary.problems += [f"snapshot {r.url.rsplit('/', 1)[-1]} failed: {r.reason}"
                             + (f" ({r.detail})" if r.detail else "")
                             for r in ingest_report.failed]
    summary.loaded = len(todo)
    if todo:
        summary.first, summary.last = todo[0][0], todo[-1][0]
    return summary


def _read(kind: SourceKind, source: SourceConfig, at: datetime, path: Path,
          ) -> tuple[FetchRecord, list[FeedItem], datetime]:
    """Parse one snapshot like a fetched body. Never raises."""
    t0 = time.perf_counter()
    record = FetchRecord(source=source.name, url=path.resolve().as_uri(), started_at=at,
                         duration_ms=0, outcome="error")
    items: list[FeedItem] = []
    try:
        body = path.read_bytes()
        record.bytes = len(body)
        parsed = kind.parse(body, source=source, content_type=_content_type(path),
                            url=source.url, fetched_at=at)
        items = parsed.items
        record.outcome, record.detail, record.entries = "ok", parsed.warning, len(items)
    except FetchError as exc:
        record.reason, record.detail = exc.reason, exc.detail[:500]
    except OSError as exc:
        record.reason, record.detail = "unreadable", f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:   # a parser bug must not stop the replay of a whole year
        record.reason, record.detail = "internal_error", f"{type(exc).__name__}: {exc}"[:500]
    record.duration_ms = int((time.perf_counter() - t0) * 1000)
    return record, items, at


def _store(con: duckdb.DuckDBPyConnection, summary: IngestSummary,
           results: list[tuple[FetchRecord, list[FeedItem], datetime]]) -> None:
    """Store a chunk of snapshots (items and fetch_log in one transaction, by `store_results`,
    then each snapshot's count of new items). `store_results` credits every record of
    a source with the source's new items in the whole batch; a replayed snapshot's own count
    is what it adds to what came before it, so it is set here, in capture order."""
    stored = sql.existing_item_keys(con, [i.key for _, items, _ in results for i in items])
    store_results(con, summary, results)
    counts: list[tuple[str, int]] = []
    for record, items, _ in results:
        if record.outcome == "ok":
            fresh = {i.key for i in items} - stored
            stored |= fresh
            record.new_items = len(fresh)
            counts.append((record.url, len(fresh)))
    sql.set_new_items(con, summary.run_id, counts)


def _content_type(path: Path) -> str:
    return {".xml": "application/xml", ".json": "application/json",
            ".rss": "application/rss+xml", ".atom": "application/atom+xml"}.get(
        path.suffix.lower(), "")


def _chunks(seq: list[tuple[datetime, Path]], n: int) -> Iterator[list[tuple[datetime, Path]]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
