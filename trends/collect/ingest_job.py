"""Ingest: fetch every due source, parse, normalize, group into stories, and store new items.

A failing source is a row in fetch_log and a mark on its health; it never stops the others.
It is tried again on a short back-off (`retry_interval`: a minute, then doubling, at most its
`every`), not left for a whole interval: a network that comes back is seen within minutes.

Fetching runs in a thread pool over one shared client, at most `per_host` requests in flight
per host. Parsing is CPU work in pure Python (feedparser), so when a run has enough bodies to
parse it goes to a pool of processes, one per core; a handful of sources is parsed in the
fetching threads, where starting processes would cost more than it saves. A 200 whose body is
byte for byte the last one parsed is not parsed again: nothing in it can be new.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import httpx

from trends import progress
from trends.collect import headlines as dedup
from trends.collect import http
from trends.collect.normalize import repair_charset, utcnow
from trends.collect.sources import Parsed, get_kind
from trends.config import Config, SourceConfig
from trends.errors import FetchError
from trends.lifetime import watch_parent
from trends.models import FeedItem, FetchRecord, SourceState
from warehouse import collect as sql
from warehouse.writer import LazyWriter

__all__ = ["FIRST_RETRY", "IngestSummary", "PROCESS_POOL_MIN", "RunStories", "STORE_BATCH",
           "due_sources", "fetch_source", "ingest", "next_attempt", "note_backing_off",
           "parse_body", "plan", "process_pool", "retry_interval", "store_results"]

# A run with more sources due than this parses in a process pool (see the module docstring).
PROCESS_POOL_MIN = 8
# A run stores its results in batches of about this many items (see `ingest`).
STORE_BATCH = 2500
# A failing source is tried again this long after its first failure, then after twice as
# long each time, and never later than its `every`.
FIRST_RETRY = timedelta(minutes=1)


@dataclass(slots=True)
class IngestSummary:
    run_id: str
    records: list[FetchRecord] = field(default_factory=list)
    new_items: int = 0
    skipped: list[str] = field(default_factory=list)     # not due yet
    # Of the skipped, those failing (waiting for their retry) with their latest failure's
    # reason, and the first retry's time.
    backing_off: dict[str, str] = field(default_factory=dict)
    retry_at: datetime | None = None

    @property
    def failed(self) -> list[FetchRecord]:
        return [r for r in self.records if r.outcome == "error"]

    def text(self) -> str:
        by = {o: sum(r.outcome == o for r in self.records) for o in ("ok", "not_modified", "error")}
        text = (f"{len(self.records)} sources fetched: {by['ok']} ok, {by['not_modified']} not "
                f"modified, {by['error']} failed; {self.new_items} new items")
        if self.skipped:
            text += f"; {len(self.skipped)} not due yet"
        if self.backing_off and self.retry_at is not None:
            text += (f" ({len(self.backing_off)} failing, tried again from "
                     f"{self.retry_at:%H:%M} UTC; --force tries now)")
        return text


def retry_interval(source: SourceConfig, failures: int) -> timedelta:
    """How long after a failed attempt a source is tried again: FIRST_RETRY after the first
    failure, doubling with each one after it, at most the source's `every`."""
    if failures <= 0:
        return source.every
    doublings: int = min(failures - 1, 20)
    return min(source.every, FIRST_RETRY * (1 << doublings))


def next_attempt(source: SourceConfig, state: SourceState | None) -> datetime | None:
    """When the source is due next (None: it never was attempted, so now)."""
    if state is None or state.last_attempt_at is None:
        return None
    return state.last_attempt_at + retry_interval(source, state.consecutive_failures)


def due_sources(sources: Sequence[SourceConfig], states: dict[str, SourceState],
                now: datetime) -> tuple[list[SourceConfig], list[str]]:
    """Sources whose poll interval (`every`) has passed since their last attempt, or whose
    retry is due (`retry_interval`) when the last attempt failed."""
    due, skipped = [], []
    for s in sources:
        at = next_attempt(s, states.get(s.name))
        if at is not None and at > now:
            skipped.append(s.name)
        else:
            due.append(s)
    return due, skipped


