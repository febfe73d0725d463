"""Post ideas: for each chosen topic, an angle, a platform, and copy per language, grounded in
the topic's stories.

Decided before any text, in this order:
1. the link (why the topic fits the brand: its own field, its audience, a calendar moment, the
   day's buzz; trends/decide/relevance.py decides it) and, from it and the client's tone, the
   angle: a brand never disclaims its own field, a sensitive story is informed about, never
   sold on, and one idea a day answers a question people are asking when the stories answer
   it;
2. the facts (trends/decide/ideas/facts.py): a template is eligible only when the stories
   fill every slot it names, and every caption carries one of their facts;
3. the platform and its shape: an X post within 280 characters, an Instagram caption with a
   carousel outline, a TikTok hook with the beats after it, a Facebook caption.

Templates live in trends/decide/ideas/templates.toml (the team extends them there). Choices
are deterministic: a stable hash of (client, topic, local day) picks among eligible
templates, so that re-scoring a day gives the same text and the next day reads differently.
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from trends.config import ClientConfig
from trends.decide.calendar import countdown, moment_name
from trends.decide.ideas.facts import Fact, Question, find_facts, find_questions
from trends.decide.ideas.llm import WriteRequest
from trends.decide.safety import Sensitivity, warning_text
from trends.models import Idea, Moment, ScoredTopic
from trends.understand.labels import VERB, word_class

__all__ = ["ANGLES", "FACT_SLOTS", "MAX_HASHTAGS", "PLATFORMS", "X_LIMIT", "Template",
           "label_hashtag", "light_ideas", "prepare_ideas", "request_for", "templates",
           "urgency", "why_text", "write_ideas", "writer_note"]

ANGLES = ("soft_sell", "hard_sell", "behind_the_scenes", "educational", "question", "trust",
          "greeting")
PLATFORMS = ("instagram", "tiktok", "x", "facebook")
MAX_HASHTAGS = 5
X_LIMIT = 280
_LANGUAGE_ORDER = ("id", "en")
# Slots a story fills: a caption needs one of them (the label alone never makes a caption).
FACT_SLOTS = frozenset({"money", "number", "time", "date", "place", "name", "fact", "answer"})

# The angle a link takes with each tone. A brand never disclaims its own field: there is no
# "not our field" angle at all, and light buzz is only ever a question to followers.
_ANGLE: dict[str, dict[str, tuple[str, ...]]] = {
    "field": {"soft_sell": ("soft_sell",), "hard_sell": ("hard_sell",),
              "mixed": ("behind_the_scenes", "soft_sell")},
    "audience": {"soft_sell": ("soft_sell", "question"), "hard_sell": ("soft_sell",),
                 "mixed": ("question", "soft_sell")},
    "moment": {"soft_sell": ("soft_sell",), "hard_sell": ("hard_sell",),
               "mixed": ("educational", "soft_sell")},
    "buzz": {"soft_sell": ("question",), "hard_sell": ("question",), "mixed": ("question",)},
}
# When no template of the chosen angle can be filled, the next of these that can.
_FALLBACK_ANGLES = ("soft_sell", "question")

_URGENCY: dict[str, dict[str, str]] = {
    "new": {"en": "new: post today", "id": "baru: posting hari ini"},
    "rising": {"en": "rising: post today", "id": "naik: posting hari ini"},
    "peaking": {"en": "peaking: post by noon", "id": "puncak: posting sebelum jam 12"},
    "fading": {"en": "fading: only if it fits", "id": "meredup: posting kalau memang nyambung"},
    "steady": {"en": "steady: post if it fits", "id": "stabil: posting kalau nyambung"},
}
_PREPARE_URGENCY = {"en": "prepare: plan the post now", "id": "siapkan: rencanakan postingnya"}
_LIGHT_URGENCY = {"en": "light touch: only if it fits the day",
                  "id": "ringan: kalau pas dengan suasana hari ini"}

# How well each platform carries each angle: offers want visuals and a link in bio, questions
# want a comment thread.
_ANGLE_FIT: dict[str, dict[str, float]] = {
    "soft_sell": {"instagram": 3.0, "tiktok": 2.5, "facebook": 1.0, "x": 0.5},
    "hard_sell": {"instagram": 3.0, "facebook": 2.0, "tiktok": 1.5, "x": 0.5},
    "question": {"x": 3.0, "facebook": 2.0, "instagram": 1.0, "tiktok": 1.0},
    # explainers read best as an Instagram carousel; backstage clips are made for TikTok
    "educational": {"instagram": 3.0, "facebook": 2.0, "x": 1.0, "tiktok": 1.0},
    "behind_the_scenes": {"tiktok": 3.0, "instagram": 2.5, "facebook": 1.0, "x": 0.5},
    "trust": {"instagram": 2.0, "x": 2.0, "facebook": 2.0, "tiktok": 0.0},
    "greeting": {"instagram": 3.0, "facebook": 2.0, "x": 1.0, "tiktok": 0.0},
}
# Fresh topics live on fast feeds; fading ones still reach Facebook's slower audience.
_STATE_FIT: dict[str, dict[str, float]] = {
    "new": {"x": 1.5, "tiktok": 1.0},
    "rising": {"tiktok": 1.5, "x": 1.0},
    "peaking": {"instagram": 1.0, "tiktok": 0.5},
    "fading": {"facebook": 1.5, "instagram": 0.5},
    "steady": {"facebook": 1.0, "instagram": 1.0},
}
_VIDEO_CUES = frozenset({
    "challenge", "viral", "lagu", "musik", "music", "song", "konser", "concert", "dance",
    "joget", "trailer", "film", "movie", "resep", "recipe", "meme", "tutorial", "fyp", "kuliner",
})
_LIVE_CUES = frozenset({
    "vs", "skor", "score", "live", "debat", "debate", "sidang", "pemilu", "election",
    "breaking", "timnas", "liga", "league", "final", "match", "laga",
})
_WORD = re.compile(r"[^\W_]+")
_TAG_BODY = re.compile(r"\w+")
_RELATIVE_TIMES = frozenset({"malam ini", "hari ini", "sore ini", "pagi ini", "besok", "tonight",
                             "today", "tomorrow"})
# The order in which a {fact} slot takes the story's facts.
_FACT_ORDER = ("money", "number", "time", "place", "date", "name")
# Which facts answer which question.
_ANSWERS = {"kapan": ("date", "time"), "jadwal": ("time", "date"), "when": ("date", "time"),
            "berapa": ("money", "number"), "harga": ("money",), "di mana": ("place",),
            "siapa": ("name",),
            "cara": ("number", "date", "place"), "how to": ("number", "date", "place"),
            "apa itu": ("number", "money", "name"), "what is": ("number", "money", "name")}
_UNITS_EN = {"menit": "minutes", "jam": "hours", "detik": "seconds", "hari": "days",
             "pekan": "weeks", "minggu": "weeks", "bulan": "months", "tahun": "years",
             "persen": "percent", "orang": "people", "warga": "residents",
             "pekerja": "workers", "penonton": "viewers", "ribu": "thousand",
             "juta": "million", "miliar": "billion", "triliun": "trillion",
             "malam ini": "tonight", "hari ini": "today", "besok": "tomorrow",
             "sore ini": "this afternoon", "pagi ini": "this morning"}
_UNITS_ID = {v: k for k, v in _UNITS_EN.items() if k not in ("minggu",)} | {
    "percent": "persen", "tonight": "malam ini", "today": "hari ini", "tomorrow": "besok"}
# The words before a number that say what it measures (facts.py), in the other language: an
# English idea never reads "ludes dalam 7 minutes".
_LEADS_EN = {"ludes dalam": "sold out in", "habis dalam": "gone in", "ludes": "sold out",
             "habis": "gone", "terjual": "sold", "diskon hingga": "discounts of up to",
             "diskon": "a discount of", "potongan": "a discount of", "tembus": "topping",
             "mencapai": "reaching", "capai": "reaching", "hingga": "up to", "sampai": "up to",
             "lebih dari": "more than", "sebanyak": "", "mulai dari": "from", "mulai": "from",
             "sekitar": "about", "kurang dari": "less than", "minimal": "at least",
             "maksimal": "at most", "naik": "up", "turun": "down", "dalam": "in",
             "pukul": "at", "diprediksi tembus": "forecast to top", "diprediksi": "forecast",
             "diperkirakan": "expected", "ditargetkan": "targeted", "diproyeksikan": "projected",
             "target": "a target of"}
_LEADS_ID = {"sold out in": "ludes dalam", "sold out": "ludes", "up to": "hingga",
             "more than": "lebih dari", "starting at": "mulai", "from": "mulai",
             "about": "sekitar", "around": "sekitar", "over": "lebih dari", "in": "dalam"}


@dataclass(frozen=True, slots=True)
class Template:
    """One hook, caption and tie-in for an angle, a language and the links it suits."""

    angle: str
    language: str
    links: tuple[str, ...]
    hook: str
    caption: str
    tie_in: str

    @property
    def slots(self) -> frozenset[str]:
        return frozenset(_slots(self.hook) | _slots(self.caption) | _slots(self.tie_in))


@cache
def _library() -> dict[str, Any]:
    return tomllib.loads(resources.files("trends.decide.ideas").joinpath("templates.toml")
                         .read_text(encoding="utf-8"))


def templates() -> list[Template]:
    """Every template of templates.toml."""
    return [Template(angle=t["angle"], language=t["language"], links=tuple(t["links"]),
                     hook=t["hook"], caption=t["caption"], tie_in=t["tie_in"])
            for t in _library()["template"]]


def _slots(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(slots=True)
class _Grounds:
    """What the stories give one topic's ideas: facts by kind, questions, the story linked."""

    facts: list[Fact]
    questions: list[Question]

    def fact(self, kind: str, language: str) -> Fact | None:
        """The first fact of a kind, one in the idea's language first."""
        found = [f for f in self.facts if f.kind == kind]
        same = [f for f in found if f.language == language]
        return (same or found)[0] if found else None

    def best(self, language: str) -> Fact | None:
        """The strongest talking point: an amount or a number ("lagi ramai, dengan GBK",
        "with tonight" or a bare name say nothing of what happened)."""
        for kind in ("money", "number"):
            f = self.fact(kind, language)
            if f is not None:
                return f
        return None


