"""Per-client relevance: keyword matches in a topic's stories, exclusions and brand safety as
hard filters, calendar moments as a boost, and a diverse selection of the client's top topics.

Keywords are matched on match forms (lowercased, slang-normalized, stemmed:
trends/understand/nlp/stem.py), so "ngopi", "kopinya" and "#NgopiSantai" all count for the
keyword "kopi", and "menonton" for "nonton". But a keyword that is a noun derived with "-an"
never matches its bare root: "tabungan" (savings) is not "tabung" (a gas cylinder), "liburan"
(a holiday trip) not "libur" (a day off). A keyword may carry a weight, synonyms in either
language and the words that show another sense of it (`Keyword` in trends/config/load.py;
trends/decide/data/senses.toml lists them for every client: "emas" beside "medali" is a medal,
not gold to save in). Exclusions stay on whole surface words: a client
who excludes "banjir" means the flood, and Sastrawi would also find it in "kebanjiran pesanan"
(swamped with orders).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from trends.config import ClientConfig, Keyword
from trends.decide.safety import CATEGORY_LABELS, classify_topic, warning_text
from trends.models import Moment, ScoredTopic, Sensitivity, TopicContext, TopicSignal
from trends.understand.nlp.stem import in_dictionary, match_form, match_words, stem

__all__ = ["AUDIENCE_WEIGHT", "LABEL_BONUS", "MIN_RELEVANCE", "MOMENT_BOOST",
           "MOMENT_MIN_STORIES", "count_matches",
           "excluded_by", "explain", "keyword_hits", "keyword_specs", "matches_any",
           "near_moment", "score_topic", "select_topics", "term_pattern", "text_forms",
           "topic_sensitivity"]

# Indonesian clitics and particles attach to words ("kopinya", "promonya", "diskonlah").
_SUFFIXES = r"(?:nya|lah|kah|pun|an)?"
# A topic is relevant to a client when its label names a keyword or at least this share of
# its stories do: one passing mention in twenty headlines is not a brief. And a topic needs
# some evidence of its own (three items, or two sources) before anyone posts about it.
MIN_RELEVANCE = 0.2
LABEL_BONUS = 0.3
# A topic that ties in with a moment this close is worth up to this much more (today: +30%,
# a week ahead: a few percent): planning posts around Harbolnas starts before 12.12.
MOMENT_BOOST = 0.3
MOMENT_MIN_STORIES = 2
# A topic that fits only what the brand's audience cares about counts this much of its fit.
AUDIENCE_WEIGHT = 0.8
# The share of a topic's stories the brand's field must be in when its audience names the
# topic: most of them.
FIELD_MOST = 0.75


def topic_sensitivity(ctx: TopicContext) -> Sensitivity | None:
    """The topic's sensitivity, classified once per scoring run and shared by every client."""
    if not ctx.classified:
        ctx.sensitivity = classify_topic(ctx.signal.label, ctx.texts)
        ctx.classified = True
    return ctx.sensitivity


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern for a keyword or phrase, suffix-tolerant."""
    words = [re.escape(w) for w in term.lower().split()]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<![\w#]){body}{_SUFFIXES}(?!\w)")


def count_matches(terms: Sequence[str], texts: Sequence[str]) -> dict[str, int]:
    """For each term, in how many texts it appears as a whole surface word."""
    counts = {}
    for term in terms:
        pattern = term_pattern(term)
        n = sum(1 for t in texts if pattern.search(t))
        if n:
            counts[term] = n
    return counts


_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


@lru_cache(maxsize=100_000)
def text_forms(text: str) -> tuple[str, ...]:
    """A text's match forms, cached: the same story backs many topics and every client.

    Hyphens split words ("kedai-kopi", "pre-order") on both sides of a match, and English
    plurals lose their "s" ("coffee shops"), unless the word is Indonesian ("panas", "harus").
    """
    return tuple(_singular(f) for f in match_form(_INNER_HYPHEN.sub(" ", text)))


@lru_cache(maxsize=50_000)
def _singular(form: str) -> str:
    if len(form) < 4 or not form.endswith("s") or form.endswith("ss") or not form.isascii() \
            or not form.isalpha() or in_dictionary(form):
        return form
    return form[:-1]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return False
    n = len(needle)
    if n == 1:
        return needle[0] in haystack
    first = needle[0]
    return any(haystack[i:i + n] == needle
               for i, w in enumerate(haystack[:len(haystack) - n + 1]) if w == first)


def keyword_specs(client: ClientConfig) -> tuple[Keyword, ...]:
    """The client's keywords with weights and synonyms; plain keywords weigh 1."""
    return client.keyword_specs or tuple(Keyword(k) for k in client.keywords)


