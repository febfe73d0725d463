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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from trends.config import Config
from trends.errors import DeliveryError
from trends.models import ScoredTopic
from trends.collect.normalize import utcnow
from warehouse import alerts as alerts_sql
from warehouse import feedback as sql

__all__ = ["VERDICTS", "Preferences", "preferences", "apply", "collect", "weekly_summary",
           "FeedbackReport"]

VERDICTS: dict[str, str] = {
    "+1": "liked", "thumbsup": "liked",
    "-1": "rejected", "thumbsdown": "rejected",
    "white_check_mark": "used", "heavy_check_mark": "used", "ballot_box_with_check": "used",
}
# How much one kind of verdict moves a topic that is identical to the one reacted to; similar
# topics move in proportion to their word overlap. The product is kept within [0.5, 1.5]:
# feedback nudges the ranking, it never overrides the trend or the brief.
WEIGHTS = {"used": 0.5, "liked": 0.25, "rejected": -0.5}
MIN_FACTOR, MAX_FACTOR = 0.5, 1.5
LEARN_DAYS = 60          # feedback older than this is forgotten
READ_DAYS = 14           # messages whose reactions are read again on each run
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class Preferences:
    """A client's feedback as word sets per verdict."""

    topics: dict[str, list[frozenset[str]]] = field(default_factory=dict)   # verdict -> topics

    def __bool__(self) -> bool:
        return any(self.topics.values())


def _words(key: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(key.lower()) if len(w) > 1)


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def preferences(con: duckdb.DuckDBPyConnection, client_id: str, as_of: datetime,
                days: int = LEARN_DAYS) -> Preferences:
    """What the client's team said in the last `days` days."""
    prefs = Preferences()
    since = (as_of - timedelta(days=days)).date()
    for topic_key, verdict, _people in sql.verdicts(con, client_id, since):
        prefs.topics.setdefault(verdict, []).append(_words(topic_key))
    return prefs


def factor(prefs: Preferences, topic_key: str) -> tuple[float, str]:
    """The score multiplier for a topic, and a note for its reason ('' when 1)."""
    if not prefs:
        return 1.0, ""
    words = _words(topic_key)
    boost = 0.0
    notes = []
    for verdict, weight in WEIGHTS.items():
        sim = max((_similarity(words, t) for t in prefs.topics.get(verdict, ())), default=0.0)
        if sim > 0:
            boost += weight * sim
            what = "this topic" if sim == 1.0 else "a similar topic"
            notes.append(f"the team {verdict} {what}")
    f = min(MAX_FACTOR, max(MIN_FACTOR, 1.0 + boost))
    return (1.0, "") if f == 1.0 else (f, "; ".join(notes) + f" (×{f:.2f})")


def apply(prefs: Preferences, topic: ScoredTopic) -> ScoredTopic:
    """Scoring's hook: scale the topic's score by the client's feedback and say so in its
    reason. A topic scored 0 (excluded) stays 0."""
    f, note = factor(prefs, topic.key)
    if f != 1.0 and topic.score > 0:
        topic.score *= f
        topic.reason = f"{topic.reason}; {note}" if topic.reason else note
    return topic


@dataclass(slots=True)
class FeedbackReport:
    messages: int = 0
    reactions: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"feedback: {self.reactions} reactions on {self.messages} messages"
        return text + (f", {len(self.failed)} unreadable" if self.failed else "")


def collect(con: duckdb.DuckDBPyConnection, config: Config, sender: Any, *,
            now: datetime | None = None, days: int = READ_DAYS) -> FeedbackReport:
    """Read the reactions on the digests and alerts of the last `days` days (reactions.get)
    into `feedback`, replacing what was read before."""
    now = now or utcnow()
    report = FeedbackReport()
    known = {c.id for c in config.clients}
    since = now - timedelta(days=days)
    messages: list[tuple[str, str, str, str, date, list[tuple[str, str]]]] = []
    for client_id, channel, ts, day in sql.sent_digests(con, since.date()):
        if client_id in known:
            messages.append((client_id, channel, ts, "digest", day,
                             sql.digest_topics(con, client_id, day)))
    for client_id, channel, ts, key, label, day in alerts_sql.sent_since(con, since):
        if client_id in known:
            messages.append((client_id, channel, ts, "alert", day, [(key, label)]))
    for client_id, channel, ts, kind, day, topics in messages:
        try:
            reactions = sender.reactions(channel, ts)
        except DeliveryError as exc:
            report.failed.append(f"{client_id} {kind} {ts}: {exc}")
            continue
        rows = list(_rows(reactions, topics))
        sql.replace_message(con, client_id=client_id, channel=channel, ts=ts, kind=kind,
                            day=day, rows=rows, now=now)
        report.messages += 1
        report.reactions += len({(r[2], r[4]) for r in rows})
    return report


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
    rows = sql.summary(con, since, today)
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
