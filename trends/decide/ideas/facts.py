"""Concrete facts and open questions in a topic's stories: what grounds an idea.

A caption an officer would post says something only this story says: a number ("Rp 31
triliun", "ludes dalam 7 menit"), a place ("di GBK"), a time ("pukul 19.30", "12 Desember"),
a name ("Jay Idzes"). `find_facts` reads them from the headlines and summaries, newest story
first, each with the story it came from so that the idea can link it. `find_questions` reads
the questions people are asking ("kapan", "berapa", "cara", "jadwal", "how to") from the
headlines and trend queries, for question and explainer ideas.

Pure: regular expressions over text, and the label rules of trends.understand.labels to tell
a name from a common word. Relative times ("malam ini", "today") are kept only from a story
published on the idea's own day: yesterday's "malam ini" is false today.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from trends.models import Article
from trends.understand.labels import (
    BROAD,
    FUNCTION,
    NAME,
    VERB,
    label_problem,
    label_words,
    word_class,
)

__all__ = ["Fact", "Question", "find_facts", "find_questions"]

MONEY, NUMBER, PLACE, TIME, DATE, NAME_FACT = "money", "number", "place", "time", "date", "name"


@dataclass(frozen=True, slots=True)
class Fact:
    """One concrete fact and the story it came from."""

    kind: str            # money | number | place | time | date | name
    text: str            # as the story wrote it: "Rp 31 triliun", "GBK", "19.30 WIB"
    language: str        # the story's: id | en (a number reads in both; a phrase may not)
    article: Article


@dataclass(frozen=True, slots=True)
class Question:
    """A question people are asking about the topic, and where it was seen."""

    cue: str             # kapan | berapa | cara | apa itu | jadwal | siapa | how to | when ...
    text: str            # the headline or query that asks it
    language: str
    article: Article | None


_MONTHS_ID = ("januari februari maret april mei juni juli agustus september oktober november "
              "desember").split()
_MONTHS_EN = ("january february march april may june july august september october november "
              "december").split()
_MONTH = "|".join(_MONTHS_ID + _MONTHS_EN + ["agu", "okt", "des", "sept"])
_MONEY = re.compile(
    r"(?:Rp\.?\s?|IDR\s?|US\$\s?|\$)\d[\d.,]*(?:\s?(?:triliun|miliar|juta|ribu|rb|jt|"
    r"trillion|billion|million|thousand|[TMK])\b)?(?:\s?(?:per|/)\s?(?:gram|kg|liter|"
    r"bulan|tahun|orang|unit|malam|hari|month|year|person|night|day)\b)?", re.I)
_UNITS_ID = ("persen|menit|jam|detik|hari|pekan|minggu|bulan|tahun|orang|warga|pekerja|"
             "penonton|pendaki|korban|siswa|peserta|unit|ton|kg|km|meter|liter|kelurahan|desa|"
             "rumah|gol|kali|negara|kota|sekolah|toko|merek|produk|tiket|penumpang|pemudik|"
             "kendaraan|pengunjung|wisatawan|penerbangan|transaksi|ribu|juta|miliar|triliun|"
             "mp|gb|tb|mah|inci|cc")
_UNITS_EN = ("percent|minutes|minute|hours|hour|seconds|days|day|weeks|months|years|people|"
             "fans|workers|units|tons|km|miles|goals|times|countries|cities|schools|stores|"
             "brands|products|tickets|passengers|visitors|flights|thousand|million|billion|"
             "trillion")
_NUMBER = re.compile(
    rf"\b\d[\d.,]*\s?(?:%|(?:{_UNITS_ID}|{_UNITS_EN})\b)(?:\s(?:{_UNITS_ID}|{_UNITS_EN})\b)?",
    re.I)
_CLOCK = re.compile(r"\b(?:pukul\s)?\d{1,2}[.:]\d{2}(?:\s?(?:WIB|WITA|WIT|am|pm))?\b", re.I)
_DAY = re.compile(rf"\b\d{{1,2}}\s(?:{_MONTH})\b(?:\s\d{{4}})?", re.I)
_RELATIVE = re.compile(r"\b(?:malam ini|hari ini|sore ini|pagi ini|besok|tonight|today|"
                       r"tomorrow)\b", re.I)
# "di GBK", "at Wembley", "dari Tambang Freeport": a capitalized place after a preposition.
_PLACE = re.compile(r"\b(?:di|ke|dari|at|in)\s((?:[A-Z][\w'-]*|[A-Z]{2,})(?:\s(?:[A-Z][\w'-]*))"
                    r"{0,2})")
# A run of capitalized words after the first word; _name_parts cuts it into names.
_NAMES = re.compile(r"(?<=[\w,;:] )((?:[A-Z][\w'’-]+)(?:\s[A-Z][\w'’-]+){0,7})")

_QUESTION_CUES = (
    ("apa itu", re.compile(r"\bapa itu\b", re.I)),
    ("kapan", re.compile(r"\bkapan\b", re.I)),
    ("harga", re.compile(r"\bharga\b", re.I)),
    ("berapa", re.compile(r"\bberapa\b", re.I)),
    ("cara", re.compile(r"\b(?:cara|bagaimana|gimana)\b", re.I)),
    ("jadwal", re.compile(r"\b(?:jadwal|jam tayang|link (?:nonton|streaming|live))\b", re.I)),
    ("siapa", re.compile(r"\bsiapa\b", re.I)),
    ("di mana", re.compile(r"\b(?:di mana|dimana|where to (?:watch|buy))\b", re.I)),
    ("how to", re.compile(r"\bhow (?:to|do|does|much|many)\b", re.I)),
    ("what is", re.compile(r"\bwhat (?:is|are|time)\b", re.I)),
    ("when", re.compile(r"\bwhen (?:is|does|will|do)\b", re.I)),
)


def find_facts(articles: Sequence[Article], *, language_of: dict[str, str] | None = None,
               topic_label: str = "", today: date | None = None,
               timezone: str = "Asia/Jakarta", summaries: Sequence[str] = ()) -> list[Fact]:
    """The facts of a topic's stories, newest story first, at most one of a text per kind.
    `summaries` go with `articles` (same order); `language_of` maps a title to its story's
    language (default: Indonesian unless the title reads English). Relative times count only
    from stories published on `today` in `timezone`."""
    found: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    label = set(label_words(topic_label))
    zone = ZoneInfo(timezone)
    for i, article in enumerate(articles):
        text = article.title
        if i < len(summaries) and summaries[i]:
            text = f"{article.title}. {summaries[i]}"
        lang = (language_of or {}).get(article.title) or _language(article.title)
        same_day = (today is not None and article.published_at is not None
                    and article.published_at.astimezone(zone).date() == today)
        hits: list[tuple[str, str]] = []
        money = [m.span() for m in _MONEY.finditer(text)]
        hits += [(MONEY, _with_lead(text, a, text[a:b])) for a, b in money]
        hits += [(NUMBER, _with_lead(text, m.start(), m.group(0)))
                 for m in _NUMBER.finditer(text)
                 if not any(a <= m.start() < b for a, b in money)
                 and not _DAY.fullmatch(m.group(0))]
        hits += [(TIME, m.group(0)) for m in _CLOCK.finditer(text) if _clock(m.group(0))]
        if same_day:
            hits += [(TIME, m.group(0).lower()) for m in _RELATIVE.finditer(text)]
        hits += [(DATE, m.group(0)) for m in _DAY.finditer(text)]
        places = [_trimmed(m.group(1)) for m in _PLACE.finditer(text)]
        hits += [(PLACE, p) for p in places if p and _placeish(p)]
        hits += [(NAME_FACT, n) for m in _NAMES.finditer(text)
                 for n in (_trimmed(part) for part in _name_parts(m.group(1), label))
                 if n and n not in places and _nameish(n, label)]
        for kind, value in hits:
            value = " ".join(value.split()).strip(" ,.;:")
            if not value or (kind, value.lower()) in seen or not _says_something(kind, value,
                                                                                  label):
                continue
            seen.add((kind, value.lower()))
            found.append(Fact(kind=kind, text=value, language=lang, article=article))
    return found


def find_questions(articles: Sequence[Article], queries: Sequence[str] = ()) -> list[Question]:
    """The questions the stories' headlines and the trend queries ask, in that order, one per
    cue."""
    out: list[Question] = []
    cues: set[str] = set()
    sources: list[tuple[str, Article | None]] = [(q, None) for q in queries]
    sources += [(a.title, a) for a in articles]
    for text, article in sources:
        for cue, pattern in _QUESTION_CUES:
            if cue not in cues and pattern.search(text):
                cues.add(cue)
                out.append(Question(cue=cue, text=" ".join(text.split()),
                                    language=_language(text), article=article))
    return out


# Words before a number that say what it measures: "ludes dalam 7 menit", "diskon hingga 50
# persen", "tembus Rp 31 triliun", and the qualifiers a number never loses: "harga mulai Rp 6
# juta" is not a price of Rp 6 juta, "diprediksi tembus Rp 31 triliun" is a forecast.
_LEAD = re.compile(r"((?:\b(?:diskon|potongan|cashback|ludes|habis|terjual|naik|turun|tembus|"
                   r"capai|mencapai|hingga|sampai|dalam|lebih dari|sebanyak|mulai|mulai dari|"
                   r"diprediksi|diperkirakan|ditargetkan|diproyeksikan|target|expected to|"
                   r"forecast to|predicted to|sekitar|kurang dari|minimal|maksimal|sold out|"
                   r"up to|over|in|to|from|starting at|about|around)\s){1,2})$", re.I)


def _with_lead(text: str, start: int, value: str) -> str:
    m = _LEAD.search(text[max(0, start - 30):start])
    return (m.group(1) + value).lower() if m and value[:1].isdigit() else (
        (m.group(1).lower() + value) if m else value)


def _name_parts(words: str, label: set[str]) -> list[str]:
    """A Title Case run cut where a name cannot go on: at a verb, a function word or the
    topic's own words ("Patrick Kluivert Puji Timnas Indonesia" is "Patrick Kluivert")."""
    parts: list[list[str]] = [[]]
    for w in words.split():
        low = w.lower()
        if low in label or word_class(low) in (VERB, FUNCTION):
            parts.append([])
        else:
            parts[-1].append(w)
    return [" ".join(p) for p in parts if p]