def note_backing_off(summary: IngestSummary, config: Config,
                     states: dict[str, SourceState]) -> None:
    """Name in `summary` the skipped sources that are failing, and when the first is retried."""
    waiting = [(s.name, next_attempt(s, states.get(s.name))) for s in config.sources
               if s.name in summary.skipped and states.get(s.name) is not None
               and states[s.name].consecutive_failures > 0]
    summary.backing_off = {name: states[name].last_error or "unknown error"
                           for name, _ in waiting}
    summary.retry_at = min((at for _, at in waiting if at is not None), default=None)


def plan(con: duckdb.DuckDBPyConnection, config: Config, *, only: str | None = None,
         force: bool = False, now: datetime | None = None,
         ) -> tuple[list[SourceConfig], dict[str, SourceState], list[str]]:
    """What an ingest run fetches: the sources made to match the config, then (due sources,
    every source's stored state, the names not due yet). `only` fetches that source, due or
    not; `force` every source."""
    sql.sync_sources(con, config.sources)
    states = sql.source_states(con)
    if only is not None:
        return [config.source(only)], states, []
    if force:
        return list(config.sources), states, []
    due, skipped = due_sources(config.sources, states, now or utcnow())
    return due, states, skipped


def parse_body(kind_name: str, body: bytes, source: SourceConfig, content_type: str, url: str,
               fetched_at: datetime) -> tuple[Parsed | None, str | None, str | None]:
    """Parse one fetched body: (parsed, None, None) or (None, reason, detail). Never raises,
    and returns only picklable values, so it can run in a worker process."""
    try:
        kind = get_kind(kind_name)
        return kind.parse(body, source=source, content_type=content_type, url=url,
                          fetched_at=fetched_at), None, None
    except FetchError as exc:
        return None, exc.reason, exc.detail[:500]
    except Exception as exc:   # a bug in a parser must not take the other sources down
        return None, "internal_error", f"{type(exc).__name__}: {exc}"[:500]


def fetch_source(client: httpx.Client, source: SourceConfig, state: SourceState | None,
                 *, limiter: http.HostLimiter | None = None, parser: Executor | None = None,
                 retries: int = 2) -> tuple[FetchRecord, list[FeedItem], datetime]:
    """Fetch and parse one source. Never raises: every failure becomes an error record.
    `parser` runs the parsing (a process pool); without one it runs in this thread."""
    started_at = utcnow()
    t0 = time.perf_counter()
    url = source.url
    record = FetchRecord(source=source.name, url=url, started_at=started_at, duration_ms=0,
                         outcome="error")
    items: list[FeedItem] = []
    try:
        kind = get_kind(source.kind)
        url = record.url = kind.request_url(source)
        etag = state.etag if state else None
        last_modified = state.last_modified if state else None
        # One deadline for the source: a wait for a slot on its host counts against it.
        stop_at = time.monotonic() + http.default_deadline(client)
        if limiter is None:
            res = http.fetch(client, url, etag=etag, last_modified=last_modified, retries=retries)
        else:
            with limiter.slot(url, timeout=stop_at - time.monotonic()):
                res = http.fetch(client, url, etag=etag, last_modified=last_modified,
                                 retries=retries,
                                 deadline=max(0.0, stop_at - time.monotonic()))
        record.http_status, record.attempts = res.status, res.attempts
        if res.status == 304:
            record.outcome = "not_modified"
        else:
            record.bytes = len(res.body)
            record.etag, record.last_modified = res.etag, res.last_modified
            record.body_sha1 = hashlib.sha1(res.body).hexdigest()
            if state is not None and state.body_sha1 == record.body_sha1:
                # A CMS page without validators: 200 with the same bytes as last time.
                record.outcome, record.detail = "not_modified", "same body as the last fetch"
            else:
                body, content_type, repaired = repair_charset(res.body, res.content_type)
                args = (source.kind, body, source, content_type, res.url, started_at)
                parsed, reason, detail = _parse(parser, args)
                if parsed is None:
                    record.reason, record.detail = reason, detail
                    record.body_sha1 = None
                else:
                    items = parsed.items
                    record.outcome = "ok"
                    record.detail = "; ".join(w for w in (repaired, parsed.warning) if w) or None
                    record.entries = len(items)
    except FetchError as exc:
        record.reason, record.detail = exc.reason, exc.detail[:500]
        record.http_status = exc.status or record.http_status
        record.attempts = getattr(exc, "attempts", record.attempts)
    except Exception as exc:   # a bug must not take the other sources down
        record.reason, record.detail = "internal_error", f"{type(exc).__name__}: {exc}"[:500]
    record.duration_ms = int((time.perf_counter() - t0) * 1000)
    return record, items, started_at


