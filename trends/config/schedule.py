"""When things run: the intervals and crons of the served deployments, and the next runs
computed from the config alone (what `trends status` shows when no Prefect server answers).

The ingest deployment runs every `ingest_interval` (the shortest source `every`); each run
fetches only the sources that are due, so a source with `every = "1h"` is still fetched hourly.
Each client's digest runs at its `digest_time` in its own time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from trends.config import DEFAULT_EVERY, ClientConfig, Config

__all__ = ["digest_cron", "digest_words", "ingest_interval", "ingest_words", "next_digest",
           "next_ingest", "next_runs"]


def ingest_interval(config: Config) -> timedelta:
    """The shortest poll interval of any source (the default 15 min when there are none)."""
    return min((s.every for s in config.sources), default=DEFAULT_EVERY)


def digest_cron(client: ClientConfig) -> str:
    """A cron expression for the client's digest time; read it in the client's time zone."""
    return f"{client.digest_time.minute} {client.digest_time.hour} * * *"


def next_digest(client: ClientConfig, now: datetime) -> datetime:
    """The next time (UTC) the client's digest is due, at `digest_time` in its time zone."""
    local = now.astimezone(client.tz)
    at = datetime.combine(local.date(), client.digest_time, tzinfo=client.tz)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), client.digest_time,
                              tzinfo=client.tz)
    return at.astimezone(UTC)


def next_ingest(config: Config, last_attempts: Mapping[str, datetime | None],
                now: datetime) -> datetime:
    """When the next source falls due, from each source's last attempt (now if one is due)."""
    due = []
    for s in config.sources:
        last = last_attempts.get(s.name)
        due.append(last + s.every if last else now)
    return max(now, min(due, default=now + ingest_interval(config)))


def next_runs(config: Config, last_attempts: Mapping[str, datetime | None],
              now: datetime) -> list[dict[str, object]]:
    """The next run of each scheduled flow, soonest first, computed from the config."""
    runs: list[dict[str, object]] = [{
        "flow": "ingest", "deployment": "ingest", "at": next_ingest(config, last_attempts, now),
        "schedule": ingest_words(config),
    }]
    for c in config.clients:
        runs.append({"flow": "digest", "deployment": f"digest-{c.id}",
                     "at": next_digest(c, now), "schedule": digest_words(c)})
    return sorted(runs, key=lambda r: r["at"])  # type: ignore[arg-type, return-value]


def ingest_words(config: Config, every: timedelta | None = None) -> str:
    """The ingest schedule in words: "every 15m, then score and alerts"."""
    return f"every {_human(every or ingest_interval(config))}, then score and alerts"


def digest_words(client: ClientConfig) -> str:
    """A client's digest schedule in words, with its time zone: "daily 09:00 Asia/Hong_Kong"
    (the Prefect UI shows a cron schedule without its zone unless it is told in words)."""
    return f"daily {client.digest_time:%H:%M} {client.timezone}"


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
