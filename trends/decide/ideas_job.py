"""The decide stage's job: each client's score of every topic the understand stage found,
the few topics worth an idea, and the ideas, for the client's local day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from trends import progress
from trends.config import ClientConfig, Config, Env, SignalSettings
from trends.decide import preferences
from trends.decide.calendar import upcoming_moments
from trends.decide.ideas.llm import LLMWriter
from trends.decide.ideas.writer import write_ideas
from trends.decide.relevance import score_topic, select_topics
from trends.models import Idea, ScoredTopic, TopicContext
from trends.understand.signals_job import update_trends
from warehouse import decide as sql
from warehouse import deliver as feedback_sql

__all__ = ["IDEAS_PER_CLIENT", "ScoreSummary", "score", "score_clients"]

IDEAS_PER_CLIENT = 5


@dataclass(slots=True)
class ScoreSummary:
    """A scoring run: the candidates scored and each client's chosen topics."""

    as_of: datetime
    extracted: int
    topics: int
    selected: dict[str, list[ScoredTopic]] = field(default_factory=dict)

    def text(self) -> str:
        picks = ", ".join(f"{cid}: {len(ts)}" for cid, ts in self.selected.items())
        return (f"scored {self.topics} trending topics as of {self.as_of:%Y-%m-%d %H:%M} UTC "
                f"({self.extracted} items newly extracted); ideas per client: {picks or 'none'}")


def score(con: duckdb.DuckDBPyConnection, config: Config, *, as_of: datetime | None = None,
          settings: SignalSettings | None = None, env: Env | None = None) -> ScoreSummary:
    """A whole scoring run: the understand stage's trends as of `as_of`, then every client's
    scores and ideas. Signal sensitivity comes from `[signals]` unless `settings` is given;
    an LLM writes the ideas when `env` (default: the environment's) names one."""
    found = update_trends(con, settings or config.signals, as_of=as_of)
    summary = ScoreSummary(as_of=found.as_of, extracted=found.extracted,
                           topics=found.candidates)
    summary.selected = score_clients(con, config, found.topics, found.as_of,
                                     env or Env.from_environ())
    return summary


def score_clients(con: duckdb.DuckDBPyConnection, config: Config,
                  topics: dict[str, TopicContext], as_of: datetime,
                  env: Env) -> dict[str, list[ScoredTopic]]:
    """Score, choose and write ideas for every client, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        sql.sync_clients(con, config.clients)
        writer = LLMWriter.from_env(env)   # None unless an endpoint and a model are set
        try:
            progress.start("clients scored", len(config.clients))
            chosen = {}
            for c in config.clients:
                chosen[c.id] = _score_client(con, c, topics, as_of, writer)
                progress.advance("clients scored")
        finally:
            if writer is not None:
                writer.close()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return chosen


def _score_client(con: duckdb.DuckDBPyConnection, client: ClientConfig,
                  topics: dict[str, TopicContext], as_of: datetime,
                  writer: LLMWriter | None = None) -> list[ScoredTopic]:
    scored: list[ScoredTopic] = []
    blocked: dict[str, str | None] = {}
    day = client.local_day(as_of)
    moments = upcoming_moments(client, day)
    since = (as_of - timedelta(days=preferences.LEARN_DAYS)).date()
    prefs = preferences.from_verdicts(
        (key, verdict) for key, verdict, _ in feedback_sql.verdicts(con, client.id, since))
    for key, ctx in topics.items():
        topic, blocked[key] = score_topic(client, ctx, moments, day)
        scored.append(preferences.apply(prefs, topic))
    chosen = select_topics(scored, topics, IDEAS_PER_CLIENT)
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
    """Keep the articles worth showing: distinct headlines, newest first."""
    seen: set[str] = set()
    articles = []
    for a in t.articles:
        if a.title.lower() not in seen:
            seen.add(a.title.lower())
            articles.append(a)
    t.articles = articles[:5]
    return t


def _idea_row(i: Idea, rank: int) -> dict[str, object]:
    return {"rank": rank, "topic_key": i.topic_key, "topic_label": i.topic_label,
            "language": i.language, "angle": i.angle, "platform": i.platform, "hook": i.hook,
            "caption": i.caption, "hashtags": i.hashtags, "urgency": i.urgency, "why": i.why,
            "warning": i.warning or None, "writer": i.writer,
            "stories": [{"title": a.title, "url": a.url, "source": a.source,
                         "published_at": a.published_at.isoformat() if a.published_at else None}
                        for a in i.articles]}
