"""Topic candidates from one item's text, and the key that merges their variants.

An item yields three kinds of candidates:

- hashtags as written (`#Harbolnas1212`);
- names: capitalized sequences ("Timnas Indonesia", "Prabowo Subianto",
  "iPhone 17");
- phrases: word n-grams (n = 1..4) inside one clause that start and end on a
  content word ("harga emas antam", "timnas indonesia vs arab saudi").

Scoring later counts candidates across items, so a candidate only has to be
plausible here; what must not get through is junk that recurs in every feed
(site names, "baca juga", dates, units, stopwords). For the same reason a
single ordinary Indonesian word ("Bank", "polisi", "ditangkap": in Sastrawi's
dictionary, by itself or its root) is no phrase candidate, nor is a word too
broad to stand alone ("Indonesia"), and no phrase ends on an affixed verb
("Polisi mengungkap" is a headline cut before its object). Names, acronyms and
hashtags stay ("Ponorogo", "KPK", "#Harbolnas1212").

Indonesian news titles are usually in Title Case ("Harga Emas Antam Turun
Menjadi Rp 1.924.000 per Gram"), where capitals say nothing about names. For
such titles only acronyms and mixed-case words (KAI, iPhone 17) count as
names, and a title phrase becomes a name when the summary, written in
sentence case, capitalizes it too.
"""

from __future__ import annotations

import gc
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from trends.models import Candidate, CandidateColumns
from trends.understand.nlp.language import (
    EN_FUNCTION_WORDS,
    ID_FUNCTION_WORDS,
    identify_language,
)
from trends.understand.nlp.stem import is_common_word, stem, take_learned_roots
from trends.understand.nlp.stopwords import (
    BOILERPLATE,
    BOILERPLATE_PHRASES,
    STOPWORDS_EN,
    STOPWORDS_ID,
    TOO_BROAD,
    foreign_stopwords,
    is_boilerplate_phrase,
)
from trends.understand.nlp.tokenize import (
    Token,
    mention_name,
    split_hashtag,
    tokenize,
    tokenize_clauses,
)

__all__ = ["MAX_CANDIDATES", "CandidateColumns", "candidate_tuples", "candidates_and_roots",
           "extract_candidates", "item_candidates", "items_candidates", "topic_key"]

MAX_CANDIDATES = 40     # per item: bounds storage, and the tail is the least useful
MAX_PHRASE_WORDS = 4
MAX_NAME_WORDS = 6      # longer capitalized runs are job titles and org charts, not names

# Code-mixing is normal in Indonesian posts, so each language also blocks the
# other's core function words.
_STOP_ALL = STOPWORDS_ID | STOPWORDS_EN
_STOP_BY_LANGUAGE: dict[str | None, frozenset[str]] = {
    None: _STOP_ALL,
    "id": STOPWORDS_ID | EN_FUNCTION_WORDS,
    "en": STOPWORDS_EN | ID_FUNCTION_WORDS,
}


def _stops(language: str | None) -> frozenset[str]:
    """The words that end a phrase in a text of `language`: its own stopwords (any language
    stopwordsiso knows) with Indonesian and English ones, since names and code-mixing cross."""
    found = _STOP_BY_LANGUAGE.get(language)
    if found is None:
        found = _STOP_BY_LANGUAGE[language] = _STOP_ALL | foreign_stopwords(language or "")
    return found
_PHRASES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in BOILERPLATE_PHRASES:
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)

# "vs" joins two names into a match: "Timnas Indonesia vs Arab Saudi".
_VERSUS = frozenset({"vs", "v", "versus"})
# Lowercase words that may sit inside a name: "Bank of America", "Ali bin Abu Thalib".
_CONNECTORS = _VERSUS | {"of", "bin", "binti", "van", "von", "der", "de", "da", "al", "el"}

# 2025, 1.924.000, ke-80, 90-an, H-1 (days before Lebaran), I-2026 (first quarter)
_NUMERIC = re.compile(r"(?:ke-?|h[-+]|[ivx]{1,4}-)?\d+(?:[.,:/-]\d+)*(?:-?an)?")
_EDITION = re.compile(r"\d{1,4}|\d{1,2}\.\d{1,2}")     # iPhone 17, Lebaran 2026, Harbolnas 12.12
_ROMAN = re.compile(r"[IVX]{1,4}")                      # Kuartal III, Perang Dunia II
# After a number these make it a quantity ("3 bulan"), not an edition ("Lebaran 2026").
_COUNTED = frozenset("""tahun bulan hari jam menit detik orang kali unit buah ekor lembar
    year years month months day days hour hours minute minutes people times""".split())