def write_ideas(client: ClientConfig, topics: Sequence[ScoredTopic], local_date: date, *,
                summaries: Mapping[str, Sequence[str]] | None = None,
                questions_per_day: int = 1) -> list[Idea]:
    """One idea per topic and client language (id before en), in the topics' order; a topic
    whose stories give no fact for any template gets none (its caption would be the label
    alone). `summaries` are the texts of each topic's articles, by topic key.

    Bilingual ideas share the angle, platform, hashtags and facts of their topic."""
    languages = _languages(client)
    ideas: list[Idea] = []
    questions_left = questions_per_day
    seen: set[str] = set()
    for topic in topics:
        if topic.key in seen:
            continue
        seen.add(topic.key)
        grounds = _Grounds(
            facts=find_facts(topic.articles, topic_label=topic.label, today=local_date,
                             timezone=client.timezone,
                             summaries=(summaries or {}).get(topic.key)
                             or [a.summary for a in topic.articles]),
            questions=find_questions(topic.articles, topic.queries))
        if not any(f.text.lower() not in _RELATIVE_TIMES for f in grounds.facts):
            continue       # "hari ini" alone says nothing the label does not
        seed = (client.id, topic.key, local_date.isoformat())
        angles = _angles(client, topic, grounds, local_date, questions_left > 0)
        made = _ideas_for(client, topic, grounds, angles, languages, seed, local_date)
        if made and made[0].angle == "educational" and not topic.warning:
            questions_left -= 1
        ideas += made
    return ideas