@lru_cache(maxsize=100_000)
def _text_words(text: str) -> tuple[str, ...]:
    """The words behind `text_forms(text)`, one per form, before stemming."""
    return tuple(match_words(_INNER_HYPHEN.sub(" ", text)))


@lru_cache(maxsize=1)
def _shipped_senses() -> dict[str, tuple[str, ...]]:
    data = tomllib.loads(resources.files("trends.decide").joinpath("data", "senses.toml")
                         .read_text(encoding="utf-8"))
    return {term.lower(): tuple(entry.get("unless", ())) for term, entry in data.items()}


@dataclass(frozen=True, slots=True)
class _Matcher:
    """One keyword as it is looked for: for its term and each synonym, the match forms and the
    bare root a derived noun must not match (None: any form matches); and the forms of the
    words that show another sense."""

    variants: tuple[tuple[tuple[str, ...], str | None], ...]
    unless: tuple[tuple[str, ...], ...]


def _bare_root(variant: str) -> str | None:
    """The root a one-word "-an" noun must not be matched on: "tabungan" -> "tabung"."""
    words = match_words(variant)
    if len(words) != 1 or not words[0].endswith("an"):
        return None
    root = stem(words[0])
    return root if root != words[0] and in_dictionary(root) else None


@lru_cache(maxsize=4096)
def _matcher(spec: Keyword) -> _Matcher:
    unless = (*spec.unless, *_shipped_senses().get(spec.term.lower(), ()))
    return _Matcher(
        variants=tuple((f, _bare_root(v)) for v in (spec.term, *spec.synonyms)
                       if (f := text_forms(v))),
        unless=tuple(f for f in (text_forms(u) for u in unless) if f))


def _matches(m: _Matcher, text: str) -> bool:
    forms = text_forms(text)

    def found(variant: tuple[str, ...], bare: str | None) -> bool:
        if bare is None:
            return _contains(forms, variant)
        return any(f == variant[0] and w != bare
                   for f, w in zip(forms, _text_words(text), strict=True))

    return any(found(v, bare) for v, bare in m.variants) \
        and not any(_contains(forms, u) for u in m.unless)


def keyword_hits(specs: Sequence[Keyword], text: str) -> list[Keyword]:
    """The keywords (by term or synonym) found in one text, in the sense the brand means."""
    return [k for k in specs if _matches(_matcher(k), text)]


def matches_any(words: Sequence[str], texts: Sequence[str]) -> int:
    """In how many texts any of `words` appears (match forms): for calendar moments."""
    specs = [Keyword(w) for w in words]
    return sum(1 for t in texts if keyword_hits(specs, t))


def excluded_by(client: ClientConfig, ctx: TopicContext) -> str | None:
    """The first exclude term found in the topic's label or any of its stories."""
    label = ctx.signal.label.lower()
    for term in client.exclude:
        pattern = term_pattern(term)
        if pattern.search(label) or any(pattern.search(t) for t in ctx.texts):
            return term
    return None


def near_moment(ctx: TopicContext, moments: Sequence[Moment]) -> Moment | None:
    """The soonest moment the topic ties in with: named in its label or in its stories."""
    for m in moments:
        if not m.keywords:
            continue
        if matches_any(m.keywords, [ctx.signal.label]) or \
                matches_any(m.keywords, ctx.texts) >= min(MOMENT_MIN_STORIES, len(ctx.texts)):
            return m
    return None