def ingest(con: duckdb.DuckDBPyConnection | LazyWriter, config: Config, *,
           only: str | None = None, force: bool = False, now: datetime | None = None,
           workers: int = 8, client: httpx.Client | None = None, per_host: int = http.PER_HOST,
           processes: int | None = None, retries: int = 2) -> IngestSummary:
    """Fetch the due sources (all of them with `force`, or just `only`) and store new items.

    Given a `LazyWriter`, the warehouse is open only to read the sources' state and then again
    once there are results to store: never while the first downloads are under way.
    Transient failures are retried `retries` times (see `http.fetch`); at most `per_host`
    requests are in flight per host. `processes` parse in parallel (default: one per core)
    when more than PROCESS_POOL_MIN sources are due; 0 or 1 parses in the fetching threads."""
    writer = con if isinstance(con, LazyWriter) else _Held(con)
    now = now or utcnow()
    summary = IngestSummary(run_id=uuid.uuid4().hex[:12])
    due, states, summary.skipped = plan(writer.get(), config, only=only, force=force, now=now)
    writer.release()
    note_backing_off(summary, config, states)
    if not due:
        return summary
    own_client = client is None
    client = client or http.make_client()
    limiter = http.HostLimiter(per_host)
    procs = _cores() if processes is None else processes
    parallel = procs > 1 and len(due) > PROCESS_POOL_MIN
    parser = process_pool(procs) if parallel else None
    # Grouping into stories is pure Python too, and the parent's one core is already busy
    # fetching and storing: a large run does it in a process of its own.
    storyteller = process_pool(1) if parallel else None
    store = _Store(writer, now, storyteller)
    try:
        # One transaction for the run, opened when the first batch is ready and written in
        # batches as the results come in: a stored batch's items are freed while the rest
        # download, and DuckDB works meanwhile.
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(due)))) as pool:
                batch: list[tuple[FetchRecord, list[FeedItem], datetime]] = []
                size = 0
                progress.start("sources fetched", len(due))
                for result in pool.map(
                        lambda s: fetch_source(client, s, states.get(s.name), limiter=limiter,
                                               parser=parser, retries=retries), due):
                    progress.advance("sources fetched")
                    batch.append(result)
                    size += len(result[1])
                    if size >= STORE_BATCH:
                        store.write(summary, batch)
                        batch, size = [], 0
                store.write(summary, batch)
            store.commit(summary)
        except BaseException:
            store.rollback()
            raise
    finally:
        for running in (parser, storyteller):
            if running is not None:
                running.shutdown(wait=True, cancel_futures=True)
        if own_client:
            client.close()
    return summary


