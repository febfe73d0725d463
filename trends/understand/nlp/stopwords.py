"""Stopwords (Indonesian, English) and news boilerplate.

Indonesian: stopwords-iso plus Sastrawi's list plus informal spellings
(`data/stopwords_id_extra.txt`). English: stopwords-iso. Both lists carry a
few entries that are topics for us (AI, BI, Microsoft, "enak"...): those are
removed via `data/not_stopwords.txt`. Boilerplate (`data/boilerplate.txt`) is
what feeds repeat without it ever being a topic: site names, "baca juga",
days, months, units.
"""

from __future__ import annotations

from importlib import resources

import stopwordsiso
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

__all__ = ["BOILERPLATE", "BOILERPLATE_PHRASES", "STOPWORDS_EN", "STOPWORDS_ID", "TOO_BROAD",
           "data_lines", "is_boilerplate", "is_boilerplate_phrase", "is_stopword"]


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

TOO_BROAD: frozenset[str] = _wordlist("too_broad.txt")
"""Words never a topic alone ("Indonesia"), though fine inside one ("Timnas Indonesia")."""
"""Single words and multi-word phrases (space-separated), lowercase."""

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
