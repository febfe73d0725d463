"""What a client's team told us through reactions, as a score multiplier for similar topics.

Pure: the decide job reads the verdicts from the warehouse (deliver/feedback_job.py put them
there) and hands them to `from_verdicts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from trends.models import ScoredTopic

__all__ = ["LEARN_DAYS", "MAX_FACTOR", "MIN_FACTOR", "WEIGHTS", "Preferences", "apply",
           "factor", "from_verdicts"]

# How much one kind of verdict moves a topic that is identical to the one reacted to; similar
# topics move in proportion to their word overlap. The product is kept within [0.5, 1.5]:
# feedback nudges the ranking, it never overrides the trend or the brief.
WEIGHTS = {"used": 0.5, "liked": 0.25, "rejected": -0.5}
MIN_FACTOR, MAX_FACTOR = 0.5, 1.5
LEARN_DAYS = 60          # feedback older than this is forgotten
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class Preferences:
    """A client's feedback as word sets per verdict."""

    topics: dict[str, list[frozenset[str]]] = field(default_factory=dict)   # verdict -> topics

    def __bool__(self) -> bool:
        return any(self.topics.values())


def _words(key: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(key.lower()) if len(w) > 1)


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def from_verdicts(verdicts: Iterable[tuple[str, str]]) -> Preferences:
    """The preferences of (topic_key, verdict) pairs: what the team said."""
    prefs = Preferences()
    for topic_key, verdict in verdicts:
        prefs.topics.setdefault(verdict, []).append(_words(topic_key))
    return prefs


def factor(prefs: Preferences, topic_key: str) -> tuple[float, str]:
    """The score multiplier for a topic, and a note for its reason ('' when 1)."""
    if not prefs:
        return 1.0, ""
    words = _words(topic_key)
    boost = 0.0
    notes = []
    for verdict, weight in WEIGHTS.items():
        sim = max((_similarity(words, t) for t in prefs.topics.get(verdict, ())), default=0.0)
        if sim > 0:
            boost += weight * sim
            what = "this topic" if sim == 1.0 else "a similar topic"
            notes.append(f"the team {verdict} {what}")
    f = min(MAX_FACTOR, max(MIN_FACTOR, 1.0 + boost))
    return (1.0, "") if f == 1.0 else (f, "; ".join(notes) + f" (×{f:.2f})")


def apply(prefs: Preferences, topic: ScoredTopic) -> ScoredTopic:
    """Scoring's hook: scale the topic's score by the client's feedback and say so in its
    reason. A topic scored 0 (excluded) stays 0."""
    f, note = factor(prefs, topic.key)
    if f != 1.0 and topic.score > 0:
        topic.score *= f
        topic.reason = f"{topic.reason}; {note}" if topic.reason else note
    return topic