class _Held:
    """A connection the caller keeps open: the `LazyWriter` interface over it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def get(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def release(self) -> None:
        pass


class _Store:
    """The run's one write transaction, begun on the first batch to store.

    A batch's stories are worked out (in the storyteller process, on a large run) while the
    batch before it is written: the two overlap instead of taking turns on the critical path.
    Until it is written, a batch's new keys are remembered, so that the next batch does not
    count an item that it shares with it as new."""

    def __init__(self, writer: LazyWriter | _Held, now: datetime,
                 storyteller: ProcessPoolExecutor | None = None) -> None:
        self.writer, self.now, self.storyteller = writer, now, storyteller
        self.con: duckdb.DuckDBPyConnection | None = None
        self.stories: RunStories | None = None
        self.run_keys: set[str] = set()
        # the batch whose stories are being matched, and the call that gives them
        self.waiting: tuple[Sequence[tuple[FetchRecord, list[FeedItem], datetime]],
                            Callable[[], dict[str, str]]] | None = None

    def write(self, summary: IngestSummary,
              batch: Sequence[tuple[FetchRecord, list[FeedItem], datetime]]) -> None:
        if not batch:
            return
        if self.con is None:
            self.con = self.writer.get()
            self.con.execute("BEGIN TRANSACTION")
            self.stories = RunStories(self.con, self.now, self.storyteller)
        assert self.stories is not None
        new = [h for h in _new_headlines(self.con, batch) if h.key not in self.run_keys]
        self.run_keys.update(h.key for h in new)
        previous, self.waiting = self.waiting, (batch, self.stories.submit(new))
        self._write(summary, previous)

    def commit(self, summary: IngestSummary) -> None:
        self._write(summary, self.waiting)
        if self.con is not None:
            # Every attempt of the run at once: the sources' health is one UPDATE per run,
            # not one per batch (each costs tens of milliseconds whatever its size).
            sql.record_fetches(self.con, summary.run_id, summary.records)
            self.con.execute("COMMIT")

    def rollback(self) -> None:
        if self.con is not None:
            self.con.execute("ROLLBACK")

    def _write(self, summary: IngestSummary,
               waiting: tuple[Sequence[tuple[FetchRecord, list[FeedItem], datetime]],
                              Callable[[], dict[str, str]]] | None) -> None:
        if waiting is not None:
            assert self.con is not None
            batch, stories = waiting
            _insert_batch(self.con, summary, batch, stories(), record=False)


def _cores() -> int:
    # the cores this process may run on (a container's share, not the host's), at most 8
    try:
        return min(8, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return min(8, os.cpu_count() or 1)


def _parse(parser: Executor | None,
           args: tuple[str, bytes, SourceConfig, str, str, datetime],
           ) -> tuple[Parsed | None, str | None, str | None]:
    if parser is not None:
        try:
            return parser.submit(parse_body, *args).result()
        except BrokenExecutor:
            pass   # a worker died (killed, out of memory): parse here rather than lose the run
    return parse_body(*args)


def process_pool(processes: int) -> ProcessPoolExecutor:
    # fork: a worker is ready in milliseconds with everything already imported, where spawn
    # costs every run a new interpreter that re-imports the caller's main module (the CLI
    # imports Prefect). The pool is created, and its workers forked, before this run starts
    # its fetch threads; the workers only parse bytes, so no lock of the parent is needed.
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                               initializer=watch_parent)   # never outlive a killed parent
    for _ in range(processes):   # start the workers now, while the first bodies download
        pool.submit(int)
    return pool


def store_results(con: duckdb.DuckDBPyConnection, summary: IngestSummary,
                  results: Sequence[tuple[FetchRecord, list[FeedItem], datetime]]) -> None:
    """Write items (grouped into stories) and fetch records of one run in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        if results:
            new = _new_headlines(con, results)
            _insert_batch(con, summary, results, _assign_around(con, new) if new else {})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_batch(con: duckdb.DuckDBPyConnection, summary: IngestSummary,
                  results: Sequence[tuple[FetchRecord, list[FeedItem], datetime]],
                  story_keys: dict[str, str], *, record: bool = True) -> None:
    """Store a batch's items; its fetch records too, unless the caller (`_Store`) records
    the run's at its end."""
    new = sql.insert_items(con, ((item, at) for _, items, at in results for item in items),
                           story_keys=story_keys)
    for fetched, _, _ in results:
        if fetched.outcome == "ok":
            fetched.new_items = new.get(fetched.source, 0)
        summary.records.append(fetched)
    if record:
        sql.record_fetches(con, summary.run_id, [r for r, _, _ in results])
    summary.new_items += sum(new.values())