# Title Case leaves almost no lowercase content word (1 in 10 at most: "Harga
# Emas ... senilai Rp 5 Miliar"); a sentence-case headline full of names still
# has its verb in lowercase ("Prabowo Subianto menonton Timnas Indonesia").
_TITLE_CASE_LOWER = 0.1
_SHOUTING_RATIO = 0.6

_VERB_PREFIXES = ("me", "di", "ber", "ter")
_KIND_STRENGTH = {"phrase": 0, "name": 1, "hashtag": 2}
_NOT_ALPHA, _ALL_CAPS, _IGNORED, _UPPER, _LOWER = range(5)    # see _case_class


def topic_key(text: str) -> str:
    """The merge key of a topic: lowercase words separated by single spaces.

    Hashtags are split on CamelCase, underscores and letter/digit boundaries,
    so "Timnas Indonesia", "#TimnasIndonesia" and "#timnas_indonesia" all give
    "timnas indonesia", and "#Harbolnas1212" gives "harbolnas 1212". Accents
    are removed and an English possessive "'s" is dropped. Lowercase
    hashtags cannot be split ("#timnasindonesia" stays one word).
    """
    parts: list[str] = []
    for token in tokenize(text):
        if token[0] == "#":
            parts.extend(_key_part(p) for p in split_hashtag(token))
        elif token[0] == "@" or "/" in token:
            parts.append(_key_part(mention_name(token)))
        else:
            parts.append(_key_part(token))
    return " ".join(p for p in parts if p)


def extract_candidates(title: str, summary: str = "",
                       language: str | None = None) -> list[Candidate]:
    """Topic candidates of one item, deduplicated by key, at most `MAX_CANDIDATES`.

    Order: hashtags and names of the title, then of the summary, then phrases
    of the title, then of the summary. A candidate's label is its first
    occurrence as written (title before summary); its kind is the strongest
    evidence seen for its key (hashtag > name > phrase). `language` ('id',
    'en' or None for unknown) selects the stopwords that end phrases.
    """
    return [Candidate(key, label, kind)
            for key, label, kind in candidate_tuples(title, summary, language)]


def candidate_tuples(title: str, summary: str = "",
                     language: str | None = None) -> list[tuple[str, str, str]]:
    """`extract_candidates` as (key, label, kind) tuples: extraction after an ingest runs this
    for every new item, and a frozen dataclass per candidate cost a tenth of it."""
    lang = language.lower() if language else None
    if lang is None:
        # A source that names no language (Google Trends' news items, Reddit...): guess it.
        lang = identify_language(f"{title}. {summary}"[:300])
    if lang is not None and lang not in _STOP_BY_LANGUAGE and not foreign_stopwords(lang):
        lang = None
    if summary.strip() == title.strip():
        summary = ""    # generated feeds repeat the title as the description
    head = _read(title, lang, headline=True)
    body = _read(summary, lang, headline=False)
    seen = {hit[1] for hit in head.named}
    seen.update(hit[1] for hit in body.named)
    promoted = body.name_subkeys() if head.title_case else set()
    # Phrases are the bulk and the last to be kept: stop making them once the
    # cap is certainly reached (too-broad names are dropped below: they take no room).
    head_phrases = _phrases(head, seen, MAX_CANDIDATES - len(seen - TOO_BROAD), promoted)
    body_phrases = _phrases(body, seen, MAX_CANDIDATES - len(seen - TOO_BROAD), set())

    # key -> [text, start, end, kind, rank], in the order first met (reading order, title
    # first): the order that breaks ties of rank.
    found: dict[str, list[Any]] = {}
    for text, offset, named, phrases in ((title, 0, head.named, head_phrases),
                                         (summary, 1, body.named, body_phrases)):
        # Reading order decides labels; rank decides which candidates survive the cap.
        hits = phrases    # in reading order already, as are names, but not the two together
        if named:
            hits = named + phrases
            hits.sort(key=_POS)
        for _, key, start, end, kind in hits:
            rank = offset + (2 if kind == "phrase" else 0)
            entry = found.get(key)
            if entry is None:
                found[key] = [text, start, end, kind, rank]
                continue
            if _KIND_STRENGTH[kind] > _KIND_STRENGTH[entry[3]]:
                entry[3] = kind
            if rank < entry[4]:
                entry[4] = rank
    # Best rank first, equal ranks in the order first met (ranks are 0..3: four lists).
    by_rank: tuple[list[Any], ...] = ([], [], [], [])
    for key, entry in found.items():
        if key not in TOO_BROAD:
            by_rank[entry[4]].append((key, entry))
    out = []
    for key, (text, start, end, kind, _) in (by_rank[0] + by_rank[1] + by_rank[2]
                                              + by_rank[3])[:MAX_CANDIDATES]:
        label = text[start:end]
        if "  " in label or not label.isprintable():
            label = " ".join(label.split())
        if label[-2:] in ("'s", "’s") and len(label) > 2:
            label = label[:-2]          # "Frankie Dettori’s": the key has no "'s" either
        out.append((key, label, kind))
    return out


