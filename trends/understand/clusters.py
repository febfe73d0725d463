"""Topics: candidates that are about the same items are one topic.

Twenty articles about one match yield "timnas", "timnas indonesia", "arab saudi", "saudi" and
"timnas indonesia vs arab saudi" as candidates. They share their items, so they are one topic;
it is named by its most specific candidate that still covers most of the topic (a trend query
or hashtag first: that is how people search), and it trends as strongly as its strongest one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trends.models import TopicSignal
from trends.understand.labels import (
    COMMON,
    FUNCTION,
    GENERIC_WORDS,
    NAME,
    VERB,
    is_match,
    label_problem,
    label_words,
    ordinary_words,
    specific_words,
    word_class,
)
from trends.understand.nlp.stem import in_dictionary

__all__ = ["Cluster", "cluster_topics", "same_topic"]

_KIND_RANK = {"query": 3, "hashtag": 2, "name": 1, "phrase": 1}


@dataclass(slots=True)
class Cluster:
    signal: TopicSignal               # the topic's signal, under its chosen key and label
    members: list[TopicSignal]        # every candidate merged into it, strongest first
    items: frozenset[str]


def same_topic(a: frozenset[str], b: frozenset[str], *, small: float = 0.6,
               large: float = 0.4) -> bool:
    """Most of the smaller set is in the larger, and it is a good part of the larger too.
    Containment alone would swallow "kopi susu gula aren" (3 items) into "kopi" (9 items,
    some about a flood); the second condition keeps a sub-topic apart from a generic word."""
    if not a or not b:
        return False
    common = len(a & b)
    return common >= small * min(len(a), len(b)) and common >= large * max(len(a), len(b))


def cluster_topics(signals: Sequence[TopicSignal], items: dict[str, frozenset[str]], *,
                   label_cover: float = 0.6) -> list[Cluster]:
    """Group candidates that tell the same topic, strongest first. Each candidate is compared
    with the items of a cluster's strongest member, so a chain of loosely related candidates
    cannot drift one topic into another; for the same reason a topic's items are those of its
    strongest member and of its label, not of every member."""
    groups: list[tuple[frozenset[str], list[TopicSignal]]] = []
    for s in sorted(signals, key=lambda s: (-s.trend, s.key)):
        mine = items.get(s.key, frozenset())
        for head_items, members in groups:
            if same_topic(mine, head_items):
                members.append(s)
                break
        else:
            groups.append((mine, [s]))
    groups = _fold_sub_topics(groups)
    # Words some source wrote with a capital mid-sentence are names, in every topic of the
    # run: "Semeru" of "Gunung Semeru" (Sastrawi's stemmer reads se- + "meru").
    names = {w for s in signals if s.kind == "name" for w in label_words(s.label)}
    clusters = []
    for head_items, members in groups:
        signal = _named(members, items, names, label_cover)
        if signal is None:
            continue        # no candidate names it: an honest short list beats a junk row
        clusters.append(Cluster(signal=signal, members=members,
                                items=head_items | items.get(signal.key, frozenset())))
    return _one_row_per_story(clusters, items, names)


def _one_row_per_story(clusters: list[Cluster], items: dict[str, frozenset[str]],
                       names: set[str], *, contained: float = 0.6) -> list[Cluster]:
    """Fold a named topic into a stronger one that tells the same story, so that the officer
    reads one row per story: when the names of one label are all in the other's ("Bencana di
    Sumatera" into "Banjir Sumatera", "erupsi Semeru" into "Gunung Semeru", "Yahya Cholil"
    into "Gus Yahya"), or when most of the items its label stands for are among the stronger
    topic's ("Ranu Kumbolo" into "Gunung Semeru" on the day of the eruption, once "erupsi
    Semeru" is in it).
    Folding repeats until nothing moves, since each fold widens a topic's items. The folded
    topic's candidates stay its members."""
    # What a topic is told by: the items of its label, and of the labels folded into it (not
    # of every member: a generic member such as "flash sale" spans several stories).
    rows = [(c, set(items.get(c.signal.key, frozenset()) or c.items),
             _name_words(c.signal.label, names)) for c in clusters]
    moved = True
    while moved:
        moved = False
        kept: list[tuple[Cluster, set[str], frozenset[str]]] = []
        for c, told, named in rows:
            mine = items.get(c.signal.key, frozenset()) or c.items
            home = next((k for k in kept if (named and k[2] and (named <= k[2] or k[2] <= named))
                         or (mine and len(mine & k[1]) >= contained * len(mine))), None)
            if home is None:
                kept.append((c, told, named))
            else:
                home[0].members.extend(c.members)
                home[1].update(told)
                moved = True
        rows = kept
    return [c for c, _, _ in rows]