class RunStories:
    """The story index of one ingest run: the stored headlines of the days before `now`,
    loaded when the run's first new item needs it, then every new headline of the run.

    With a `storyteller` (a pool of one process) the index lives in that process and the
    parent only sends headlines and receives story keys; the parent keeps the headlines too,
    so that if the process dies the index is rebuilt here and the run goes on."""

    def __init__(self, con: duckdb.DuckDBPyConnection, now: datetime,
                 storyteller: Executor | None = None) -> None:
        self.con, self.now, self.storyteller = con, now, storyteller
        self.index: dedup.StoryIndex | None = None
        self.history: list[dedup.Headline] | None = None

    def submit(self, new: Sequence[dedup.Headline]) -> Callable[[], dict[str, str]]:
        """Start matching `new`; the returned call gives its story keys. Calls must be made
        in the order of the submissions (each batch joins the index the next is matched on)."""
        if not new:
            return dict
        first = self.history is None
        if first:
            # an item published up to WINDOW before the run meets stories up to WINDOW older
            self.history = [dedup.Headline(k, t, at, story) for k, t, at, story
                            in sql.recent_headlines(self.con, self.now - 2 * dedup.WINDOW,
                                                    self.now + dedup.WINDOW)]
        told = None
        if self.storyteller is not None:
            try:
                told = self.storyteller.submit(_tell_stories, self.history if first else None,
                                               new)
            except BrokenExecutor:
                self.storyteller = None

        def result() -> dict[str, str]:
            assert self.history is not None
            stories = None
            if told is not None and self.storyteller is not None:
                try:
                    stories = told.result()
                except BrokenExecutor:
                    self.storyteller = None   # rebuild the index from the history, below
            if stories is None:
                if self.index is None:
                    self.index = dedup.stored_index(self.history)
                stories = dedup.assign_new(self.index, new)
            self.history.extend(h._replace(story_key=stories[h.key]) for h in new)
            return stories

        return result


# The story index of the run, in the storyteller process (see `RunStories`).
_TOLD: dedup.StoryIndex | None = None


def _tell_stories(stored: list[dedup.Headline] | None,
                  new: Sequence[dedup.Headline]) -> dict[str, str]:
    global _TOLD
    if stored is not None:
        _TOLD = dedup.stored_index(stored)
    assert _TOLD is not None, "the first call of a run brings the stored headlines"
    return dedup.assign_new(_TOLD, new)


def _new_headlines(con: duckdb.DuckDBPyConnection,
                   results: Sequence[tuple[FetchRecord, list[FeedItem], datetime]],
                   ) -> list[dedup.Headline]:
    """The headlines of the items in `results` that are not stored yet. An item stored under
    its other identity (`FeedItem.alt_key`) takes the stored key first."""
    _adopt_stored_keys(con, [item for _, items, _ in results for item in items])
    incoming: dict[str, dedup.Headline] = {}
    for _, items, at in results:
        for item in items:
            if item.key not in incoming:
                incoming[item.key] = dedup.Headline(item.key, item.title,
                                                    sql.event_time(item, at))
    if not incoming:
        return []
    fresh = sql.unseen_keys(con, incoming)
    return [h for k, h in incoming.items() if k in fresh]


def _adopt_stored_keys(con: duckdb.DuckDBPyConnection, items: Sequence[FeedItem]) -> None:
    stored = sql.stored_alternatives(con, items)
    for item in items:
        if item.key in stored:
            item.key = stored[item.key]


def _assign_around(con: duckdb.DuckDBPyConnection,
                   new: Sequence[dedup.Headline]) -> dict[str, str]:
    """Story keys for new headlines matched against the stored items of the days around them
    (a replay's snapshots may be a year old) and against each other."""
    since = min(h.at for h in new) - dedup.WINDOW
    until = max(h.at for h in new) + dedup.WINDOW
    recent = [dedup.Headline(k, t, at, story) for k, t, at, story
              in sql.recent_headlines(con, since, until)]
    return dedup.assign_stories(new, recent)
