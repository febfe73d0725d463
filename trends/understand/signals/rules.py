"""Trend signals per topic: velocity against its own baseline, a spike test with minimum
evidence, breadth (sources and platforms), platform volume, freshness, and a state
(new / rising / peaking / steady / fading) with a posting window.

Pure functions over the per-topic counts that `warehouse.understand.window_stats` aggregates in
DuckDB: the recent window and its halves, the baseline before it, and a series of time buckets
(oldest first, the last one being the recent window itself).

`detect_bursts`, `trend_state` and `posting_window` state the rules for one topic.
`trends.understand.signals.vectorized.compute_signals` applies the same rules to every topic at
once, column by column with numpy (a run after an ingest scores some hundred thousand topics);
tests/test_signals.py checks that both give the same signals, field by field. This module
imports neither numpy nor pyarrow: the configuration (SignalSettings) and every command that
only reads it start without them.

The spike test follows Huginn's PeakDetectorAgent: a bucket is a spike when its count is above
the mean plus k standard deviations of the buckets before it (over a window), with a minimum
number of events, and a new peak is only counted `spacing` after the previous one, so one
burst spread over two days is one peak, not two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from trends.config.settings import SignalSettings
from trends.models import TopicSignal

__all__ = ["MIN_HISTORY", "POSTING_WINDOW", "STATES", "STEADY_PRESENCE", "STEADY_VELOCITY",
           "Burst", "SignalSettings", "TopicSignal", "detect_bursts", "posting_window",
           "trend_state"]

STATES = ("new", "rising", "peaking", "fading", "steady")
MIN_HISTORY = 3     # buckets before a bucket for the spike test to judge it (Huginn wants 4+)
# Steady: talked about in this share of the buckets before the recent one at least, and the
# recent one at half their mean or more. Without a series: a velocity within these bounds.
STEADY_PRESENCE = 0.75
STEADY_VELOCITY = (0.67, 1.5)


@dataclass(frozen=True, slots=True)
class Burst:
    """What the spike test found in one topic's series (indices are buckets, oldest first)."""

    spikes: tuple[int, ...]        # buckets that pass the test (value, evidence)
    peaks: tuple[int, ...]         # the highest bucket of each burst, bursts `spacing` apart
    spike_now: bool                # the last bucket passes the test
    zscore: float                  # of the last bucket against the ones before it


def detect_bursts(series: Sequence[int], *, k: float, min_events: int, spacing: int,
                  window: int | None = None) -> Burst:
    """Spikes and peaks in a series of counts, oldest first.

    A bucket is a spike when it has at least `min_events` and exceeds mean + k·sd of the
    `window` buckets before it (all of them by default; at least MIN_HISTORY of them), sd being
    at least sqrt(mean) as for Poisson counts. Quiet history counts as zeros, so a
    topic that appears from nothing spikes as soon as it has the minimum evidence. Spikes closer
    than `spacing` buckets to the previous one belong to the same burst; each burst's peak is
    its highest bucket.
    """
    spikes: list[int] = []
    z_last = 0.0
    n = len(series)
    # Running sums of the history before each bucket: this runs for every scored topic.
    s1 = s2 = 0.0
    size = 0
    for t, value in enumerate(series):
        if window and size > window:
            old = series[t - size]
            s1 -= old
            s2 -= old * old
            size -= 1
        if size >= MIN_HISTORY:     # the first buckets have too little past to judge
            mean = s1 / size
            # Counts are Poisson-noisy: a short, calm history ([3, 4, 3]) has a tiny spread
            # that any wobble would beat, so the spread is at least the square root of the mean.
            sd = math.sqrt(max(s2 / size - mean * mean, mean, 0.0))
            if t == n - 1:
                # Flat, empty history has no spread: report the excess itself, as if sd were 1.
                z_last = (value - mean) / sd if sd > 0 else value - mean
            if value >= min_events and value > mean + k * sd:
                spikes.append(t)
        s1 += value
        s2 += value * value
        size += 1
    peaks: list[int] = []
    burst_start: int | None = None
    for t in spikes:
        if burst_start is None or t - burst_start >= spacing:
            burst_start = t
            peaks.append(t)
        elif series[t] > series[peaks[-1]]:
            peaks[-1] = t                   # same burst: its peak is the highest bucket
    return Burst(spikes=tuple(spikes), peaks=tuple(peaks),
                 spike_now=bool(spikes) and spikes[-1] == n - 1, zscore=round(z_last, 3))


def trend_state(*, age: timedelta, recent: timedelta, velocity: float, last_half: int,
                first_half: int, series: Sequence[int] | None = None,
                burst: Burst | None = None) -> str:
    """new: first seen within the recent window and not slowing down;
    rising: the recent window is a spike and climbing;
    peaking: a spike that stopped climbing, or the day after a peak while still high;
    steady: at its usual level, talked about in most buckets before and no spike now;
    fading: everything else: past its peak, or quieter than usual.

    Without a series (callers with window counts only) the velocity decides alone."""
    if age <= recent and last_half >= first_half:
        return "new"
    if burst is None or not series:
        if velocity >= 1.5 and last_half > first_half:
            return "rising"
        if velocity >= 1.5 and last_half * 2 >= first_half:
            return "peaking"
        low, high = STEADY_VELOCITY
        return "steady" if low <= velocity < high and last_half + first_half > 0 else "fading"
    now = series[-1]
    before = series[-2] if len(series) > 1 else 0
    if burst.spike_now:
        # Fewer items in the newer half of the window than in the older one, by at least two:
        # the talk has turned (one item either way is noise on a small feed).
        slowing = first_half - last_half >= 2
        if (now > before and not slowing) or (now == before and last_half > first_half):
            return "rising"
        return "peaking"
    if burst.peaks and burst.peaks[-1] == len(series) - 2 and now * 2 >= before and now > 0:
        return "peaking"                          # yesterday's peak is still being talked about
    history = series[:-1]
    if (len(history) >= MIN_HISTORY and now > 0
            and sum(1 for v in history if v > 0) >= STEADY_PRESENCE * len(history)
            and now * 2 * len(history) >= sum(history)):
        return "steady"                           # its usual level: no news either way
    return "fading"


POSTING_WINDOW = {
    "new": "new: post today",
    "rising": "rising: post today",
    "peaking": "peaking: post by noon",
    "fading": "fading: skip unless it fits",
    "steady": "steady: post if it fits",
}


def posting_window(state: str, *, peak_age: timedelta | None) -> str:
    """The advice for a state, naming when the topic peaked once it has ("peaked yesterday:
    skip"). `peak_age` is the time from the end of the peak bucket to now."""
    if peak_age is None or state in ("new", "rising", "steady"):
        return POSTING_WINDOW.get(state, POSTING_WINDOW["fading"])
    when = _ago(peak_age)
    if state == "peaking":
        return "peaking: post by noon" if peak_age < timedelta(hours=12) \
            else f"peaked {when}: post early or skip"
    return f"peaked {when}: skip"


def _ago(age: timedelta) -> str:
    hours = age / timedelta(hours=1)
    if hours < 24:
        return "today" if hours < 12 else f"{round(hours)} h ago"
    if hours < 48:
        return "yesterday"
    return f"{int(hours // 24)} days ago"
