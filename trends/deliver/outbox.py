"""Exactly once into Slack, across crashes: the one state machine of every outbox entry, a
digest (a header message and its thread replies, one per idea) or an alert (one message).

Slack has no idempotency key. So every message carries its identity in Slack's message
metadata (`event_type`, `event_payload.id`: the entry's id for the top-level message, id +
"#part" for reply `part` = 2, 3...), the outbox records when an attempt starts before it calls
Slack, and the ts of each message as Slack takes it. A message the outbox has no ts for, of
an entry whose attempt started earlier, may be in Slack all the same (the process died, or the
answer was lost, between Slack accepting it and the outbox update): the top-level message is
looked up in the channel's history, the replies in its thread, and only the missing ones are
posted, into the same thread. If a lookup fails, nothing is posted: better late than twice.

    unsent ──attempt──► header ──► reply 2 ... reply n ──► sent
       ▲                  │            │ a reply failed: failed, owed (header ts kept)
       └──────failed◄─────┘◄───────────┘
    attempted earlier ──► header known (ledger or history) ──► replies known (ledger or
                          thread) ──► post the missing ones | all there: sent (recovered)
                          | a lookup failed: failed, nothing posted

The caller keeps the state (`Ledger`: the outbox table); this module only decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from trends.collect.normalize import slack_time, utcnow
from trends.errors import DeliveryError

if TYPE_CHECKING:   # slack_sdk is imported only when a message is really sent
    from trends.deliver.slack import Sender

__all__ = ["LOOKUP_MARGIN", "Delivery", "Entry", "Ledger", "deliver", "part_id"]

# How far before an attempt's recorded start the history lookup reaches back (clock skew
# between this machine and Slack).
LOOKUP_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Entry:
    """One outbox row as Slack will see it."""

    channel: str
    event_type: str                          # "trends_digest" | "trends_alert"
    id: str                                  # the identity in the metadata: "client/day"...
    messages: Sequence[list[dict[str, Any]]]  # the top-level message, then thread replies
    text: str                                # the top-level message's plain fallback text
    payload: dict[str, Any]                  # the rest of the metadata's event_payload
    attempted_at: datetime | None            # when the last attempt started, if any
    # Each reply's fallback text (default: the top-level text with "(i/n)") and what its
    # metadata says besides its id (a digest reply: the topic of its idea).
    reply_texts: Sequence[str] = ()
    reply_payloads: Sequence[dict[str, Any]] = ()
    posted: Mapping[int, str] = field(default_factory=dict)   # part -> ts the ledger holds


class Ledger(Protocol):
    """Where an entry's state is kept (its outbox row)."""

    def attempt(self, at: datetime) -> None: ...
    def posted(self, part: int, ts: str, at: datetime) -> None: ...
    def sent(self, ts: str, at: datetime) -> None: ...
    def failed(self, error: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: str           # sent | recovered | partial (header out, replies owed) | failed
    ts: str | None = None
    error: str | None = None


def part_id(entry_id: str, part: int) -> str:
    """The metadata id of message `part` of an entry: the entry's id, then "#2", "#3"..."""
    return entry_id if part == 1 else f"{entry_id}#{part}"


def deliver(entry: Entry, sender: Sender, ledger: Ledger, *,
            margin: timedelta = LOOKUP_MARGIN) -> Delivery:
    """Bring `entry` into Slack once (see the module docstring)."""
    total = max(1, len(entry.messages))
    posted = dict(entry.posted)
    found_any = False
    if entry.attempted_at is not None:
        try:
            found_any = _look_up(entry, sender, ledger, posted, margin)
        except DeliveryError as exc:
            error = f"lookup before resend failed: {exc}"
            ledger.failed(error)
            return Delivery("failed", ts=posted.get(1), error=error)
        if len(posted) >= total:
            ledger.sent(posted[1], slack_time(posted[1]))
            return Delivery("recovered", ts=posted[1])
    resumed = 1 in posted
    # Wall-clock time, not a run's `now`: the lookup compares it with Slack's ts.
    ledger.attempt(utcnow())
    metadata = {"event_type": entry.event_type,
                "event_payload": {"id": entry.id, **entry.payload}}
    if 1 not in posted:
        try:
            ts = sender.post(entry.channel, list(entry.messages[0]) if entry.messages else [],
                             entry.text, metadata=metadata)
        except DeliveryError as exc:
            ledger.failed(str(exc))
            return Delivery("failed", error=str(exc))
        posted[1] = ts
        ledger.posted(1, ts, utcnow())
    parent = posted[1]
    for part in range(2, total + 1):
        if part in posted:
            continue
        try:
            ts = sender.post(entry.channel, list(entry.messages[part - 1]),
                             _reply_text(entry, part, total), thread_ts=parent,
                             metadata=_reply_metadata(entry, part))
        except DeliveryError as exc:
            # The header is in the channel: posting it again would show the day twice. The
            # missing replies stay owed, and the next run posts them into the same thread.
            missing = total - len(posted)
            error = (f"{exc} (thread reply {part}/{total}; header ts {parent} was posted, "
                     f"{missing} of {total - 1} replies not yet)")
            ledger.failed(error)
            return Delivery("partial", ts=parent, error=error)
        posted[part] = ts
        ledger.posted(part, ts, utcnow())
    ledger.sent(parent, utcnow())           # when Slack took it, not when the run started
    return Delivery("recovered" if resumed or found_any else "sent", ts=parent)


def _look_up(entry: Entry, sender: Sender, ledger: Ledger, posted: dict[int, str],
             margin: timedelta) -> bool:
    """Fill `posted` with the messages of `entry` that Slack has and the ledger lacks (and
    record them); True when any was found. Raises DeliveryError when a lookup fails."""
    assert entry.attempted_at is not None
    found = False
    if 1 not in posted:
        top = sender.find_posted(entry.channel, entry.event_type, entry.id,
                                 oldest=(entry.attempted_at - margin).timestamp())
        if top is None:
            return False
        posted[1] = str(top["ts"])
        ledger.posted(1, posted[1], slack_time(posted[1]))
        found = True
    total = len(entry.messages)
    if all(p in posted for p in range(2, total + 1)):
        return found
    # Replies are recognised by their metadata, not counted: people reply in threads too.
    ours = {part_id(entry.id, p): p for p in range(2, total + 1)}
    for m in sender.replies(entry.channel, posted[1]):
        meta = m.get("metadata") or {}
        part = ours.get(str((meta.get("event_payload") or {}).get("id", "")))
        if part is not None and part not in posted and meta.get("event_type") == entry.event_type:
            posted[part] = str(m["ts"])
            ledger.posted(part, posted[part], slack_time(posted[part]))
            found = True
    return found


def _reply_text(entry: Entry, part: int, total: int) -> str:
    i = part - 2
    if i < len(entry.reply_texts) and entry.reply_texts[i]:
        return entry.reply_texts[i]
    return f"{entry.text} ({part}/{total})"


def _reply_metadata(entry: Entry, part: int) -> dict[str, Any]:
    i = part - 2
    extra = entry.reply_payloads[i] if i < len(entry.reply_payloads) else {}
    keep = {k: v for k, v in entry.payload.items() if k in ("client", "day")}
    return {"event_type": entry.event_type,
            "event_payload": {**keep, **extra, "id": part_id(entry.id, part), "part": part}}
