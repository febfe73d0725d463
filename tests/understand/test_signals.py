"""Trend signals: the spike test, states on synthetic curves, the SQL behind them, the views,
and the `[signals]` settings."""

from __future__ import annotations

import math
import random
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from trends.config import SignalSettings, SourceConfig, load_config
from trends.errors import ConfigError
from trends.models import TopicSignal
from trends.understand.extract_job import extract_pending
from trends.understand.signals.rules import STATES, detect_bursts, posting_window, trend_state
from trends.understand.signals.vectorized import (
    compute_signals,
    round_like_python,
    window_stats_table,
)
from warehouse import understand as sql
from warehouse.collect import sync_sources
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
    return {s.key: (s.state, s.posting_window)
            for s in compute_signals(window_stats_table(rows), NOW).top()}


def test_states_on_synthetic_curves() -> None:
    got = states(
        curve("brand new", [0, 0, 0, 0, 0, 0, 4], first_seen=NOW - timedelta(hours=6)),
        curve("rising", [0, 0, 0, 1, 1, 2, 9], first_seen=NOW - 4 * DAY, halves=(3, 6)),
        curve("turned", [0, 1, 1, 2, 2, 3, 13], first_seen=NOW - 6 * DAY, halves=(8, 5)),
        curve("day after", [0, 0, 0, 1, 1, 9, 6], first_seen=NOW - 5 * DAY),
        curve("gone quiet", [0, 1, 6, 9, 4, 1, 1], first_seen=NOW - 6 * DAY),
        curve("steady", [6, 5, 6, 7, 6, 5, 6], first_seen=NOW - 30 * DAY),
        curve("quieter", [6, 5, 6, 7, 6, 5, 1], first_seen=NOW - 30 * DAY),
        curve("now and then", [0, 3, 0, 0, 4, 0, 3], first_seen=NOW - 30 * DAY),
    )
    assert got["brand new"] == ("new", "new: post today")
    assert got["rising"] == ("rising", "rising: post today")
    assert got["turned"][0] == "peaking"
    assert got["day after"] == ("peaking", "peaked yesterday: post early or skip")
    assert got["gone quiet"] == ("fading", "peaked 3 days ago: skip")
    # At its usual level, talked about most days: steady, neither news nor fading.
    assert got["steady"] == ("steady", "steady: post if it fits")
    assert got["quieter"][0] == "fading"            # well below its usual level
    assert got["now and then"][0] == "fading"       # no usual level to be at


def test_rising_outranks_fading_of_the_same_size() -> None:
    signals = {s.key: s for s in compute_signals(window_stats_table([
        curve("rising", [0, 0, 0, 1, 1, 2, 9], first_seen=NOW - 4 * DAY, halves=(3, 6)),
        curve("steady", [9, 8, 9, 10, 9, 8, 9], first_seen=NOW - 30 * DAY),
    ]), NOW).top()}
    assert signals["rising"].trend == 1.0 > signals["steady"].trend
    assert signals["rising"].spike and not signals["steady"].spike


def test_posting_window_names_the_peak() -> None:
    assert posting_window("fading", peak_age=DAY + timedelta(hours=3)) == "peaked yesterday: skip"
    assert posting_window("fading", peak_age=4 * DAY) == "peaked 4 days ago: skip"
    assert posting_window("rising", peak_age=None) == "rising: post today"


# compute_signals against the rules, topic by topic --------------------------------------------

