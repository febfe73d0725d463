"""Automatic checks over one client-day's ideas: what makes an idea "wrong" by the rubric of
docs/ideas.md without anybody reading it. Each check returns its problems as short lines
that start with the check's name ("date: ..."); no problem means the idea passes.

- brand: no angle or phrase disclaims the brand's own field ("kami bukan ahlinya", "isn't
  our field"); a sensitive story is informed about, never sold on; the day's buzz is joined
  with a question, never a sale;
- date: every countdown ("H-10", "hari H", "H+1", "in 10 days") agrees with the calendar
  as seen from the client's local day, and "hari ini", "malam ini", "besok", "today",
  "tonight", "tomorrow" appear only when the calendar says so or one of the idea's facts
  does, read from a story of that very day; no story comes from after `now`;
- label: the topic's label passes the label rules (trends/understand/labels.py): a
  fragment or a generic phrase read as a topic is wrong;
- skip: no idea is offered for a topic its posting window says to skip;
- grounded: the caption carries one of the idea's facts and the idea links a story behind
  it; every number in the hook and caption is one the stories give (prepare ideas stand on
  the calendar instead);
- platform: an X post fits 280 characters with its hashtags, Instagram and TikTok get their
  outline, no template slot is left unfilled;
- mentions: no Slack mention or link syntax (<@U1>, <!channel>, @here, <https://...|...>).

Pure: plain records in, lines out. The calendar comes from trends/decide/calendar.py, the
label rules from trends/understand/labels.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from trends.config import ClientConfig
from trends.decide.calendar import countdown, moment_name, moments_between
from trends.decide.ideas.writer import ANGLES, MAX_HASHTAGS, PLATFORMS, X_LIMIT
from trends.models import Article, Idea, Moment, ScoredTopic
from trends.understand.labels import label_problem, label_words

__all__ = ["CHECKS", "ClientDay", "advises_skip", "check_brand", "check_date", "check_grounded",
           "check_idea", "check_ideas", "check_label", "check_mentions", "check_platform",
           "check_skip", "idea_moments", "label_kind", "says_something", "x_length"]


@dataclass(frozen=True, slots=True)
class ClientDay:
    """What the checks know of one client-day beside its ideas.

    `topics` are the day's scored topics by key (those the ideas were written from, at
    least); `moments` default to the calendar two weeks back and three months ahead of
    `local_date`. `kinds` give the candidate kind of each topic's label (query, hashtag,
    name, phrase) and `names` the lowercase words the day's sources wrote as names, as the
    clustering had them; without them both are read from the topic itself."""

    client: ClientConfig
    local_date: date
    now: datetime
    topics: Mapping[str, ScoredTopic] = field(default_factory=dict)
    moments: Sequence[Moment] | None = None
    kinds: Mapping[str, str] = field(default_factory=dict)
    names: Collection[str] = ()

    def calendar(self) -> Sequence[Moment]:
        """The moments the date claims are read against."""
        if self.moments is not None:
            return self.moments
        return moments_between(self.local_date - timedelta(days=14),
                               self.local_date + timedelta(days=90), self.client)


# --- brand ---------------------------------------------------------------------------------

# What the old "trust" templates said: the brand is no expert in what it posts about.
_DISCLAIMERS = re.compile(
    r"\bbukan (?:ahli(?:nya)?|bidang (?:kami|kita)|keahlian (?:kami|kita))\b|\bsok tahu\b|"
    r"\blebih suka jujur\b|\bnot (?:our|my) (?:field|area|expertise|thing)\b|"
    r"\bisn[’']t our (?:field|area|expertise|thing)\b|\bwe[’']re not (?:the )?experts?\b|"
    r"\brather be honest\b", re.I)
_SALES = frozenset({"soft_sell", "hard_sell", "behind_the_scenes"})
# Buzz is joined lightly: a question, an explainer that answers one, or (flagged) information.
_BUZZ_ANGLES = frozenset({"question", "educational", "trust"})


def check_brand(idea: Idea, day: ClientDay) -> list[str]:
    """The idea never contradicts the brand: no disclaimer of its own field, no sale on a
    sensitive story, only a light touch on buzz."""
    out = []
    topic = day.topics.get(idea.topic_key)
    found = _DISCLAIMERS.search(_copy(idea))
    if found and (idea.link == "field" or _own_field(day.client, idea, topic)):
        out.append(f"brand: disclaims the brand's own field ({found.group(0)!r})")
    if idea.angle not in ANGLES:
        out.append(f"brand: unknown angle {idea.angle!r}")
    elif idea.angle == "trust" and not idea.warning:
        # the angle that once said "not our field"; now it only informs on a flagged story
        out.append("brand: trust angle on a story that is not flagged sensitive")
    sensitive = bool(idea.warning or (topic is not None and topic.sensitivity))
    if sensitive and idea.angle in _SALES:
        out.append(f"brand: {idea.angle} on a sensitive story")
    if (idea.link == "buzz" or idea.kind == "light") and idea.angle not in _BUZZ_ANGLES:
        out.append(f"brand: {idea.angle} on the day's buzz (only a question joins it)")
    return out


def _own_field(client: ClientConfig, idea: Idea, topic: ScoredTopic | None) -> bool:
    """Whether the topic carries the brand's own keywords in its label or its link."""
    terms = {k.term.lower() for k in client.keyword_specs} | {k.lower() for k in client.keywords}
    label = " ".join(label_words(idea.topic_label))
    if any(re.search(rf"\b{re.escape(t)}\b", label) for t in terms):
        return True
    return topic is not None and topic.link == "field"