def light_ideas(client: ClientConfig, topic: ScoredTopic, local_date: date) -> list[Idea]:
    """A light-touch idea from the day's safe buzz, for a day when nothing fits the brand: a
    question to followers, never a sale."""
    grounds = _Grounds(facts=find_facts(topic.articles, topic_label=topic.label,
                                        today=local_date, timezone=client.timezone,
                                        summaries=[a.summary for a in topic.articles]),
                       questions=find_questions(topic.articles, topic.queries))
    seed = (client.id, topic.key, local_date.isoformat(), "light")
    made = _ideas_for(client, topic, grounds, ("question",), _languages(client), seed,
                      local_date, kind="light")
    return made


def prepare_ideas(client: ClientConfig, moment: Moment, local_date: date) -> list[Idea]:
    """An idea to prepare for a calendar moment worth preparing for, labelled as such."""
    key = f"moment:{moment.day.isoformat()}:{moment.name}"
    seed = (client.id, key, local_date.isoformat())
    angles = _ANGLE["moment"].get(client.tone, _ANGLE["moment"]["mixed"])
    angle = angles[_stable_int(*seed, "angle") % len(angles)]
    # A public or religious holiday is greeted, never sold on: the greeting is prepared now
    # and posted on the day.
    link = {"holiday": "holiday", "client": "own"}.get(moment.kind, "moment")
    if link == "holiday" and "17 agustus" in moment.keywords:
        link = "independence"             # Dirgahayu RI: festive, not a wish for peace
    if link in ("holiday", "independence"):
        angle = "greeting"
    out = []
    for lang in _languages(client):
        values = {"moment": moment_name(moment, lang),
                  "when": countdown(moment.day, local_date, lang),
                  "brand": client.name, "kw": client.keywords[0] if client.keywords else "",
                  "topic": moment_name(moment, lang)}
        chosen = _pick(angle, lang, link, values, seed) or _pick("soft_sell", lang, link,
                                                                  values, seed)
        if chosen is None:
            continue
        template, filled = chosen
        hook, caption, tie_in = (_render(t, filled) for t in (template.hook, template.caption,
                                                               template.tie_in))
        platform = "instagram"
        outline = _outline(platform, hook, [], tie_in, template.angle, lang, None)
        out.append(Idea(
            client_id=client.id, topic_key=key, topic_label=moment_name(moment, lang),
            language=lang, angle=template.angle, platform=platform, hook=hook,
            caption=caption, hashtags=_hashtags([], client), urgency=_PREPARE_URGENCY[lang],
            why=_moment_why(moment, local_date, lang), link="moment", kind="prepare",
            facts=[f"{values['when']} {values['moment']}"], outline=outline))
    return out


