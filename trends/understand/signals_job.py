"""The understand stage's job after an ingest: every new item's candidates, every candidate's
trend signal as of a time, and the strongest candidates clustered into topics (those a label
can name), each with the articles and text that decide reads to judge it for clients."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from trends.collect.normalize import utcnow
from trends.config import SignalSettings
from trends.models import Article, TopicContext, TopicSignal
from trends.understand.clusters import cluster_topics
from trends.understand.extract_job import extract_pending
from trends.understand.signals.vectorized import compute_signals
from warehouse import understand as sql
from warehouse.db import transaction

__all__ = ["ARTICLES_PER_TOPIC", "TOP_TOPICS", "Trends", "update_trends"]

TOP_TOPICS = 400          # candidates clustered and judged per run: the strongest trends
ARTICLES_PER_TOPIC = 40   # articles read per topic for relevance and exclusion


@dataclass(slots=True)
class Trends:
    """What one scoring run of the understand stage found."""

    as_of: datetime
    extracted: int                       # items whose candidates were extracted now
    candidates: int                      # candidates with a signal
    topics: dict[str, TopicContext]      # the strongest, clustered, by topic key


def update_trends(con: duckdb.DuckDBPyConnection, settings: SignalSettings, *,
                  as_of: datetime | None = None) -> Trends:
    """Extract pending items, compute every candidate's signal as of `as_of`, store the
    signals and the strongest candidates' topics (one transaction), and return those topics."""
    as_of = as_of or utcnow()
    extracted = extract_pending(con)
    stats = sql.window_stats(con, as_of, recent=settings.recent,
                             baseline_days=settings.baseline_days, min_items=settings.min_items,
                             min_events=settings.min_events, buckets=settings.buckets)
    signals = compute_signals(stats, as_of, settings)
    with transaction(con):
        sql.save_signals(con, as_of, signals.table, utcnow())
        # Only the strongest become objects: clustering and relevance read their articles.
        topics = _topics(con, signals.top(TOP_TOPICS), as_of, settings)
    return Trends(as_of=as_of, extracted=extracted, candidates=len(signals), topics=topics)


def _topics(con: duckdb.DuckDBPyConnection, signals: list[TopicSignal], as_of: datetime,
            settings: SignalSettings) -> dict[str, TopicContext]:
    """Cluster the strongest candidates into topics and gather each topic's articles."""
    since = as_of - settings.recent * 2
    found: dict[str, dict[str, Article]] = {s.key: {} for s in signals}
    texts: dict[str, str] = {}
    for candidate, item, title, summary, url, source, event_at, extra in sql.topic_stories(
            con, list(found), since, as_of, ARTICLES_PER_TOPIC):
        link = url
        if not link and extra:   # a trend query has no link of its own: show its first article
            news = json.loads(extra).get("news") or []
            link = next((n.get("url") for n in news if n.get("url")), None)
        found[candidate][item] = Article(title=title, url=link, source=source,
                                         published_at=event_at, summary=summary or "")
        texts[item] = f"{title}. {summary}".lower()
    # A topic no item mentioned in the recent window is yesterday's news: its candidates keep
    # their signals ("peaked yesterday: skip"), but it is not a topic of today.
    clusters = [c for c in cluster_topics(signals, {k: frozenset(v) for k, v in found.items()})
                if c.signal.mentions > 0]
    sql.save_topics(con, as_of, [(c.signal, c.members) for c in clusters])
    hashtags = sql.cooccurring_hashtags(con, [c.members[0].key for c in clusters], since, as_of)
    by_key: dict[str, TopicContext] = {}
    for c in clusters:
        merged = {k: a for m in c.members for k, a in found[m.key].items() if k in c.items}
        newest = sorted(merged.items(), key=lambda kv: kv[1].published_at or as_of, reverse=True)
        newest = newest[:ARTICLES_PER_TOPIC]
        by_key[c.signal.key] = TopicContext(
            signal=c.signal, articles=[a for _, a in newest],
            texts=[texts[k] for k, _ in newest], item_keys=c.items,
            hashtags=[h for h in hashtags.get(c.members[0].key, [])
                      if h.lower() != c.signal.label.lower()][:5],
            queries=[m.label for m in c.members if m.kind == "query"][:5])
    return by_key
