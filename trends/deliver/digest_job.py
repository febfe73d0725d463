"""Digest delivery: build each client's digest from its ideas and send it through the outbox.

With a Slack token the digest goes to the client's channel, at most once per client and
local day: a header message (client, date, how many ideas, the calendar, the footer) and each
topic's idea as its own reply in the header's thread, so that a reaction belongs to one idea;
without a token it is printed. A digest that failed, or whose thread is incomplete, stays in
the outbox and is completed on the next run.

Exactly once across crashes: Slack has no idempotency key, so every message is posted with
message metadata (event_type "trends_digest", payload {id, client, day, topics} on the header,
{id: "client/day#part", part, topic, rank} on each reply), the outbox records when an attempt
starts, and `digest_messages` the ts of each message as Slack takes it. A message without a
ts, of a digest whose attempt started earlier, may be in the channel already (the process
died, or the answer was lost, between Slack accepting it and the outbox update): it is looked
up (the header in the channel's history, a reply in the thread) instead of being posted
again. If a lookup fails, nothing is posted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from trends import progress
from trends.collect.normalize import utcnow
from trends.config import ClientConfig, Config, Env
from trends.decide.calendar import upcoming_moments
from trends.deliver.charts import COLOR_NAMES, sparkline_png
from trends.deliver.outbox import Entry, deliver
from trends.deliver.render import (
    DigestMessage,
    render_blocks,
    render_markdown,
    render_messages,
    render_text,
)
from trends.deliver.words import color_word, say
from trends.errors import DeliveryError
from trends.models import Article, Digest, Idea
from warehouse import collect as ingest_sql
from warehouse import decide as decide_sql
from warehouse import deliver as outbox

if TYPE_CHECKING:   # slack_sdk is imported only when a message is really sent
    from trends.deliver.slack import Sender

__all__ = ["CHART_DAYS", "CHART_OWED_DAYS", "CHART_TOPICS", "DELIVERY_WORKERS", "DIGEST_EVENT",
           "DigestSummary", "build_digest", "chart_series", "digest_id", "is_due", "render",
           "resend_owed", "run_digests", "todays_digests"]

DIGEST_EVENT = "trends_digest"
CHART_DAYS = 7
CHART_TOPICS = 3
# A chart owed to a digest (lost in a crash, or failed) is sent this many days later at most.
CHART_OWED_DAYS = 2
# Clients delivered at once (each in its own channel). Slack's per-workspace limits for
# chat.postMessage allow a few messages a second; 429s are retried after Retry-After.
DELIVERY_WORKERS = 6


@dataclass(slots=True)
class DigestSummary:
    sent: list[str] = field(default_factory=list)          # "client/day"
    printed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)       # already sent
    failed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)     # found in Slack after a lost answer
    not_due: list[str] = field(default_factory=list)       # scheduled run before digest_time
    charts: list[str] = field(default_factory=list)        # sparklines uploaded
    notes: list[str] = field(default_factory=list)         # chart failures and the like
    errors: dict[str, str] = field(default_factory=dict)   # why each failed one failed

    def text(self) -> str:
        text = (f"digests: {len(self.sent)} sent, {len(self.printed)} printed, "
                f"{len(self.skipped)} already sent, {len(self.failed)} failed")
        if self.recovered:
            text += f", {len(self.recovered)} found already in Slack"
        if self.not_due:
            text += f", {len(self.not_due)} not due yet"
        return text


def is_due(client: ClientConfig, now: datetime) -> bool:
    """True once the client's local clock has reached its digest_time today."""
    return now.astimezone(client.tz).time() >= client.digest_time


def digest_id(client_id: str, day: date) -> str:
    """The digest's identity in Slack's message metadata: one per client and local day."""
    return f"{client_id}/{day.isoformat()}"


def build_digest(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date,
                 now: datetime, sources: Sequence[str] | None = None) -> Digest:
    """The client's digest of `day`. `failed_today` names the sources (of `sources`, the
    configured ones; all when None) whose latest fetch failed, with its reason: a digest built
    while they fail was built blind to them."""
    ideas = [_idea(r) for r in decide_sql.load_ideas(con, client.id, day)]
    return Digest(client_id=client.id, client_name=client.name, channel=client.channel,
                  local_date=day, languages=list(client.languages), ideas=ideas,
                  failing_sources=ingest_sql.failing_sources(con, now), generated_at=now,
                  failed_today=ingest_sql.failing_now(con, sources),
                  moments=list(upcoming_moments(client, day)))


