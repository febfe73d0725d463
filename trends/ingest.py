"""Ingest: fetch every due source, parse, normalize, and store new items.

A failing source is a row in fetch_log and a mark on its health; it never stops the others.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import httpx

from trends import http
from trends.config import Config, SourceConfig
from trends.errors import FetchError
from trends.models import FeedItem
from trends.normalize import utcnow
from trends.sources import get_kind
from warehouse import ingest as sql
from warehouse.ingest import FetchRecord, SourceState


@dataclass(slots=True)
class IngestReport:
    run_id: str
    records: list[FetchRecord] = field(default_factory=list)
    new_items: int = 0
    skipped: list[str] = field(default_factory=list)     # not due yet

    @property
    def failed(self) -> list[FetchRecord]:
        return [r for r in self.records if r.outcome == "error"]

    def summary(self) -> str:
        by = {o: sum(r.outcome == o for r in self.records) for o in ("ok", "not_modified", "error")}
        return (f"{len(self.records)} sources fetched: {by['ok']} ok, {by['not_modified']} not "
                f"modified, {by['error']} failed; {self.new_items} new items"
                + (f"; {len(self.skipped)} not due yet" if self.skipped else ""))


def due_sources(sources: Sequence[SourceConfig], states: dict[str, SourceState],
                now: datetime) -> tuple[list[SourceConfig], list[str]]:
    """Sources whose poll interval (`every`) has passed since their last attempt."""
    due, skipped = [], []
    for s in sources:
        st = states.get(s.name)
        if st and st.last_attempt_at and st.last_attempt_at + s.every > now:
            skipped.append(s.name)
        else:
            due.append(s)
    return due, skipped


def fetch_source(client: httpx.Client, source: SourceConfig, state: SourceState | None,
                 ) -> tuple[FetchRecord, list[FeedItem], datetime]:
    """Fetch and parse one source. Never raises: every failure becomes an error record."""
    started_at = utcnow()
    t0 = time.perf_counter()
    url = source.url
    record = FetchRecord(source=source.name, url=url, started_at=started_at, duration_ms=0,
                         outcome="error")
    items: list[FeedItem] = []
    try:
        kind = get_kind(source.kind)
        url = record.url = kind.request_url(source)
        res = http.fetch(client, url, etag=state.etag if state else None,
                         last_modified=state.last_modified if state else None)
        record.http_status, record.attempts = res.status, res.attempts
        if res.status == 304:
            record.outcome = "not_modified"
        else:
            parsed = kind.parse(res.body, source=source, content_type=res.content_type,
                                url=res.url, fetched_at=started_at)
            items = parsed.items
            record.outcome, record.detail = "ok", parsed.warning
            record.bytes, record.entries = len(res.body), len(items)
            record.etag, record.last_modified = res.etag, res.last_modified
    except FetchError as exc:
        record.reason, record.detail = exc.reason, exc.detail[:500]
        record.http_status = exc.status or record.http_status
    except Exception as exc:   # a bug in a parser must not take the other sources down
        record.reason, record.detail = "internal_error", f"{type(exc).__name__}: {exc}"[:500]
    record.duration_ms = int((time.perf_counter() - t0) * 1000)
    return record, items, started_at


def ingest(con: duckdb.DuckDBPyConnection, config: Config, *, only: str | None = None,
           force: bool = False, now: datetime | None = None, workers: int = 8,
           client: httpx.Client | None = None) -> IngestReport:
    """Fetch the due sources (all of them with `force`, or just `only`) and store new items."""
    now = now or utcnow()
    report = IngestReport(run_id=uuid.uuid4().hex[:12])
    sql.sync_sources(con, config.sources)
    states = sql.source_states(con)
    if only is not None:
        due, report.skipped = [config.source(only)], []
    elif force:
        due = list(config.sources)
    else:
        due, report.skipped = due_sources(config.sources, states, now)
    if not due:
        return report
    own_client = client is None
    client = client or http.make_client()
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(due)))) as pool:
            results = list(pool.map(lambda s: fetch_source(client, s, states.get(s.name)), due))
    finally:
        if own_client:
            client.close()
    store_results(con, report, results)
    return report


def store_results(con: duckdb.DuckDBPyConnection, report: IngestReport,
                  results: Sequence[tuple[FetchRecord, list[FeedItem], datetime]]) -> None:
    """Write items and fetch records of one run in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        new = sql.insert_items(con, ((item, at) for _, items, at in results for item in items))
        for record, _, _ in results:
            if record.outcome == "ok":
                record.new_items = new.get(record.source, 0)
            report.records.append(record)
        sql.record_fetches(con, report.run_id, [r for r, _, _ in results])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report.new_items = sum(new.values())