_INFORM_ON = frozenset({"disaster", "accident"})


def _languages(client: ClientConfig) -> list[str]:
    return [lang for lang in _LANGUAGE_ORDER if lang in client.languages] or ["id"]


def _angles(client: ClientConfig, topic: ScoredTopic, grounds: _Grounds, day: date,
            question_allowed: bool) -> tuple[str, ...]:
    """The angles to try, best first."""
    if topic.warning:
        # A disaster or an accident shown to a `flag` client: inform its followers. A crime, a
        # SARA or a political story is nothing a brand should post on at all.
        return ("trust",) if topic.sensitivity in _INFORM_ON else ()
    options = _ANGLE.get(topic.link, _ANGLE["buzz"]).get(client.tone, ("soft_sell",))
    first = options[day.toordinal() % len(options)]
    ordered = [first, *(o for o in options if o != first), *_FALLBACK_ANGLES]
    if question_allowed and _answered(grounds) is not None:
        ordered.insert(0, "educational")
    return tuple(dict.fromkeys(ordered))


def _answered(grounds: _Grounds) -> tuple[Question, Fact] | None:
    """A question people ask that the stories answer, with the fact that answers it."""
    for q in grounds.questions:
        for kind in _ANSWERS.get(q.cue, ()):
            fits = [f for f in grounds.facts if f.kind == kind and _answers(q.cue, f)]
            fact = None
            if q.article is not None:
                fact = next((f for f in fits if f.article.title == q.article.title), None)
            fact = fact or next(iter(fits), None)
            if fact is not None:
                return q, fact
    return None


def _answers(cue: str, fact: Fact) -> bool:
    """Whether a fact of the right kind answers the question: "jam berapa" a clock time, not
    "malam ini"; "berapa harga" a price, not "naik Rp 6.000"."""
    if cue in ("jadwal",) and fact.kind == "time":
        return bool(re.search(r"\d", fact.text))
    if cue == "harga":
        return not re.match(r"(?:naik|turun|tembus|up|down)\b", fact.text, re.I)
    return True


def _ideas_for(client: ClientConfig, topic: ScoredTopic, grounds: _Grounds,
               angles: Sequence[str], languages: Sequence[str], seed: tuple[str, ...],
               day: date, *, kind: str = "idea") -> list[Idea]:
    """The topic's ideas in every language, with the first angle all languages can fill."""
    link = "buzz" if kind == "light" else topic.link
    for angle in angles:
        picked: list[tuple[str, Template, dict[str, str]]] = []
        for lang in languages:
            values = _values(client, topic, grounds, lang, day)
            # The second language says the first one's fact: its template uses the same
            # fact slots when one can.
            same = picked[0][1].slots & FACT_SLOTS if picked else None
            chosen = (_pick(angle, lang, link, values, seed, facts=same) if same else None) \
                or _pick(angle, lang, link, values, seed)
            if chosen is None:
                break
            picked.append((lang, *chosen))
        if len(picked) != len(languages):
            continue
        platform = _platform(angle, topic, seed)
        tags = _hashtags(topic.hashtags, client)
        ideas = []
        for lang, template, filled in picked:
            hook, caption, tie_in = (_render(t, filled) for t in (template.hook,
                                                                   template.caption,
                                                                   template.tie_in))
            used = _distinct([f for f in grounds.facts if _mentions(f, (hook, caption), lang)],
                             lang)
            source = next((f.article for f in used if f.article.url), None) or next(
                (a for a in topic.articles if a.url), None)
            shaped, shown_tags = _shape(platform, hook, caption, tags)
            outline = _outline(platform, hook, used, tie_in, angle, lang,
                               source.source if source else None)
            urgency_text = (_LIGHT_URGENCY[lang] if kind == "light"
                            else urgency(topic.state, lang, topic.posting_window))
            ideas.append(Idea(
                client_id=client.id, topic_key=topic.key, topic_label=topic.label,
                language=lang, angle=angle, platform=platform, hook=hook, caption=shaped,
                hashtags=shown_tags,
                urgency=urgency_text, why=why_text(topic, lang, day, light=kind == "light"),
                articles=list(topic.articles[:3]), warning=_warning(topic, lang), link=link,
                kind=kind, facts=[_fact_text(f, lang) for f in used][:3],
                outline=outline, source_url=source.url if source else None))
        return ideas
    return []


