"""Plain data passed between the stages of the pipeline.

These are the contracts between modules: sources produce `FeedItem`s, topic
extraction turns text into `Candidate`s, scoring produces `ScoredTopic`s, the
idea writer turns those into `Idea`s, and the digest renderer turns a `Digest`
into Slack blocks or terminal text. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class FeedItem:
    """One normalized entry from a source, ready to store in `items`."""

    key: str                        # stable dedup key (see normalize.item_key)
    source: str                     # source name from trends.toml
    url: str | None                 # canonical link, http(s) only
    title: str                      # plain text
    summary: str                    # plain text, HTML stripped
    published_at: datetime | None   # UTC
    guid: str | None = None
    author: str | None = None
    language: str | None = None     # 'id', 'en' or None when unknown
    volume: float | None = None     # platform-reported traffic/uses/views/score
    extra: dict[str, Any] = field(default_factory=dict)   # kind-specific context, stored as JSON
    # The item's other possible identity (normalize.identify_entries): the key an earlier
    # fetch may have stored it under, when its link was shared then and is not now, or the
    # other way round. The store keeps the stored key of the same entry.
    alt_key: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Items cross from parse workers by the ten thousand: as constructor arguments they
        # pickle and unpickle ~40% faster than through dataclass's slots state functions.
        return (FeedItem, (self.key, self.source, self.url, self.title, self.summary,
                           self.published_at, self.guid, self.author, self.language,
                           self.volume, self.extra, self.alt_key))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A topic candidate found in one item's text."""

    key: str      # normalized matching key, e.g. "timnas indonesia"
    label: str    # surface form as written, e.g. "Timnas Indonesia"
    kind: str     # 'hashtag' | 'name' | 'phrase' | 'query'


@dataclass(frozen=True, slots=True)
class Story:
    """A headline that backs a topic: shown as a source link in digests."""

    title: str
    url: str | None
    source: str
    published_at: datetime | None = None


@dataclass(slots=True)
class ScoredTopic:
    """A topic as scored for one client, with the components that explain the score."""

    key: str
    label: str
    score: float
    trend: float                  # client-independent trend strength, 0..1
    relevance: float              # 0..1
    freshness: float              # 0..1
    velocity: float               # recent rate / baseline rate
    breadth: int                  # distinct sources
    mentions: int                 # items in the recent window
    state: str                    # new | rising | peaking | fading
    matched: list[str]            # client keywords found in the topic's stories
    reason: str                   # human-readable "why", e.g. "matches kopi in 4 headlines; ..."
    stories: list[Story] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    sensitivity: str | None = None  # disaster | accident | crime | sara | politics (trends/decide/safety.py)
    warning: str = ""               # shown with the idea when a `flag` client gets a sensitive topic
    sensitive_terms: list[str] = field(default_factory=list)   # the words that made it sensitive
    moment: str | None = None       # the near calendar moment the topic ties in with, if any
    posting_window: str = ""        # the signal's advice, e.g. "peaked yesterday: skip"


@dataclass(frozen=True, slots=True)
class Moment:
    """A date worth planning posts for: a holiday, a shopping day, a client's anniversary."""

    day: date
    name: str                      # "Harbolnas 12.12", "Hari Raya Idul Fitri"
    kind: str                      # holiday | commercial | season | client
    keywords: tuple[str, ...] = ()  # words that tie a topic to the moment


@dataclass(slots=True)
class Idea:
    """One post idea for one client, topic and language."""

    client_id: str
    topic_key: str
    topic_label: str
    language: str        # 'id' | 'en'
    angle: str           # soft_sell | hard_sell | question
    platform: str        # instagram | tiktok | x | facebook
    hook: str
    caption: str
    hashtags: list[str]
    urgency: str         # e.g. "rising: post today"
    why: str             # the score's reason
    stories: list[Story] = field(default_factory=list)
    warning: str = ""    # brand-safety warning for a `flag` client; empty when safe
    writer: str = "template"   # who wrote hook and caption: template | llm


@dataclass(slots=True)
class Digest:
    """Everything one client's daily digest shows."""

    client_id: str
    client_name: str
    channel: str
    local_date: date
    languages: list[str]
    ideas: list[Idea]                     # ordered: best topic first, each topic's languages together
    failing_sources: list[str] = field(default_factory=list)
    generated_at: datetime | None = None
    moments: list[Moment] = field(default_factory=list)   # upcoming calendar moments, soonest first

