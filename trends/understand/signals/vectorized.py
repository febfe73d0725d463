"""Every topic's trend signal at once, column by column: the rules of
trends.understand.signals.rules (detect_bursts, trend_state, posting_window) applied with numpy
to the window statistics that `warehouse.understand.window_stats` aggregates in DuckDB, a row
per topic. A run after an ingest scores some hundred thousand topics; tests/test_signals.py
checks, field by field, that this gives what the rules give one topic at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from trends.models import TopicSignal, window_stats_schema
from trends.understand.signals.rules import (
    MIN_HISTORY,
    STATES,
    STEADY_PRESENCE,
    STEADY_VELOCITY,
    SignalSettings,
    posting_window,
)

__all__ = ["Signals", "compute_signals", "round_like_python", "window_stats_table"]


def window_stats_table(rows: Iterable[Mapping[str, object]]) -> pa.Table:
    """The window statistics table from one mapping per topic (hand-made curves, tests), with
    `window_stats_schema()`'s fields as keys; `platforms` and `series` may be left out."""
    rows = list(rows)
    schema = window_stats_schema()
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    columns["series"] = [v or [] for v in columns["series"]]
    return pa.table(columns, schema=schema)


_NEW, _RISING, _PEAKING, _FADING, _STEADY = range(len(STATES))  # states as codes: STATES[code]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_STATE_WEIGHT = {"fading": 0.6, "new": 1.0, "rising": 1.15, "peaking": 1.05, "steady": 0.7}

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Signals:
    """The signals of every scored topic, one row per topic in the order of the window
    statistics. `table` has the columns of topic_signals (but as_of), plus `series`."""

    table: pa.Table
    as_of: datetime

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def top(self, n: int | None = None) -> list[TopicSignal]:
        """The `n` strongest topics (all by default), by trend then key, as objects."""
        trend = self.table.column("trend").to_numpy()
        if n is not None and n < len(trend):
            if n <= 0:
                return []
            # Every topic at least as strong as the n-th: ties on the edge are decided by key.
            nth = np.partition(trend, len(trend) - n)[len(trend) - n]
            picked = self.table.take(np.flatnonzero(trend >= nth))
        else:
            picked = self.table
        cols = {name: picked.column(name).to_pylist() for name in picked.column_names
                if name not in ("first_seen_at", "peak_at")}
        as_of_us = (self.as_of - _EPOCH) // _US
        first = picked.column("first_seen_at").cast(pa.int64()).to_pylist()
        peak = picked.column("peak_at").cast(pa.int64()).to_pylist()
        signals = [
            TopicSignal(key=key, label=label, kind=kind, mentions=mentions, baseline=baseline,
                        velocity=velocity, breadth=breadth, volume=volume, freshness=freshness,
                        first_seen_at=_EPOCH + timedelta(microseconds=first_us), state=state,
                        trend=trend_, platforms=platforms, spike=spike, zscore=zscore,
                        peak_at=None if peak_us is None
                        else self.as_of - timedelta(microseconds=as_of_us - peak_us),
                        posting_window=window, series=series)
            for (key, label, kind, mentions, baseline, velocity, breadth, volume, freshness,
                 state, trend_, platforms, spike, zscore, window, series, first_us, peak_us)
            in zip(cols["candidate_key"], cols["label"], cols["kind"], cols["mentions"],
                   cols["baseline"], cols["velocity"], cols["breadth"], cols["volume"],
                   cols["freshness"], cols["state"], cols["trend"], cols["platforms"],
                   cols["spike"], cols["zscore"], cols["posting_window"], cols["series"],
                   first, peak)]
        signals.sort(key=lambda s: (-s.trend, s.key))
        return signals if n is None else signals[:n]


_DEFAULT_SETTINGS = SignalSettings()   # frozen: one shared instance is the default