_MAGNITUDE = re.compile(r"^[\d.,]+\s?(?:ribu|juta|miliar|triliun|thousand|million|billion|"
                        r"trillion)$", re.I)


def _says_something(kind: str, value: str, label: set[str]) -> bool:
    """A fact that tells more than the label: not the label's own words ("Harbolnas" on
    Harbolnas 12.12), not a bare "3,7 juta" of nobody knows what, not a word of two letters,
    and no countdown ("H-3 Idul") read as a name."""
    words = label_words(value)
    if kind in (PLACE, NAME_FACT):
        if not words or set(words) <= label or re.search(r"\d", value):
            return False
    if kind == NAME_FACT and len(value.split()) > 3:
        return False       # "Halid Guyur Bonus Petenis Indonesia" is a headline, not a name
    if kind == NUMBER and _MAGNITUDE.match(value):
        return False
    return len(re.sub(r"[^\w]", "", value)) > 2


def _trimmed(words: str) -> str:
    """A run of capitalized words without the ordinary words at either end: "GBK Malam Ini"
    is "GBK", "Mendukung Purbaya Tak" is "Purbaya" (Title Case capitalizes every word)."""
    parts = words.split()
    keep = [word_class(w.lower()) in (NAME, BROAD) or w.isupper() for w in parts]
    if True not in keep:
        return ""
    first, last = keep.index(True), len(keep) - 1 - keep[::-1].index(True)
    return " ".join(parts[first:last + 1])


