"""Brand safety: which topics a brand must not sell with, in Indonesian and English.

Five categories (disasters, accidents and deaths, crime, SARA, partisan politics), each a word
list in `trends/data/sensitive_<category>.txt` that the team extends without touching code:
one term or phrase per line, `*` at the end for any ending, `!phrase` for a figurative use that
never counts ("banjir diskon"). Matching is on whole surface words, not stems: Sastrawi turns
"kebanjiran" (swamped with orders) into "banjir" and "meninggalkan" into "tinggal".

A topic is sensitive when its label names a category or enough of its stories do; a client's
`policy` decides what follows: `avoid` (the default) never suggests it, `flag` suggests it with
a visible warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from trends.models import Sensitivity

__all__ = ["CATEGORIES", "CATEGORY_LABELS", "MIN_SHARE", "Sensitivity", "classify_text",
           "classify_topic", "hard_news", "light_enough", "small_talk", "warning_text"]

CATEGORIES = ("disaster", "accident", "crime", "sara", "politics")
CATEGORY_LABELS = {
    "disaster": ("disaster", "bencana"),
    "accident": ("accident or death", "kecelakaan atau kematian"),
    "crime": ("crime", "kriminalitas"),
    "sara": ("SARA: ethnicity, religion, race or group conflict", "SARA"),
    "politics": ("partisan politics", "politik praktis"),
}
# A share of a topic's stories, not one: a shopping festival with one story about a courier's
# accident is still a shopping festival, but a third of its stories makes it that story too.
MIN_SHARE = 0.3
_CLITICS = r"(?:nya|lah|kah|pun)?"


@dataclass(frozen=True, slots=True)
class _Lexicon:
    pattern: re.Pattern[str]
    exceptions: re.Pattern[str] | None


def _term_regex(term: str) -> str:
    prefix = term.endswith("*")
    words = [re.escape(w) for w in term.rstrip("*").split()]
    body = r"[\s\-]+".join(words)
    return rf"(?<!\w){body}" + (r"\w*" if prefix else rf"{_CLITICS}(?!\w)")


@cache
def _lexicon(category: str) -> _Lexicon:
    name = (f"{category.replace(' ', '_')}.txt" if category in (_HARD_NEWS, _SMALL_TALK)
            else f"sensitive_{category}.txt")
    text = resources.files("trends.decide").joinpath("data", name).read_text(encoding="utf-8")
    terms: list[str] = []
    exceptions: list[str] = []
    for raw in text.splitlines():
        line = raw.strip().lower()
        if not line or line.startswith("#"):
            continue
        (exceptions if line.startswith("!") else terms).append(line.lstrip("!").strip())
    # Longest first, so that "korban jiwa" is reported rather than its first word.
    terms.sort(key=len, reverse=True)
    return _Lexicon(
        pattern=re.compile("|".join(f"(?:{_term_regex(t)})" for t in terms)),
        exceptions=re.compile("|".join(_term_regex(t) for t in exceptions)) if exceptions else None,
    )


_HARD_NEWS, _SMALL_TALK = "hard news", "small talk"


def hard_news(text: str) -> bool:
    """Whether the text is about the state, the police or the courts (data/hard_news.txt):
    nothing to make a light question of for every brand's followers."""
    return _lexicon(_HARD_NEWS).pattern.search(text.lower()) is not None


def small_talk(text: str) -> bool:
    """Whether the text is about what any brand's followers enjoy talking about
    (data/small_talk.txt): football, films, food, holidays, the weather."""
    return _lexicon(_SMALL_TALK).pattern.search(text.lower()) is not None


def light_enough(label: str, titles: Sequence[str]) -> bool:
    """Whether a light question may be asked on a topic when nothing is on-brand: it goes to
    every brand's followers, so it needs a story none would mind: no sensitive word at all,
    no hard news (a president's visit to the police is not a skincare brand's poll), and
    small talk in its label or half its stories (a politician's birthday is no brand's
    business)."""
    if any(classify_text(t) or hard_news(t) for t in [label, *titles]):
        return False
    return small_talk(label) or 2 * sum(map(small_talk, titles)) >= max(1, len(titles))


@lru_cache(maxsize=50_000)
def classify_text(text: str) -> dict[str, tuple[str, ...]]:
    """The sensitive terms of each category found in one text (headline, summary or label)."""
    low = text.lower()
    found: dict[str, tuple[str, ...]] = {}
    for category in CATEGORIES:
        lex = _lexicon(category)
        clean = lex.exceptions.sub(" ", low) if lex.exceptions else low
        hits = tuple(dict.fromkeys(m.group(0) for m in lex.pattern.finditer(clean)))
        if hits:
            found[category] = hits
    return found


def classify_topic(label: str, texts: Sequence[str],
                   min_share: float = MIN_SHARE) -> Sensitivity | None:
    """The topic's most prevalent sensitive category, or None when it is safe to sell with."""
    in_label = classify_text(label)
    per_text = [classify_text(t) for t in texts]
    best: Sensitivity | None = None
    for category in CATEGORIES:
        hit = [f[category] for f in per_text if category in f]
        share = len(hit) / len(texts) if texts else 0.0
        if category not in in_label and share < min_share:
            continue
        counts: dict[str, int] = {}
        for terms in ([in_label[category]] if category in in_label else []) + hit:
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
        verdict = Sensitivity(category, round(share, 3), len(hit),
                              tuple(sorted(counts, key=lambda t: -counts[t])[:3]),
                              in_label=category in in_label)
        if best is None or (verdict.in_label, verdict.share) > (best.in_label, best.share):
            best = verdict
    return best


def warning_text(s: Sensitivity, language: str = "en") -> str:
    """The warning a `flag` client sees with the idea, in the idea's language."""
    en, id_ = CATEGORY_LABELS[s.category]
    terms = ", ".join(s.terms)
    if language == "id":
        return (f"Topik sensitif ({id_}: {terms}). Cek nada dan konteks sebelum posting; "
                "jangan jualan di atas musibah.")
    return (f"Sensitive topic ({en}: {terms}). Check tone and context before posting; "
            "never sell on top of bad news.")