def score_topic(client: ClientConfig, ctx: TopicContext, moments: Sequence[Moment] = (),
                today: date | None = None) -> tuple[ScoredTopic, str | None]:
    """Relevance and final score of one topic for one client, with a readable reason.

    Returns the scored topic and the client's exclude term that blocked it, if any. A
    sensitive topic scores 0 for an `avoid` client and keeps its score, with a warning, for a
    `flag` client when the client's field is in it (not its audience alone). `moments`
    (soonest first) boost a relevant topic that ties in with one.
    """
    s = ctx.signal
    field_fit = _fit(keyword_specs(client), s.label, ctx.texts)
    audience_fit = _fit(client.audience, s.label, ctx.texts)
    # The brand's own field first: a coffee chain's "kopi" story is its field even when its
    # audience's "nobar" is in it too. But a topic the audience names ("Timnas Indonesia" for
    # a coffee chain whose fans watch it) is the brand's field only when its field is in most
    # of the stories, not in the nobar stories alone. An audience-only fit counts for a
    # little less.
    field_wins = field_fit.relevance >= MIN_RELEVANCE \
        or field_fit.relevance >= AUDIENCE_WEIGHT * audience_fit.relevance
    if audience_fit.label_hit and not field_fit.label_hit:
        field_wins = field_fit.matching >= FIELD_MOST * max(1, len(ctx.texts))
    if field_fit.label_hit or field_wins:
        fit, link = field_fit, "field"
        relevance = field_fit.relevance
    else:
        fit, link = audience_fit, "audience"
        relevance = round(AUDIENCE_WEIGHT * audience_fit.relevance, 4)
    label_hits, story_hits, matching_stories = fit.label_hits, fit.story_hits, fit.matching
    matched = sorted({k.term for k in label_hits} | set(story_hits),
                     key=lambda k: (-story_hits.get(k, 0), k))
    blocked = excluded_by(client, ctx)
    sensitive = topic_sensitivity(ctx)
    # `flag` keeps a sensitive story the brand has a stake in (an airline and a flight delay),
    # warned; one its audience merely follows (a boat sinking at a holiday spot) is held back
    # for every client: nobody rides a disaster for reach.
    avoided = sensitive is not None and (client.policy == "avoid" or link == "audience")
    # Keywords in one story of several are a passing mention, not the brand's story: two
    # stories at least, or the label itself.
    relevant = ((bool(label_hits) or (relevance >= MIN_RELEVANCE
                                      and matching_stories >= min(2, len(ctx.texts))))
                and (s.mentions >= 3 or s.breadth >= 2))
    if not relevant:
        link = "buzz"
    score = s.trend * (0.2 + 0.8 * relevance) if relevant and not blocked and not avoided else 0.0
    moment = near_moment(ctx, moments) if score > 0 and moments else None
    if moment is not None:
        days = max(0, (moment.day - (today or moment.day)).days)
        score *= 1 + MOMENT_BOOST * (1 - days / 8)
    topic = ScoredTopic(
        key=s.key, label=s.label, score=round(score, 4), trend=s.trend,
        relevance=round(relevance, 4), freshness=s.freshness, velocity=s.velocity,
        breadth=s.breadth, mentions=s.mentions, state=s.state, matched=matched,
        reason="", articles=ctx.articles, hashtags=ctx.hashtags,
        sensitivity=sensitive.category if sensitive else None,
        warning=warning_text(sensitive) if sensitive and not avoided else "",
        sensitive_terms=list(sensitive.terms) if sensitive else [],
        moment=moment.name if moment else None,
        posting_window=getattr(s, "posting_window", "") or "",
        link=link, link_terms=matched[:3], matching=matching_stories, stories=len(ctx.texts),
        moment_day=moment.day if moment else None, queries=list(ctx.queries),
    )
    topic.reason = explain(s, story_hits, matching_stories, len(ctx.texts), blocked,
                           sensitive=sensitive, held_back=avoided,
                           moment=_moment_phrase(moment, today))
    return topic, blocked


