"""Topics from candidates, with plain signals: one story is one row under the name people
search for, a topic no candidate can name is not shown, and a headline phrase first seen today
does not make a steady topic new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trends.models import TopicSignal
from trends.understand.clusters import cluster_topics

NOW = datetime(2025, 11, 20, 5, tzinfo=UTC)
DAY = timedelta(days=1)


def sig(label: str, mentions: int, *, kind: str = "phrase", trend: float | None = None,
        state: str = "rising", first_seen: datetime | None = None) -> TopicSignal:
    return TopicSignal(key=label.lower(), label=label, kind=kind, mentions=mentions,
                       baseline=1.0, velocity=3.0, breadth=2, volume=0.0, freshness=0.5,
                       first_seen_at=first_seen or NOW - 2 * DAY, state=state,
                       trend=mentions / 10 if trend is None else trend,
                       posting_window=f"{state}: post today")


def items(*ranges: tuple[str, range]) -> dict[str, frozenset[str]]:
    return {label.lower(): frozenset(f"i{i}" for i in r) for label, r in ranges}


def labels(signals: list[TopicSignal], found: dict[str, frozenset[str]]) -> list[str]:
    return [c.signal.label for c in cluster_topics(signals, found)]


def test_a_match_is_named_as_people_search_for_it() -> None:
    signals = [sig("Timnas Indonesia", 6), sig("Arab Saudi", 5),
               sig("Indonesia vs Arab Saudi", 5), sig("Timnas", 6)]
    found = items(("Timnas Indonesia", range(6)), ("Timnas", range(6)),
                  ("Arab Saudi", range(5)), ("Indonesia vs Arab Saudi", range(5)))
    assert labels(signals, found) == ["Indonesia vs Arab Saudi"]


def test_the_full_name_over_half_of_it() -> None:
    signals = [sig("Dettori", 3), sig("Frankie Dettori", 3, kind="name"), sig("Frankie", 3)]
    found = items(("Dettori", range(3)), ("Frankie Dettori", range(3)), ("Frankie", range(3)))
    assert labels(signals, found) == ["Frankie Dettori"]


def test_one_story_is_one_row() -> None:
    # The eruption: the volcano; a phrase with its name; a hiking site whose headlines are
    # mostly the volcano's once that phrase's are counted in (folding repeats).
    signals = [sig("Gunung Semeru", 5, kind="name"), sig("Ranu Kumbolo", 3),
               sig("erupsi Semeru", 2), sig("Harga CPO", 2)]
    found = items(("Gunung Semeru", range(0, 5)), ("erupsi Semeru", range(4, 9, 4)),
                  ("Ranu Kumbolo", range(2, 10, 3)), ("Harga CPO", range(20, 22)))
    topics = cluster_topics(signals, found)
    assert [c.signal.label for c in topics] == ["Gunung Semeru", "Harga CPO"]
    assert {m.label for m in topics[0].members} == {"Gunung Semeru", "Ranu Kumbolo",
                                                   "erupsi Semeru"}


def test_a_topic_no_candidate_can_name_is_not_shown() -> None:
    signals = [sig("Korban Banjir", 6), sig("Bantuan", 6), sig("Jaksel", 3),
               sig("Wizz Air", 2)]
    found = items(("Korban Banjir", range(6)), ("Bantuan", range(6)),
                  ("Jaksel", range(10, 13)), ("Wizz Air", range(20, 22)))
    assert labels(signals, found) == ["Wizz Air"]


def test_a_single_name_shown_alone_must_tell_one_story() -> None:
    # "Pertamina" in three unrelated headlines is no topic; with "Pertalite" in most of them
    # it is one.
    alone = [sig("Pertamina", 3)]
    assert labels(alone, items(("Pertamina", range(3)))) == []
    told = [sig("Pertamina", 3), sig("Pertalite Oplosan", 2)]
    assert labels(told, items(("Pertamina", range(3)), ("Pertalite Oplosan", range(2)))) \
        in (["Pertamina"], ["Pertalite Oplosan"])


def test_a_new_headline_phrase_does_not_make_a_steady_topic_new() -> None:
    # Gold prices are talked about every day; today's headlines also say "Harga Emas Antam".
    signals = [sig("Harga Emas", 6, state="steady", first_seen=NOW - 40 * DAY),
               sig("Harga Emas Antam", 5, state="new", first_seen=NOW - timedelta(hours=3))]
    found = items(("Harga Emas", range(6)), ("Harga Emas Antam", range(5)))
    topic = cluster_topics(signals, found)[0].signal
    assert topic.label == "Harga Emas Antam"
    assert topic.state == "steady" and topic.first_seen_at == NOW - 40 * DAY
    assert topic.posting_window == "steady: post today"