def _values(client: ClientConfig, topic: ScoredTopic, grounds: _Grounds, lang: str,
            day: date) -> dict[str, str]:
    values = {"topic": topic.label, "brand": client.name, "kw": _keyword(client, topic, lang)}
    venue = _venue(client)
    if venue:
        values["venue"] = venue
    for kind in _FACT_ORDER:
        f = grounds.fact(kind, lang)
        if f is not None:
            values[kind] = _fact_text(f, lang)
    best = grounds.best(lang)
    if best is not None:
        values["fact"] = _fact_text(best, lang)
    answered = _answered(grounds)
    if answered is not None:
        question, fact = answered
        phrasing = _library()["questions"][lang].get(question.cue)
        if phrasing:
            values["question"] = _once(phrasing.format(topic=topic.label))
            values["answer"] = _fact_text(fact, lang)
    if topic.moment and topic.moment_day:
        values["moment"] = topic.moment.split(" (")[0]
        values["when"] = countdown(topic.moment_day, day, lang)
    return values


def _pick(angle: str, lang: str, link: str, values: Mapping[str, str],
          seed: tuple[str, ...], *,
          facts: frozenset[str] | None = None) -> tuple[Template, dict[str, str]] | None:
    """A template of the angle, language and link whose every slot is filled (and, given
    `facts`, whose fact slots are those), chosen by the seed; None when none can be."""
    eligible = [t for t in templates()
                if t.angle == angle and t.language == lang and link in t.links
                and t.slots <= values.keys()
                and (facts is None or t.slots & FACT_SLOTS == facts)]
    if not eligible:
        return None
    # The templates that use the strongest fact the stories give come first: an amount, a
    # number, a time or a place tells more than a name.
    best = min(_strength(t) for t in eligible)
    eligible = [t for t in eligible if _strength(t) == best]
    template = eligible[_stable_int(*seed, angle, lang) % len(eligible)]
    return template, {k: v for k, v in values.items() if k in template.slots}


def _strength(t: Template) -> int:
    """0 for a template that uses an amount, number, time, place or an answer; 1 for a date or
    the generic {fact}; 2 for a name only (lower is stronger)."""
    slots = t.slots
    if slots & {"money", "number", "time", "place", "answer", "when"}:
        return 0
    if slots & {"date", "fact"}:
        return 1
    return 2


def _once(text: str) -> str:
    """A word said twice in a row once: "Berapa harga Harga Emas Antam?" is "Berapa Harga Emas
    Antam?"."""
    return re.sub(r"\b(\w+) (?=\1\b)", "", text, flags=re.I)


def _render(text: str, values: Mapping[str, str]) -> str:
    return _sentence_start(" ".join(text.format(**values).split()))


def _distinct(facts: list[Fact], lang: str) -> list[Fact]:
    """Facts none of which is part of another: "Rp 6 juta" goes when "mulai Rp 6 juta" is
    there."""
    shown = [_fact_text(f, lang).lower() for f in facts]
    return [f for i, f in enumerate(facts)
            if not any(i != j and shown[i] in other and (shown[i] != other or j < i)
                       for j, other in enumerate(shown))]


def _mentions(fact: Fact, texts: Sequence[str], lang: str) -> bool:
    shown = _fact_text(fact, lang).lower()
    return any(shown in t.lower() for t in texts)


def _fact_text(fact: Fact, lang: str) -> str:
    """A fact as the idea's language writes it: units lowercase, and translated when the
    story was in the other language ("7 Menit" is "7 minutes" in English)."""
    text = fact.text
    if fact.kind in ("money", "number", "time"):
        text = re.sub(r"[A-Za-z]+", lambda m: m.group(0) if m.group(0).isupper()
                      and len(m.group(0)) > 1 else m.group(0).lower(), text)
        text = re.sub(r"\brp(?=[\s\d]|$)", "Rp", text, flags=re.I)   # "rp700 juta" too
        translation = _translation(lang, fact.language)
        if translation is not None:
            table, pattern = translation
            text = pattern.sub(lambda m: table[m.group(0).lower()], text)
    if fact.kind == "time" and re.match(r"\d", text):
        # "is on at 19.30 WIB"; "Timnas vs Arab Saudi pukul 19.30 WIB"
        text = f"at {text}" if lang == "en" else f"pukul {text}"
    return " ".join(text.split())


@cache
def _translation(lang: str, source: str) -> tuple[dict[str, str], re.Pattern[str]] | None:
    """The words a fact of a `source`-language story changes to be read in `lang`, and one
    pattern for them, longest first, so that a translation is never translated again
    ("dalam" -> "in" must not become "dalam" once more). None when nothing changes."""
    table = _UNITS_EN if lang == "en" else _UNITS_ID if source == "en" else {}
    if source != lang:
        table = table | (_LEADS_EN if lang == "en" else _LEADS_ID)
    if not table:
        return None
    words = sorted(table, key=len, reverse=True)
    return table, re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.I)