# --- date ----------------------------------------------------------------------------------

# Countdowns as trends.decide.calendar.countdown writes them, each with the day offset it
# claims (moment day minus the local day).
_COUNTDOWNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = (
    (re.compile(r"(?<![\w-])H\s?-\s?(\d{1,3})\b"), lambda m: int(m.group(1))),
    (re.compile(r"(?<![\w-])H\s?\+\s?(\d{1,3})\b"), lambda m: -int(m.group(1))),
    (re.compile(r"\bhari H\b", re.I), lambda m: 0),
    (re.compile(r"\bin (\d{1,3}) days?\b", re.I), lambda m: int(m.group(1))),
    (re.compile(r"\b(\d{1,3}) days? ago\b", re.I), lambda m: -int(m.group(1))),
)
# Words that say which day it is, with the offset they claim and the same word in the other
# language (a fact read from an Indonesian story may be shown in English).
_RELATIVE: dict[str, tuple[int, str]] = {
    "hari ini": (0, "today"), "malam ini": (0, "tonight"), "pagi ini": (0, "this morning"),
    "sore ini": (0, "this afternoon"), "siang ini": (0, "this afternoon"),
    "besok": (1, "tomorrow"), "lusa": (2, "the day after tomorrow"),
    "kemarin": (-1, "yesterday"),
    "today": (0, "hari ini"), "tonight": (0, "malam ini"), "this morning": (0, "pagi ini"),
    "this afternoon": (0, "sore ini"), "this evening": (0, "malam ini"),
    "tomorrow": (1, "besok"), "yesterday": (-1, "kemarin"),
}
_RELATIVE_RE = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w) for w in _RELATIVE),
                                                     key=len, reverse=True)) + r")\b", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n")


def check_date(idea: Idea, day: ClientDay) -> list[str]:
    """Every date the copy claims is true on the client's local day."""
    out = []
    text = _copy(idea)
    moments = idea_moments(idea, day)
    articles = _articles(idea, day)
    for claim, offset in _date_claims(text):
        if any(_offset(m, day) == offset for m in moments):
            continue
        if _said_today(claim, idea, articles, day):
            continue
        if not moments:
            out.append(f"date: {claim!r} but no calendar moment is named and no story of "
                       f"{day.local_date} says it")
            continue
        m = moments[0]
        lang = "id" if idea.language == "id" else "en"
        out.append(f"date: {claim!r} but {moment_name(m, lang)} is "
                   f"{countdown(m.day, day.local_date, lang)} on {day.local_date}")
    # "Hari ini Harbolnas 12.12" ten days early: a today-word beside a moment of another day,
    # whatever a story of today may say about something else.
    for sentence in _SENTENCES.split(text):
        today_words = [w for w in _RELATIVE_RE.findall(sentence) if _RELATIVE[w.lower()][0] == 0]
        if not today_words:
            continue
        for m in day.calendar():
            if _offset(m, day) != 0 and _names_moment(sentence, m):
                out.append(f"date: {today_words[0]!r} beside {moment_name(m, 'id')}, which is "
                           f"{countdown(m.day, day.local_date, 'id')} on {day.local_date}")
                break
    late = [a for a in articles if a.published_at is not None and a.published_at > day.now]
    if late:
        out.append(f"date: a story published after now ({late[0].title!r})")
    return list(dict.fromkeys(out))