def reference_signals(rows: list[dict[str, object]], as_of: datetime,
                      settings: SignalSettings) -> list[TopicSignal]:
    """The signals as the scalar rules give them, one topic at a time: detect_bursts,
    trend_state and posting_window per topic, then the strength normalized by the strongest."""
    max_volume = max((float(r["volume"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    windows_in_baseline = settings.baseline_days * (timedelta(days=1) / settings.recent)
    spacing = max(1, round(settings.spacing / settings.recent))
    signals, raw = [], []
    for r in rows:
        recent = int(r["recent"])  # type: ignore[call-overload]
        first_seen = r["first_seen_at"]
        assert isinstance(first_seen, datetime)
        age = max(as_of - first_seen, timedelta(0))
        baseline = float(r["baseline_total"]) / windows_in_baseline  # type: ignore[arg-type]
        velocity = (recent + 1.0) / (baseline + 1.0)
        series = [int(v) for v in r.get("series") or []]  # type: ignore[attr-defined]
        burst = (detect_bursts(series, k=settings.k, min_events=settings.min_events,
                               spacing=spacing) if series else None)
        state = trend_state(age=age, recent=settings.recent, velocity=velocity,
                            last_half=int(r["last_half"]),  # type: ignore[call-overload]
                            first_half=int(r["first_half"]),  # type: ignore[call-overload]
                            series=series, burst=burst)
        peak_at = peak_age = None
        if burst and burst.peaks:
            peak_age = (len(series) - 1 - burst.peaks[-1]) * settings.recent
            peak_at = as_of - peak_age
        volume = float(r["volume"]) / max_volume if max_volume > 0 else 0.0  # type: ignore[arg-type]
        s = TopicSignal(
            key=str(r["key"]), label=str(r["label"]), kind=str(r["kind"]), mentions=recent,
            baseline=round(baseline, 3), velocity=round(velocity, 3),
            breadth=int(r["breadth"]), volume=round(volume, 4),  # type: ignore[call-overload]
            freshness=round(0.5 ** (age / settings.half_life), 4), first_seen_at=first_seen,
            state=state, platforms=int(r.get("platforms") or 1),  # type: ignore[call-overload]
            spike=bool(burst and burst.spike_now), zscore=burst.zscore if burst else 0.0,
            peak_at=peak_at, posting_window=posting_window(state, peak_age=peak_age),
            series=series)
        signals.append(s)
        raw.append(_reference_strength(s))
    top = max(raw, default=0.0)
    for s, value in zip(signals, raw):
        s.trend = round(value / top, 4) if top > 0 else 0.0
    return sorted(signals, key=lambda s: (-s.trend, s.key))


def _reference_strength(s: TopicSignal) -> float:
    weight = math.log1p(s.mentions) * math.sqrt(min(s.velocity, 16.0))
    spread = 1.0 + 0.25 * (s.breadth - 1) + 0.25 * (s.platforms - 1)
    novelty = 0.5 + 0.5 * s.freshness
    platform = 1.0 + 0.5 * s.volume
    state = {"fading": 0.6, "new": 1.0, "rising": 1.15, "peaking": 1.05,
                 "steady": 0.7}[s.state]
    surprise = 1.15 if s.spike else 1.0
    specific = 1.0 if s.kind in ("hashtag", "query") or len(s.label.split()) > 1 else 0.75
    return weight * spread * novelty * platform * state * surprise * specific


def _random_series(rng: random.Random, n: int | None) -> list[int]:
    if n is None:
        n = rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 7, 7, 10, 14])
    shape = rng.choice(["zeros", "noise", "flat", "burst", "peak", "tail", "big"])
    if shape == "zeros":
        return [0] * n
    if shape == "flat":
        return [rng.choice([0, 1, 2, 5])] * n
    if shape == "big":
        return [rng.randrange(0, 5000) for _ in range(n)]
    series = [rng.choice([0, 0, 1, 1, 2, 3, 4, 6]) for _ in range(n)]
    if n and shape == "burst":
        series[-1] += rng.randrange(0, 30)
    elif n > 1 and shape == "peak":
        # often yesterday, so that "the day after a peak" has its edges covered
        series[n - 2 if rng.random() < 0.5 else rng.randrange(n)] += rng.randrange(2, 30)
        series[-1] = rng.choice([0, series[-1], series[-2], 2 * series[-2], series[-2] // 2])
    elif n and shape == "tail":
        series[-rng.randrange(1, n + 1):] = [0] * rng.randrange(1, n + 1)
        series = series[:n]
    return series


_WORDS = ["harga", "emas", "#harbolnas", "timnas", "kopi", "a", "b"]
_SPACES = [" ", "  ", "\t", "\u3000", "\x1c", "\xa0", "\u200b", "\n"]  # \u200b: not a space


def _random_row(rng: random.Random, i: int, as_of: datetime, recent_window: timedelta,
                buckets: int | None) -> dict[str, object]:
    series = _random_series(rng, buckets)
    recent = series[-1] if series else rng.choice([0, 1, 2, 5, 40])
    last_half = rng.randrange(recent + 1) if recent else 0
    words = rng.sample(_WORDS, rng.choice([1, 1, 2, 3]))
    label = "".join(w + rng.choice(_SPACES) for w in words[:-1]) + words[-1]
    if rng.random() < 0.1:
        label = rng.choice(_SPACES) + label + rng.choice(_SPACES)
    age = rng.choice([
        recent_window, recent_window - timedelta(microseconds=1),
        recent_window + timedelta(microseconds=1), timedelta(0), -timedelta(hours=3),
        timedelta(microseconds=rng.randrange(1, 10 * 86_400_000_000)),
        timedelta(hours=rng.randrange(0, 240))])
    return {
        "key": f"topic {i}", "label": label,
        "kind": rng.choice(["phrase", "name", "hashtag", "query"]), "recent": recent,
        "last_half": last_half, "first_half": recent - last_half,
        "baseline_total": sum(series[:-1]) if series else rng.choice([0, 3, 17, 200]),
        "breadth": rng.randrange(0, 6), "platforms": rng.choice([None, 0, 1, 2, 4]),
        "volume": rng.choice([0.0, 0.0, 1.0, 1234.5, float(rng.randrange(10**6)), 1e-9]),
        "first_seen_at": as_of - age, "series": series}


@pytest.mark.parametrize("seed", range(12))
def test_compute_signals_follows_the_rules_topic_by_topic(seed: int) -> None:
    rng = random.Random(seed)
    settings = SignalSettings(
        recent=rng.choice([timedelta(hours=24), timedelta(hours=12)]),
        baseline_days=rng.choice([6, 3, 13]), k=rng.choice([2.0, 1.5, 3]),
        min_events=rng.choice([1, 2, 3]), spacing=rng.choice([DAY, 2 * DAY, 3 * DAY]),
        half_life=rng.choice([timedelta(hours=48), timedelta(hours=7)]))
    as_of = NOW + timedelta(microseconds=rng.randrange(10**9))
    # Series of every length in one table, or all of the same length as window_stats gives.
    buckets = settings.buckets if seed % 3 == 2 else None
    rows = [_random_row(rng, i, as_of, settings.recent, buckets)
            for i in range({1: 1, 2: 50}.get(seed % 6, 800))]
    if seed % 4 == 0:
        for r in rows:
            r["volume"] = 0.0               # no platform volume at all
    expected = reference_signals(rows, as_of, settings)
    signals = compute_signals(window_stats_table(rows), as_of, settings)
    assert len(signals) == len(rows)
    got = signals.top()
    assert [s.key for s in got] == [s.key for s in expected]
    for g, e in zip(got, expected):
        assert astuple(g) == astuple(e), g.key
    if len(rows) >= 800:        # the rows exercise every rule
        assert {s.state for s in expected} == set(STATES)
        assert any(s.spike for s in expected) and any(s.peak_at for s in expected)
        assert len({s.posting_window for s in expected}) > 4
    assert [astuple(s) for s in signals.top(7)] == [astuple(s) for s in expected[:7]]


def test_compute_signals_without_topics_or_series() -> None:
    assert len(compute_signals(window_stats_table([]), NOW)) == 0
    assert compute_signals(window_stats_table([]), NOW).top(5) == []
    row = {"key": "kopi", "label": "Kopi", "kind": "phrase", "recent": 3, "last_half": 2,
           "first_half": 1, "baseline_total": 0, "breadth": 1, "volume": 0,
           "first_seen_at": NOW - 3 * DAY}
    (got,) = compute_signals(window_stats_table([row]), NOW).top()
    (expected,) = reference_signals([row], NOW, SignalSettings())
    assert astuple(got) == astuple(expected) and got.state == "rising" and got.series == []


def test_round_is_pythons_round() -> None:
    rng = random.Random(1)
    values = [2.675, 0.125, 0.375, -0.125, 1.0005, -0.0001, 0.0, -0.0, 1e17, 2.5e-5, 12345.67895]
    values += [rng.uniform(-1000, 1000) for _ in range(20000)]
    values += [round(rng.uniform(0, 10), 4) + 0.00005 for _ in range(20000)]   # near a half
    for digits in (3, 4):
        got = round_like_python(np.array(values), digits)
        expected = [round(v, digits) for v in values]
        assert got.tolist() == expected
        assert [math.copysign(1, v) for v in got.tolist()] == [math.copysign(1, v)
                                                              for v in expected]


# The SQL: buckets, breadth, platforms, views --------------------------------------------------

def _item(con, key: str, source: str, title: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    con.execute("""INSERT INTO items (key, source, url, title, summary, language, fetched_at,
                                      event_at) VALUES (?, ?, ?, ?, '', 'id', ?, ?)""",
                [key, source, f"https://x.example/{key}", title, at, at])


@pytest.fixture
def warehouse(tmp_path: Path):  # type: ignore[no-untyped-def]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        sync_sources(con, [SourceConfig(name, kind, f"https://{name.lower()}.example/feed")
                           for name, kind in (("Warta", "rss"), ("Kabar", "rss"),
                                              ("Tren", "google_trends"))])
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
    stats = sql.window_stats(warehouse, NOW, recent=s.recent, baseline_days=s.baseline_days,
                             min_items=s.min_items, min_events=s.min_events, buckets=s.buckets)
    rows = {r["key"]: r for r in stats.to_pylist()}
    gold = rows["harga emas antam"]
    assert gold["series"] == [0, 1, 1, 1, 1, 1, 6]
    assert (gold["recent"], gold["baseline_total"], gold["breadth"],
            gold["platforms"]) == (6, 5, 3, 2)
    assert gold["last_half"] == 6 and gold["first_half"] == 0
    # Scored a day earlier, today's burst does not exist yet.
    before = {r["key"]: r for r in sql.window_stats(
        warehouse, NOW - DAY, recent=s.recent, baseline_days=s.baseline_days,
        min_items=1).to_pylist()}
    assert before["harga emas antam"]["series"][-1] == 1
    signal = next(x for x in compute_signals(stats, NOW, s).top() if x.key == "harga emas antam")
    assert signal.spike and signal.state == "rising" and signal.platforms == 2


def test_views_are_queryable(warehouse, write_config) -> None:  # type: ignore[no-untyped-def]
    from trends.decide.ideas_job import score

    config = load_config(write_config('[warehouse]\npath = "unused.duckdb"\n'))
    score(warehouse, config, as_of=NOW)
    top = warehouse.execute("""SELECT label, state, posting_window, mentions, candidates
                               FROM trending_now ORDER BY rank LIMIT 1""").fetchone()
    assert top is not None and top[1] == "rising" and top[2] == "rising: post today"
    assert top[0].lower().startswith("harga emas") and top[3] == 6 and top[4] >= 2
    days = warehouse.execute("""SELECT bucket, mentions FROM candidate_timeline
                                WHERE candidate_key = 'harga emas antam' AND grain = 'day'
                                ORDER BY bucket""").fetchall()
    assert [n for _, n in days] == [1, 1, 1, 1, 1, 6]
    hours = warehouse.execute("""SELECT sum(mentions) FROM candidate_timeline
                                 WHERE candidate_key = 'harga emas antam' AND grain = 'hour'""")
    assert hours.fetchone() == (11,)


# [signals] in trends.toml ---------------------------------------------------------------------

def test_signals_settings_from_config(write_config) -> None:  # type: ignore[no-untyped-def]
    config = load_config(write_config(
        '[signals]\nk = 2.5\nmin_events = 3\nwindow = "14d"\nspacing = "3d"\n'))
    s = config.signals
    assert (s.k, s.min_events, s.spacing, s.baseline_days, s.buckets) == (
        2.5, 3, timedelta(days=3), 13, 14)
    assert load_config(write_config('[signals]\n')).signals == SignalSettings()


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
