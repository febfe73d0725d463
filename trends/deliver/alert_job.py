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
from typing import TYPE_CHECKING, Any

import duckdb

from trends.collect.normalize import utcnow
from trends.config import ClientConfig, Config, Env
from trends.deliver.blocks import article_link, clean, clip, context, escape, header, section
from trends.deliver.outbox import Entry, deliver
from trends.deliver.words import phrase, say, state_word
from trends.models import Article
from warehouse import deliver as sql
from warehouse import understand as topics_sql

if TYPE_CHECKING:   # slack_sdk is imported only when a message is really sent
    from trends.deliver.slack import Sender

__all__ = ["ALERT_EVENT", "AlertSummary", "run_alerts", "render_alert", "alert_text"]

ALERT_EVENT = "trends_alert"


@dataclass(slots=True)
class AlertSummary:
    sent: list[str] = field(default_factory=list)          # "client/topic"
    printed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)     # found in Slack after a lost answer
    cooling: list[str] = field(default_factory=list)       # within the topic's cooldown
    capped: list[str] = field(default_factory=list)        # over the client's daily cap
    errors: dict[str, str] = field(default_factory=dict)   # why each failed one failed

    def text(self) -> str:
        text = (f"alerts: {len(self.sent)} sent, {len(self.printed)} printed, "
                f"{len(self.failed)} failed, {len(self.cooling)} in cooldown, "
                f"{len(self.capped)} over the daily cap")
        if self.recovered:
            text += f", {len(self.recovered)} found already in Slack"
        return text


def render_alert(client: ClientConfig, topic: dict[str, Any],
                 articles: list[Article]) -> list[dict[str, Any]]:
    """Block Kit for one alert in the client's languages; every piece of feed text escaped,
    within Slack's limits."""
    langs = list(client.languages) or ["id"]
    label = escape(clean(str(topic["label"])))
    name = escape(clean(client.name))
    lines = []
    for lang in dict.fromkeys(langs):
        lines.append(phrase("spike_line", lang, label=label,
                            state=escape(clean(state_word(str(topic["state"]), lang))),
                            mentions=int(topic["mentions"]), breadth=int(topic["breadth"]),
                            velocity=f"{float(topic['velocity']):.1f}"))
        reason = clean(_reason(topic, lang))
        if reason:
            lines.append(phrase("spike_why", lang, client=name, reason=escape(reason)))
    blocks: list[dict[str, Any]] = [
        header(say("spiking", langs, label=str(topic["label"]))), section("\n".join(lines))]
    if articles:
        blocks.append(context(f"{say('sources', langs)}: "
                              + " · ".join(article_link(s) for s in articles[:3])))
    blocks.append(context(say("spike_react", langs, sep="\n")))
    return blocks


def _reason(topic: dict[str, Any], lang: str) -> str:
    """Why the topic fits the client. Scoring writes its reason in English; in Indonesian it
    is the client's keywords the topic's stories matched (line one has the numbers)."""
    if lang == "en":
        return str(topic["reason"])
    matched = [str(m) for m in topic.get("matched") or []]
    return phrase("spike_matches", lang, terms=", ".join(matched[:3])) if matched else ""


def alert_text(client: ClientConfig, topic: dict[str, Any]) -> str:
    """The plain fallback text (notifications) in the client's languages, escaped."""
    spiking = say("spike_text", list(client.languages) or ["id"],
                  velocity=f"{float(topic['velocity']):.1f}")
    return clip(escape(clean(f"{client.name}: {topic['label']} {spiking}")), 300)


def run_alerts(con: duckdb.DuckDBPyConnection, config: Config, env: Env, *,
               now: datetime | None = None, sender: Sender | None = None,
               out: Callable[[str], None] = print) -> AlertSummary:
    """Queue and send the alerts of the latest scoring run; retry the ones still owed."""
    now = now or utcnow()
    settings = config.alerts
    summary = AlertSummary()
    if env.slack_token and sender is None:
        from trends.deliver.slack import SlackSender

        sender = SlackSender(env.slack_token, env.slack_base_url)
    if sender is not None:
        for row in sql.unsent_alerts(con):      # failed or interrupted earlier: owed first
            _deliver(con, row, sender, summary)
    if not settings.enabled:
        return summary
    for client in config.clients:
        for row in _queue(con, client, config, now, summary, printed=sender is None):
            if sender is None:
                out(f"[alert] {client.channel}: {row.text}")
                summary.printed.append(f"{client.id}/{row.topic_key}")
            else:
                _deliver(con, row, sender, summary)
    return summary


def _queue(con: duckdb.DuckDBPyConnection, client: ClientConfig, config: Config, now: datetime,
           summary: AlertSummary, *, printed: bool) -> list[sql.AlertRow]:
    """Write this run's new alerts for the client to the outbox (cooldown and cap applied)."""
    s = config.alerts
    day = client.local_day(now)
    candidates = sql.spiking_topics(con, client.id, velocity=s.velocity,
                                    min_mentions=s.min_mentions)
    if not candidates:
        return []
    cooling = sql.recently_alerted(con, client.id, now - s.cooldown)
    room = s.daily_cap - sql.alerts_on(con, client.id, day)
    new: list[str] = []
    for topic in candidates:
        name = f"{client.id}/{topic['topic_key']}"
        if topic["topic_key"] in cooling:
            summary.cooling.append(name)
            continue
        if room <= 0:
            summary.capped.append(name)
            continue
        stories = _stories(con, str(topic["topic_key"]), topic["as_of"])
        alert_id = f"{client.id}/{topic['topic_key']}/{now:%Y%m%dT%H%M%S}"
        sql.add_alert(con, alert_id=alert_id, client_id=client.id,
                topic_key=str(topic["topic_key"]),
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


class _AlertLedger:
    """One alert's outbox row, as the state machine's ledger."""

    def __init__(self, con: duckdb.DuckDBPyConnection, alert_id: str) -> None:
        self.con, self.alert_id = con, alert_id

    def attempt(self, at: datetime) -> None:
        sql.mark_alert_attempt(self.con, self.alert_id, at)

    def posted(self, part: int, ts: str, at: datetime) -> None:
        pass     # one message: its ts is recorded when it is sent

    def sent(self, ts: str, at: datetime) -> None:
        sql.mark_alert_sent(self.con, self.alert_id, ts, at)

    def failed(self, error: str) -> None:
        sql.mark_alert_failed(self.con, self.alert_id, error)


def _deliver(con: duckdb.DuckDBPyConnection, row: sql.AlertRow, sender: Sender,
             summary: AlertSummary) -> None:
    """Deliver one alert once (trends/deliver/outbox.py)."""
    entry = Entry(channel=row.channel, event_type=ALERT_EVENT, id=row.id, messages=[row.blocks],
                  text=row.text, payload={"client": row.client_id, "topic": row.topic_key,
                                          "day": row.local_date.isoformat()},
                  attempted_at=row.attempted_at)
    done = deliver(entry, sender, _AlertLedger(con, row.id))
    name = f"{row.client_id}/{row.topic_key}"
    getattr(summary, "sent" if done.outcome == "partial" else done.outcome).append(name)
    if done.outcome == "failed":
        summary.errors[name] = done.error or "unknown error"
