"""Team feedback: reactions on digest ideas and alerts, read back from Slack, and what
scoring learns from them.

    :+1: :thumbsup: :heart: :fire:                   liked     topics like it rise a little
    :-1: :thumbsdown: :x:                            rejected  topics like it sink
    :white_check_mark: :heavy_check_mark: :ballot_box_with_check:
                                                     used      the team posted about it:
                                                               topics like it rise most

Slack reactions belong to messages, not to blocks, so each idea of a digest is its own
message in the header's thread (`digest_messages` says which ts carries which topic): a
reaction on an idea's message is about that idea's topic alone, and a reaction on an alert
about its one topic. The digest's header carries no idea, and its reactions are not read.
Digests sent before migration 0016 were one message for all their topics: a reaction there
still counts for every topic it showed. "Like" is word overlap between topic keys (Jaccard on
their words), so rejecting "promo gajian" also lowers "promo akhir bulan" somewhat, and using
"es kopi susu" lifts "kopi susu gula aren".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from trends.collect.normalize import utcnow
from trends.config import Config
from trends.errors import DeliveryError
from warehouse import deliver as sql

if TYPE_CHECKING:   # slack_sdk is imported only when a message is really sent
    from trends.deliver.slack import Sender

__all__ = ["READ_DAYS", "VERDICTS", "VERDICT_ORDER", "FeedbackSummary", "collect",
           "weekly_summary"]

READ_DAYS = 14           # messages whose reactions are read again on each run

VERDICTS: dict[str, str] = {
    "+1": "liked", "thumbsup": "liked", "heart": "liked", "fire": "liked",
    "-1": "rejected", "thumbsdown": "rejected", "x": "rejected",
    "white_check_mark": "used", "heavy_check_mark": "used", "ballot_box_with_check": "used",
}
VERDICT_ORDER = ("used", "liked", "rejected")


@dataclass(slots=True)
class FeedbackSummary:
    messages: int = 0
    reactions: int = 0
    failed: list[str] = field(default_factory=list)
    not_read: str | None = None       # why nothing was read (no Slack token)

    def text(self) -> str:
        if self.not_read:
            return f"feedback: {self.not_read}, nothing to read"
        text = f"feedback: {self.reactions} reactions on {self.messages} messages"
        return text + (f", {len(self.failed)} unreadable" if self.failed else "")


def collect(con: duckdb.DuckDBPyConnection, config: Config, sender: Sender, *,
            now: datetime | None = None, days: int = READ_DAYS) -> FeedbackSummary:
    """Read the reactions on the digests and alerts of the last `days` days (reactions.get)
    into `feedback`, replacing what was read before."""
    now = now or utcnow()
    summary = FeedbackSummary()
    known = {c.id for c in config.clients}
    since = now - timedelta(days=days)
    messages: list[tuple[str, str, str, str, date, list[tuple[str, str]]]] = []
    for client_id, channel, ts, day, key, label in sql.idea_messages(con, since.date()):
        if client_id in known:
            messages.append((client_id, channel, ts, "digest", day, [(key, label)]))
    for client_id, channel, ts, day in sql.one_message_digests(con, since.date()):
        if client_id in known:
            messages.append((client_id, channel, ts, "digest", day,
                             sql.digest_topics(con, client_id, day)))
    for client_id, channel, ts, key, label, day in sql.sent_alerts_since(con, since):
        if client_id in known:
            messages.append((client_id, channel, ts, "alert", day, [(key, label)]))
    for client_id, channel, ts, kind, day, topics in messages:
        try:
            reactions = sender.reactions(channel, ts)
        except DeliveryError as exc:
            summary.failed.append(f"{client_id} {kind} {ts}: {exc}")
            continue
        rows = list(_rows(reactions, topics))
        sql.replace_reactions(con, client_id=client_id, channel=channel, ts=ts, kind=kind,
                            day=day, rows=rows, now=now)
        summary.messages += 1
        summary.reactions += len({(r[2], r[4]) for r in rows})
    return summary


def _rows(reactions: Iterable[dict[str, Any]],
          topics: list[tuple[str, str]]) -> Iterable[tuple[str, str, str, str, str]]:
    for r in reactions:
        # Skin tones arrive as "+1::skin-tone-3": the same verdict.
        name = str(r.get("name", "")).split("::")[0]
        verdict = VERDICTS.get(name)
        if verdict is None:
            continue
        for user in r.get("users") or []:
            for key, label in topics:
                yield key, label, name, verdict, str(user)


def weekly_summary(con: duckdb.DuckDBPyConnection, config: Config, *,
                   today: date | None = None) -> str:
    """What each client's team used, liked and rejected in the seven days up to `today`,
    each topic with how many people said so, most first."""
    today = today or utcnow().date()
    since = today - timedelta(days=6)
    rows = sql.feedback_summary(con, since, today)
    out = [f"Feedback {since.isoformat()} to {today.isoformat()}", ""]
    for client in config.clients:
        mine = [r for r in rows if r["client_id"] == client.id]
        out.append(f"{client.name} ({client.id})")
        for verdict in VERDICT_ORDER:
            listed = sorted((r for r in mine if r[verdict]), key=_most(verdict))
            if listed:
                out.append(f"  {verdict + ':':<9} " + ", ".join(
                    f"{r['label']} ({int(r[verdict])})" for r in listed))
            elif verdict == "used":
                out.append("  used:     nothing marked with :white_check_mark: this week")
        totals = [f"{sum(int(r[v]) for r in mine)} {v}" for v in VERDICT_ORDER]
        out.append("  total:    " + ", ".join(totals) + " (people per topic, added up)")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _most(verdict: str) -> Callable[[dict[str, Any]], tuple[int, str]]:
    return lambda r: (-int(r[verdict]), str(r["label"]))