def render(d: Digest, fmt: str) -> str:
    """A preview: text (terminal), markdown, or blocks (the exact Block Kit JSON)."""
    if fmt == "markdown":
        return render_markdown(d)
    if fmt == "blocks":
        return json.dumps(render_blocks(d), ensure_ascii=False, indent=2)
    return render_text(d)


def run_digests(con: duckdb.DuckDBPyConnection, config: Config, env: Env, *,
                client_id: str | None = None, day: date | None = None, dry_run: bool = False,
                fmt: str = "text", now: datetime | None = None,
                out: Callable[[str], None] = print, sender: Sender | None = None,
                only_due: bool = False, charts: bool = True) -> DigestSummary:
    """Send (or print) the digest of each client, or of one client.

    `only_due` is the scheduled path: a client whose local time has not reached its
    digest_time is left for a later run (`trends digest` by hand sends now). `charts` uploads
    a sparkline of the top topics into the digest's thread.
    """
    now = now or utcnow()
    clients = [config.client(client_id)] if client_id else list(config.clients)
    summary = DigestSummary()
    if env.slack_token and not dry_run and sender is None:
        from trends.deliver.slack import SlackSender  # slack-sdk only when we really send
        sender = SlackSender(env.slack_token, env.slack_base_url)
    jobs: list[tuple[ClientConfig, date, Digest | None]] = []
    for client in clients:
        the_day = day or client.local_day(now)
        if only_due and not dry_run and day is None and not is_due(client, now):
            summary.not_due.append(f"{client.id}/{the_day}")
            if sender is not None:
                jobs.append((client, the_day, None))       # earlier days still owed
            continue
        digest = build_digest(con, client, the_day, now, [s.name for s in config.sources])
        name = f"{client.id}/{the_day}"
        if dry_run:
            out(render(digest, fmt))
            continue
        existing = outbox.digest(con, client.id, the_day)
        if existing is not None and existing.status == "sent":
            summary.skipped.append(name)
            if sender is not None:
                jobs.append((client, the_day, None))
            continue
        messages = render_messages(digest)
        if sender is None:
            out(render(digest, fmt))
            _put(con, client, the_day, messages, "printed", now)
            summary.printed.append(name)
            continue
        _put(con, client, the_day, messages, "pending", now, chart=charts)
        jobs.append((client, the_day, digest))
    if jobs and sender is not None:
        _deliver_all(con, jobs, sender, now, summary, charts)
        _upload_owed_charts(con, [c for c, _, _ in jobs], sender, now, summary)
    for names in (summary.sent, summary.failed, summary.recovered, summary.charts, summary.notes):
        names.sort()
    return summary


def _put(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date,
         messages: list[DigestMessage], status: str, now: datetime, *,
         chart: bool = False) -> None:
    """The outbox row of the digest, with which message carries which topic."""
    parts = [outbox.DigestPart(n, m.topic_key, m.label, m.rank, list(m.languages), m.text)
             for n, m in enumerate(messages, start=1)]
    outbox.put_digest(con, client.id, day, client.channel, messages[0].text,
                      [m.blocks for m in messages], status, now, chart=chart, parts=parts)


def _deliver_all(con: duckdb.DuckDBPyConnection,
                 jobs: list[tuple[ClientConfig, date, Digest | None]], sender: Sender,
                 now: datetime, summary: DigestSummary, charts: bool) -> None:
    """Deliver each client's owed and new digests, channels in parallel.

    Slack paces messages per channel (about one a second), so a long digest (parent, replies,
    chart) takes seconds in its channel while other channels idle: a few workers, each on its
    own DuckDB cursor (one per thread, as DuckDB wants), deliver many clients in the time of
    the slowest few. Every worker writes only its own client's outbox rows.
    """
    # Read once for every worker: each changes only its own client's rows.
    owed = outbox.unsent_digests(con)

    def work(client: ClientConfig, the_day: date, digest: Digest | None) -> None:
        cur = con.cursor()
        try:
            for cid, day in owed:       # oldest first
                if cid == client.id and day != the_day:
                    _send(cur, client, day, sender, now, summary)
            if digest is not None:
                _send(cur, client, the_day, sender, now, summary)
        finally:
            cur.close()

    # Charts after every digest is out (`_upload_owed_charts`): an upload to a channel waits
    # a second after its digest (pacing), and by then that second has passed for nearly
    # every channel.
    _in_parallel(work, jobs, "digests sent")