def _shape(platform: str, hook: str, caption: str,
           tags: Sequence[str]) -> tuple[str, list[str]]:
    """The caption as the platform takes it, and the hashtags that go with it. X: one post of
    at most X_LIMIT characters with its hashtags: the caption's sentences as far as they fit,
    then the tags that still fit."""
    if platform != "x":
        return caption, list(tags)
    post = caption
    sentences = re.split(r"(?<=[.!?])\s+", caption)
    while len(post) > X_LIMIT and len(sentences) > 1:
        sentences.pop()
        post = " ".join(sentences)
    if len(post) > X_LIMIT:
        post = post[:X_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    shown: list[str] = []
    for tag in tags:
        if len(post) + sum(len(t) + 1 for t in shown) + 1 + len(tag) <= X_LIMIT:
            shown.append(tag)
    return post, shown


def _outline(platform: str, hook: str, facts: Sequence[Fact], tie_in: str, angle: str,
             lang: str, source: str | None) -> list[str]:
    """Instagram: a carousel of four slides (hook, the facts, the tie-in, the call to action).
    TikTok: the first seconds and the beats after them. Other platforms: none."""
    if platform not in ("instagram", "tiktok"):
        return []
    words = _library()["outline"][lang]
    cta = _library()["cta"][lang].get(angle, "")
    fact_line = ""
    if facts:
        fact_line = words["facts"].format(facts=", ".join(_fact_text(f, lang)
                                                          for f in facts[:3]))
        if source:
            fact_line += " " + words["source"].format(source=source)
    parts = [p for p in (fact_line, tie_in, cta) if p]
    if platform == "instagram":
        return [hook, *parts]
    return [words["hook"].format(hook=hook), *(words["beat"].format(text=p) for p in parts)]


def why_text(topic: ScoredTopic, lang: str, day: date, *, light: bool = False) -> str:
    """Why this topic, in the idea's language: the link in a few words, then the signal."""
    terms = ", ".join(topic.link_terms[:3])
    counted = (f" ({topic.matching} {'dari' if lang == 'id' else 'of'} {topic.stories} "
               f"{'berita' if lang == 'id' else 'stories'})" if topic.stories else "")
    if lang == "id":
        link = {"field": f"bidang brand: {terms}{counted}",
                "audience": f"yang dipedulikan audiens: {terms}{counted}",
                "moment": "momen kalender",
                "buzz": "ramai dibicarakan, aman untuk disapa ringan"}[
            "buzz" if light else topic.link]
        state = {"new": "baru", "rising": "naik", "peaking": "puncak", "steady": "stabil",
                 "fading": "meredup"}.get(topic.state, topic.state)
        change = (topic.velocity - 1) * 100
        parts = [link, state + (f", {change:+.0f}% dari biasanya"
                                if topic.state in ("new", "rising") and change > 0 else ""),
                 f"{topic.mentions} sebutan dalam 24 jam dari {topic.breadth} sumber"]
        if topic.moment and topic.moment_day:
            parts.append(f"{countdown(topic.moment_day, day, 'id')} "
                         f"{topic.moment.split(' (')[0]}")
        return "; ".join(parts)
    link = {"field": f"the brand's own field: {terms}{counted}",
            "audience": f"what its audience cares about: {terms}{counted}",
            "moment": "a calendar moment",
            "buzz": "the day's buzz, safe to join lightly"}["buzz" if light else topic.link]
    change = (topic.velocity - 1) * 100
    parts = [link, topic.state + (f", {change:+.0f}% vs its usual day"
                                  if topic.state in ("new", "rising") and change > 0 else ""),
             f"{topic.mentions} mentions in 24 h from {topic.breadth} "
             f"{'source' if topic.breadth == 1 else 'sources'}"]
    if topic.moment and topic.moment_day:
        parts.append(f"{topic.moment.split(' (')[0]} {countdown(topic.moment_day, day, 'en')}")
    return "; ".join(parts)


def _moment_why(moment: Moment, day: date, lang: str) -> str:
    if lang == "id":
        return (f"momen kalender: {moment_name(moment, 'id')} {countdown(moment.day, day, 'id')}"
                f"; belum ada tren yang pas hari ini, jadi ini waktunya bersiap")
    return (f"a calendar moment: {moment_name(moment, 'en')} {countdown(moment.day, day, 'en')}"
            f"; no trend fits today, so this is the time to prepare")


def _warning(topic: ScoredTopic, lang: str) -> str:
    """The topic's brand-safety warning in the idea's language (set only for `flag` clients)."""
    if not topic.warning or not topic.sensitivity:
        return ""
    verdict = Sensitivity(topic.sensitivity, 0.0, 0, tuple(topic.sensitive_terms))
    return warning_text(verdict, lang)


def request_for(client: ClientConfig, idea: Idea, topic: ScoredTopic | None) -> WriteRequest:
    """The LLM's brief for one idea: brand, tone, link, facts, platform and its limits,
    language (trends/decide/ideas/llm.py checks its answer against the same)."""
    return WriteRequest(
        topic=idea.topic_label,
        headlines=[a.title for a in (topic.articles if topic else idea.articles)[:5]],
        brand=client.name, keywords=list(client.keywords), tone=client.tone,
        angle=idea.angle, platform=idea.platform, language=idea.language,
        hashtags=idea.hashtags, warning=idea.warning, link=idea.link, facts=list(idea.facts),
        max_caption=X_LIMIT if idea.platform == "x" else None)


def writer_note(ideas: Iterable[Idea], language: str = "en") -> str:
    """One line for the digest saying who wrote the hooks and captions."""
    writers = [i.writer for i in ideas]
    if not writers:
        return ""
    llm = writers.count("llm")
    case = ("llm" if llm == len(writers) else "fallback" if "template-fallback" in writers
            else "some" if llm else "templates")
    return _WRITER_NOTES["id" if language == "id" else "en"][case].format(
        llm=llm, total=len(writers), templates=len(writers) - llm)


_WRITER_NOTES = {
    "id": {"llm": "Hook dan caption ditulis LLM: cek lagi dengan sumbernya.",
           "fallback": "{templates} dari {total} ide ditulis dari template: endpoint LLM tidak "
                       "memberi jawaban yang bisa dipakai.",
           "some": "{llm} dari {total} ide ditulis LLM, sisanya dari template.",
           "templates": "Hook dan caption ditulis dari template (tanpa LLM)."},
    "en": {"llm": "Hooks and captions written by the LLM: check them against the sources.",
           "fallback": "{templates} of {total} ideas written from templates: the LLM endpoint "
                       "did not answer usefully.",
           "some": "{llm} of {total} ideas written by the LLM, the rest from templates.",
           "templates": "Hooks and captions written from templates (no LLM configured)."},
}


def urgency(state: str, language: str, window: str = "") -> str:
    """The posting advice for a trend state, e.g. ("rising", "id") -> "naik: posting hari ini".

    With the signal's posting `window` ("peaked yesterday: skip"), that advice, translated for
    Indonesian. An unknown state or language falls back to rising / English.
    """
    if window:
        return window if language != "id" else _window_id(window)
    texts = _URGENCY.get(state, _URGENCY["rising"])
    return texts.get(language, texts["en"])


_WINDOW_ID = (
    (re.compile(r"^new: post today$"), "baru: posting hari ini"),
    (re.compile(r"^rising: post today$"), "naik: posting hari ini"),
    (re.compile(r"^peaking: post by noon$"), "puncak: posting sebelum jam 12"),
    (re.compile(r"^fading: skip unless it fits$"), "meredup: lewati kecuali memang nyambung"),
    (re.compile(r"^steady: post if it fits$"), "stabil: posting kalau nyambung"),
    (re.compile(r"^peaked (.+): post early or skip$"),
     r"sudah puncak \1: posting pagi atau lewati"),
    (re.compile(r"^peaked (.+): skip$"), r"sudah puncak \1: lewati"),
)
_WHEN_ID = ((re.compile(r"\btoday\b"), "hari ini"), (re.compile(r"\byesterday\b"), "kemarin"),
            (re.compile(r"\b(\d+) h ago\b"), r"\1 jam lalu"),
            (re.compile(r"\b(\d+) days ago\b"), r"\1 hari lalu"))


def _window_id(window: str) -> str:
    for pattern, text in _WINDOW_ID:
        if pattern.match(window):
            out = pattern.sub(text, window)
            for when, id_ in _WHEN_ID:
                out = when.sub(id_, out)
            return out
    return window   # advice we have no translation for: better in English than missing


def label_hashtag(label: str) -> str | None:
    """A hashtag from a topic label: "Timnas Indonesia" -> "#TimnasIndonesia".

    Words keep their own inner capitals ("iPhone"); None when nothing usable is left.
    """
    words = _WORD.findall(label)
    parts = [w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:] for w in words]
    return _tag("".join(parts))


