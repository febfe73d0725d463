"""Exactly once into Slack, across crashes: the one state machine of every outbox entry, a
digest (a message and its thread replies) or an alert (one message).

Slack has no idempotency key. So every message carries its identity in Slack's message
metadata (`event_type`, `event_payload.id`), and the outbox records when an attempt starts
before it calls Slack. An entry found unsent after an attempt started may already be in the
channel (the process died, or the answer was lost, between Slack accepting it and the outbox
update): it is looked up in the channel's history, and in its thread for the replies, before
anything is posted again. If the lookup fails, nothing is posted: better late than twice.

    unsent ──attempt──► posting ──ok──► sent
       ▲                   │ └─parent out, a reply failed──► sent (partial)
       └──────failed◄──────┘
    attempted earlier ──lookup──► found whole: sent (recovered) | found the parent: post the
                                  missing replies | not found: post | lookup failed: failed

The caller keeps the state (`Ledger`: the outbox table); this module only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from trends.collect.normalize import slack_time, utcnow
from trends.deliver.slack import Sender
from trends.errors import DeliveryError, PartialDeliveryError

__all__ = ["LOOKUP_MARGIN", "Delivery", "Entry", "Ledger", "deliver"]

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
    text: str                                # the plain fallback text
    payload: dict[str, Any]                  # the rest of the metadata's event_payload
    attempted_at: datetime | None            # when the last attempt started, if any


class Ledger(Protocol):
    """Where an entry's state is kept (its outbox row)."""

    def attempt(self, at: datetime) -> None: ...
    def sent(self, ts: str, at: datetime) -> None: ...
    def failed(self, error: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: str           # sent | recovered | partial | failed
    ts: str | None = None
    error: str | None = None


def deliver(entry: Entry, sender: Sender, ledger: Ledger, *,
            margin: timedelta = LOOKUP_MARGIN) -> Delivery:
    """Bring `entry` into Slack once (see the module docstring)."""
    parent: str | None = None
    replies_done = 0
    if entry.attempted_at is not None:
        try:
            found = sender.find_posted(entry.channel, entry.event_type, entry.id,
                                       oldest=(entry.attempted_at - margin).timestamp())
        except DeliveryError as exc:
            error = f"lookup before resend failed: {exc}"
            ledger.failed(error)
            return Delivery("failed", error=error)
        if found is not None:
            parent = str(found["ts"])
            replies_done = _replies_posted(entry, sender, parent)
            if replies_done >= len(entry.messages) - 1:
                ledger.sent(parent, slack_time(parent))
                return Delivery("recovered", ts=parent)
    # Wall-clock time, not a run's `now`: the lookup compares it with Slack's ts.
    ledger.attempt(utcnow())
    metadata = {"event_type": entry.event_type,
                "event_payload": {"id": entry.id, **entry.payload}}
    try:
        ts = sender.post_thread(entry.channel, list(entry.messages), entry.text, metadata,
                                parent_ts=parent, replies_done=replies_done)
    except PartialDeliveryError as exc:
        # The parent message is in the channel: posting again would show it twice.
        ledger.sent(exc.ts, utcnow())
        return Delivery("partial", ts=exc.ts, error=str(exc))
    except DeliveryError as exc:
        ledger.failed(str(exc))
        return Delivery("failed", error=str(exc))
    ledger.sent(ts, utcnow())           # when Slack took it, not when the run started
    return Delivery("recovered" if parent is not None else "sent", ts=ts)


def _replies_posted(entry: Entry, sender: Sender, parent: str) -> int:
    """How many of the entry's thread replies are in the thread already: counted by their
    metadata, not reply_count, since people reply in threads too."""
    if len(entry.messages) <= 1:
        return 0
    prefix = entry.id + "#"
    try:
        return sum(1 for m in sender.replies(entry.channel, parent)
                   if str(((m.get("metadata") or {}).get("event_payload") or {})
                          .get("id", "")).startswith(prefix))
    except DeliveryError:
        # Unknown which replies are there: better a short thread than a doubled one.
        return len(entry.messages) - 1