@dataclass(frozen=True, slots=True)
class _Fit:
    """How a topic's label and stories match one list of keywords."""

    relevance: float
    label_hits: list[Keyword]
    story_hits: dict[str, int]      # keyword -> stories that match it
    matching: int                   # stories that match any

    @property
    def label_hit(self) -> bool:
        return bool(self.label_hits)


def _fit(specs: Sequence[Keyword], label: str, texts: Sequence[str]) -> _Fit:
    if not specs:
        return _Fit(0.0, [], {}, 0)
    label_hits = keyword_hits(specs, label)
    per_story = [keyword_hits(specs, t) for t in texts]
    story_hits: dict[str, int] = {}
    for hits in per_story:
        for k in hits:
            story_hits[k.term] = story_hits.get(k.term, 0) + 1
    n = max(len(texts), 1)
    # A story counts by its strongest keyword; weights above 1 let one story count for more,
    # weights below 1 ("live") make a weak word need company.
    weight = sum(min(1.5, max(k.weight for k in hits)) for hits in per_story if hits)
    label_weight = max((k.weight for k in label_hits), default=0.0)
    relevance = min(1.0, weight / n + (LABEL_BONUS * min(label_weight, 1.5) if label_hits
                                       else 0.0))
    return _Fit(relevance, label_hits, story_hits, sum(1 for hits in per_story if hits))


def _moment_phrase(m: Moment | None, today: date | None) -> str | None:
    if m is None:
        return None
    days = (m.day - today).days if today else None
    when = "today" if days == 0 else "tomorrow" if days == 1 else \
        f"in {days} days" if days is not None else f"on {m.day:%d %b}"
    return f"ties in with {m.name} {when}"


def explain(s: TopicSignal, story_hits: dict[str, int], matching: int, total: int | None = None,
            blocked: str | None = None, *, sensitive: Sensitivity | None = None,
            held_back: bool = True, moment: str | None = None) -> str:
    """'matches kopi, nobar in 4 of 6 stories; rising, +320% vs its usual day; 18 mentions in
    24 h from 5 sources; ties in with ... in 3 days'."""
    parts = []
    if blocked:
        parts.append(f"excluded: mentions {blocked}")
    if sensitive is not None and held_back:
        parts.append(f"held back: {_sensitive_phrase(sensitive)}")
    if story_hits:
        terms = ", ".join(sorted(story_hits, key=lambda k: (-story_hits[k], k))[:3])
        of = f" of {total}" if total and total > matching else ""
        noun = "story" if matching == 1 and not of else "stories"
        parts.append(f"matches {terms} in {matching}{of} {noun}")
    else:
        parts.append("no client keyword in its stories")
    change = (s.velocity - 1.0) * 100
    if s.state in ("new", "rising") and change > 0:
        parts.append(f"{s.state}, {change:+.0f}% vs its usual day")
    else:
        parts.append(f"{s.state}")
    parts.append(f"{s.mentions} mentions in 24 h from {s.breadth} "
                 f"{'source' if s.breadth == 1 else 'sources'}")
    if moment:
        parts.append(moment)
    if sensitive is not None and not held_back:
        parts.append(f"flagged: {_sensitive_phrase(sensitive)}")
    return "; ".join(parts)


def _sensitive_phrase(s: Sensitivity) -> str:
    where = "its label" if s.in_label and not s.articles else \
        f"{s.articles} {'story' if s.articles == 1 else 'stories'}"
    return f"sensitive, {CATEGORY_LABELS[s.category][0]} ({', '.join(s.terms)} in {where})"


def select_topics(scored: Sequence[ScoredTopic], contexts: dict[str, TopicContext],
                  limit: int, overlap: float = 0.5) -> list[ScoredTopic]:
    """The best topics, skipping one whose stories are mostly those of a topic already chosen
    ("timnas indonesia" and "arab saudi" about the same match are one idea, not two)."""
    chosen: list[ScoredTopic] = []
    for t in sorted(scored, key=lambda t: (-t.score, t.key)):
        if t.score <= 0 or len(chosen) >= limit:
            break
        mine = contexts[t.key].item_keys
        if any(_overlap(mine, contexts[c.key].item_keys) >= overlap for c in chosen):
            continue
        chosen.append(t)
    return chosen


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
