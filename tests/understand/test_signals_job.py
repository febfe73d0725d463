"""Trend signals and client relevance, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trends.config import ClientConfig
from trends.decide.relevance import count_matches, score_topic, select_topics
from trends.models import Article, TopicContext, TopicSignal
from trends.understand.signals.rules import trend_state
from trends.understand.signals.vectorized import compute_signals, window_stats_table

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
DAY = timedelta(days=1)


def row(key: str, recent: int, last_half: int, baseline_total: int, first_seen: datetime,
        breadth: int = 1, volume: float = 0.0) -> dict[str, object]:
    return {"key": key, "label": key.title(), "kind": "phrase", "recent": recent,
            "last_half": last_half, "first_half": recent - last_half,
            "baseline_total": baseline_total, "breadth": breadth, "volume": volume,
            "first_seen_at": first_seen}


def test_states_follow_the_shape_of_the_curve() -> None:
    assert trend_state(age=timedelta(hours=5), recent=DAY, velocity=5, last_half=4,
                       first_half=0) == "new"
    assert trend_state(age=3 * DAY, recent=DAY, velocity=4, last_half=8, first_half=3) == "rising"
    assert trend_state(age=3 * DAY, recent=DAY, velocity=4, last_half=5, first_half=6) == "peaking"
    assert trend_state(age=3 * DAY, recent=DAY, velocity=0.8, last_half=2,
                       first_half=2) == "steady"      # at its usual rate
    assert trend_state(age=3 * DAY, recent=DAY, velocity=0.3, last_half=1,
                       first_half=1) == "fading"      # well below it
    assert trend_state(age=3 * DAY, recent=DAY, velocity=3, last_half=1, first_half=9) == "fading"


def test_a_rising_topic_outranks_a_steady_one_of_the_same_size() -> None:
    signals = compute_signals(window_stats_table([
        row("harbolnas", recent=12, last_half=9, baseline_total=3, first_seen=NOW - 5 * DAY,
            breadth=4),
        row("harga beras", recent=12, last_half=6, baseline_total=72, first_seen=NOW - 30 * DAY,
            breadth=4),
    ]), NOW).top()
    by = {s.key: s for s in signals}
    assert by["harbolnas"].state == "rising" and by["harga beras"].state == "steady"
    assert by["harbolnas"].velocity > 5 > by["harga beras"].velocity
    assert by["harbolnas"].trend == 1.0 and by["harga beras"].trend < 0.5
    assert by["harbolnas"].freshness > by["harga beras"].freshness


def client(**kw: object) -> ClientConfig:
    base: dict[str, object] = {"id": "kopi", "name": "Kopi", "languages": ("id",),
                               "keywords": ("kopi", "kedai kopi", "nobar"),
                               "exclude": ("banjir",)}
    base.update(kw)
    return ClientConfig(**base)  # type: ignore[arg-type]


def context(key: str, texts: list[str], trend: float = 1.0, items: list[str] | None = None
            ) -> TopicContext:
    sig = TopicSignal(key=key, label=key.title(), kind="phrase", mentions=len(texts), baseline=1,
                      velocity=3.0, breadth=2, volume=0, freshness=0.8,
                      first_seen_at=NOW - DAY, state="rising", trend=trend)
    return TopicContext(signal=sig, articles=[Article(t, None, "s") for t in texts],
                        texts=[t.lower() for t in texts],
                        item_keys=frozenset(items or [f"{key}{i}" for i in range(len(texts))]))


def test_keywords_match_in_stories_not_only_in_the_label() -> None:
    ctx = context("timnas indonesia", ["Nobar Timnas di kedai kopi ramai", "Timnas latihan",
                                       "Suporter ngopi sebelum laga"])
    topic, blocked = score_topic(client(), ctx)
    assert blocked is None
    assert set(topic.matched) == {"nobar", "kedai kopi", "kopi"}
    assert 0 < topic.relevance < 1 and topic.score > 0
    # "ngopi" counts for "kopi" (stemmed, slang-aware matching): two of the three stories
    assert "matches" in topic.reason and "2 of 3 stories" in topic.reason


def test_matching_is_whole_word_and_tolerates_clitics() -> None:
    assert count_matches(["kopi"], ["kopinya enak", "kopiah baru", "#kopi"]) == {"kopi": 1}
    assert count_matches(["kedai kopi"], ["kedai-kopi ramai"]) == {"kedai kopi": 1}


def test_exclude_is_a_hard_filter_even_when_relevant() -> None:
    ctx = context("bekasi", ["Kedai kopi terendam banjir di Bekasi", "Warga ngopi di posko"])
    topic, blocked = score_topic(client(), ctx)
    assert blocked == "banjir" and topic.score == 0 and topic.relevance > 0
    assert "excluded" in topic.reason
    assert select_topics([topic], {ctx.signal.key: ctx}, limit=5) == []


def test_selection_skips_topics_about_the_same_stories() -> None:
    a = context("timnas indonesia", ["nobar timnas kopi"] * 4, trend=1.0, items=list("abcd"))
    b = context("arab saudi", ["nobar arab saudi kopi"] * 3, trend=0.9, items=list("abc"))
    c = context("kopi susu", ["kopi susu gula aren"] * 2, trend=0.5, items=list("xy"))
    scored = [score_topic(client(), x)[0] for x in (a, b, c)]
    chosen = select_topics(scored, {x.signal.key: x for x in (a, b, c)}, limit=5)
    assert [t.key for t in chosen] == ["timnas indonesia", "kopi susu"]