def _stable_int(*parts: str) -> int:
    # Python's hash() is salted per process; ideas must be identical across runs.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _platform(angle: str, topic: ScoredTopic, seed: tuple[str, ...]) -> str:
    words = {w.lower() for text in [topic.label, *(s.title for s in topic.articles[:5])]
             for w in _WORD.findall(text)}
    scores: dict[str, float] = {}
    for p in PLATFORMS:
        score = _ANGLE_FIT[angle][p] + _STATE_FIT.get(topic.state, {}).get(p, 0.0)
        if p == "tiktok" and words & _VIDEO_CUES:
            score += 2.0
        if p == "x" and words & _LIVE_CUES:
            score += 1.5
        if topic.hashtags and p in ("instagram", "tiktok", "x"):
            score += 0.5
        # under 0.4, below the smallest fit step (0.5): it only breaks ties
        score += (_stable_int(*seed, "platform", p) % 100) / 250
        scores[p] = score
    return max(PLATFORMS, key=lambda p: scores[p])


def _keyword(client: ClientConfig, topic: ScoredTopic, lang: str = "id") -> str:
    """A keyword of the link for the copy: one the label does not already say ("Timnas
    Indonesia ... urusan timnas" reads twice), found in the stories if possible; in an
    English idea, the keyword's English synonym when it has one ("siaran langsung" is "live
    broadcast")."""
    label = topic.label.lower()
    candidates = [kw for kw in [*topic.link_terms, *topic.matched, *client.keywords]
                  if kw.lower() not in label]
    # A thing the brand does, named: "urusan siaran langsung lancar" before "urusan nonton
    # lancar" (a phrase before a single word, a noun before a verb).
    ranked = sorted(candidates, key=lambda kw: (len(kw.split()) < 2, _verb(kw)))
    chosen = next(iter(ranked), None)
    if topic.link == "audience" and topic.link_terms:
        # What the audience follows most, even when the label says it too: "buat kamu yang
        # ngikutin soal timnas", never the brand's own "kopi" on a football story.
        chosen = topic.link_terms[0]
    chosen = chosen or (client.keywords[0] if client.keywords else client.name)
    if lang == "en" and not _english_form(client, chosen):
        # An English idea says a keyword in English: "live broadcast", never "keep nonton
        # running"; the next keyword that has an English form when this one has none.
        chosen = next((kw for kw in [*topic.link_terms, *topic.matched, *client.keywords]
                       if kw.lower() not in label and _english_form(client, kw)), chosen)
    if lang == "en":
        spec = next((k for k in (*client.keyword_specs, *client.audience) if k.term == chosen),
                    None)
        english = [s for s in (spec.synonyms if spec else ()) if _reads_english(s)]
        if english and not _reads_english(chosen):
            return english[0]
    return chosen


