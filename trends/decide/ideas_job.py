"""The decide stage's job: each client's score of every topic the understand stage found,
the few topics worth an idea, and the ideas, for the client's local day.

A topic whose posting window says to skip it is never offered as an idea. A client-day with
no topic that fits still gets something to post, labelled as such: an idea to prepare for the
next calendar moment worth preparing for, or a light-touch question on the day's safe buzz.

The optional LLM writer (trends/decide/ideas/llm.py) rewrites the template ideas after the
scoring run: `score` commits the ideas and returns them as drafts, `rewrite` asks the model
with no warehouse open, and `save_rewrites` stores what passed its checks. trends/runs.py
calls the three in turn, so the writer lock is never held during an HTTP call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from trends import progress
from trends.config import ClientConfig, Config, Env, SignalSettings
from trends.decide import preferences
from trends.decide.calendar import upcoming_moments
from trends.decide.ideas.llm import LLMWriter
from trends.decide.ideas.writer import (
    light_ideas,
    prepare_ideas,
    request_for,
    write_ideas,
    writer_note,
)
from trends.decide.relevance import score_topic, select_topics
from trends.decide.safety import light_enough
from trends.models import Idea, Moment, ScoredTopic, TopicContext
from trends.understand.signals_job import update_trends
from warehouse import decide as sql
from warehouse import deliver as feedback_sql

__all__ = ["IDEAS_PER_CLIENT", "Draft", "ScoreSummary", "rewrite", "save_rewrites", "score",
           "score_clients", "skip_advised"]

IDEAS_PER_CLIENT = 5


@dataclass(slots=True)
class Draft:
    """One client-day's ideas as the templates wrote them, with what the LLM needs."""

    client: ClientConfig
    day: date
    as_of: datetime
    ideas: list[Idea]
    topics: dict[str, ScoredTopic]


@dataclass(slots=True)
class ScoreSummary:
    """A scoring run: the candidates scored and each client's drafts (its topics and ideas)."""

    as_of: datetime
    extracted: int
    candidates: int                  # candidates with a signal
    topics: int                      # the topics they made, as trending_now shows them
    drafts: list[Draft] = field(default_factory=list)
    rewritten: int = 0               # ideas the LLM rewrote
    llm_note: str = ""               # what the LLM writer did, when one is configured

    def text(self) -> str:
        # Ideas a client's digest shows, one per topic or moment whatever its languages; the
        # ones that only prepare for a moment or lightly join the day's buzz are said apart.
        picks = ", ".join(f"{d.client.id}: {_count(d.ideas)}" for d in self.drafts)
        line = (f"scored {self.candidates} candidates into {self.topics} topics as of "
                f"{self.as_of:%Y-%m-%d %H:%M} UTC "
                f"({self.extracted} items newly extracted); ideas per client: {picks or 'none'}")
        return line + (f"; {self.llm_note}" if self.llm_note else "")


def _count(ideas: list[Idea]) -> str:
    kinds = {i.topic_key: i.kind for i in ideas}
    extra = [f"{n} {word}" for kind, word in (("prepare", "to prepare"), ("light", "light"))
             if (n := sum(k == kind for k in kinds.values()))]
    return f"{len(kinds)}" + (f" ({', '.join(extra)})" if extra else "")


def score(con: duckdb.DuckDBPyConnection, config: Config, *, as_of: datetime | None = None,
          settings: SignalSettings | None = None) -> ScoreSummary:
    """A whole scoring run: the understand stage's trends as of `as_of`, then every client's
    scores and template ideas. Signal sensitivity comes from `[signals]` unless `settings` is
    given."""
    found = update_trends(con, settings or config.signals, as_of=as_of)
    summary = ScoreSummary(as_of=found.as_of, extracted=found.extracted,
                           candidates=found.candidates, topics=len(found.topics))
    summary.drafts = score_clients(con, config, found.topics, found.as_of)
    return summary


def score_clients(con: duckdb.DuckDBPyConnection, config: Config,
                  topics: dict[str, TopicContext], as_of: datetime) -> list[Draft]:
    """Score, choose and write ideas for every client, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        sql.sync_clients(con, config.clients)
        progress.start("clients scored", len(config.clients))
        drafts = []
        for c in config.clients:
            drafts.append(_score_client(con, c, topics, as_of))
            progress.advance("clients scored")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return drafts


def skip_advised(topic: ScoredTopic) -> bool:
    """Whether the topic's posting window tells the officer to skip it ("peaked 2 days ago:
    skip", "fading: skip unless it fits"): such a topic is never offered as an idea."""
    window = topic.posting_window
    return window.endswith(": skip") or ": skip " in window