def _name_words(label: str, names: set[str]) -> frozenset[str]:
    """The words of a label that are not ordinary words: what it names. A word the dictionary
    knows only through the stemmer counts ("Semeru" is no se- + "meru"), a role does not
    ("Gus", "Ketum")."""
    out = set()
    for w in label_words(label):
        c = word_class(w)
        if c in (VERB, FUNCTION) or w in GENERIC_WORDS:
            continue
        if w in names or c != COMMON or not in_dictionary(w):
            out.add(w)
    return frozenset(out)


def _fold_sub_topics(groups: list[tuple[frozenset[str], list[TopicSignal]]], *,
                      contained: float = 0.6, strong: float = 0.5,
                      ) -> list[tuple[frozenset[str], list[TopicSignal]]]:
    """Fold a smaller topic into a stronger one when it is an angle of it: most of its items
    are the stronger topic's, and one of its candidates contains a main name of the stronger
    ("Jadwal Timnas Indonesia", "Suporter Timnas Indonesia Padati GBK" into "Timnas Indonesia";
    "promo Harbolnas" into "Harbolnas 12.12"). Item overlap alone is not enough: two topics
    told by the same few articles stay apart unless they also share a name."""
    kept: list[tuple[frozenset[str], list[TopicSignal], set[str]]] = []
    for items, members in groups:
        for big_items, big_members, names in kept:
            if (items and len(items & big_items) >= contained * len(items)
                    and any(_contains(m.key, name) for m in members for name in names)):
                big_members.extend(members)
                break
        else:
            top = max(m.mentions for m in members)
            names = {m.key for m in members if m.mentions >= strong * top}
            kept.append((items, members, names))
    return [(items, members) for items, members, _ in kept]


def _contains(key: str, name: str) -> bool:
    """Whether `name`'s words appear in `key`, in a row."""
    return f" {name} " in f" {key} "


def _named(members: list[TopicSignal], items: dict[str, frozenset[str]], names: set[str],
           label_cover: float) -> TopicSignal | None:
    """The topic as its best-named member tells it, or None when no member can name it
    (trends.understand.labels: every candidate covering most of it is generic, too broad or
    a fragment). The best name covers most of the topic and is what people search for: a
    trend query or a hashtag first, then a match ("A vs B"), then the name with the most
    words that name something ("Frankie Dettori" over "Dettori"), two to five words with at
    most one ordinary word among them ("Erupsi Semeru", not "Semeru" nor a headline's
    "Erupsi Semeru Terus Terjadi"), then the most mentioned, then an established name before
    one coined today.

    The strength, mentions, breadth and volume are the strongest member's. The state and
    first sighting are the topic's oldest: a headline template around a steady topic ("X
    masih jadi perbincangan", first seen today) does not make the topic "new"."""
    head = members[0]
    top = max(m.mentions for m in members)
    main = [m for m in members if m.mentions >= label_cover * top] or [head]
    nameable = [m for m in main if label_problem(m.label, m.kind, names) is None
                and _coherent(m, members, items, names)]
    if not nameable:
        return None
    newest = max(m.first_seen_at for m in members)
    best = max(nameable, key=lambda m: _name_rank(m, newest, names))
    best = _whole_name(best, members, items, names)
    anchor = best
    if best.state == "new":
        older = [m for m in main if m.state != "new"]
        if older:
            anchor = max(older, key=lambda m: (m.mentions, m.trend, m.key))
    return replace(best, trend=head.trend, mentions=top,
                   breadth=max(m.breadth for m in members),
                   platforms=max(m.platforms for m in members),
                   volume=max(m.volume for m in members),
                   state=anchor.state, posting_window=anchor.posting_window,
                   peak_at=anchor.peak_at, freshness=anchor.freshness,
                   first_seen_at=min(m.first_seen_at for m in main))


