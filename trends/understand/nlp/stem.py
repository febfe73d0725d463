"""Indonesian stemming (Sastrawi) and the match form used for keyword matching.

Sastrawi only strips affixes when the result is in its dictionary, so it
leaves informal verbs ("ngopi", "nonton") and loanwords with "-nya"
("promonya") alone. `stem` adds a few colloquial rules on top, each accepted
only when it lands on a dictionary word.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from trends.understand.nlp.slang import normalize_slang
from trends.understand.nlp.tokenize import mention_name, split_hashtag, tokenize

__all__ = ["in_dictionary", "is_common_word", "known_roots", "learn_roots", "match_form",
           "match_words", "stem", "take_learned_roots"]

_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    # Built lazily: loading the dictionary costs ~20 ms, and Sastrawi's own
    # CachedStemmer grows without bound, so we use the bare stemmer under our
    # bounded cache.
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


def in_dictionary(word: str) -> bool:
    return bool(_stemmer().get_dictionary().contains(word))


# Roots found by Sastrawi, by lowercased word. Sastrawi costs ~0.2 ms a word, and a day of news
# holds ten thousand words it must stem: a fresh process spent two thirds of its topic
# extraction here. The scoring process seeds this from the warehouse (word_roots) and stores
# what it learned, so each word is stemmed once, ever. Emptied past _MAX_ROOTS.
_MAX_ROOTS = 500_000
_ROOTS: dict[str, str] = {}
_LEARNED: dict[str, str] = {}   # roots computed here since take_learned_roots()


def stem(word: str) -> str:
    """The Indonesian root of a word, lowercased ("minuman" -> "minum", "perjalanan" -> "jalan").

    Words with digits or apostrophes, and words shorter than 4 letters, are
    only lowercased. English words are usually left alone (Sastrawi finds no
    Indonesian root for them). Results are remembered: Sastrawi is slow.
    """
    low = word.lower()
    if len(low) < 4 or not low.replace("-", "").isalpha():
        return low
    root = _ROOTS.get(low)
    if root is None:
        if len(_ROOTS) >= _MAX_ROOTS:
            _ROOTS.clear()
            _LEARNED.clear()    # also bounded where nothing takes them (no extraction)
        root = _ROOTS[low] = _LEARNED[low] = _root(low)
    return root


def learn_roots(roots: Mapping[str, str]) -> None:
    """Remember roots found before (by another process, on another day)."""
    _ROOTS.update(roots)


def known_roots() -> dict[str, str]:
    """Every root this process knows, to hand to a worker process."""
    return _ROOTS


def take_learned_roots() -> dict[str, str]:
    """The roots this process computed since the last call, to be stored."""
    global _LEARNED
    learned, _LEARNED = _LEARNED, {}
    return learned


def _root(low: str) -> str:
    root: str = _stemmer().stem_word(low)
    if root != low or in_dictionary(low):
        return root
    return _colloquial_root(low)


@lru_cache(maxsize=200_000)
def is_common_word(word: str) -> bool:
    """Whether a word is ordinary Indonesian: in Sastrawi's dictionary itself or by its root
    ("polisi", "ditangkap", "delapan"). Names, acronyms and loanwords are not ("Bahlil",
    "Ponorogo", "Coretax"). Alone, such a word is never a story worth naming."""
    low = word.lower()
    if len(low) < 3 or not low.replace("-", "").isalpha():
        return False
    return in_dictionary(low) or in_dictionary(stem(low))


def _colloquial_root(word: str) -> str:
    """Roots for colloquial forms that Sastrawi leaves untouched."""
    if word.endswith("nya") and len(word) >= 6:
        # Possessive on a word Sastrawi does not know ("promonya", "iphonenya").
        return stem(word[:-3])
    if word.endswith("in") and len(word) >= 6:
        # Informal -in for -kan/-i: "beliin" -> beli, "nyobain" -> coba.
        base = word[:-2]
        root = base if in_dictionary(base) else _prefix_root(base)
        if root is not None:
            return root
    return _prefix_root(word) or word


def _prefix_root(word: str) -> str | None:
    """Undo informal nasal prefixes: ngopi -> kopi, nonton -> tonton, nyari -> cari."""
    options: list[str] = []
    if word.startswith("nge") and len(word) >= 6:
        options.append(word[3:])
    if word.startswith("ng") and word[2:3] in _VOWELS:
        options += ["k" + word[2:], word[2:]]
    elif word.startswith("ny") and word[2:3] in _VOWELS:
        options += ["c" + word[2:], "s" + word[2:]]
    elif word.startswith("n") and word[1:2] in _VOWELS:
        options.append("t" + word[1:])
    for option in options:
        if len(option) >= 3 and in_dictionary(option):
            return option
    return None


def match_words(text: str) -> list[str]:
    """Text as the words `match_form` stems, one per match form: lowercased and
    slang-normalized, hashtags split, mentions reduced to their handle.

    >>> match_words("Ngopi dulu yg enak, #TabunganEmas")
    ['kopi', 'dulu', 'yang', 'enak', 'tabungan', 'emas']
    """
    words: list[str] = []
    for token in tokenize(text):
        if token[0] == "#":
            words.extend(split_hashtag(token))
        elif token[0] == "@" or "/" in token:
            words.append(mention_name(token))
        else:
            words.append(token)
    return [normalize_slang(w).lower() for w in words]


def match_form(text: str) -> list[str]:
    """Text as matching tokens: lowercased, slang-normalized, stemmed.

    Hashtags are split into their words and mentions keep only the handle, so that
    "#NgopiSantai" matches the keyword "kopi".

    >>> match_form("Ngopi dulu yg enak, promonya gede")
    ['kopi', 'dulu', 'yang', 'enak', 'promo', 'besar']
    """
    return [stem(w) for w in match_words(text)]