def idea_moments(idea: Idea, day: ClientDay) -> list[Moment]:
    """The calendar moments an idea speaks of: a prepare idea's own (its topic key is
    "moment:YYYY-MM-DD:name"), its topic's, and any whose name the copy says."""
    calendar = day.calendar()
    own: list[tuple[date, str]] = []
    if idea.topic_key.startswith("moment:"):
        _, when, name = idea.topic_key.split(":", 2)
        own.append((date.fromisoformat(when), name))
    topic = day.topics.get(idea.topic_key)
    if topic is not None and topic.moment and topic.moment_day:
        own.append((topic.moment_day, topic.moment))
    # the calendar's own record where it has one: its kind decides how its name reads
    found = [next((m for m in calendar if (m.day, m.name) == (d, n)), Moment(d, n, "client"))
             for d, n in own]
    text = _copy(idea)
    found += [m for m in calendar if _names_moment(text, m)]
    unique = {(m.day, m.name): m for m in found}
    return list(unique.values())


def _names_moment(text: str, m: Moment) -> bool:
    lowered = text.lower()
    names = {m.name, m.name.split(" (")[0], moment_name(m, "id"), moment_name(m, "en")}
    return any(len(n) >= 4 and n.lower() in lowered for n in names)


def _offset(m: Moment, day: ClientDay) -> int:
    return (m.day - day.local_date).days


