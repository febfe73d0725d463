"""`trends status`: what the warehouse says (sources' health, counts, last runs) plus what the
scheduler says (last and next runs) when a Prefect server answers, else the next runs computed
from the config. Reads the snapshot, so it never waits for the pipeline. The scheduler's view
comes from the caller (the CLI asks flows/prefect_api.py), so that this stays below flows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trends.collect.normalize import utcnow
from trends.config import Config
from trends.config.schedule import next_runs

__all__ = ["collect"]


def collect(config: Config, *, now: datetime | None = None, prefect_url: str | None = None,
            scheduler: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The status of `config`'s warehouse; with `prefect_url`, what that server said
    (`scheduler`: its last and next runs, or None when it did not answer)."""
    from warehouse.snapshot import open_reader
    from warehouse.status import status

    now = now or utcnow()
    with open_reader(config.warehouse) as (con, read_from):
        info = status(con)
    info["read_from"] = read_from
    info["as_of"] = now
    attempts = {s["name"]: s["last_attempt_at"] for s in info["sources"]}
    info["next_runs"] = next_runs(config, attempts, now)
    info["next_runs_from"] = "config"
    info["prefect"] = None
    if prefect_url:
        info["prefect"] = {"api_url": prefect_url, "reachable": scheduler is not None}
        if scheduler is not None:
            info["prefect_last_runs"] = scheduler["last_runs"]
            if scheduler["next_runs"]:
                info["next_runs"] = scheduler["next_runs"]
                info["next_runs_from"] = "prefect"
    return info
