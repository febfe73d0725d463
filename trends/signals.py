"""Trend signals per topic: velocity against its own baseline, a spike test with minimum
evidence, breadth (sources and platforms), platform volume, freshness, and a state
(new / rising / peaking / fading) with a posting window.

Pure functions over the per-topic counts that `warehouse.topics.window_stats` aggregates in
DuckDB: the recent window and its halves, the baseline before it, and a series of time buckets
(oldest first, the last one being the recent window itself).

The spike test follows Huginn's PeakDetectorAgent: a bucket is a spike when its count is above
the mean plus k standard deviations of the buckets before it (over a window), with a minimum
number of events, and a new peak is only counted `spacing` after the previous one, so one
burst spread over two days is one peak, not two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from trends.bulk import many_objects

__all__ = ["POSTING_WINDOW", "STATES", "Burst", "SignalSettings", "TopicSignal",
           "compute_signals", "detect_bursts", "posting_window", "trend_state"]

STATES = ("new", "rising", "peaking", "fading")
MIN_HISTORY = 3     # buckets before a bucket for the spike test to judge it (Huginn wants 4+)


@dataclass(frozen=True, slots=True)
class SignalSettings:
    """Sensitivity of the trend signal; `[signals]` in trends.toml overrides these."""

    recent: timedelta = timedelta(hours=24)     # the "now" window, and one bucket of the series
    baseline_days: float = 6                    # previous days the recent window is compared with
    half_life: timedelta = timedelta(hours=48)  # freshness halves every half-life since first seen
    min_items: int = 2                          # minimum evidence: items in the recent window
    k: float = 2.0                              # spike: above mean + k standard deviations
    min_events: int = 2                         # spike: at least this many items in the bucket
    spacing: timedelta = timedelta(days=2)      # spike: a new peak only this long after the last

    @property
    def buckets(self) -> int:
        """Buckets in the series: the baseline days in recent-window steps, plus the recent one."""
        return max(2, round(self.baseline_days * (timedelta(days=1) / self.recent))) + 1


@dataclass(slots=True)
class TopicSignal:
    key: str
    label: str
    kind: str
    mentions: int
    baseline: float
    velocity: float
    breadth: int
    volume: float
    freshness: float
    first_seen_at: datetime
    state: str
    trend: float = 0.0
    platforms: int = 1                   # distinct source kinds in the recent window
    spike: bool = False                  # the recent window passes the spike test
    zscore: float = 0.0                  # (recent - mean) / sd of the buckets before it
    peak_at: datetime | None = None      # end of the bucket of the last peak, if any
    posting_window: str = ""             # "rising: post today", "peaked yesterday: skip"
    series: list[int] = field(default_factory=list)   # counts per bucket, oldest first

    def as_row(self) -> dict[str, object]:
        return {"topic_key": self.key, "label": self.label, "mentions": self.mentions,
                "baseline": self.baseline, "velocity": self.velocity, "breadth": self.breadth,
                "volume": self.volume, "freshness": self.freshness,
                "first_seen_at": self.first_seen_at, "state": self.state, "trend": self.trend,
                "kind": self.kind, "platforms": self.platforms, "spike": self.spike,
                "zscore": self.zscore, "peak_at": self.peak_at,
                "posting_window": self.posting_window}


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
    fading: everything past its peak, and steady talk that is not a spike.

    Without a series (callers with window counts only) the velocity decides alone."""
    if age <= recent and last_half >= first_half:
        return "new"
    if burst is None or not series:
        if velocity >= 1.5 and last_half > first_half:
            return "rising"
        if velocity >= 1.5 and last_half * 2 >= first_half:
            return "peaking"
        return "fading"
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
    return "fading"


POSTING_WINDOW = {
    "new": "new: post today",
    "rising": "rising: post today",
    "peaking": "peaking: post by noon",
    "fading": "fading: skip unless it fits",
}


def posting_window(state: str, *, peak_age: timedelta | None) -> str:
    """The advice for a state, naming when the topic peaked once it has ("peaked yesterday:
    skip"). `peak_age` is the time from the end of the peak bucket to now."""
    if peak_age is None or state in ("new", "rising"):
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


def compute_signals(rows: list[dict[str, object]], as_of: datetime,
                    settings: SignalSettings = SignalSettings()) -> list[TopicSignal]:
    """Turn window counts into signals, with `trend` normalized to 0..1 across the topics.

    Each row has key, label, kind, recent, last_half, first_half, baseline_total, breadth,
    volume, first_seen_at, and optionally platforms and series (counts per bucket, oldest
    first, last = the recent window) for the spike test."""
    with many_objects():
        return _signals(rows, as_of, settings)