def item_candidates(title: str, summary: str, language: str | None,
                    extra: str | None) -> list[tuple[str, str, str]]:
    """(key, label, kind) of the candidates of one stored item (`extra` is its JSON context);
    a trend source's query is a topic by itself."""
    found = candidate_tuples(title, summary, language)
    if extra:
        query = json.loads(extra).get("query")
        if query:
            key = topic_key(query)
            if key:
                found = [(key, query, "query")] + [c for c in found if c[0] != key]
    return found


def items_candidates(items: Sequence[tuple[str, str, str | None, str | None]],
                     ) -> CandidateColumns:
    """`item_candidates` of each (title, summary, language, extra): the unit of work of an
    extraction worker, which imports this module and nothing heavier."""
    counts: list[int] = []
    flat: list[tuple[str, str, str]] = []
    with _many_objects():    # the collector cost a third of the time, here or in a worker
        for item in items:
            found = item_candidates(*item)
            counts.append(len(found))
            flat.extend(found)
    if not flat:
        return CandidateColumns(counts, [], [], [])
    keys, labels, kinds = zip(*flat)
    return CandidateColumns(counts, list(keys), list(labels), list(kinds))


def candidates_and_roots(items: Sequence[tuple[str, str, str | None, str | None]],
                         ) -> tuple[CandidateColumns, dict[str, str]]:
    """`items_candidates`, with the word roots this process had to compute meanwhile (or
    since it last handed them over): the unit of work of extraction, here or in a worker. The
    roots are stored, so that no process stems those words again."""
    return items_candidates(items), take_learned_roots()


_POS = itemgetter(0)


# A candidate found in one text: (pos, key, start, end, kind). pos is where it starts and
# orders candidates in reading order; start:end is its label's span. A plain tuple: an item
# makes a hundred of them.
_Hit = tuple[int, str, int, int, str]


class _Word(NamedTuple):
    """What the candidate rules ask about one word; cached per spelling."""

    key: str
    cap: bool           # starts with a capital
    acronym: bool       # KAI, OJK, BI
    mixed: bool         # iPhone, eFishery
    code: bool          # letters and digits: 5G, S26, COVID-19
    numeric: bool       # 2025, 1.924.000, ke-80, III
    edition: bool       # a number that may follow a name: 17, 2026, 12.12, III, S26
    content: bool       # not a stopword, boilerplate or number
    nameish: bool       # content and capitalized
    connector: bool     # may join two names
    possessive: bool    # "Indonesia's": ends a name
    common: bool        # an ordinary Indonesian word: never a topic alone (see _phrases)
    verb: bool          # me-/di-/ber-/ter- + a root ("mengungkap"): never ends a phrase
    ends: bool          # may end a phrase: content, not such a verb (editions: _edition_ends)
    single: bool        # may be a phrase by itself (see _phrases)
    opens: bool         # first word of a boilerplate phrase ("baca" of "baca juga")
    case: int           # what its capitals say of the text's casing: see _case_class

    @property
    def short_ok(self) -> bool:
        """May stand alone as a candidate despite being short."""
        return self.acronym or self.code