def _verb(keyword: str) -> bool:
    words = keyword.lower().split()
    return len(words) == 1 and word_class(words[0]) == VERB


def _english_form(client: ClientConfig, keyword: str) -> bool:
    if _reads_english(keyword):
        return True
    spec = next((k for k in (*client.keyword_specs, *client.audience) if k.term == keyword), None)
    return any(_reads_english(s) for s in (spec.synonyms if spec else ()))


def _venue(client: ClientConfig) -> str | None:
    """The place the brand is, when its own field names one ("kedai kopi"): only a brand
    people can go to offers itself as the place to watch or meet (templates.toml, [venues])."""
    words = _library()["venues"]["words"]
    return next((k for k in client.keywords
                 if any(re.search(rf"\b{re.escape(w)}\b", k.lower()) for w in words)), None)


def _reads_english(text: str) -> bool:
    from wordfreq import zipf_frequency

    words = re.findall(r"[a-z]+", text.lower())
    return (bool(words) and all(zipf_frequency(w, "en") >= 3.0 for w in words)
            and any(zipf_frequency(w, "en") > zipf_frequency(w, "id") + 0.3 for w in words))


def _hashtags(story_tags: Sequence[str], client: ClientConfig) -> list[str]:
    """The trend's own tags, as its stories carry them, then the brand's; never a tag made up
    from the label. Deduped case-insensitively, at most MAX_HASHTAGS, two of the brand's
    always kept."""
    topic_tags = _dedup(_tag(t) for t in story_tags)
    client_tags = _dedup(_tag(t) for t in client.hashtags)
    keep = MAX_HASHTAGS - min(len(client_tags), 2)
    return _dedup([*topic_tags[:keep], *client_tags])[:MAX_HASHTAGS]


def _tag(raw: str | None) -> str | None:
    if not raw:
        return None
    body = "".join(_TAG_BODY.findall(raw))
    if not body or body.isdigit() or len(body) > 50:   # digit-only tags do not link on IG or X
        return None
    return "#" + body


def _dedup(tags: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


def _sentence_start(text: str) -> str:
    # A template may open with a lowercase label ("harbolnas lagi panas..."); leave "iPhone".
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.islower() else text

