"""Indonesian or English, from the function words a text uses.

Function words are the most frequent words of a language and rarely borrowed,
so counting them is fast and works on a headline plus summary. Words common
to both languages ("per", "a" in Indonesian names) are left out of both sets.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["EN_FUNCTION_WORDS", "ID_FUNCTION_WORDS", "detect_language", "identify_language"]

ID_FUNCTION_WORDS: frozenset[str] = frozenset("""
    yang dan di ke dari untuk dengan ini itu akan tidak ada dalam pada juga atau
    oleh karena sudah belum bisa menjadi adalah saat setelah bagi kepada tersebut
    kami kita saya mereka dia apa siapa bagaimana kenapa mengapa bakal masih lebih
    hanya agar serta namun tetapi tapi telah sejak hingga sampai bukan harus para
    jadi sebagai seperti tak lagi begini begitu kalau jika sedang
    yg gak nggak enggak aja banget udah sama
""".split())

EN_FUNCTION_WORDS: frozenset[str] = frozenset("""
    the and of to in is for on with that this it at by from as are was were be been
    has have had will would can could not but or an its their they he she we you
    his her our your who what how why when which more than into about after over
    says said new just up out there here being do does did
""".split())

_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, *, min_hits: int = 2) -> str | None:
    """'id' or 'en' by function-word counts; None when evidence is thin or mixed.

    A language wins with at least `min_hits` function words and 1.5 times the
    other language's count. Short headlines often have one function word or
    none: callers should fall back on the source's configured language.
    """
    id_hits = en_hits = 0
    for word in _WORD.findall(text.lower()):
        if word in ID_FUNCTION_WORDS:
            id_hits += 1
        elif word in EN_FUNCTION_WORDS:
            en_hits += 1
    if id_hits >= min_hits and id_hits >= 1.5 * en_hits:
        return "id"
    if en_hits >= min_hits and en_hits >= 1.5 * id_hits:
        return "en"
    return None


# Below this probability py3langid's answer is a guess (headlines are short).
_SURE = 0.9
# Malay and Indonesian are one language to its model on headlines; so are their stopwords.
_SAME_AS = {"ms": "id"}


def identify_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in, by py3langid's model, when it
    is sure; else None. For items whose source names no language: the stopwords of that
    language end phrases ("da Série", "en vivo" are no topics)."""
    if len(text) < 12:
        return None
    lang, probability = _identifier().classify(text)
    return _SAME_AS.get(lang, lang) if probability >= _SURE else None


@functools.cache
def _identifier() -> Any:
    # The model loads in half a second: only the first item without a language pays it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
