"""Near-duplicate headlines across sources, grouped as one story.

The same story reaches us from Kompas, Detik and Antara under three links and three slightly
different headlines. Items keep their own rows (keyed on the canonical link, see
`normalize.item_key`); this module gives each new item a `story_key`: the key of the first
item whose headline says the same thing, within a few days of it, or its own key.

"The same thing" follows Feedly's rule of thumb (above ~85% overlap is the same article):
two headlines are one story when at least 85% of the shorter one's words are in the other
(the overlap coefficient) and, so that a short headline cannot swallow a long one, their
Jaccard similarity is at least 0.5. Words are lower-cased and accent-free, with a small list
of function words and a trailing " - Site Name" removed.

Candidates are found by blocking on pairs of words (see `_SPREAD`): a new headline is compared
only with the few stored ones filed under a pair of its words, never with every one. The price:
two headlines are only compared when each has at most three words the other lacks, so a short
headline inside a much longer one is not found (its Jaccard similarity is low anyway).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import combinations
from typing import NamedTuple

__all__ = ["OVERLAP", "JACCARD", "WINDOW", "Headline", "StoryIndex", "assign_new",
           "assign_stories", "same_story", "stored_index", "title_tokens"]

OVERLAP = 0.85
JACCARD = 0.5
WINDOW = timedelta(days=3)
# Below this many words a headline is too short to judge by overlap: only an identical set of
# words makes it the same story ("Timnas menang" is not every story about Timnas).
MIN_WORDS = 4

# Punctuation separates words ("2-0" is "2" and "0"): str.translate is many times faster than
# a word regex, and the split does not change which headlines look alike.
_PUNCTUATION = str.maketrans(
    {c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’„«»–—…•·"})
# " - Kompas.com", " | detikNews": the site name some feeds (and Google News) append.
_SITE_SUFFIX = re.compile(r"\s+[-|–—]\s+[^-|–—]{1,40}$")
_COMBINING = re.compile("[\u0300-\u036f]")
_FUNCTION_WORDS = frozenset("""
a an the of to in on at for and or is are be with by from as its it this that
di ke dari yang dan atau ini itu untuk dengan pada dalam akan jadi soal usai
""".split())


class Headline(NamedTuple):
    """A tuple: headlines cross to the storyteller process by the thousand (see
    trends.collect.ingest_job), and tuples pickle several times faster than dataclasses."""

    key: str                 # the item's key
    title: str
    at: datetime             # the item's event time
    story_key: str | None = None   # already assigned (stored items)


def title_tokens(title: str) -> frozenset[str]:
    """The words that identify a headline: lower-cased, accents folded, function words and a
    trailing site name dropped."""
    title = (_SITE_SUFFIX.sub("", title.strip()) or title).lower()
    if not title.isascii():
        title = _COMBINING.sub("", unicodedata.normalize("NFKD", title))
    return frozenset(title.translate(_PUNCTUATION).split()) - _FUNCTION_WORDS


def same_story(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two headlines' words say the same story (see the module docstring)."""
    if not a or not b:
        return False
    lo, hi = sorted((len(a), len(b)))
    if lo < MIN_WORDS:
        return a == b
    if hi * JACCARD > lo:        # Jaccard <= lo / hi: cannot reach JACCARD, no need to intersect
        return False
    inter = len(a & b)
    return inter >= OVERLAP * lo and inter >= JACCARD * (lo + hi - inter)


# Blocking: each headline is filed under every pair of its _SPREAD + 2 words with the smallest
# hashes (a fixed random order of words). When two headlines each have at most _SPREAD words
# the other lacks, the two smallest-hashed of their common words are among those of both, so
# they share a pair: such pairs are always compared. Unrelated headlines rarely share a pair
# of rare-in-hash-order words, so almost every candidate is a true match.
_SPREAD = 3
# ...and under the window-long stretch of time it falls in: a headline within the window of
# another is in the same stretch or a neighbouring one, so only three stretches are looked up,
# not the weeks of headlines a replay or a first run may hold. A pair's key in a stretch is its
# hash XOR the stretch's number: a collision only adds a candidate, which is checked anyway.


class StoryIndex:
    """Recent headlines, filed under pairs of words (see _SPREAD), that new headlines are
    matched against."""

    def __init__(self, window: timedelta = WINDOW) -> None:
        self._window_s = window.total_seconds()
        self._tokens: list[frozenset[str]] = []
        self._stories: list[str] = []
        self._times: list[float] = []        # POSIX seconds: compared for every candidate
        self._buckets: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._tokens)

    def _keys(self, tokens: frozenset[str]) -> list[int]:
        # hash() is salted per process: fine, the index never leaves the process. A pair is
        # filed under its hash, an int, rather than a tuple: a third of the memory.
        smallest = sorted(map(hash, tokens))[:_SPREAD + 2]
        if len(smallest) == 1:
            return smallest
        return [hash(pair) for pair in combinations(smallest, 2)]

    def add(self, tokens: frozenset[str], story_key: str, at: datetime,
            keys: list[int] | None = None) -> None:
        if not tokens:
            return
        i = len(self._tokens)
        at_s = at.timestamp()
        self._tokens.append(tokens)
        self._stories.append(story_key)
        self._times.append(at_s)
        buckets = self._buckets
        stretch = int(at_s // self._window_s)
        for pair in keys if keys is not None else self._keys(tokens):
            bucket = buckets.get(pair ^ stretch)
            if bucket is None:
                buckets[pair ^ stretch] = [i]
            else:
                bucket.append(i)

    def find(self, tokens: frozenset[str], at: datetime,
             keys: list[int] | None = None) -> str | None:
        """The story of the earliest indexed headline that matches, within the window."""
        if not tokens:
            return None
        at_s, window = at.timestamp(), self._window_s
        stretch = int(at_s // window)
        near = (stretch - 1, stretch, stretch + 1)
        found = [b for b in map(self._buckets.get, [pair ^ s for pair in (
            keys if keys is not None else self._keys(tokens)) for s in near]) if b]
        if not found:
            return None
        candidates: set[int] = set().union(*found)
        # earliest first, so the first match is the answer
        for i in sorted(candidates):
            if abs(self._times[i] - at_s) <= window and same_story(tokens, self._tokens[i]):
                return self._stories[i]
        return None

    def match_and_add(self, tokens: frozenset[str], key: str, at: datetime) -> str:
        """The story of a new headline (its own key when none matches); the headline joins."""
        if not tokens:
            return key
        keys = self._keys(tokens)
        story = self.find(tokens, at, keys) or key
        self.add(tokens, story, at, keys)
        return story


def assign_stories(new: Sequence[Headline], recent: Iterable[Headline],
                   window: timedelta = WINDOW) -> dict[str, str]:
    """A story key for each new headline: the story of a matching recent (stored) headline or
    of an earlier new one, else the headline's own key. New headlines are taken in time order,
    so the first to arrive names the story."""
    return assign_new(stored_index(recent, window), new)


def stored_index(recent: Iterable[Headline], window: timedelta = WINDOW) -> StoryIndex:
    """An index of stored headlines, oldest first, with their story keys."""
    index = StoryIndex(window)
    for h in sorted(recent, key=lambda h: h.at):
        index.add(title_tokens(h.title), h.story_key or h.key, h.at)
    return index


def assign_new(index: StoryIndex, new: Sequence[Headline]) -> dict[str, str]:
    """Match new headlines, in time order, against `index` and add them to it."""
    return {h.key: index.match_and_add(title_tokens(h.title), h.key, h.at)
            for h in sorted(new, key=lambda h: (h.at, h.key))}
