"""Plain data passed between the stages of the pipeline.

These are the contracts between modules: sources produce `FeedItem`s, topic
extraction turns text into `Candidate`s, scoring produces `ScoredTopic`s, the
idea writer turns those into `Idea`s, and the digest renderer turns a `Digest`
into Slack blocks or terminal text. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Article", "Candidate", "CandidateColumns", "Digest", "FeedItem", "FetchRecord",
           "Idea", "Moment", "ScoredTopic", "Sensitivity", "SourceState", "TopicContext",
           "TopicSignal", "window_stats_schema"]


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
class Article:
    """A headline that backs a topic: shown as a source link in digests."""

    title: str
    url: str | None
    source: str
    published_at: datetime | None = None
    summary: str = ""               # its text, as the feed gave it: where ideas find facts


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
    state: str                    # new | rising | peaking | steady | fading
    matched: list[str]            # client keywords found in the topic's stories
    reason: str                   # human-readable "why", e.g. "matches kopi in 4 headlines; ..."
    articles: list[Article] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    sensitivity: str | None = None  # disaster | accident | crime | sara | politics
                                    # (trends/decide/safety.py)
    warning: str = ""               # shown with the idea when a `flag` client
                                    # gets a sensitive topic
    sensitive_terms: list[str] = field(default_factory=list)   # the words that made it sensitive
    moment: str | None = None       # the near calendar moment the topic ties in with, if any
    posting_window: str = ""        # the signal's advice, e.g. "peaked yesterday: skip"
    # Why the topic fits the brand, decided before any text (trends/decide/relevance.py):
    # field (the brand's own field is in the story), audience (its audience cares), moment
    # (a calendar moment), buzz (general buzz the brand may only join lightly).
    link: str = "buzz"
    link_terms: list[str] = field(default_factory=list)   # the words that made the link
    matching: int = 0               # stories that match the link's words
    stories: int = 0                # stories read
    moment_day: date | None = None  # the day of `moment`
    queries: list[str] = field(default_factory=list)      # trend queries people typed for it


@dataclass(frozen=True, slots=True)
class Moment:
    """A date worth planning posts for: a holiday, a shopping day, a client's anniversary."""

    day: date
    name: str                      # "Harbolnas 12.12 (national online shopping day)"
    kind: str                      # holiday | commercial | season | client
    keywords: tuple[str, ...] = ()  # words that tie a topic to the moment
    lead_days: int = 7             # how far ahead it is worth preparing for (12.12: two weeks)


@dataclass(slots=True)
class Idea:
    """One post idea for one client, topic and language."""

    client_id: str
    topic_key: str
    topic_label: str
    language: str        # 'id' | 'en'
    angle: str           # soft_sell | hard_sell | behind_the_scenes | educational | question |
                         # trust
    platform: str        # instagram | tiktok | x | facebook
    hook: str
    caption: str
    hashtags: list[str]
    urgency: str         # e.g. "rising: post today"
    why: str             # the score's reason
    articles: list[Article] = field(default_factory=list)
    warning: str = ""    # brand-safety warning for a `flag` client; empty when safe
    writer: str = "template"   # who wrote hook and caption: template | llm
    link: str = "field"  # why the topic fits the brand: field | audience | moment | buzz
    kind: str = "idea"   # idea (a fitting trend) | light (the day's safe buzz, lightly) |
                         # prepare (a calendar moment to prepare for)
    facts: list[str] = field(default_factory=list)     # the story's facts the copy uses
    outline: list[str] = field(default_factory=list)   # carousel slides or video beats
    source_url: str | None = None                      # the story the facts came from


@dataclass(slots=True)
class Digest:
    """Everything one client's daily digest shows."""

    client_id: str
    client_name: str
    channel: str
    local_date: date
    languages: list[str]
    ideas: list[Idea]                     # ordered: best topic first,
                                          # each topic's languages together
    failing_sources: list[str] = field(default_factory=list)
    generated_at: datetime | None = None
    moments: list[Moment] = field(default_factory=list)   # upcoming calendar moments, soonest first
    # The sources whose latest fetch failed when the digest was built, as (source name,
    # reason): the reason is fetch_log's reason code and detail, "connection_error: [Errno -3]
    # Temporary failure in name resolution". Empty when every source's latest fetch
    # succeeded. A digest with entries here was built blind to those sources, and must say so.
    failed_today: list[tuple[str, str]] = field(default_factory=list)



