"""Scoring: trend signals per topic, relevance per client, and the ideas each client gets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from trends.deliver import feedback_job as feedback
from trends.decide.calendar import upcoming_moments
from trends.understand.clusters import cluster_topics
from trends.config import ClientConfig, Config
from trends.understand.extract_job import extract_pending
from trends.decide.ideas.writer import write_ideas
from trends.decide.ideas.llm import LLMWriter
from trends.models import Idea, ScoredTopic, Story
from trends.collect.normalize import utcnow
from trends.decide.relevance import TopicContext, score_topic, select_topics
from trends.understand.signals.vectorized import compute_signals
from trends.understand.signals.rules import SignalSettings, TopicSignal
from warehouse import understand as sql

TOP_TOPICS = 400          # topics judged per client: the strongest trends
STORIES_PER_TOPIC = 40    # stories read per topic for relevance and exclusion
IDEAS_PER_CLIENT = 5


@dataclass(slots=True)
class ScoreReport:
    as_of: datetime
    extracted: int
    topics: int
    selected: dict[str, list[ScoredTopic]] = field(default_factory=dict)

    def summary(self) -> str:
        picks = ", ".join(f"{cid}: {len(ts)}" for cid, ts in self.selected.items())
        return (f"scored {self.topics} trending topics as of {self.as_of:%Y-%m-%d %H:%M} UTC "
                f"({self.extracted} items newly extracted); ideas per client: {picks or 'none'}")


def client_day(client: ClientConfig, as_of: datetime) -> date:
    """The client's local calendar day at `as_of`."""
    return as_of.astimezone(client.tz).date()


def score(con: duckdb.DuckDBPyConnection, config: Config, *, as_of: datetime | None = None,
          settings: SignalSettings | None = None) -> ScoreReport:
    """Extract pending topics, compute signals as of `as_of`, score every client, write ideas.
    Signal sensitivity comes from the config's `[signals]` unless `settings` is given."""
    as_of = as_of or utcnow()
    settings = settings or config.signals
    extracted = extract_pending(con)
    stats = sql.window_stats(con, as_of, recent=settings.recent,
                             baseline_days=settings.baseline_days, min_items=settings.min_items,
                             min_events=settings.min_events, buckets=settings.buckets)
    signals = compute_signals(stats, as_of, settings)
    con.execute("BEGIN TRANSACTION")
    try:
        sql.save_signals(con, as_of, signals.table, utcnow())
        # Only the strongest become objects: clustering and relevance read their stories.
        contexts = _contexts(con, signals.top(TOP_TOPICS), as_of, settings)
        sql.sync_clients(con, config.clients)
        report = ScoreReport(as_of=as_of, extracted=extracted, topics=len(signals))
        writer = LLMWriter.from_env()   # None unless TRENDS_LLM_BASE_URL and _MODEL are set
        try:
            for client in config.clients:
                report.selected[client.id] = _score_client(con, client, contexts, as_of, writer)
        finally:
            if writer is not None:
                writer.close()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report


def _contexts(con: duckdb.DuckDBPyConnection, signals: list[TopicSignal], as_of: datetime,
              settings: SignalSettings) -> dict[str, TopicContext]:
    """Cluster the strongest candidates into stories and gather each story's headlines."""
    since = as_of - settings.recent * 2
    stories: dict[str, dict[str, Story]] = {s.key: {} for s in signals}
    texts: dict[str, str] = {}
    for topic, item, title, summary, url, source, event_at, extra in sql.topic_stories(
            con, list(stories), since, as_of, STORIES_PER_TOPIC):
        link = url
        if not link and extra:   # a trend query has no link of its own: show its first article
            news = json.loads(extra).get("news") or []
            link = next((n.get("url") for n in news if n.get("url")), None)
        stories[topic][item] = Story(title=title, url=link, source=source, published_at=event_at)
        texts[item] = f"{title}. {summary}".lower()
    clusters = cluster_topics(signals, {k: frozenset(v) for k, v in stories.items()})
    sql.save_stories(con, as_of, [(m.key, c.signal.key, c.signal.label)
                                  for c in clusters for m in c.members])
    hashtags = sql.cooccurring_hashtags(con, [c.members[0].key for c in clusters], since, as_of)
    by_key: dict[str, TopicContext] = {}
    for c in clusters:
        merged = {k: st for m in c.members for k, st in stories[m.key].items() if k in c.items}
        newest = sorted(merged.items(), key=lambda kv: kv[1].published_at or as_of, reverse=True)
        newest = newest[:STORIES_PER_TOPIC]
        by_key[c.signal.key] = TopicContext(
            signal=c.signal, stories=[st for _, st in newest],
            texts=[texts[k] for k, _ in newest], item_keys=c.items,
            hashtags=[h for h in hashtags.get(c.members[0].key, [])
                      if h.lower() != c.signal.label.lower()][:5])
    return by_key


def _score_client(con: duckdb.DuckDBPyConnection, client: ClientConfig,
                  contexts: dict[str, TopicContext], as_of: datetime,
                  writer: LLMWriter | None = None) -> list[ScoredTopic]:
    scored: list[ScoredTopic] = []
    blocked: dict[str, str | None] = {}
    day = client_day(client, as_of)
    moments = upcoming_moments(client, day)
    prefs = feedback.preferences(con, client.id, as_of)   # the team's reactions in Slack
    for key, ctx in contexts.items():
        topic, blocked[key] = score_topic(client, ctx, moments, day)
        scored.append(feedback.apply(prefs, topic))
    chosen = select_topics(scored, contexts, IDEAS_PER_CLIENT)
    chosen_keys = {t.key for t in chosen}
    sql.save_client_scores(con, as_of, client.id, [
        {"client_id": client.id, "topic_key": t.key, "label": t.label, "score": t.score,
         "trend": t.trend, "relevance": t.relevance, "freshness": t.freshness,
         "velocity": t.velocity, "breadth": t.breadth, "mentions": t.mentions, "state": t.state,
         "matched": t.matched, "excluded_by": blocked[t.key], "selected": t.key in chosen_keys,
         "reason": t.reason, "sensitivity": t.sensitivity, "moment": t.moment}
        for t in scored if t.relevance > 0 or t.key in chosen_keys])
    ideas = write_ideas(client, [_trim(t) for t in chosen], day, writer=writer)
    rank = {t.key: i + 1 for i, t in enumerate(chosen)}
    sql.save_ideas(con, client.id, day, as_of, [_idea_row(i, rank[i.topic_key]) for i in ideas])
    return chosen


def _trim(t: ScoredTopic) -> ScoredTopic:
    """Keep the stories worth showing: distinct headlines, newest first."""
    seen: set[str] = set()
    stories = []
    for s in t.stories:
        if s.title.lower() not in seen:
            seen.add(s.title.lower())
            stories.append(s)
    t.stories = stories[:5]
    return t


def _idea_row(i: Idea, rank: int) -> dict[str, object]:
    return {"rank": rank, "topic_key": i.topic_key, "topic_label": i.topic_label,
            "language": i.language, "angle": i.angle, "platform": i.platform, "hook": i.hook,
            "caption": i.caption, "hashtags": i.hashtags, "urgency": i.urgency, "why": i.why,
            "warning": i.warning or None, "writer": i.writer,
            "stories": [{"title": s.title, "url": s.url, "source": s.source,
                         "published_at": s.published_at.isoformat() if s.published_at else None}
                        for s in i.stories]}