def _signals(rows: list[dict[str, object]], as_of: datetime,
             settings: SignalSettings) -> list[TopicSignal]:
    signals: list[TopicSignal] = []
    max_volume = max((float(r["volume"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    windows_in_baseline = settings.baseline_days * (timedelta(days=1) / settings.recent)
    spacing = max(1, round(settings.spacing / settings.recent))
    recent_window, half_life, no_age = settings.recent, settings.half_life, timedelta(0)
    # A run scores some hundred thousand topics, most of them long tails with the same few
    # series ([0, 0, 0, 0, 0, 1, 1]): everything that follows from the counts alone is worked
    # out once per distinct shape. Only age, breadth, volume and names differ per topic.
    shapes: dict[tuple[object, ...], _Shape] = {}
    raw: list[float] = []
    for r in rows:
        recent = int(r["recent"])  # type: ignore[call-overload]
        first_seen = r["first_seen_at"]
        assert isinstance(first_seen, datetime)
        age = max(as_of - first_seen, no_age)
        counts: tuple[object, ...] = tuple(r.get("series") or ())  # type: ignore[arg-type]
        # Everything _shape reads; age only as trend_state does, "younger than the window".
        key = (counts, recent, r["baseline_total"], r["last_half"], r["first_half"],
               age <= recent_window)
        shape = shapes.get(key)
        if shape is None:
            shape = shapes[key] = _shape(recent, age, r, counts, as_of, settings,
                                         windows_in_baseline, spacing)
        volume = float(r["volume"]) / max_volume if max_volume > 0 else 0.0  # type: ignore[arg-type]
        signal = TopicSignal(
            key=str(r["key"]), label=str(r["label"]), kind=str(r["kind"]), mentions=recent,
            baseline=shape.baseline, velocity=shape.velocity,
            breadth=int(r["breadth"]), volume=round(volume, 4),  # type: ignore[call-overload]
            freshness=round(0.5 ** (age / half_life), 4), first_seen_at=first_seen,
            state=shape.state,
            platforms=int(r.get("platforms") or 1),  # type: ignore[call-overload]
            spike=shape.spike, zscore=shape.zscore, peak_at=shape.peak_at,
            posting_window=shape.posting_window, series=list(shape.series))
        signals.append(signal)
        raw.append(_strength(signal, shape.weight))
    top = max(raw, default=0.0)
    for s, value in zip(signals, raw):
        s.trend = round(value / top, 4) if top > 0 else 0.0
    return signals


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a topic's signal owes to its counts alone (series, window halves, baseline) and
    to whether it is younger than the recent window."""

    series: tuple[int, ...]
    baseline: float
    velocity: float
    state: str
    spike: bool
    zscore: float
    peak_at: datetime | None
    posting_window: str
    weight: float                  # the factors of the strength that follow from the counts


def _shape(recent: int, age: timedelta, r: dict[str, object], counts: tuple[object, ...],
           as_of: datetime, settings: SignalSettings, windows_in_baseline: float,
           spacing: int) -> _Shape:
    baseline = float(r["baseline_total"]) / windows_in_baseline  # type: ignore[arg-type]
    velocity = (recent + 1.0) / (baseline + 1.0)
    series = [int(v) for v in counts]  # type: ignore[call-overload]
    burst = (detect_bursts(series, k=settings.k, min_events=settings.min_events,
                           spacing=spacing) if series else None)
    last_half, first_half = int(r["last_half"]), int(r["first_half"])  # type: ignore[call-overload]
    state = trend_state(age=age, recent=settings.recent, velocity=velocity,
                        last_half=last_half, first_half=first_half, series=series, burst=burst)
    peak_at = peak_age = None
    if burst and burst.peaks:
        # Bucket i (oldest first) ends at as_of - (n - 1 - i) recent windows.
        peak_age = (len(series) - 1 - burst.peaks[-1]) * settings.recent
        peak_at = as_of - peak_age
    spike = bool(burst and burst.spike_now)
    velocity = round(velocity, 3)
    return _Shape(series=tuple(series), baseline=round(baseline, 3), velocity=velocity,
                  state=state, spike=spike, zscore=burst.zscore if burst else 0.0,
                  peak_at=peak_at, posting_window=posting_window(state, peak_age=peak_age),
                  weight=math.log1p(recent) * math.sqrt(min(velocity, 16.0)))


def _strength(s: TopicSignal, weight: float) -> float:
    """How strongly a topic is trending now: volume of talk, acceleration, spread and novelty.
    Logs keep one giant topic from flattening the rest. `weight` is the product of the first
    two factors, which follow from the counts: log1p(mentions) · sqrt(min(velocity, 16))."""
    spread = 1.0 + 0.25 * (s.breadth - 1) + 0.25 * (s.platforms - 1)
    novelty = 0.5 + 0.5 * s.freshness
    platform = 1.0 + 0.5 * s.volume
    state = _STATE_WEIGHT.get(s.state, 1.0)
    surprise = 1.15 if s.spike else 1.0     # passed the spike test: evidence, not noise
    # A lone word is rarely the story itself ("harga", "sale"): prefer the phrase around it.
    specific = 1.0 if s.kind in ("hashtag", "query") or len(s.label.split()) > 1 else 0.75
    return weight * spread * novelty * platform * state * surprise * specific


_STATE_WEIGHT = {"fading": 0.6, "new": 1.0, "rising": 1.15, "peaking": 1.05}