class CandidateColumns(NamedTuple):
    """The candidates of a run of items, as columns: `counts[i]` candidates of item i, then
    their keys, labels and kinds end to end, in item order. Ten thousand items make 400,000
    candidates: as flat lists they cross between processes and into Arrow several times
    faster than as a list of tuples per item."""

    counts: list[int]
    keys: list[str]
    labels: list[str]
    kinds: list[str]

    @classmethod
    def empty(cls) -> CandidateColumns:
        return cls([], [], [], [])

    def extend(self, other: CandidateColumns) -> None:
        self.counts.extend(other.counts)
        self.keys.extend(other.keys)
        self.labels.extend(other.labels)
        self.kinds.extend(other.kinds)


@dataclass(slots=True)
class SourceState:
    name: str
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None
    consecutive_failures: int
    body_sha1: str | None = None    # of the last body parsed: the same bytes again need no parse
    last_error: str | None = None   # the reason of the latest failed attempt


@dataclass(slots=True)
class FetchRecord:
    """One attempt, as it goes into fetch_log and into the source's health."""

    source: str
    url: str
    started_at: datetime
    duration_ms: int
    outcome: str                    # ok | not_modified | error
    http_status: int | None = None
    reason: str | None = None
    detail: str | None = None
    bytes: int | None = None
    entries: int | None = None
    new_items: int | None = None
    attempts: int = 1
    etag: str | None = None
    last_modified: str | None = None
    body_sha1: str | None = None    # of a 200 body, parsed or found unchanged


@dataclass(slots=True)
class TopicSignal:
    key: str
    label: str
    kind: str
    mentions: int
    baseline: float
    velocity: float
    breadth: int
    volume: float
    freshness: float
    first_seen_at: datetime
    state: str
    trend: float = 0.0
    platforms: int = 1                   # distinct source kinds in the recent window
    spike: bool = False                  # the recent window passes the spike test
    zscore: float = 0.0                  # (recent - mean) / sd of the buckets before it
    peak_at: datetime | None = None      # end of the bucket of the last peak, if any
    posting_window: str = ""             # "rising: post today", "peaked yesterday: skip"
    series: list[int] = field(default_factory=list)   # counts per bucket, oldest first


def window_stats_schema() -> pa.Schema:
    """The window statistics of every candidate, one row each: what
    `warehouse.understand.window_stats` returns and the signal engine reads. `platforms` may be
    null (counted as 1) and `series` empty (no spike test: the velocity alone decides the
    state). A function, so that importing the records costs no pyarrow."""
    import pyarrow as pa

    return pa.schema([
        ("key", pa.string()), ("label", pa.string()), ("kind", pa.string()),
        ("recent", pa.int32()),             # items in the recent window
        ("last_half", pa.int32()),          # ... in its newer half
        ("first_half", pa.int32()),         # ... in its older half
        ("baseline_total", pa.int32()),     # items in the buckets before it
        ("breadth", pa.int32()),            # distinct sources in the recent window
        ("platforms", pa.int32()),          # distinct source kinds in the recent window
        ("volume", pa.float64()),           # platform volume of its recent items
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("series", pa.list_(pa.int32())),   # items per bucket, oldest first, last = recent window
    ])


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """The classifier's verdict on a topic: the worst category and its evidence."""

    category: str
    share: float                  # share of the topic's stories in that category
    articles: int                 # how many of them
    terms: tuple[str, ...]        # the words that matched, most frequent first
    in_label: bool = False


@dataclass(slots=True)
class TopicContext:
    """What the understand stage knows of a topic when decide judges it for clients: its
    signal, its articles (newest first) and their text, the items behind it, the hashtags
    that come with it. `sensitivity` is filled in once per run (decide.relevance)."""

    signal: TopicSignal
    articles: list[Article]
    texts: list[str]                   # lowercased "title. summary" of each article
    item_keys: frozenset[str]
    hashtags: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)   # its candidates people typed as queries
    sensitivity: Sensitivity | None = None
    classified: bool = False