def _upload_owed_charts(con: duckdb.DuckDBPyConnection, clients: list[ClientConfig],
                        sender: Sender, now: datetime,
                        summary: DigestSummary) -> None:
    """Upload every chart still owed to a digest sent in the last CHART_OWED_DAYS days: the
    ones just sent, and any lost when a process died between its digest and its chart."""
    by_id = {c.id: c for c in clients}
    since = min(c.local_day(now) for c in clients) - timedelta(days=CHART_OWED_DAYS)
    owed = [(by_id[cid], day) for cid, day in outbox.owed_charts(con, since) if cid in by_id]

    def picture(client: ClientConfig, the_day: date) -> None:
        cur = con.cursor()
        try:
            _upload_chart(cur, client, the_day, now, sender, summary)
        finally:
            cur.close()

    _in_parallel(picture, owed)


def _in_parallel(fn: Callable[..., None], jobs: list[Any], task: str | None = None) -> None:
    if task is not None:
        progress.start(task, len(jobs))
    if len(jobs) <= 1:
        for job in jobs:
            fn(*job)
            if task is not None:
                progress.advance(task)
        return
    pool = ThreadPoolExecutor(max_workers=min(DELIVERY_WORKERS, len(jobs)),
                              thread_name_prefix="digest")
    try:
        for future in [pool.submit(fn, *job) for job in jobs]:
            future.result()
            if task is not None:
                progress.advance(task)   # from this thread: the run's context
    except BaseException:
        # Like a dying process: what has not started does not start.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def todays_digests(con: duckdb.DuckDBPyConnection, config: Config,
                   now: datetime | None = None) -> list[dict[str, str]]:
    """Each client's digest of its local day as the outbox has it: sent, printed, pending,
    failed (with the error), or not yet (with when it is due)."""
    now = now or utcnow()
    out = []
    for client in config.clients:
        day = client.local_day(now)
        row = outbox.digest(con, client.id, day)
        entry = {"digest": f"{client.id}/{day}",
                 "status": row.status if row is not None else
                 f"not yet (due {client.digest_time:%H:%M} {client.timezone})"}
        if row is not None and row.status == "failed" and row.last_error:
            entry["error"] = row.last_error
        out.append(entry)
    return out


def resend_owed(con: duckdb.DuckDBPyConnection, config: Config, env: Env, *,
                now: datetime | None = None, sender: Sender | None = None) -> DigestSummary:
    """Send the digests still owed to Slack (failed, or interrupted mid-attempt) now, instead
    of at the client's next scheduled digest: each ingest cycle calls it."""
    now = now or utcnow()
    summary = DigestSummary()
    if sender is None:
        if not env.slack_token:
            return summary
        from trends.deliver.slack import SlackSender

        sender = SlackSender(env.slack_token, env.slack_base_url)
    clients = {c.id: c for c in config.clients}
    for cid, day in outbox.unsent_digests(con):
        if cid in clients:
            _send(con, clients[cid], day, sender, now, summary)
    if clients:
        _upload_owed_charts(con, list(clients.values()), sender, now, summary)
    return summary