# Per (language, shouting), per spelling: the _Word. Plain dicts, looked up once per token:
# lru_cache's key building cost more than the rest of a known word. Emptied when one grows
# past _CACHE_WORDS, to bound memory on an endless vocabulary.
_CACHE_WORDS = 200_000
_WORDS: dict[tuple[str | None, bool], dict[str, _Word]] = {}


def _words(toks: list[Token], language: str | None, shouting: bool) -> list[_Word]:
    cache = _WORDS.get((language, shouting))
    if cache is None or len(cache) > _CACHE_WORDS:
        cache = _WORDS[(language, shouting)] = {}
    get = cache.get
    out = []
    for tok in toks:
        s = tok[0]
        w = get(s)
        if w is None:
            w = cache[s] = _word(s, language, shouting)
        out.append(w)
    return out


def _word(s: str, language: str | None, shouting: bool) -> _Word:
    key = _key_part(s)
    possessive = len(s) > 2 and s[-2:].lower() in ("'s", "’s")
    has_digit = not s.isalpha() and any(c.isdigit() for c in s)
    roman = _ROMAN.fullmatch(s) is not None
    numeric = roman or has_digit and _NUMERIC.fullmatch(key) is not None
    code = has_digit and not numeric and any(c.isalpha() for c in s)
    acronym = not shouting and not roman and s.isalpha() and s.isupper() and 2 <= len(s) <= 6
    # An acronym is never a stopword: "AS" is the United States, "BI" Bank Indonesia.
    blocked = key in BOILERPLATE or (key in _stops(language) and not acronym)
    content = not blocked and not numeric
    cap = s[0].isupper()
    mixed = s[0].islower() and not s.islower()
    common = content and not (acronym or code or mixed) and is_common_word(key)
    verb = (content and key.startswith(_VERB_PREFIXES) and is_common_word(key)
            and stem(key) != key)
    return _Word(
        key=key, cap=cap, acronym=acronym, mixed=mixed, code=code, numeric=numeric,
        edition=code or roman or numeric and _EDITION.fullmatch(key) is not None,
        content=content, nameish=content and (cap or acronym or mixed),
        connector=key in _CONNECTORS and s.islower(), possessive=possessive,
        common=common, verb=verb, ends=content and not verb,
        # A single ordinary word ("Bank", "polisi", "ditangkap", "delapan") recurs by chance
        # on small feeds and names no story: the phrases around it do ("Bank Mandiri",
        # "kuota haji"). Names stay ("Ponorogo"), and short ones only as acronyms or codes.
        single=content and not common and (len(key) >= 4 or acronym or code),
        opens=key in _PHRASES_BY_FIRST, case=_case_class(s, language),
    )


@dataclass(slots=True)
class _Doc:
    """One text (a title or a summary), read into clauses of words."""

    clauses: list[tuple[list[Token], list[_Word]]] = field(default_factory=list)
    named: list[_Hit] = field(default_factory=list)       # hashtags and names
    names: list[list[str]] = field(default_factory=list)  # key parts of each name
    title_case: bool = False

    def name_subkeys(self) -> set[str]:
        """Keys of each name and of its parts of two words or more.

        Single words inside a name are left out: in "Bali International
        Hospital", "International" alone is not a name.
        """
        keys: set[str] = set()
        for parts in self.names:
            keys.add(" ".join(parts))
            for i in range(len(parts) - 1):
                for j in range(i + 2, len(parts) + 1):
                    keys.add(" ".join(parts[i:j]))
        return keys


def _read(text: str, language: str | None, *, headline: bool) -> _Doc:
    doc = _Doc()
    if not text:
        return doc
    counts = [0] * 5    # words per _case_class
    read: list[tuple[list[Token], list[_Word]]] = []
    for clause in tokenize_clauses(text):
        first = clause[0]
        if first.kind == "hashtag":
            _hashtag(first, doc)
            continue
        if first.kind != "word":
            continue
        words = _words(clause, language, False)
        for w in words:
            counts[w.case] += 1
        read.append((clause, words))
    title_case, shouting = _casing(counts, headline)
    doc.title_case = title_case
    for clause, words in read:
        if shouting:    # capitals say nothing: no acronyms either
            words = _words(clause, language, True)
        for toks, ws in _without_boilerplate_phrases(clause, words):
            doc.clauses.append((toks, ws))
            if shouting:
                continue
            if title_case:
                _title_case_names(toks, ws, doc)
            else:
                _names(toks, ws, doc)
    return doc