def compute_signals(stats: pa.Table, as_of: datetime,
                    settings: SignalSettings = _DEFAULT_SETTINGS) -> Signals:
    """Turn window statistics (`window_stats_schema()`) into signals, with `trend` normalized to
    0..1 across the topics: the rules of detect_bursts, trend_state and posting_window, applied
    to every topic at once."""
    n = stats.num_rows
    recent, last_half, first_half = (_ints(stats, c) for c in ("recent", "last_half",
                                                               "first_half"))
    platforms = _ints(stats, "platforms")
    platforms[platforms == 0] = 1                   # unknown: the topic's own platform
    as_of_us = (as_of - _EPOCH) // _US
    first_us = _ints(stats, "first_seen_at")
    age_us = np.maximum(as_of_us - first_us, 0)

    windows_in_baseline = settings.baseline_days * (timedelta(days=1) / settings.recent)
    baseline = _ints(stats, "baseline_total") / windows_in_baseline
    velocity = (recent + 1.0) / (baseline + 1.0)
    state = np.full(n, _FADING, np.int64)
    spike = np.zeros(n, bool)
    zscore = np.zeros(n)
    peak_back = np.full(n, -1, np.int64)    # buckets from the last peak's to the last one
    for length, rows, series in _series_by_length(stats):
        if length == 0:
            # No series: the velocity decides alone.
            v, lh, fh = velocity[rows], last_half[rows], first_half[rows]
            fast = v >= 1.5
            usual = (v >= STEADY_VELOCITY[0]) & (v < STEADY_VELOCITY[1]) & (lh + fh > 0)
            state[rows] = np.where(fast & (lh > fh), _RISING,
                                   np.where(fast & (lh * 2 >= fh), _PEAKING,
                                            np.where(usual, _STEADY, _FADING)))
            continue
        spike_now, last_peak, z = _bursts(series, k=settings.k, min_events=settings.min_events,
                                          spacing=max(1, round(settings.spacing
                                                               / settings.recent)))
        state[rows] = _states(series, spike_now, last_peak, last_half[rows], first_half[rows])
        spike[rows] = spike_now
        zscore[rows] = round_like_python(z, 3)
        peak_back[rows] = np.where(last_peak >= 0, length - 1 - last_peak, -1)
    state[(age_us <= settings.recent // _US) & (last_half >= first_half)] = _NEW
    windows = _posting_windows(state, peak_back, settings.recent)
    has_peak = peak_back >= 0
    peak_at = pa.array(np.where(has_peak, as_of_us - peak_back * (settings.recent // _US), 0),
                       pa.timestamp("us", tz="UTC"), mask=~has_peak)

    velocity = round_like_python(velocity, 3)
    volume = stats.column("volume").fill_null(0).to_numpy().astype(np.float64)
    max_volume = volume.max() if n else 0.0
    volume = round_like_python(volume / max_volume, 4) if max_volume > 0 else np.zeros(n)
    # 0.5 ** x in Python, not numpy: numpy's vectorized power may differ in the last bit.
    half_lives = age_us / (settings.half_life // _US)
    freshness = round_like_python(
        np.fromiter(map(pow, repeat(0.5), half_lives.tolist()), np.float64, n), 4)
    breadth = _ints(stats, "breadth")
    kind, label = stats.column("kind"), stats.column("label")
    # Several words, as str.split() counts them (the same whitespace, checked in a test).
    words = pc.list_value_length(pc.utf8_split_whitespace(pc.utf8_trim_whitespace(label)))
    specific = (pc.is_in(kind, pa.array(["hashtag", "query"])).to_numpy(zero_copy_only=False)
                | pc.greater(words, 1).to_numpy(zero_copy_only=False))
    # How strongly a topic is trending now, factor by factor and in this order (a float product
    # is exact to the bit only in the same order): volume of talk and acceleration (logs and
    # roots keep one giant topic from flattening the rest), spread over sources and platforms,
    # novelty, platform volume, state, surprise, and whether the label is specific.
    raw = (_log1p(recent) * np.sqrt(np.minimum(velocity, 16.0))
           * (1.0 + 0.25 * (breadth - 1) + 0.25 * (platforms - 1))
           * (0.5 + 0.5 * freshness)
           * (1.0 + 0.5 * volume)
           * np.array([_STATE_WEIGHT[s] for s in STATES])[state]
           * np.where(spike, 1.15, 1.0)     # passed the spike test: evidence, not noise
           # A lone word is rarely the story itself ("harga", "sale"): prefer the phrase.
           * np.where(specific, 1.0, 0.75))
    top = raw.max() if n else 0.0
    trend = round_like_python(raw / top, 4) if top > 0 else np.zeros(n)
    series_column = (stats.column("series") if "series" in stats.column_names
                     else pa.array([[]] * n, pa.list_(pa.int32())))
    table = pa.table({
        "candidate_key": stats.column("key"), "label": label, "kind": kind,
        "mentions": pa.array(recent, pa.int32()), "baseline": round_like_python(baseline, 3),
        "velocity": velocity, "breadth": pa.array(breadth, pa.int32()), "volume": volume,
        "freshness": freshness,
        "first_seen_at": stats.column("first_seen_at").cast(pa.timestamp("us", tz="UTC")),
        "state": pa.array(STATES).take(state), "trend": trend,
        "platforms": pa.array(platforms, pa.int32()), "spike": spike, "zscore": zscore,
        "peak_at": peak_at, "posting_window": windows, "series": series_column})
    return Signals(table=table, as_of=as_of)


def _ints(stats: pa.Table, name: str) -> Ints:
    """A column as int64 numbers, nulls (and a missing column) as 0."""
    if name not in stats.column_names:
        return np.zeros(stats.num_rows, np.int64)
    column = stats.column(name)
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    ints: Ints = column.fill_null(0).to_numpy().astype(np.int64)
    return ints


def _series_by_length(stats: pa.Table) -> Iterable[tuple[int, Ints, Ints]]:
    """(length, rows, counts as a rows x length matrix) for each length of series present:
    window_stats gives every topic the same number of buckets, hand-made rows may not."""
    n = stats.num_rows
    if "series" not in stats.column_names or n == 0:
        yield 0, np.arange(n), np.zeros((n, 0), np.int64)
        return
    lists = stats.column("series").combine_chunks()
    offsets = lists.offsets.to_numpy().astype(np.int64)
    values = lists.values.fill_null(0).to_numpy().astype(np.int64)
    lengths = np.where(lists.is_valid().to_numpy(zero_copy_only=False), np.diff(offsets), 0)
    if (lengths == lengths[0]).all():   # window_stats' case: one slice of the values
        length = int(lengths[0])
        yield length, np.arange(n), values[offsets[0]:offsets[0] + n * length].reshape(n, length)
        return
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        yield length, rows, values[offsets[rows][:, None] + np.arange(length)]


def _bursts(series: Ints, *, k: float, min_events: int,
            spacing: int) -> tuple[npt.NDArray[np.bool_], Ints, Floats]:
    """detect_bursts (without a window) on each row of a matrix of series: whether the last
    bucket is a spike, the bucket of the last peak (-1 if none), and the z-score of the last
    bucket (unrounded)."""
    rows, length = series.shape
    s1 = np.cumsum(series, axis=1)              # sums of the buckets up to each one
    s2 = np.cumsum(series * series, axis=1)
    spikes = np.zeros((rows, length), bool)
    z = np.zeros(rows)
    for t in range(MIN_HISTORY, length):
        mean = s1[:, t - 1] / t
        sd = np.sqrt(np.maximum(np.maximum(s2[:, t - 1] / t - mean * mean, mean), 0.0))
        value = series[:, t]
        if t == length - 1:
            excess = value - mean
            z = np.where(sd > 0, excess / np.where(sd > 0, sd, 1.0), excess)
        spikes[:, t] = (value >= min_events) & (value > mean + k * sd)
    last_peak = np.full(rows, -1, np.int64)
    burst_start = np.full(rows, -1, np.int64)
    everyone = np.arange(rows)
    for t in range(MIN_HISTORY, length):
        spike = spikes[:, t]
        starts = spike & ((burst_start < 0) | (t - burst_start >= spacing))
        higher = (spike & ~starts
                  & (series[:, t] > series[everyone, np.maximum(last_peak, 0)]))
        burst_start[starts] = t
        last_peak[starts | higher] = t
    return spikes[:, length - 1], last_peak, z


def _states(series: Ints, spike_now: npt.NDArray[np.bool_], last_peak: Ints, last_half: Ints,
            first_half: Ints) -> Ints:
    """trend_state for topics with a series, but "new" (decided apart)."""
    length = series.shape[1]
    now = series[:, -1]
    before = series[:, -2] if length > 1 else np.zeros_like(now)
    slowing = first_half - last_half >= 2
    climbing = ((now > before) & ~slowing) | ((now == before) & (last_half > first_half))
    after_peak = (last_peak >= 0) & (last_peak == length - 2) & (now * 2 >= before) & (now > 0)
    history = series[:, :-1]
    steady = ((length - 1 >= MIN_HISTORY) & (now > 0)
              & ((history > 0).sum(axis=1) >= STEADY_PRESENCE * (length - 1))
              & (now * 2 * (length - 1) >= history.sum(axis=1)))
    return np.where(spike_now, np.where(climbing, _RISING, _PEAKING),
                    np.where(after_peak, _PEAKING, np.where(steady, _STEADY, _FADING)))


def _posting_windows(state: Ints, peak_back: Ints, recent: timedelta) -> pa.Array:
    """posting_window for each topic: its advice depends on its state and on how many buckets
    ago it peaked (-1: never), a few pairs worked out once each."""
    backs = int(peak_back.max(initial=-1)) + 2
    texts = [posting_window(state_name, peak_age=None if back < 0 else back * recent)
             for state_name in STATES for back in range(-1, backs - 1)]
    return pa.array(texts, pa.string()).take(pa.array(state * backs + (peak_back + 1)))


def _log1p(values: Ints) -> Floats:
    """math.log1p of each count, worked out once per distinct count (numpy's may differ in
    the last bit)."""
    distinct, which = np.unique(values, return_inverse=True)
    return np.array([math.log1p(v) for v in distinct.tolist()], np.float64)[which.reshape(-1)]


def round_like_python(values: Floats, digits: int) -> Floats:
    """Python's round(x, digits) of each value, to the bit: the nearest double to the decimal
    rounding (half to even) of the exact binary value. Scaling by 10**digits is exact enough
    but near a half, where those few values are rounded by Python itself."""
    scale = 10.0 ** digits
    scaled = values * scale
    out = np.copysign(np.floor(scaled + 0.5) / scale, values)
    frac = scaled - np.floor(scaled)
    unsure = ~(np.abs(scaled) < 2.0 ** 50) | (np.abs(frac - 0.5) < 1e-6)
    if unsure.any():
        out[unsure] = [round(v, digits) for v in values[unsure].tolist()]
    return out