class _DigestLedger:
    """The outbox row of one client and day, as the state machine's ledger."""

    def __init__(self, con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> None:
        self.con, self.client_id, self.day = con, client_id, day

    def attempt(self, at: datetime) -> None:
        outbox.mark_digest_attempt(self.con, self.client_id, self.day, at)

    def posted(self, part: int, ts: str, at: datetime) -> None:
        outbox.mark_part_posted(self.con, self.client_id, self.day, part, ts, at)

    def sent(self, ts: str, at: datetime) -> None:
        outbox.mark_digest_sent(self.con, self.client_id, self.day, ts, at)

    def failed(self, error: str) -> None:
        outbox.mark_digest_failed(self.con, self.client_id, self.day, error)


def _send(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date, sender: Sender,
          now: datetime, summary: DigestSummary) -> bool:
    """Deliver the outbox row of (client, day) once (trends/deliver/outbox.py); True when this
    call posted it whole."""
    row = outbox.digest(con, client.id, day)
    assert row is not None
    name = f"{client.id}/{day}"
    parts = outbox.digest_parts(con, client.id, day)
    replies = parts[1:]
    topics = ([p.topic_key for p in replies if p.topic_key] if parts else
              list(dict.fromkeys(str(r["topic_key"])
                                 for r in decide_sql.load_ideas(con, client.id, day))))
    posted = {p.part: p.ts for p in parts if p.ts}
    if row.ts:
        posted.setdefault(1, row.ts)
    entry = Entry(channel=row.channel, event_type=DIGEST_EVENT, id=digest_id(client.id, day),
                  messages=row.messages, text=row.text,
                  payload={"client": client.id, "day": day.isoformat(), "topics": topics[:20]},
                  attempted_at=row.attempted_at, reply_texts=[p.text for p in replies],
                  reply_payloads=[{"topic": p.topic_key, "rank": p.rank} if p.topic_key else {}
                                  for p in replies],
                  posted=posted)
    done = deliver(entry, sender, _DigestLedger(con, client.id, day))
    if done.outcome == "partial":
        # The header is out, some ideas are not: owed, and completed by the next run.
        summary.failed.append(name)
        summary.errors[name] = f"thread replies not posted yet: {done.error}"
    else:
        getattr(summary, done.outcome).append(name)
        if done.outcome == "failed":
            summary.errors[name] = done.error or "unknown error"
    return done.outcome == "sent"


def chart_series(con: duckdb.DuckDBPyConnection, client: ClientConfig, d: Digest,
                 days: int = CHART_DAYS) -> list[tuple[str, list[int]]]:
    """(label, mentions per local day) of the digest's top topics, oldest day first."""
    topics = list(dict.fromkeys((i.topic_key, i.topic_label) for i in d.ideas))[:CHART_TOPICS]
    counts = outbox.daily_mentions(con, [k for k, _ in topics], client.timezone,
                                       d.local_date, days)
    return [(label, counts[key]) for key, label in topics]


def _upload_chart(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date,
                  now: datetime, sender: Sender, summary: DigestSummary) -> None:
    """Upload the chart a sent digest owes, once: after its digest (a crash in between loses
    no digest and, through the outbox's chart state, no chart either), and only after looking
    in the thread when an earlier upload may have reached Slack."""
    row = outbox.digest(con, client.id, day)
    if row is None or not row.ts or row.chart_status != "pending":
        return
    filename = f"trends-{client.id}-{day}.png"
    if row.chart_attempted_at is not None:
        try:
            shared = [f for m in sender.replies(row.channel, row.ts)
                      for f in m.get("files") or () if f.get("name") == filename]
        except DeliveryError as exc:
            summary.notes.append(f"{client.id}/{day}: chart not checked ({exc})")
            return
        if shared:
            outbox.mark_chart_sent(con, client.id, day, str(shared[0].get("id") or ""))
            return
    series = chart_series(con, client, build_digest(con, client, day, now))
    if not series:
        outbox.mark_chart_sent(con, client.id, day, None)   # nothing to draw: none owed
        return
    langs = list(client.languages)
    legend = ", ".join(f"{label} ({color_word(COLOR_NAMES[i % len(COLOR_NAMES)], langs)})"
                       for i, (label, _) in enumerate(series))
    title = f"{say('chart_title', langs, days=CHART_DAYS)}: {legend}"
    outbox.mark_chart_attempt(con, client.id, day, utcnow())
    try:
        file_id = sender.upload_png(row.channel, sparkline_png([v for _, v in series]),
                                    filename, title[:250], title[:1000], thread_ts=row.ts)
    except DeliveryError as exc:
        summary.notes.append(f"{client.id}/{day}: chart not uploaded ({exc})")
        return
    outbox.mark_chart_sent(con, client.id, day, file_id)
    summary.charts.append(f"{client.id}/{day}")


def _idea(r: dict[str, object]) -> Idea:
    stories = [Article(title=s["title"], url=s.get("url"), source=s["source"],
                     published_at=datetime.fromisoformat(s["published_at"])
                     if s.get("published_at") else None)
               for s in json.loads(str(r["stories"]))]
    return Idea(client_id=str(r["client_id"]), topic_key=str(r["topic_key"]),
                topic_label=str(r["topic_label"]), language=str(r["language"]),
                angle=str(r["angle"]), platform=str(r["platform"]), hook=str(r["hook"]),
                caption=str(r["caption"]), hashtags=list(r["hashtags"]),  # type: ignore[call-overload]
                urgency=str(r["urgency"]), why=str(r["why"]), articles=stories,
                warning=str(r.get("warning") or ""), writer=str(r.get("writer") or "template"))