def _clock(text: str) -> bool:
    """A time of day, not a date written like one ("12.12", "11.11")."""
    h, m = (int(x) for x in re.findall(r"\d+", text)[:2])
    return h < 24 and m < 60 and (h != m or bool(re.search(r"pukul|WIB|WITA|WIT", text, re.I)))


def _placeish(words: str) -> bool:
    """A place or a venue, not a month, a weekday or a person's title."""
    first = words.split()[0].lower()
    if first in _MONTHS_ID or first in _MONTHS_EN or first in _NOT_PLACES:
        return False
    return words.isupper() or any(word_class(w) in (NAME, BROAD) for w in label_words(words))


def _nameish(words: str, label: set[str]) -> bool:
    """A name the topic's label does not already say ("Jay Idzes", not "Timnas Indonesia")."""
    parts = label_words(words)
    # One capitalized word is no evidence of a name in a Title Case headline ("Barista
    # Bagikan Resep"): a name fact has two words at least ("Jay Idzes").
    if len(parts) < 2 or set(parts) <= label or parts[0] in _NOT_PLACES:
        return False
    return label_problem(words, "name") is None and any(word_class(w) == NAME for w in parts)


_NOT_PLACES = frozenset("""senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday
    thursday friday saturday sunday presiden menteri gubernur bupati ketua kapolri jelang
    usai""".split())
_EN_HINTS = frozenset("""the and of to in for with is are was were on at by from this that
    will has have after before over""".split())


def _language(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())
    return "en" if sum(w in _EN_HINTS for w in words) >= 2 else "id"
