"""Informal Indonesian to standard forms, for matching only (never for display).

The mapping lives in `data/slang_id.txt` (`informal<TAB>standard`).
"""

from __future__ import annotations

import re

from trends.understand.nlp.stopwords import data_lines

__all__ = ["SLANG_ID", "normalize_slang"]


def _load() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in data_lines("slang_id.txt"):
        informal, _, standard = line.partition("\t")
        if standard.strip():
            mapping[informal.strip().lower()] = standard.strip().lower()
    return mapping


SLANG_ID: dict[str, str] = _load()

_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")   # "bangettt", "gakkk": typed for emphasis
_REDUPLICATED = re.compile(r"([^\W\d_]{2,})2")  # "hati2" is written for "hati-hati"


def normalize_slang(word: str) -> str:
    """The standard form of an informal Indonesian word, lowercased; other words unchanged.

    Also undoes emphasis ("bangettt" -> "banget") and the "2" shorthand for
    reduplication ("hati2" -> "hati-hati", "org2" -> "orang-orang").

    >>> normalize_slang("gak"), normalize_slang("Yg"), normalize_slang("kopi")
    ('tidak', 'yang', 'kopi')
    """
    low = word.lower()
    found = SLANG_ID.get(low)
    if found is not None:
        return found
    if not low.isalnum():
        return word
    if _ELONGATED.search(low):
        low = _ELONGATED.sub(r"\1", low)
        return SLANG_ID.get(low, low)
    m = _REDUPLICATED.fullmatch(low)
    if m:
        base = SLANG_ID.get(m.group(1), m.group(1))
        return f"{base}-{base}"
    return word
