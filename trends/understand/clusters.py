"""Topics: candidates that are about the same items are one topic.

Twenty articles about one match yield "timnas", "timnas indonesia", "arab saudi", "saudi" and
"timnas indonesia vs arab saudi" as candidates. They share their items, so they are one topic;
it is named by its most specific candidate that still covers most of the topic (a trend query
or hashtag first: that is how people search), and it trends as strongly as its strongest one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from trends.models import TopicSignal

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
    clusters = []
    for head_items, members in groups:
        signal = _named(members, label_cover)
        clusters.append(Cluster(signal=signal, members=members,
                                items=head_items | items.get(signal.key, frozenset())))
    return clusters


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


def _named(members: list[TopicSignal], label_cover: float) -> TopicSignal:
    """The topic as its best-named member tells it: that member's key, label, state and
    posting window, with the strength, mentions, breadth and volume of the strongest.

    The best name covers most of the topic, and is how people search: a trend query or a
    hashtag first, then a phrase of two to four words, then the most mentioned, then an
    established name before one coined today ("Harga Emas Antam", not "Emas Antam Naik
    Tajam"). The state is that name's own: a brand-new headline phrase would call a topic
    "new" that has been growing for days."""
    head = members[0]
    floor = label_cover * max(m.mentions for m in members)
    eligible = [m for m in members if m.mentions >= floor] or [head]
    newest = max(m.first_seen_at for m in members)
    best = max(eligible, key=lambda m: (
        _KIND_RANK.get(m.kind, 0), 2 <= _words(m.label) <= 4, m.mentions,
        newest - m.first_seen_at >= timedelta(days=1), min(_words(m.label), 4), m.trend))
    return replace(best, trend=head.trend, mentions=max(m.mentions for m in members),
                   breadth=max(m.breadth for m in members),
                   platforms=max(m.platforms for m in members),
                   volume=max(m.volume for m in members))


def _words(label: str) -> int:
    return len(label.split())