def _score_client(con: duckdb.DuckDBPyConnection, client: ClientConfig,
                  topics: dict[str, TopicContext], as_of: datetime) -> Draft:
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
    offered = [t for t in scored if not skip_advised(t)]
    chosen = select_topics(offered, topics, IDEAS_PER_CLIENT)
    chosen_keys = {t.key for t in chosen}
    sql.save_client_scores(con, as_of, client.id, [
        {"client_id": client.id, "topic_key": t.key, "label": t.label, "score": t.score,
         "trend": t.trend, "relevance": t.relevance, "freshness": t.freshness,
         "velocity": t.velocity, "breadth": t.breadth, "mentions": t.mentions, "state": t.state,
         "matched": t.matched, "excluded_by": blocked[t.key], "selected": t.key in chosen_keys,
         "reason": t.reason, "sensitivity": t.sensitivity, "moment": t.moment}
        for t in scored if t.relevance > 0 or t.key in chosen_keys])
    trimmed = [_trim(t) for t in chosen]
    ideas = write_ideas(client, trimmed, day)
    if not ideas:
        ideas = _something_to_post(client, scored, blocked, moments, day)
    rank: dict[str, int] = {}
    for i in ideas:
        rank.setdefault(i.topic_key, len(rank) + 1)
    sql.save_ideas(con, client.id, day, as_of, [_idea_row(i, rank[i.topic_key]) for i in ideas])
    return Draft(client=client, day=day, as_of=as_of, ideas=ideas,
                 topics={t.key: t for t in trimmed})


def _something_to_post(client: ClientConfig, scored: list[ScoredTopic],
                       blocked: dict[str, str | None], moments: list[Moment],
                       day: date) -> list[Idea]:
    """For a day when no trend fits: a light question on the day's strongest safe buzz (no
    sensitivity, not excluded, not advised to skip, evidence from two sources, calm), for
    something fresh to post today, and an idea to prepare for the soonest calendar moment
    worth it (not today's: a post about today is late); each labelled as such."""
    out: list[Idea] = []
    safe = [t for t in scored if not t.sensitivity and not blocked.get(t.key)
            and not skip_advised(t) and t.breadth >= 2
            and light_enough(t.label, [a.title for a in t.articles])]
    for t in sorted(safe, key=lambda t: (-t.trend, t.key))[:5]:
        made = light_ideas(client, _trim(t), day)
        if made:
            out += made
            break
    # The moments the digest shows first; on a day with nothing else at all, the next one
    # within twice its lead (payday in six days, Christmas in four weeks): early, not stale.
    later = [] if out else [m for m in upcoming_moments(client, day, reach=2)
                            if m not in moments]
    for m in [*moments, *later]:
        if m.day > day:
            made = prepare_ideas(client, m, day)
            if made:
                out += made
                break
    return out


def rewrite(drafts: list[Draft], env: Env) -> tuple[list[tuple[Draft, Idea]], str]:
    """Ask the LLM the environment configures to rewrite each draft idea (no warehouse is
    open). Returns the ideas it rewrote, checked, and one line on what it did; nothing when
    no LLM is configured."""
    writer = LLMWriter.from_env(env)
    if writer is None:
        return [], ""
    done: list[tuple[Draft, Idea]] = []
    asked = 0
    try:
        for draft in drafts:
            for idea in draft.ideas:
                asked += 1
                answer = writer.write(request_for(draft.client, idea,
                                                  draft.topics.get(idea.topic_key)))
                if answer is None:
                    idea.writer = "template-fallback"
                    continue
                idea.hook, idea.caption = answer
                idea.writer = "llm"
                done.append((draft, idea))
    finally:
        writer.close()
    note = writer_note([i for d in drafts for i in d.ideas])
    if writer.last_error and len(done) < asked:
        note += f" Last problem: {writer.last_error}."
    return done, note


def save_rewrites(con: duckdb.DuckDBPyConnection, done: list[tuple[Draft, Idea]],
                  drafts: list[Draft]) -> int:
    """Store the LLM's ideas, and mark the others as template fallbacks, unless a later
    scoring run replaced the day's ideas meanwhile. Returns how many were rewritten."""
    con.execute("BEGIN TRANSACTION")
    try:
        n = 0
        for draft in drafts:
            for idea in draft.ideas:
                if idea.writer == "template":
                    continue
                n += sql.update_idea_text(con, draft.client.id, draft.day, draft.as_of,
                                          idea.topic_key, idea.language, idea.hook,
                                          idea.caption, idea.writer)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return sum(1 for _, i in done if i.writer == "llm") if n else 0


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
            "warning": i.warning or None, "writer": i.writer, "link": i.link, "kind": i.kind,
            "facts": i.facts, "outline": i.outline, "source_url": i.source_url,
            "stories": [{"title": a.title, "url": a.url, "source": a.source,
                         "published_at": a.published_at.isoformat() if a.published_at else None}
                        for a in i.articles]}
