"""Trend signals per topic: velocity against its own baseline, breadth, platform volume,
freshness, and a state (new / rising / peaking / fading) with a posting window.

Pure functions over the window counts that `warehouse.topics.window_stats` aggregates in DuckDB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SignalSettings:
    recent: timedelta = timedelta(hours=24)     # the "now" window
    baseline_days: int = 6                      # previous days the recent window is compared with
    half_life: timedelta = timedelta(hours=48)  # freshness halves every half-life since first seen
    min_items: int = 2                          # minimum evidence: items in the recent window


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

    def as_row(self) -> dict[str, object]:
        return {"topic_key": self.key, "label": self.label, "mentions": self.mentions,
                "baseline": self.baseline, "velocity": self.velocity, "breadth": self.breadth,
                "volume": self.volume, "freshness": self.freshness,
                "first_seen_at": self.first_seen_at, "state": self.state, "trend": self.trend}


def trend_state(*, age: timedelta, recent: timedelta, velocity: float, last_half: int,
                first_half: int) -> str:
    """new: first seen within the recent window; rising: accelerating above its baseline;
    peaking: well above baseline but no longer accelerating; fading: at or below baseline
    or clearly slowing down."""
    if age <= recent and last_half >= first_half:
        return "new"
    if velocity >= 1.5 and last_half > first_half:
        return "rising"
    if velocity >= 1.5 and last_half * 2 >= first_half:
        return "peaking"
    return "fading"


POSTING_WINDOW = {
    "new": "new: post today",
    "rising": "rising: post today",
    "peaking": "peaking: post by noon",
    "fading": "fading: skip unless it fits",
}


def compute_signals(rows: list[dict[str, object]], as_of: datetime,
                    settings: SignalSettings = SignalSettings()) -> list[TopicSignal]:
    """Turn window counts into signals, with `trend` normalized to 0..1 across the topics."""
    signals: list[TopicSignal] = []
    max_volume = max((float(r["volume"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    windows_in_baseline = settings.baseline_days * (timedelta(days=1) / settings.recent)
    for r in rows:
        recent = int(r["recent"])  # type: ignore[call-overload]
        baseline = float(r["baseline_total"]) / windows_in_baseline  # type: ignore[arg-type]
        velocity = (recent + 1.0) / (baseline + 1.0)
        first_seen = r["first_seen_at"]
        assert isinstance(first_seen, datetime)
        age = max(as_of - first_seen, timedelta(0))
        freshness = 0.5 ** (age / settings.half_life)
        volume = float(r["volume"]) / max_volume if max_volume > 0 else 0.0  # type: ignore[arg-type]
        signals.append(TopicSignal(
            key=str(r["key"]), label=str(r["label"]), kind=str(r["kind"]), mentions=recent,
            baseline=round(baseline, 3), velocity=round(velocity, 3),
            breadth=int(r["breadth"]), volume=round(volume, 4),  # type: ignore[call-overload]
            freshness=round(freshness, 4), first_seen_at=first_seen,
            state=trend_state(age=age, recent=settings.recent, velocity=velocity,
                              last_half=int(r["last_half"]),  # type: ignore[call-overload]
                              first_half=int(r["first_half"])),  # type: ignore[call-overload]
        ))
    raw = [_strength(s) for s in signals]
    top = max(raw, default=0.0)
    for s, value in zip(signals, raw):
        s.trend = round(value / top, 4) if top > 0 else 0.0
    return signals


def _strength(s: TopicSignal) -> float:
    """How strongly a topic is trending now: volume of talk, acceleration, spread and novelty.
    Logs keep one giant topic from flattening the rest."""
    momentum = math.sqrt(min(s.velocity, 16.0))
    spread = 1.0 + 0.25 * (s.breadth - 1)
    novelty = 0.5 + 0.5 * s.freshness
    platform = 1.0 + 0.5 * s.volume
    fading = 0.6 if s.state == "fading" else 1.0
    # A lone word is rarely the story itself ("harga", "sale"): prefer the phrase around it.
    specific = 1.0 if len(s.label.split()) > 1 or s.kind in ("hashtag", "query") else 0.75
    return math.log1p(s.mentions) * momentum * spread * novelty * platform * fading * specific