def _casing(counts: list[int], headline: bool) -> tuple[bool, bool]:
    """(title case, shouting) for a text, from its words per _case_class."""
    caps, upper, lower = counts[_ALL_CAPS], counts[_UPPER], counts[_LOWER]
    alpha = caps + counts[_IGNORED] + upper + lower
    eligible = upper + lower
    shouting = alpha >= 4 and caps >= _SHOUTING_RATIO * alpha
    if headline:
        title_case = eligible >= 3 and lower <= _TITLE_CASE_LOWER * eligible
    else:
        # Summaries are prose: only call it Title Case without a single lowercase
        # word, so that a sentence full of names keeps its names.
        title_case = eligible >= 5 and lower == 0
    return title_case, shouting


def _case_class(s: str, language: str | None) -> int:
    if not s[0].isalpha():
        return _NOT_ALPHA
    if len(s) >= 2 and s.isupper():
        return _ALL_CAPS
    # Title Case leaves function words and units lowercase ("di", "yang", "bakal",
    # "triliun"); mixed case and numbers say nothing ("e-Wallet", "ke-80").
    low = s.lower()
    if low in _stops(language) or low in BOILERPLATE or s[1:] != low[1:]:
        return _IGNORED
    if not s.replace("-", "").replace("'", "").isalpha():
        return _IGNORED
    return _LOWER if s[0].islower() else _UPPER


def _hashtag(tok: Token, doc: _Doc) -> None:
    key = _hashtag_key(tok.text)
    if key:
        doc.named.append((tok.start, key, tok.start, tok.end, "hashtag"))


@lru_cache(maxsize=_CACHE_WORDS)    # the same few tags recur in every feed ("#fyp")
def _hashtag_key(tag: str) -> str:
    """The topic key of a hashtag, or "" if it names no topic (boilerplate, stopwords or
    numbers only)."""
    parts = [_key_part(p) for p in split_hashtag(tag)]
    key = " ".join(p for p in parts if p)
    if not key or is_boilerplate_phrase(key):
        return ""
    if all(p in _STOP_ALL or _NUMERIC.fullmatch(p) for p in parts):
        return ""
    return key


def _without_boilerplate_phrases(
    toks: list[Token], words: list[_Word],
) -> list[tuple[list[Token], list[_Word]]]:
    """Split a clause around multi-word boilerplate ("baca juga", "hari ini")."""
    if not any([w.opens for w in words]):
        return [(toks, words)]
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        for phrase in _PHRASES_BY_FIRST.get(words[i].key, ()):
            end = i + len(phrase)
            if end <= len(words) and all(words[i + k].key == p for k, p in enumerate(phrase)):
                cuts.append((i, end))
                i = end - 1
                break
        i += 1
    if not cuts:
        return [(toks, words)]
    parts: list[tuple[list[Token], list[_Word]]] = []
    start = 0
    for a, b in cuts:
        if a > start:
            parts.append((toks[start:a], words[start:a]))
        start = b
    if start < len(words):
        parts.append((toks[start:], words[start:]))
    return parts


def _names(toks: list[Token], ws: list[_Word], doc: _Doc) -> None:
    """Capitalized runs in sentence-case text."""
    n = len(ws)
    i = 0
    while i < n:
        if not ws[i].nameish:
            i += 1
            continue
        j = i
        while j + 1 < n and not ws[j].possessive:
            nxt = ws[j + 1]
            if nxt.nameish:
                j += 1
            elif j + 2 < n and (nxt.connector or nxt.edition) and ws[j + 2].nameish:
                j += 2      # "Bank of America", "SMAN 72 Jakarta", "iPhone 17 Pro"
            elif nxt.edition and not _is_unit(ws, j + 2):
                j += 1      # "iPhone 17", but not "Jakarta 3" of "Jakarta 3 juta"
                break
            else:
                break
        first = ws[i]
        single_ok = not (toks[i].sentence_start and first.cap) or first.acronym or first.code
        if j > i or (single_ok and (len(first.key) >= 3 or first.short_ok)):
            if j - i < MAX_NAME_WORDS:
                _add_name(toks, ws, i, j, doc)
        i = j + 1


