"""Trend signals: the spike test, states on synthetic curves, the SQL behind them, the views,
and the `[signals]` settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trends.config import load_config
from trends.errors import ConfigError
from trends.extract import extract_pending
from trends.signals import SignalSettings, compute_signals, detect_bursts, posting_window
from warehouse import topics as sql
from warehouse.db import open_warehouse

NOW = datetime(2026, 11, 22, 5, tzinfo=UTC)
DAY = timedelta(days=1)


# The spike test ------------------------------------------------------------------------------

def test_fires_on_a_real_spike() -> None:
    b = detect_bursts([3, 4, 3, 5, 4, 3, 19], k=2.0, min_events=2, spacing=2)
    assert b.spike_now and b.peaks == (6,) and b.zscore > 5


def test_does_not_fire_on_noise() -> None:
    noisy = [5, 9, 4, 8, 6, 10, 7, 5, 9, 8]
    b = detect_bursts(noisy, k=2.0, min_events=2, spacing=2, window=7)
    assert not b.spike_now and b.peaks == ()


def test_respects_minimum_evidence() -> None:
    # From nothing to one item is "infinitely" above a flat zero baseline, but one item is
    # no evidence; two are.
    assert not detect_bursts([0, 0, 0, 0, 0, 1], k=2.0, min_events=2, spacing=2).spike_now
    assert detect_bursts([0, 0, 0, 0, 0, 2], k=2.0, min_events=2, spacing=2).spike_now
    assert not detect_bursts([0, 0, 0, 0, 0, 2], k=2.0, min_events=3, spacing=2).spike_now


def test_respects_spacing_between_peaks() -> None:
    series = [0, 0, 0, 0, 6, 9, 0, 0, 0, 0, 0, 0, 8, 0]
    close = detect_bursts(series, k=2.0, min_events=2, spacing=2)
    # Buckets 4 and 5 are one burst (its peak is the higher one); bucket 12 is a second.
    assert close.spikes[:2] == (4, 5) and close.peaks == (5, 12)
    wide = detect_bursts(series, k=2.0, min_events=2, spacing=10)
    assert wide.peaks == (5,)


def test_sensitivity_is_k() -> None:
    series = [2, 3, 2, 3, 2, 3, 7]
    assert detect_bursts(series, k=2.0, min_events=2, spacing=2).spike_now
    assert not detect_bursts(series, k=5.0, min_events=2, spacing=2).spike_now


# States on synthetic curves -------------------------------------------------------------------

def curve(key: str, series: list[int], *, first_seen: datetime, halves: tuple[int, int] | None
          = None, breadth: int = 2) -> dict[str, object]:
    """A window_stats row for a series of daily counts, oldest first, the last being now."""
    recent = series[-1]
    older, newer = halves if halves else (recent - recent // 2, recent // 2)
    return {"key": key, "label": key.title(), "kind": "phrase", "recent": recent,
            "last_half": newer, "first_half": older, "baseline_total": sum(series[:-1]),
            "breadth": breadth, "platforms": 1, "volume": 0.0, "first_seen_at": first_seen,
            "series": series}


def states(*rows: dict[str, object]) -> dict[str, tuple[str, str]]:
    return {s.key: (s.state, s.posting_window) for s in compute_signals(list(rows), NOW)}


def test_states_on_synthetic_curves() -> None:
    got = states(
        curve("brand new", [0, 0, 0, 0, 0, 0, 4], first_seen=NOW - timedelta(hours=6)),
        curve("rising", [0, 0, 0, 1, 1, 2, 9], first_seen=NOW - 4 * DAY, halves=(3, 6)),
        curve("turned", [0, 1, 1, 2, 2, 3, 13], first_seen=NOW - 6 * DAY, halves=(8, 5)),
        curve("day after", [0, 0, 0, 1, 1, 9, 6], first_seen=NOW - 5 * DAY),
        curve("gone quiet", [0, 1, 6, 9, 4, 1, 1], first_seen=NOW - 6 * DAY),
        curve("steady", [6, 5, 6, 7, 6, 5, 6], first_seen=NOW - 30 * DAY),
    )
    assert got["brand new"] == ("new", "new: post today")
    assert got["rising"] == ("rising", "rising: post today")
    assert got["turned"][0] == "peaking"
    assert got["day after"] == ("peaking", "peaked yesterday: post early or skip")
    assert got["gone quiet"] == ("fading", "peaked 3 days ago: skip")
    assert got["steady"] == ("fading", "fading: skip unless it fits")


def test_rising_outranks_fading_of_the_same_size() -> None:
    signals = {s.key: s for s in compute_signals([
        curve("rising", [0, 0, 0, 1, 1, 2, 9], first_seen=NOW - 4 * DAY, halves=(3, 6)),
        curve("steady", [9, 8, 9, 10, 9, 8, 9], first_seen=NOW - 30 * DAY),
    ], NOW)}
    assert signals["rising"].trend == 1.0 > signals["steady"].trend
    assert signals["rising"].spike and not signals["steady"].spike


def test_posting_window_names_the_peak() -> None:
    assert posting_window("fading", peak_age=DAY + timedelta(hours=3)) == "peaked yesterday: skip"
    assert posting_window("fading", peak_age=4 * DAY) == "peaked 4 days ago: skip"
    assert posting_window("rising", peak_age=None) == "rising: post today"


# The SQL: buckets, breadth, platforms, views --------------------------------------------------

def _item(con, key: str, source: str, title: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    con.execute("""INSERT INTO items (key, source, url, title, summary, language, fetched_at,
                                      event_at) VALUES (?, ?, ?, ?, '', 'id', ?, ?)""",
                [key, source, f"https://x.example/{key}", title, at, at])


@pytest.fixture
def warehouse(tmp_path: Path):  # type: ignore[no-untyped-def]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for name, kind in (("Warta", "rss"), ("Kabar", "rss"), ("Tren", "google_trends")):
            con.execute("INSERT INTO sources (name, kind, url, every_seconds) VALUES (?, ?, ?, 900)",
                        [name, kind, f"https://{name.lower()}.example/feed"])
        n = 0
        # "Harga Emas Antam": one item a day for five days, then six today from three sources.
        for d in range(6, 1, -1):
            n += 1
            _item(con, f"e{n}", "Warta", "Harga Emas Antam Hari Ini Stabil",
                  NOW - d * DAY + timedelta(hours=2))
        for h, src in enumerate(("Warta", "Kabar", "Tren", "Warta", "Kabar", "Warta")):
            n += 1
            _item(con, f"e{n}", src, "Harga Emas Antam Naik Tajam",
                  NOW - timedelta(minutes=20 * (h + 1)))
        extract_pending(con)
        yield con


def test_window_stats_buckets_breadth_and_platforms(warehouse) -> None:  # type: ignore[no-untyped-def]
    s = SignalSettings()
    rows = {r["key"]: r for r in sql.window_stats(
        warehouse, NOW, recent=s.recent, baseline_days=s.baseline_days, min_items=s.min_items,
        min_events=s.min_events, buckets=s.buckets)}
    gold = rows["harga emas antam"]
    assert gold["series"] == [0, 1, 1, 1, 1, 1, 6]
    assert (gold["recent"], gold["baseline_total"], gold["breadth"], gold["platforms"]) == (6, 5, 3, 2)
    assert gold["last_half"] == 6 and gold["first_half"] == 0
    # Scored a day earlier, today's burst does not exist yet.
    before = {r["key"]: r for r in sql.window_stats(
        warehouse, NOW - DAY, recent=s.recent, baseline_days=s.baseline_days, min_items=1)}
    assert before["harga emas antam"]["series"][-1] == 1
    signal = next(x for x in compute_signals(list(rows.values()), NOW, s)
                  if x.key == "harga emas antam")
    assert signal.spike and signal.state == "rising" and signal.platforms == 2


def test_views_are_queryable(warehouse, write_config) -> None:  # type: ignore[no-untyped-def]
    from trends.score import score

    config = load_config(write_config('[warehouse]\npath = "unused.duckdb"\n'))
    score(warehouse, config, as_of=NOW)
    top = warehouse.execute("""SELECT label, state, posting_window, mentions, candidates
                               FROM trending_now ORDER BY rank LIMIT 1""").fetchone()
    assert top is not None and top[1] == "rising" and top[2] == "rising: post today"
    assert top[0].lower().startswith("harga emas") and top[3] == 6 and top[4] >= 2
    days = warehouse.execute("""SELECT bucket, mentions FROM topic_timeline
                                WHERE topic_key = 'harga emas antam' AND grain = 'day'
                                ORDER BY bucket""").fetchall()
    assert [n for _, n in days] == [1, 1, 1, 1, 1, 6]
    hours = warehouse.execute("""SELECT sum(mentions) FROM topic_timeline
                                 WHERE topic_key = 'harga emas antam' AND grain = 'hour'""")
    assert hours.fetchone() == (11,)


# [signals] in trends.toml ---------------------------------------------------------------------

def test_signals_settings_from_config(write_config) -> None:  # type: ignore[no-untyped-def]
    config = load_config(write_config(
        '[signals]\nk = 2.5\nmin_events = 3\nwindow = "14d"\nspacing = "3d"\n'))
    s = config.signals
    assert (s.k, s.min_events, s.spacing, s.baseline_days, s.buckets) == (
        2.5, 3, timedelta(days=3), 13, 14)
    assert load_config(write_config("")).signals == SignalSettings()


@pytest.mark.parametrize(("text", "message"), [
    ("k = 0", "signals.k: bad multiple 0"),
    ('k = "high"', "signals.k: bad multiple 'high'"),
    ("min_events = 0", "signals.min_events: bad count 0"),
    ('window = "5x"', "signals.window: bad duration '5x'"),
    ('window = "36h"', "signals.window: window '36h' does not fit"),
    ("sensitivity = 3", "signals.sensitivity: unknown key"),
])
def test_signals_settings_errors_are_one_line(write_config, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write_config(f"[signals]\n{text}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    line = err.value.one_line()
    assert "\n" not in line and message in line and str(path) in line
