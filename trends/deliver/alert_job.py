"""Spike alerts: when a topic relevant to a client spikes, tell its channel now, not tomorrow.

After each scoring run, every client's spiking topics (the signal's spike flag, else new or
rising at `[alerts] velocity` times the usual rate) become alerts, unless the client must avoid
the topic (excluded, score 0), the topic was alerted within the cooldown, or the client had its
daily cap of alerts today (its local day). Alerts go through their own outbox with the same
exactly-once rule as digests: message metadata (event_type "trends_alert") and a history
lookup before anything that may already be in Slack is posted again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from trends.collect.normalize import slack_time, utcnow
from trends.config import ClientConfig, Config, Env
from trends.deliver.render import (
    MAX_HEADER_TEXT,
    _clean,
    _clip,
    _context,
    _section,
    _story_link,
    escape,
)
from trends.errors import DeliveryError
from trends.models import Article
from warehouse import deliver as sql
from warehouse import understand as topics_sql

__all__ = ["ALERT_EVENT", "AlertReport", "run_alerts", "render_alert", "alert_text"]

ALERT_EVENT = "trends_alert"
LOOKUP_MARGIN = timedelta(minutes=10)


@dataclass(slots=True)
class AlertReport:
    sent: list[str] = field(default_factory=list)          # "client/topic"
    printed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)     # found in Slack after a lost answer
    cooling: list[str] = field(default_factory=list)       # within the topic's cooldown
    capped: list[str] = field(default_factory=list)        # over the client's daily cap

    def summary(self) -> str:
        text = (f"alerts: {len(self.sent)} sent, {len(self.printed)} printed, "
                f"{len(self.failed)} failed, {len(self.cooling)} in cooldown, "
                f"{len(self.capped)} over the daily cap")
        if self.recovered:
            text += f", {len(self.recovered)} found already in Slack"
        return text


def render_alert(client: ClientConfig, topic: dict[str, Any],
                 articles: list[Article]) -> list[dict[str, Any]]:
    """Block Kit for one alert; every piece of feed text escaped, within Slack's limits."""
    label = escape(_clean(str(topic["label"])))
    head = _clip(f"Spiking now: {label}", MAX_HEADER_TEXT)
    velocity = float(topic["velocity"])
    lines = [f"*{label}* is {escape(_clean(str(topic['state'])))}: "
             f"{int(topic['mentions'])} mentions in 24 h from {int(topic['breadth'])} sources, "
             f"{velocity:.1f}× its usual rate.",
             f"Why {escape(_clean(client.name))}: {escape(_clean(str(topic['reason'])))}"]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True, "text": head}},
        _section("\n".join(lines))]
    if articles:
        blocks.append(_context("Sources: " + " · ".join(_story_link(s) for s in articles[:3])))
    blocks.append(_context("React :+1: useful · :-1: not for us · :white_check_mark: we posted "
                           "about it. trends learns from it."))
    return blocks


def alert_text(client: ClientConfig, topic: dict[str, Any]) -> str:
    """The plain fallback text (notifications), escaped."""
    return _clip(escape(_clean(f"{client.name}: {topic['label']} is spiking "
                               f"({float(topic['velocity']):.1f}× its usual rate)")), 300)


def run_alerts(con: duckdb.DuckDBPyConnection, config: Config, env: Env, *,
               now: datetime | None = None, sender: Any | None = None,
               out: Callable[[str], None] = print) -> AlertReport:
    """Queue and send the alerts of the latest scoring run; retry the ones still owed."""
    now = now or utcnow()
    settings = config.alerts
    report = AlertReport()
    if env.slack_token and sender is None:
        from trends.deliver.slack import SlackSender

        sender = SlackSender(env.slack_token, env.slack_base_url)
    if sender is not None:
        for row in sql.unsent_alerts(con):      # failed or interrupted earlier: owed first
            _deliver(con, row, sender, now, report)
    if not settings.enabled:
        return report
    for client in config.clients:
        for row in _queue(con, client, config, now, report, printed=sender is None):
            if sender is None:
                out(f"[alert] {client.channel}: {row.text}")
                report.printed.append(f"{client.id}/{row.topic_key}")
            else:
                _deliver(con, row, sender, now, report)
    return report


def _queue(con: duckdb.DuckDBPyConnection, client: ClientConfig, config: Config, now: datetime,
           report: AlertReport, *, printed: bool) -> list[sql.AlertRow]:
    """Write this run's new alerts for the client to the outbox (cooldown and cap applied)."""
    s = config.alerts
    day = client.local_day(now)
    candidates = sql.spiking_topics(con, client.id, velocity=s.velocity, min_mentions=s.min_mentions)
    if not candidates:
        return []
    cooling = sql.recently_alerted(con, client.id, now - s.cooldown)
    room = s.daily_cap - sql.alerts_on(con, client.id, day)
    new: list[str] = []
    for topic in candidates:
        name = f"{client.id}/{topic['topic_key']}"
        if topic["topic_key"] in cooling:
            report.cooling.append(name)
            continue
        if room <= 0:
            report.capped.append(name)
            continue
        stories = _stories(con, str(topic["topic_key"]), topic["as_of"])
        alert_id = f"{client.id}/{topic['topic_key']}/{now:%Y%m%dT%H%M%S}"
        sql.add_alert(con, alert_id=alert_id, client_id=client.id, topic_key=str(topic["topic_key"]),
                label=str(topic["label"]), day=day, channel=client.channel,
                status="printed" if printed else "pending", text=alert_text(client, topic),
                blocks=render_alert(client, topic, stories), velocity=float(topic["velocity"]),
                score=float(topic["score"]), now=now)
        new.append(alert_id)
        room -= 1
    return [r for r in (sql.alert(con, i) for i in new) if r is not None]


def _stories(con: duckdb.DuckDBPyConnection, key: str, as_of: datetime) -> list[Article]:
    rows = topics_sql.topic_stories(con, [key], as_of - timedelta(days=2), as_of, 3)
    return [Article(title=r[2], url=r[4], source=r[5], published_at=r[6]) for r in rows]


def _deliver(con: duckdb.DuckDBPyConnection, row: sql.AlertRow, sender: Any, now: datetime,
             report: AlertReport) -> None:
    name = f"{row.client_id}/{row.topic_key}"
    try:
        if row.attempted_at is not None:
            found = sender.find_posted(row.channel, ALERT_EVENT, row.id,
                                       oldest=(row.attempted_at - LOOKUP_MARGIN).timestamp())
            if found is not None:
                sql.mark_alert_sent(con, row.id, str(found["ts"]), slack_time(str(found["ts"])))
                report.recovered.append(name)
                return
        # Wall-clock time, not the run's `now`: the lookup compares it with Slack's ts.
        sql.mark_alert_attempt(con, row.id, utcnow())
        ts = sender.post(row.channel, row.blocks, row.text, metadata={
            "event_type": ALERT_EVENT,
            "event_payload": {"id": row.id, "client": row.client_id, "topic": row.topic_key,
                              "day": row.local_date.isoformat()}})
    except DeliveryError as exc:
        sql.mark_alert_failed(con, row.id, str(exc))
        report.failed.append(name)
        return
    sql.mark_alert_sent(con, row.id, ts, utcnow())     # when Slack took it, not the run's start
    report.sent.append(name)
