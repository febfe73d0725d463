"""Team feedback: reactions on digests and alerts, read back from Slack, and what scoring
learns from them.

    :+1: / :thumbsup:            liked     topics like it rise a little
    :-1: / :thumbsdown:          rejected  topics like it sink
    :white_check_mark: (and ✔ ☑) used      the team posted about it: topics like it rise most

A reaction on an alert is about its one topic; a reaction on a digest message is about every
topic that message shows (Slack reactions belong to messages, not to blocks). "Like" is word
overlap between topic keys (Jaccard on their words), so rejecting "promo gajian" also lowers
"promo akhir bulan" somewhat, and using "es kopi susu" lifts "kopi susu gula aren".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from trends.collect.normalize import utcnow
from trends.config import Config
from trends.deliver.slack import Sender
from trends.errors import DeliveryError
from warehouse import deliver as sql

__all__ = ["READ_DAYS", "VERDICTS", "FeedbackSummary", "collect", "weekly_summary"]

READ_DAYS = 14           # messages whose reactions are read again on each run

VERDICTS: dict[str, str] = {
    "+1": "liked", "thumbsup": "liked",
    "-1": "rejected", "thumbsdown": "rejected",
    "white_check_mark": "used", "heavy_check_mark": "used", "ballot_box_with_check": "used",
}


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
    for client_id, channel, ts, day in sql.sent_digests(con, since.date()):
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
    """What each client's team used, liked and rejected in the seven days up to `today`."""
    today = today or utcnow().date()
    since = today - timedelta(days=6)
    rows = sql.feedback_summary(con, since, today)
    out = [f"Feedback {since.isoformat()} to {today.isoformat()}", ""]
    for client in config.clients:
        mine = [r for r in rows if r["client_id"] == client.id]
        out.append(f"{client.name} ({client.id})")
        used = [r for r in mine if r["used"]]
        if used:
            out.append("  used:     " + ", ".join(r["label"] for r in used))
        else:
            out.append("  used:     nothing marked with :white_check_mark: this week")
        liked = [r["label"] for r in mine if r["liked"] and not r["used"]]
        rejected = [r["label"] for r in mine if r["rejected"]]
        if liked:
            out.append("  liked:    " + ", ".join(liked))
        if rejected:
            out.append("  rejected: " + ", ".join(rejected))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
