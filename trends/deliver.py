"""Digest delivery: build each client's digest from its ideas and send it through the outbox.

With a Slack token the digest goes to the client's channel, at most once per client and
local day; without one it is printed. A digest that failed stays in the outbox and is sent
on the next run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from trends.config import ClientConfig, Config, Env
from trends.digest import fallback_text, render_blocks, render_markdown, render_text
from trends.errors import DeliveryError, PartialDeliveryError
from trends.models import Digest, Idea, Story
from trends.normalize import utcnow
from trends.score import client_day
from warehouse import ingest as ingest_sql
from warehouse import outbox
from warehouse import topics as topics_sql


@dataclass(slots=True)
class DigestReport:
    sent: list[str] = field(default_factory=list)          # "client/day"
    printed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)       # already sent
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"digests: {len(self.sent)} sent, {len(self.printed)} printed, "
                f"{len(self.skipped)} already sent, {len(self.failed)} failed")


def build_digest(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date,
                 now: datetime) -> Digest:
    ideas = [_idea(r) for r in topics_sql.load_ideas(con, client.id, day)]
    return Digest(client_id=client.id, client_name=client.name, channel=client.channel,
                  local_date=day, languages=list(client.languages), ideas=ideas,
                  failing_sources=ingest_sql.failing_sources(con, now), generated_at=now)


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
                out: Callable[[str], None] = print, sender: object | None = None) -> DigestReport:
    """Send (or print) the digest of each client, or of one client."""
    now = now or utcnow()
    clients = [config.client(client_id)] if client_id else list(config.clients)
    report = DigestReport()
    if env.slack_token and not dry_run and sender is None:
        from trends.slack import SlackSender   # slack-sdk only when we really send
        sender = SlackSender(env.slack_token, env.slack_base_url)
    for client in clients:
        the_day = day or client_day(client, now)
        if sender is not None and not dry_run:
            _retry_earlier(con, client, the_day, sender, now, report)
        digest = build_digest(con, client, the_day, now)
        name = f"{client.id}/{the_day}"
        if dry_run:
            out(render(digest, fmt))
            continue
        existing = outbox.get(con, client.id, the_day)
        if existing is not None and existing.status == "sent":
            report.skipped.append(name)
            continue
        messages = render_blocks(digest)
        if sender is None:
            out(render(digest, fmt))
            outbox.put(con, client.id, the_day, client.channel, fallback_text(digest), messages,
                       "printed", now)
            report.printed.append(name)
            continue
        outbox.put(con, client.id, the_day, client.channel, fallback_text(digest), messages,
                   "pending", now)
        _send(con, client, the_day, sender, now, report)
    return report


def _send(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date, sender: object,
          now: datetime, report: DigestReport) -> None:
    row = outbox.get(con, client.id, day)
    assert row is not None
    name = f"{client.id}/{day}"
    try:
        ts = sender.post_digest(row.channel, row.messages, row.text)  # type: ignore[attr-defined]
    except PartialDeliveryError as exc:
        # The parent message is in the channel: posting again would show the day twice.
        outbox.mark_sent(con, client.id, day, exc.ts, now)
        report.sent.append(name)
        report.failed.append(f"{name} (thread replies: {exc})")
        return
    except DeliveryError as exc:
        outbox.mark_failed(con, client.id, day, str(exc))
        report.failed.append(name)
        return
    outbox.mark_sent(con, client.id, day, ts, now)
    report.sent.append(name)


def _retry_earlier(con: duckdb.DuckDBPyConnection, client: ClientConfig, today: date,
                   sender: object, now: datetime, report: DigestReport) -> None:
    for cid, day in outbox.unsent(con):
        if cid == client.id and day != today:
            _send(con, client, day, sender, now, report)


def _idea(r: dict[str, object]) -> Idea:
    stories = [Story(title=s["title"], url=s.get("url"), source=s["source"],
                     published_at=datetime.fromisoformat(s["published_at"])
                     if s.get("published_at") else None)
               for s in json.loads(str(r["stories"]))]
    return Idea(client_id=str(r["client_id"]), topic_key=str(r["topic_key"]),
                topic_label=str(r["topic_label"]), language=str(r["language"]),
                angle=str(r["angle"]), platform=str(r["platform"]), hook=str(r["hook"]),
                caption=str(r["caption"]), hashtags=list(r["hashtags"]),  # type: ignore[call-overload]
                urgency=str(r["urgency"]), why=str(r["why"]), stories=stories)