def _date_claims(text: str) -> list[tuple[str, int]]:
    claims: list[tuple[str, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern, offset in _COUNTDOWNS:
        for m in pattern.finditer(text):
            claims.append((m.group(0), offset(m)))
            taken.append(m.span())
    for m in _RELATIVE_RE.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            claims.append((m.group(0), _RELATIVE[m.group(0).lower()][0]))
    return claims


def _said_today(claim: str, idea: Idea, articles: Sequence[Article], day: ClientDay) -> bool:
    """Whether a fact of the idea says the claim, read from a story of the local day (a story
    of yesterday that said "malam ini" spoke of last night)."""
    words = {claim.lower()}
    if claim.lower() in _RELATIVE:
        words.add(_RELATIVE[claim.lower()][1])
    facts = " | ".join(idea.facts).lower()
    if not any(w in facts for w in words):
        return False
    zone = ZoneInfo(day.client.timezone)
    for a in articles:
        if a.published_at is None or a.published_at > day.now:
            continue
        if a.published_at.astimezone(zone).date() != day.local_date:
            continue
        story = f"{a.title}. {a.summary}".lower()
        if any(re.search(rf"\b{re.escape(w)}\b", story) for w in words):
            return True
    return False


# --- label ---------------------------------------------------------------------------------

def check_label(idea: Idea, day: ClientDay) -> list[str]:
    """The topic is a topic: its label passes the label rules. A prepare idea is named after
    its calendar moment, not a label."""
    if idea.kind == "prepare":
        return []
    topic = day.topics.get(idea.topic_key)
    kind = day.kinds.get(idea.topic_key) or label_kind(idea.topic_label, topic, idea.hashtags)
    names = {*day.names, *_written_names(topic.articles if topic else idea.articles)}
    problem = label_problem(idea.topic_label, kind, names)
    if problem is None:
        return []
    return [f"label: {idea.topic_label!r} is {problem} (as a {kind})"]


_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_JOINERS = frozenset({"dan", "and", "of", "the", "di", "de", "da", "van", "vs", "v", "x", "&"})


def label_kind(label: str, topic: ScoredTopic | None = None,
               hashtags: Sequence[str] = ()) -> str:
    """The candidate kind a label most likely had, when the understand stage's is not at
    hand: a query people typed, a hashtag, a name (written with capitals) or a phrase."""
    if label.startswith("#"):
        return "hashtag"
    if topic is not None and label.lower() in {q.lower() for q in topic.queries}:
        return "query"
    squashed = "".join(label_words(label))
    tags = [*(topic.hashtags if topic else ()), *hashtags]
    if any(t.lstrip("#").lower() == squashed for t in tags):
        return "hashtag"
    words = _WORD.findall(label)
    if words and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _JOINERS
                     for w in words):
        return "name"
    return "phrase"


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[\w,;:] )([A-Z][\w'’-]+)")


def _written_names(articles: Sequence[Article]) -> set[str]:
    """Words the stories' summaries write with a capital mid-sentence (headlines capitalize
    every word and say nothing)."""
    return {m.group(1).lower() for a in articles for m in
            _MID_SENTENCE_CAPITAL.finditer(a.summary)}


# --- skip ----------------------------------------------------------------------------------

def advises_skip(advice: str) -> bool:
    """Whether a posting window or an urgency line tells the officer to skip the topic:
    "peaked 2 days ago: skip", "fading: skip unless it fits", and their Indonesian ("sudah
    puncak 2 hari lalu: lewati"). "post early or skip" leaves the choice open: not a skip."""
    text = advice.strip().lower()
    return (text.endswith((": skip", ": lewati")) or ": skip " in text
            or ": lewati " in text)


def check_skip(idea: Idea, day: ClientDay) -> list[str]:
    """No idea for a topic the signal says to skip."""
    topic = day.topics.get(idea.topic_key)
    if topic is not None and advises_skip(topic.posting_window):
        return [f"skip: offered although the signal says {topic.posting_window!r}"]
    if advises_skip(idea.urgency):
        return [f"skip: offered although its urgency says {idea.urgency!r}"]
    return []


# --- grounded ------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NOT_COPY = re.compile(r"#\w+|\[[^\]]*\]")
# What a fact is not: a currency sign alone ("Rp"), or a number that says how big but not
# what it counts ("3,7 juta"), with a word that only leads it ("tembus", "hingga").
_CURRENCY = re.compile(r"\b(?:rp|idr|usd|us)\b\.?|\$", re.I)
_BARE_NUMBER = re.compile(
    r"(?:(?:diskon|tembus|capai|mencapai|hingga|sampai|lebih dari|sebanyak|naik|turun|"
    r"over|up to|to)\s)*\d[\d.,]*\s?(?:ribu|juta|miliar|triliun|rb|jt|thousand|million|"
    r"billion|trillion)?", re.I)


def check_grounded(idea: Idea, day: ClientDay) -> list[str]:
    """The caption carries a fact of the stories and the idea links the story; no number the
    stories do not give. A prepare idea stands on the calendar: only its numbers are read."""
    out = []
    articles = _articles(idea, day)
    if idea.kind != "prepare":
        caption = idea.caption.lower()
        real = [f for f in idea.facts if says_something(f, idea.topic_label)]
        if not idea.facts:
            out.append("grounded: no fact from the stories")
        elif not any(f.lower() in caption for f in real):
            carried = [f for f in idea.facts if f.lower() in caption]
            out.append(f"grounded: the caption's only fact says nothing concrete "
                       f"({carried[0]!r})" if carried else
                       f"grounded: the caption carries none of its facts ({idea.facts[0]!r})")
        urls = {a.url for a in articles if a.url}
        if not idea.source_url:
            out.append("grounded: links no story")
        elif urls and idea.source_url not in urls:
            out.append(f"grounded: links a story not behind the topic ({idea.source_url})")
    # the facts themselves are not evidence: a rewrite keeps the draft's facts
    known = " ".join([idea.topic_label, day.client.name,
                      *(f"{a.title} {a.summary}" for a in articles),
                      *(f"{m.name} {m.day:%d %m %Y}" for m in idea_moments(idea, day))])
    copy = _NOT_COPY.sub(" ", f"{idea.hook}\n{idea.caption}")
    for pattern, _ in _COUNTDOWNS:
        copy = pattern.sub(" ", copy)
    for number in dict.fromkeys(_NUMBER.findall(copy)):
        if not re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", known):
            out.append(f"grounded: {number} is no number of the stories")
    return out


def says_something(fact: str, label: str) -> bool:
    """Whether a fact tells more than the topic's label: not the label's own words
    ("Dudung Abdurachman" of the topic "Dudung Abdurachman"), not a currency sign alone, not
    a bare amount without what it counts."""
    rest = _CURRENCY.sub(" ", fact).strip(" ,.;:")
    if not re.search(r"\w", rest):
        return False
    if _BARE_NUMBER.fullmatch(rest) and not _CURRENCY.search(fact):
        return False
    words = set(label_words(fact))
    return not words or not words <= set(label_words(label))


# --- platform ------------------------------------------------------------------------------

_SLOT = re.compile(r"[{}]")
_TAG = re.compile(r"#\w+")


def x_length(idea: Idea) -> int:
    """An X post's length: the caption, then each hashtag after a space."""
    return len(idea.caption) + sum(len(t) + 1 for t in idea.hashtags)


def check_platform(idea: Idea, day: ClientDay) -> list[str]:
    """The idea has the platform's shape and no template slot left unfilled."""
    out = []
    if idea.platform not in PLATFORMS:
        out.append(f"platform: unknown platform {idea.platform!r}")
    if idea.platform == "x" and x_length(idea) > X_LIMIT:
        out.append(f"platform: X post of {x_length(idea)} characters with its hashtags "
                   f"(limit {X_LIMIT})")
    if idea.platform in ("instagram", "tiktok") and len(idea.outline) < 3:
        what = "carousel outline" if idea.platform == "instagram" else "hook and beats"
        out.append(f"platform: {idea.platform} idea without its {what} "
                   f"({len(idea.outline)} lines)")
    if not idea.hook.strip() or not idea.caption.strip():
        out.append("platform: empty hook or caption")
    for text in (idea.hook, idea.caption, *idea.outline, *idea.hashtags):
        if _SLOT.search(text):
            out.append(f"platform: a template slot left in {text[:60]!r}")
            break
    if len(idea.hashtags) > MAX_HASHTAGS:
        out.append(f"platform: {len(idea.hashtags)} hashtags (at most {MAX_HASHTAGS})")
    bad = [t for t in idea.hashtags if not _TAG.fullmatch(t)]
    if bad:
        out.append(f"platform: not a hashtag: {bad[0]!r}")
    return out


# --- mentions ------------------------------------------------------------------------------

# Slack reads these as a ping or a link, whatever the renderer escapes: the copy is pasted
# into other tools too.
_MENTION = re.compile(r"<(?:[@!#]|https?:|mailto:)[^>\s]*>?"
                      r"|(?<![\w.])@(?:here|channel|everyone)\b", re.I)


def check_mentions(idea: Idea, day: ClientDay) -> list[str]:
    """No Slack mention or link syntax anywhere in the idea."""
    for text in (idea.hook, idea.caption, *idea.outline, *idea.hashtags):
        found = _MENTION.search(text)
        if found:
            return [f"mentions: {found.group(0)!r} in {text[:60]!r}"]
    return []


CHECKS: dict[str, Callable[[Idea, ClientDay], list[str]]] = {
    "brand": check_brand, "date": check_date, "label": check_label, "skip": check_skip,
    "grounded": check_grounded, "platform": check_platform, "mentions": check_mentions,
}


def check_idea(idea: Idea, day: ClientDay) -> list[str]:
    """Every check's problems with one idea, each line starting with the check's name."""
    return [p for check in CHECKS.values() for p in check(idea, day)]


def check_ideas(ideas: Sequence[Idea], client: ClientConfig, local_date: date, now: datetime,
                *, topics: Mapping[str, ScoredTopic] | None = None,
                moments: Sequence[Moment] | None = None, kinds: Mapping[str, str] | None = None,
                names: Collection[str] = ()) -> list[str]:
    """Every problem of one client-day's ideas, each line naming its check and the idea."""
    day = ClientDay(client=client, local_date=local_date, now=now, topics=topics or {},
                    moments=moments, kinds=kinds or {}, names=names)
    return [f"{p} [{i.client_id} {local_date} {i.topic_label!r} {i.language}/{i.platform}]"
            for i in ideas for p in check_idea(i, day)]


def _copy(idea: Idea) -> str:
    """What the officer would post: hook, caption and outline."""
    return "\n".join([idea.hook, idea.caption, *idea.outline])


def _articles(idea: Idea, day: ClientDay) -> list[Article]:
    topic = day.topics.get(idea.topic_key)
    seen: dict[tuple[str, str | None], Article] = {}
    for a in [*idea.articles, *(topic.articles if topic else ())]:
        seen.setdefault((a.title, a.url), a)
    return list(seen.values())
