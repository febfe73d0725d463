"""window_stats and compute_signals against a direct computation from the stored mentions.

window_stats reads the mentions in several passes (the last two buckets, the older ones of the
candidates, the recent window's sources and volume) and compute_signals shares work between
topics with the same counts; both must give what the definitions say, on extracted headlines,
after every incremental batch, and as of past times as replay scores them."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import astuple, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from trends.config import SourceConfig
from trends.models import CandidateColumns
from trends.understand.extract_job import extract_pending
from trends.understand.signals.rules import SignalSettings
from trends.understand.signals.vectorized import compute_signals, window_stats_table
from warehouse import understand as sql
from warehouse.collect import sync_sources
from warehouse.db import open_warehouse

NOW = datetime(2026, 11, 22, 5, 17, 31, 250_000, tzinfo=UTC)   # not on an hour: buckets cut hours
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
SOURCES = [("Warta", "rss"), ("Kabar", "rss"), ("Detak", "rss"), ("Tren", "google_trends"),
           ("Forum", "reddit"), ("Layar", "youtube")]
UNLISTED = "Lepas"          # a source missing from `sources`: it counts as its own platform
STORIES = ["Harga Emas Antam", "Timnas Indonesia", "Kopi Kenangan", "Bank Indonesia",
           "Sri Mulyani", "Kereta Cepat Whoosh", "Banjir Jakarta", "#Harbolnas1212",
           "Konser Coldplay", "Piala Dunia 2026", "iPhone 17", "Polda Metro Jaya"]
WORDS = ["naik", "turun", "lagi", "hari", "ini", "resmi", "umumkan", "tarif", "promo", "diskon",
         "warga", "antre", "tiket", "laga", "kontra", "jadwal", "harga", "baru", "jelang",
         "akhir", "pekan"]


def _headline(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(STORIES, 2)
    title = f"{a} {' '.join(rng.sample(WORDS, 3))}, {b} {rng.choice(WORDS)}"
    summary = f"{b} dan {a} {' '.join(rng.sample(WORDS, 5))}." if rng.random() < 0.7 else ""
    return title, summary


def _add_items(con: duckdb.DuckDBPyConnection, rng: random.Random, start: datetime,
               end: datetime, n: int, tag: str) -> None:
    names = [s for s, _ in SOURCES] + [UNLISTED]
    span = (end - start) / timedelta(microseconds=1)
    for i in range(n):
        title, summary = _headline(rng)
        source = rng.choice(names)
        at = start + timedelta(microseconds=int(rng.random() * span))
        volume = float(rng.randrange(1, 50) * 1000) if source == "Tren" else None
        con.execute("""INSERT INTO items (key, source, url, title, summary, language, volume,
                                          fetched_at, event_at)
                       VALUES (?, ?, ?, ?, ?, 'id', ?, ?, ?)""",
                    [f"{tag}-{i}", source, f"https://x.example/{tag}/{i}", title, summary,
                     volume, at, at])


def _expected(con: duckdb.DuckDBPyConnection, as_of: datetime, *, recent: timedelta,
              buckets: int, min_items: int, min_events: int) -> dict[str, dict[str, Any]]:
    """The window statistics straight from their definitions, over every stored mention."""
    kinds = dict(con.execute("SELECT name, kind FROM sources").fetchall())
    volumes = dict(con.execute("SELECT key, volume FROM items").fetchall())
    topics = {k: (label, kind, first) for k, label, kind, first in con.execute(
        "SELECT key, label, kind, first_seen_at FROM candidates").fetchall()}
    by_topic: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for topic, item, source, at in con.execute(
            "SELECT candidate_key, item_key, source, event_at FROM candidate_mentions").fetchall():
        by_topic[topic].append((item, source, at))
    out = {}
    for topic, mentions in by_topic.items():
        now = [m for m in mentions if as_of - recent < m[2] <= as_of]
        before = [m for m in mentions if as_of - 2 * recent < m[2] <= as_of - recent]
        if len(now) < min_items and len(before) < min_events:
            continue
        series = [0] * buckets
        for _, _, at in mentions:
            if as_of - recent * buckets < at <= as_of:
                series[buckets - 1 - (as_of - at) // recent] += 1
        if not any(series):
            continue
        last_half = sum(1 for m in now if m[2] > as_of - recent / 2)
        vols = [volumes[m[0]] for m in now if volumes[m[0]] is not None]
        label, kind, first = topics[topic]
        out[topic] = {
            "key": topic, "label": label, "kind": kind, "recent": len(now),
            "last_half": last_half, "first_half": len(now) - last_half,
            "baseline_total": sum(series[:-1]), "breadth": len({m[1] for m in now}),
            "platforms": len({kinds.get(m[1], m[1]) for m in now}),
            "volume": sum(vols) if vols else 0, "first_seen_at": first, "series": series}
    return out


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        sync_sources(con, [SourceConfig(name, kind, f"https://{name.lower()}.example/feed")
                           for name, kind in SOURCES])
        yield con


# (recent, buckets, min_items, min_events): the defaults, then the edges of the series.
SETTINGS = [(DAY, 7, 2, 2), (DAY, 7, 1, 3), (timedelta(hours=12), 4, 2, 1), (DAY, 2, 2, 2),
            (DAY, 1, 1, 1)]


def _as_ofs(latest: datetime) -> list[datetime]:
    # Now, a replayed past (yesterday, a week ago), and an as-of on a bucket edge exactly.
    return [latest, latest - DAY - timedelta(hours=3, minutes=7), latest - 7 * DAY,
            latest - timedelta(hours=36)]


# The default run compares a smaller warehouse; the slow suite the full one.
SCALES = [pytest.param(0.1, id="quick"), pytest.param(1.0, id="full", marks=pytest.mark.slow)]


@pytest.mark.parametrize("scale", SCALES)
def test_window_stats_match_the_definitions_after_every_batch(
        warehouse: duckdb.DuckDBPyConnection, scale: float) -> None:
    rng = random.Random(20261122)
    con = warehouse
    # Nine days of history, then three ingests of the last day, each followed by extraction
    # in several save batches, as the score stage would run after each.
    batches = [(NOW - 9 * DAY, NOW - DAY, 500), (NOW - DAY, NOW - timedelta(hours=8), 150),
               (NOW - timedelta(hours=8), NOW - timedelta(hours=1), 150),
               (NOW - 3 * DAY, NOW, 100)]           # a late batch, partly about older days
    for n, (start, end, full) in enumerate(batches):
        count = int(full * scale)
        _add_items(con, rng, start, end, count, f"b{n}")
        assert extract_pending(con, batch=int(120 * scale)) == count
        last = n == len(batches) - 1
        for as_of in _as_ofs(end):
            # Every setting after the last batch; the defaults after the others.
            for recent, buckets, min_items, min_events in SETTINGS if last else SETTINGS[:1]:
                expected = _expected(con, as_of, recent=recent, buckets=buckets,
                                     min_items=min_items, min_events=min_events)
                got = {r["key"]: r for r in sql.window_stats(
                    con, as_of, recent=recent, baseline_days=6, min_items=min_items,
                    min_events=min_events, buckets=buckets).to_pylist()}
                assert got == expected, (n, as_of, recent, buckets)
    assert len(expected) > 10       # the last comparison had topics to compare


def test_window_stats_on_a_bucket_edge(warehouse: duckdb.DuckDBPyConnection) -> None:
    # Mentions exactly on as_of, on the start of the recent window and on its half: a window
    # is (start, end], as the definitions say.
    con = warehouse
    for i, at in enumerate([NOW, NOW - DAY, NOW - DAY / 2, NOW - 2 * DAY, NOW - 7 * DAY,
                            NOW - DAY / 2 + timedelta(microseconds=1)]):
        con.execute("""INSERT INTO items (key, source, url, title, summary, language, fetched_at,
                                          event_at)
                       VALUES (?, 'Warta', ?, 'Harga Emas Antam Naik', '', 'id', ?, ?)""",
                    [f"e{i}", f"https://x.example/{i}", at, at])
    extract_pending(con)
    expected = _expected(con, NOW, recent=DAY, buckets=7, min_items=1, min_events=1)
    got = {r["key"]: r for r in sql.window_stats(con, NOW, recent=DAY, baseline_days=6,
                                                  min_items=1, min_events=1,
                                                  buckets=7).to_pylist()}
    assert got == expected
    # NOW - 7 days is outside the seven buckets, NOW - 1 day is yesterday, NOW - 12 h is in the
    # first half of today.
    assert got["harga emas antam"]["series"] == [0, 0, 0, 0, 1, 1, 3]
    assert got["harga emas antam"]["last_half"] == 2


@pytest.mark.parametrize("scale", SCALES)
def test_signals_do_not_depend_on_the_other_topics(warehouse: duckdb.DuckDBPyConnection,
                                                   scale: float) -> None:
    # compute_signals works on all topics at once: a topic's signal must be what it is when
    # scored alone, except for the two figures normalized across topics.
    rng = random.Random(7)
    _add_items(warehouse, rng, NOW - 8 * DAY, NOW, int(700 * scale), "s")
    extract_pending(warehouse)
    s = SignalSettings()
    stats = sql.window_stats(warehouse, NOW, recent=s.recent, baseline_days=s.baseline_days,
                             min_items=1, min_events=1, buckets=s.buckets)
    rows = stats.to_pylist()
    assert len(rows) > 20
    together = compute_signals(stats, NOW, s).top()
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert (list(map(astuple, compute_signals(window_stats_table(shuffled), NOW, s).top()))
            == list(map(astuple, together)))
    by_key = {x.key: x for x in together}
    for row in rows:
        (alone,) = compute_signals(window_stats_table([dict(row, volume=0)]), NOW, s).top()
        assert (replace(alone, volume=0.0, trend=0.0)
                == replace(by_key[row["key"]], volume=0.0, trend=0.0))


def test_window_stats_after_a_result_read_with_fetchone(tmp_path: Path) -> None:
    # the caller's connection may hold a half-read result: DuckDB 2 refuses con.sql() then
    with open_warehouse(tmp_path / "w.duckdb") as con:
        con.execute("SELECT * FROM range(10)").fetchone()
        assert sql.window_stats(con, NOW, recent=DAY, baseline_days=6, min_items=1).num_rows == 0


def test_topics_hold_each_key_once_with_its_first_and_last_mention(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    # topics has no key (migration 0008): save_mentions alone keeps it one row per topic.
    rng = random.Random(7)
    con = warehouse
    # Later batches bring known topics, then a replay of older days widens first_seen_at.
    for n, (start, end, count) in enumerate([(NOW - 2 * DAY, NOW - DAY, 200),
                                              (NOW - DAY, NOW, 200),
                                              (NOW - 9 * DAY, NOW - 8 * DAY, 100)]):
        _add_items(con, rng, start, end, count, f"b{n}")
        extract_pending(con, batch=70)
    assert con.execute("SELECT count(*) FROM candidates GROUP BY key HAVING count(*) > 1"
                       ).fetchall() == []
    # ... and each id once, which every stored mention refers to (migration 0010).
    assert con.execute("SELECT count(*) FROM candidates GROUP BY id HAVING count(*) > 1"
                       ).fetchall() == []
    assert con.execute("""SELECT count(*) FROM mentions
                          WHERE candidate_id NOT IN (SELECT id FROM candidates)"""
                       ).fetchone() == (0,)
    topics = con.execute("SELECT key, first_seen_at, last_seen_at FROM candidates ORDER BY key"
                         ).fetchall()
    assert topics == con.execute("""SELECT candidate_key, min(event_at), max(event_at)
                                    FROM candidate_mentions GROUP BY ALL ORDER BY 1"""
                                 ).fetchall()
    assert len(topics) > 50
    assert any(first < NOW - 7 * DAY < last for _, first, last in topics)   # widened both ways


def test_a_new_candidate_takes_its_first_label_its_strongest_kind_and_the_next_id(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    con = warehouse
    con.execute("""INSERT INTO candidates VALUES (7, 'kopi', 'Kopi', 'phrase', $t, $t)""",
                {"t": NOW - DAY})
    items = [("a", "Warta", NOW - 3 * HOUR), ("b", "Kabar", NOW - 5 * HOUR),
             ("c", "Warta", NOW - HOUR)]
    for key, source, at in items:
        con.execute("""INSERT INTO items (key, source, url, title, summary, language,
                                          fetched_at, event_at)
                       VALUES (?, ?, ?, 'judul', '', 'id', ?, ?)""",
                    [key, source, f"https://x.example/{key}", at, at])
    # Items in the order given, candidates in reading order: "timnas" is first met in item
    # a (as a name, later as a hashtag), "emas" in item b, and "kopi" is known.
    sql.save_mentions(con, items, CandidateColumns(
        [2, 3, 2], ["timnas", "kopi", "emas", "timnas", "kopi", "kopi", "emas"],
        ["Timnas", "KOPI", "Emas", "TIMNAS", "kopi", "kopi!", "EMAS"],
        ["name", "phrase", "phrase", "hashtag", "phrase", "phrase", "name"]))
    assert con.execute("SELECT * FROM candidates ORDER BY id").fetchall() == [
        (7, "kopi", "Kopi", "phrase", NOW - DAY, NOW - HOUR),
        (8, "timnas", "Timnas", "hashtag", NOW - 5 * HOUR, NOW - 3 * HOUR),
        (9, "emas", "Emas", "name", NOW - 5 * HOUR, NOW - HOUR)]
    assert sorted(con.execute("SELECT candidate_key, item_key FROM candidate_mentions"
                              ).fetchall()) == [
        ("emas", "b"), ("emas", "c"), ("kopi", "a"), ("kopi", "b"), ("kopi", "c"),
        ("timnas", "a"), ("timnas", "b")]
    # In the order found: by item, then reading order.
    assert con.execute("SELECT candidate_id, item_key FROM mentions").fetchall() == [
        (8, "a"), (7, "a"), (9, "b"), (8, "b"), (7, "b"), (7, "c"), (9, "c")]
    # A known candidate people now write as a hashtag becomes one; a weaker kind changes
    # nothing.
    con.execute("""INSERT INTO items (key, source, url, title, summary, language, fetched_at,
                                      event_at)
                   VALUES ('d', 'Warta', 'https://x.example/d', 'judul', '', 'id', $t, $t)""",
                {"t": NOW - 2 * HOUR})
    sql.save_mentions(con, [("d", "Warta", NOW - 2 * HOUR)], CandidateColumns(
        [2], ["kopi", "timnas"], ["#Kopi", "timnas"], ["hashtag", "phrase"]))
    assert con.execute("SELECT key, label, kind FROM candidates ORDER BY id").fetchall()[:2] == [
        ("kopi", "Kopi", "hashtag"), ("timnas", "Timnas", "hashtag")]