def _title_case_names(toks: list[Token], ws: list[_Word], doc: _Doc) -> None:
    """In Title Case only acronyms and mixed case are evidence: KAI, BSU, iPhone 17, Galaxy S26."""
    n = len(ws)
    i = 0
    while i < n:
        w = ws[i]
        if not (w.content and (w.acronym or w.mixed or w.code)):
            i += 1
            continue
        start = i - 1 if w.code and i > 0 and ws[i - 1].nameish else i   # "Galaxy S26"
        j = i
        while j + 1 < n and ws[j + 1].content and (ws[j + 1].acronym or ws[j + 1].mixed):
            j += 1
        if j + 1 < n and ws[j + 1].edition and not _is_unit(ws, j + 2):
            j += 1
        _add_name(toks, ws, start, j, doc)
        i = j + 1


def _add_name(toks: list[Token], ws: list[_Word], i: int, j: int, doc: _Doc) -> None:
    parts = [w.key for w in ws[i:j + 1]]
    doc.named.append((toks[i].start, " ".join(parts), toks[i].start, toks[j].end, "name"))
    doc.names.append(parts)


def _phrases(doc: _Doc, seen: set[str], budget: int, promoted: set[str]) -> list[_Hit]:
    """N-grams that start on a content word and end on one (or on an edition number).

    Stops at the first new key past `budget`; keys are added to `seen`.
    """
    out: list[_Hit] = []
    for toks, ws in doc.clauses:
        n = len(ws)
        keys = [w.key for w in ws]
        # "Polisi mengungkap" is a headline cut before its object: a phrase does not end on
        # an affixed verb. Numbers end one when they are an edition ("iPhone 17").
        ends = [w.ends or w.edition and _edition_ends(ws, j) for j, w in enumerate(ws)]
        for i in range(n):
            first = ws[i]
            if not first.content:
                continue
            pos = toks[i].start
            key = keys[i]
            versus = False
            for j in range(i, min(i + MAX_PHRASE_WORDS + 1, n)):
                if j == i:
                    if not first.single:
                        continue
                else:
                    # One word more for matches, so both sides keep two words:
                    # "timnas indonesia vs arab saudi".
                    if j == i + MAX_PHRASE_WORDS and not versus:
                        break
                    word = keys[j]
                    if word in _VERSUS:
                        versus = True
                    key = f"{key} {word}"
                    if not ends[j]:
                        continue
                if key not in seen:
                    if budget <= 0:
                        return out
                    seen.add(key)
                    budget -= 1
                out.append((pos, key, pos, toks[j].end, "name" if key in promoted else "phrase"))
    return out


def _edition_ends(ws: list[_Word], k: int) -> bool:
    """Whether the number at k may end a phrase: an edition, not a quantity.

    "iPhone 17", "SMAN 72", "Lebaran 2026" yes; "tangkap 5 (pelaku)", "tol 20 (persen)" no.
    """
    before = ws[k - 1]
    if not before.content:
        return False
    if before.acronym or before.mixed:
        return True
    return k + 1 == len(ws) or not (ws[k + 1].content or _is_unit(ws, k + 1))


def _is_unit(ws: list[_Word], k: int) -> bool:
    """Whether the word at k makes the number before it a quantity: "3 juta", "20 persen"."""
    return k < len(ws) and (ws[k].key in BOILERPLATE or ws[k].key in _COUNTED)


def _key_part(word: str) -> str:
    low = word.lower()
    if not low.isascii():
        low = unicodedata.normalize("NFKD", low.replace("’", "'"))
        low = "".join(c for c in low if not unicodedata.combining(c))
    if low.endswith("'s") and len(low) > 2:
        low = low[:-2]
    return low


@contextmanager
def _many_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while a block builds hundreds of thousands of
    acyclic objects (rows, tuples, signals). Each allocation burst otherwise triggers full
    collections that walk every live object: about a second of a scoring run over 100,000
    topics. Reference counting still frees everything; cycles made meanwhile wait for the next
    collection. Nested blocks leave the collector as the outermost found it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
