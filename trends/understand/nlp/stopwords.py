"""Stopwords (Indonesian, English) and news boilerplate.

Indonesian: stopwords-iso plus Sastrawi's list plus informal spellings
(`data/stopwords_id_extra.txt`). English: stopwords-iso. Both lists carry a
few entries that are topics for us (AI, BI, Microsoft, "enak"...): those are
removed via `data/not_stopwords.txt`. Boilerplate (`data/boilerplate.txt`) is
what feeds repeat without it ever being a topic: site names, "baca juga",
days, months, units.
"""

from __future__ import annotations

import functools
from importlib import resources

import stopwordsiso
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

__all__ = ["BOILERPLATE", "BOILERPLATE_PHRASES", "FUNCTION_WORDS_ANY", "STOPWORDS_EN",
           "STOPWORDS_ID", "TOO_BROAD", "TOO_BROAD_PLACES", "data_lines", "foreign_stopwords",
           "is_boilerplate", "is_boilerplate_phrase", "is_stopword"]


def data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a file in `trends/understand/nlp/data/`, stripped."""
    text = (resources.files("trends.understand.nlp") / "data" / name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _wordlist(name: str) -> frozenset[str]:
    return frozenset(line.lower() for line in data_lines(name))


_NOT_STOPWORDS = _wordlist("not_stopwords.txt")

STOPWORDS_ID: frozenset[str] = frozenset(
    {w.lower() for w in stopwordsiso.stopwords("id")}
    | {w.lower() for w in StopWordRemoverFactory().get_stop_words()}
    | _wordlist("stopwords_id_extra.txt")
) - _NOT_STOPWORDS

STOPWORDS_EN: frozenset[str] = frozenset(
    w.lower() for w in stopwordsiso.stopwords("en")) - _NOT_STOPWORDS

BOILERPLATE: frozenset[str] = _wordlist("boilerplate.txt")


@functools.cache
def foreign_stopwords(language: str) -> frozenset[str]:
    """stopwords-iso's list for `language` (an ISO 639-1 code), lowercase; empty if it has
    none. Indonesian and English have their own lists above."""
    if language not in stopwordsiso.langs():
        return frozenset()
    return frozenset(w.lower() for w in stopwordsiso.stopwords(language)) - _NOT_STOPWORDS


# The function words of the other languages the news around Indonesian brands is written in
# (a label never starts or ends on one: "da Série", "en vivo"). Not Malay's: its list holds
# Indonesian content words ("harga", "dana", "ekonomi").
FUNCTION_WORDS_ANY: frozenset[str] = frozenset().union(*(
    foreign_stopwords(lang) for lang in ("pt", "es", "it", "fr", "nl", "de")))

TOO_BROAD_PLACES: frozenset[str] = _wordlist("too_broad_places.txt")
"""Countries, provinces, big cities: an event at one names a story ("Banjir Sumatera")."""
TOO_BROAD: frozenset[str] = TOO_BROAD_PLACES | _wordlist("too_broad_bodies.txt")
"""Names never a topic alone ("Indonesia", "DPR"), though fine inside one ("Timnas U17"):
places and national bodies, single words and phrases (space-separated), lowercase."""

BOILERPLATE_PHRASES: frozenset[tuple[str, ...]] = frozenset(
    tuple(entry.split()) for entry in BOILERPLATE if " " in entry)
"""The multi-word entries of BOILERPLATE, as word tuples."""

_STOPWORDS = STOPWORDS_ID | STOPWORDS_EN
_PHRASE_LENGTHS = sorted({len(p) for p in BOILERPLATE_PHRASES})


def is_stopword(word: str) -> bool:
    """True if the word is an Indonesian or English stopword (case-insensitive)."""
    return word.lower() in _STOPWORDS


def is_boilerplate(word: str) -> bool:
    """True if the word (or exact phrase) is news/social boilerplate (case-insensitive)."""
    return word.lower() in BOILERPLATE


def is_boilerplate_phrase(key: str) -> bool:
    """True if the key is boilerplate or contains a multi-word boilerplate phrase.

    `key` is space-separated words, as `topics.topic_key` makes them:
    "baca juga", "baca juga harga emas" and "kompas" are all boilerplate.
    """
    key = key.lower()
    if key in BOILERPLATE:
        return True
    words = tuple(key.split())
    for n in _PHRASE_LENGTHS:
        for i in range(len(words) - n + 1):
            if words[i:i + n] in BOILERPLATE_PHRASES:
                return True
    return False