def _whole_name(best: TopicSignal, members: list[TopicSignal],
                items: dict[str, frozenset[str]], names: set[str]) -> TopicSignal:
    """The longer name that `best` is a piece of, when the topic has one that names it and
    tells most of its items: "Hylo Open 2025" for "Hylo", "Australian Open" for "Australian",
    "Man United" for "United". Up to five words."""
    if best.kind in ("query", "hashtag"):
        return best
    mine = items.get(best.key, frozenset())
    longer = [m for m in members
              if m.key != best.key and _contains(m.key, best.key)
              and len(m.label.split()) <= 5 and m.kind not in ("query",)
              and _names_before(m.key, best.key, names)
              and label_problem(m.label, m.kind, names) is None
              and len(items.get(m.key, frozenset()) & mine) >= 0.5 * max(len(mine), 1)]
    if not longer:
        return best
    # The longest that still tells most of it; ties by mentions.
    return max(longer, key=lambda m: (len(m.label.split()) - ordinary_words(m.label) * 0.5,
                                      m.mentions, m.trend))


def _names_before(longer: str, key: str, names: set[str]) -> bool:
    """Whether the words `longer` puts before `key` are names: "Man United" completes
    "United", "Hasil Bali United" only says it is a result."""
    before = f" {longer} ".split(f" {key} ", 1)[0].split()
    return all(w in names or word_class(w) == NAME or not in_dictionary(w) for w in before)


def _coherent(m: TopicSignal, members: list[TopicSignal], items: dict[str, frozenset[str]],
              names: set[str]) -> bool:
    """Whether a label of one name ("Jaksel", "Pertamina", "Pemkab Jember") stands for one
    story: a place or a body alone is in the news for many unrelated things, and its items
    then share no other candidate. One that shares a good part of its items (two, and a third
    of them at least) with another name or phrase of the topic that is not the same name
    again ("Barcelona" with "Elche", "Harbolnas" with "Gratis Ongkir"; not "Dettori" with
    "Frankie Dettori") tells one story."""
    if m.kind in ("query", "hashtag") or ordinary_words(m.label) > 0 \
            or specific_words(m.label, names) > 1:
        return True
    mine = items.get(m.key, frozenset())
    if len(mine) <= 1:
        return True
    own = set(label_words(m.label))
    return any(not set(label_words(o.label)) <= own and not own <= set(label_words(o.label))
               and len(o.label.split()) + specific_words(o.label, names) >= 2
               and len(items.get(o.key, frozenset()) & mine) >= max(2.0, 0.3 * len(mine))
               for o in members)


def _name_rank(m: TopicSignal, newest: datetime,
               names: set[str]) -> tuple[int, bool, int, int, int, bool, int, float]:
    words = m.label.split()
    specific = specific_words(m.label, names)
    shape = 2 if 2 <= len(words) <= 5 and ordinary_words(m.label) <= 2 else int(len(words) == 1)
    return (_KIND_RANK.get(m.kind, 0), is_match(m.label), min(specific, 3), shape, m.mentions,
            newest - m.first_seen_at >= timedelta(days=1), min(len(words), 4), m.trend)
