"""Regex tokenization for Indonesian and English social/news text.

Tokens keep what matters for topics and matching: hashtags (`#Harbolnas1212`),
mentions (`@detikcom`, `/u/name`, `r/indonesia`), numbers with separators
(`12.12`, `1.924.000`, `1,79`), alphanumerics (`5G`, `S26`) and words with
inner hyphens or apostrophes (`anti-korupsi`, `Ma'mun`, `pulau-pulau`).
Punctuation, URLs and bare domains (`kompas.com`, `fi.google.com/about`) are
dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

__all__ = ["Token", "mention_name", "scan_clauses", "split_hashtag", "tokenize",
           "tokenize_clauses"]

# Alternatives are tried in order: a URL must win over its words, a hashtag over
# its word, a separated number over the plain digits it starts with.
_TLDS = ("com", "net", "org", "id", "io", "co", "tv", "me", "info", "biz", "app")
# Possessive quantifiers: a plain word fails at once instead of backtracking.
_URL = (r"(?i:https?://|www\.)[^\s<>\"']+"
        r"|(?i:[a-z0-9][a-z0-9-]*+(?:\.[a-z0-9-]++)++"
        + "(?:" + "|".join(rf"(?<=\.{tld})" for tld in _TLDS) + ")"
        + r"\b(?:/[^\s<>\"']*)?)")
_HASHTAG = r"#(?=\w*[^\W\d_])\w+"          # needs a letter: "#1" is "number one", not a tag
_MENTION = r"@\w+|/?\b[ur]/\w+"            # @user, Reddit's /u/user and r/subreddit
_CURRENCY = r"(?i:rp|idr|usd)(?=\d)|[A-Z]{1,2}\$"   # "Rp1.924.000" -> Rp, 1.924.000; US$
_NUMBER = r"\d+(?:[.,]\d+)+(?:[^\W_]+)?"   # 12.12, 1.924.000, 1,79, 2.5GB
# Letters, digits, and the combining marks that scripts such as Bengali or Devanagari write
# inside a word (Python's \w leaves them out, which would cut "সময়" into pieces).
_MARKS = "".join(chr(c) for c in range(0x300, 0x10000)
                 if unicodedata.category(chr(c)) in ("Mn", "Mc"))
_LETTER = f"(?:[^\\W_]|[{re.escape(_MARKS)}])"
_WORD = rf"{_LETTER}+(?:['’\-]{_LETTER}+)*"   # words, digits, 5G, S26, Ma'mun, anti-korupsi

# URLs match outside the group, so findall returns "" for them.
_TOKENS = re.compile(f"{_URL}|({_HASHTAG}|{_MENTION}|{_CURRENCY}|{_NUMBER}|{_WORD})")

# For clause splitting: anything that is not a token and not a joiner breaks a
# clause. `&` and `+` join names ("Johnson & Johnson"). Apostrophes inside
# words were taken by _WORD, so the ones left are quotes.
_SCAN = re.compile(
    f"(?P<url>{_URL})|(?P<tag>{_HASHTAG})|(?P<mention>{_MENTION})"
    f"|(?P<word>{_CURRENCY}|{_NUMBER}|{_WORD})|(?P<brk>[^\\w\\s&+]+)"
)
# After these a capital letter says nothing about names: a new sentence, a
# quotation, or a headline after a dateline dash or a "|" site suffix.
_SENTENCE_END = frozenset(".!?…:;\"“”'‘’«»|-–—")
_VERSUS = frozenset({"vs", "v"})
# One of these after a plain word is a clause break of its own (see tokenize_clauses).
_TRAILING = frozenset(",.;:!?")

# CamelCase pieces of a hashtag: "KPKTangkap" -> KPK, Tangkap; "Harbolnas1212" -> Harbolnas, 1212.
_HASHTAG_PART = re.compile(r"\d+|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[^\W\d_]+")


class Token(NamedTuple):
    """A token with its place in the text, as `tokenize_clauses` returns it."""

    text: str
    start: int
    end: int
    kind: str                     # 'word' (includes numbers) | 'hashtag' | 'mention'
    sentence_start: bool = False  # first token of the text or of a sentence


# Token(...) runs NamedTuple's Python-level __new__: building the tuple directly costs a third.
_new = tuple.__new__


def tokenize(text: str) -> list[str]:
    """Split text into tokens, keeping hashtags, mentions, numbers and inner hyphens/apostrophes.

    Punctuation and URLs are dropped; case is kept.

    >>> tokenize("Promo #Harbolnas1212: iPhone 17 Rp 1.924.000, anti-korupsi!")
    ['Promo', '#Harbolnas1212', 'iPhone', '17', 'Rp', '1.924.000', 'anti-korupsi']
    """
    return [t for t in _TOKENS.findall(text) if t]


def tokenize_clauses(text: str) -> list[list[Token]]:
    """Tokens grouped into clauses: runs of words not separated by punctuation.

    Commas, periods, brackets, quotes, dashes and URLs end a clause, so that
    phrases are never built across them. Hashtags and mentions stand alone as
    one-token clauses. "vs." does not end a clause.
    """
    # Scanning every character with the full pattern cost half of topic extraction. No token
    # crosses whitespace, so the text is cut on it first (in C) and the pattern only runs on
    # the pieces that are not a plain word, or a plain word and one punctuation mark: about
    # one in six in news text. The result is the same as scanning the whole text.
    clauses: list[list[Token]] = []
    current: list[Token] = []
    sentence_start = True
    pos = 0
    find = text.find
    for chunk in text.split():
        start = find(chunk, pos)
        pos = start + len(chunk)
        if chunk.isalpha() or chunk.isalnum() and chunk[0] not in "rRiIuU":   # _plain, inlined
            current.append(_new(Token, (chunk, start, pos, "word", sentence_start)))
            sentence_start = False
            continue
        mark = chunk[-1]
        word = chunk[:-1]
        if mark in _TRAILING and _plain(word):
            current.append(_new(Token, (word, start, pos - 1, "word", sentence_start)))
            sentence_start = False
            if mark == "." and word.lower() in _VERSUS:
                continue
            sentence_start = mark in _SENTENCE_END
            clauses.append(current)
            current = []
            continue
        current, sentence_start = scan_clauses(text, start, pos, clauses, current, sentence_start)
    if current:
        clauses.append(current)
    return clauses


def scan_clauses(text: str, start: int, end: int, clauses: list[list[Token]], current: list[Token],
          sentence_start: bool) -> tuple[list[Token], bool]:
    """Scan text[start:end] with the full pattern, adding to `clauses` the clauses it ends.
    Returns the clause still open and whether the next word starts a sentence."""
    for m in _SCAN.finditer(text, start, end):
        kind = m.lastgroup
        value = m.group()
        if kind == "word":
            current.append(Token(value, m.start(), m.end(), "word", sentence_start))
            sentence_start = False
            continue
        if kind == "brk":
            if value == "." and current and current[-1].text.lower() in _VERSUS:
                continue
            if any(c in _SENTENCE_END for c in value):
                sentence_start = True
        if current:
            clauses.append(current)
            current = []
        if kind == "tag" or kind == "mention":
            clauses.append([Token(value, m.start(), m.end(),
                                  "hashtag" if kind == "tag" else "mention", sentence_start)])
    return current, sentence_start


def _plain(chunk: str) -> bool:
    """Whether a whitespace-free piece of text is exactly one word token for _SCAN: letters
    only, or letters and digits that do not open with a currency ("Rp100" is two tokens)."""
    return chunk.isalpha() or chunk.isalnum() and chunk[0] not in "rRiIuU"


def split_hashtag(tag: str) -> list[str]:
    """The words of a hashtag, split on underscores, CamelCase and letter/digit boundaries.

    Case is kept. A single leading lowercase letter stays attached, so
    "#iPhone17" gives ["iPhone", "17"], not ["i", "Phone", "17"].

    >>> split_hashtag("#TimnasIndonesia")
    ['Timnas', 'Indonesia']
    >>> split_hashtag("#Harbolnas1212")
    ['Harbolnas', '1212']
    """
    words: list[str] = []
    for chunk in tag.lstrip("#").split("_"):
        parts = _HASHTAG_PART.findall(chunk)
        if len(parts) > 1 and len(parts[0]) == 1 and parts[0].islower() and parts[1][0].isupper():
            parts[0:2] = [parts[0] + parts[1]]
        words.extend(parts)
    return words


def mention_name(token: str) -> str:
    """The handle of a mention token: "@detikcom" -> "detikcom", "/u/name" -> "name"."""
    return token.rsplit("/", 1)[-1].lstrip("@")
