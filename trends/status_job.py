"""`trends status`: what the warehouse says (sources' health, counts, last runs) plus what the
scheduler says (last and next runs) when a Prefect server answers, else the next runs computed
from the config. Reads the snapshot, so it never waits for the pipeline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flows import prefect_api
from trends.collect.normalize import utcnow
from trends.config import Config
from trends.config.schedule import next_runs


def prefect_home(config: Config) -> Path:
    """Where `trends serve` keeps Prefect's own files: beside the warehouse."""
    return config.warehouse.path.parent / "prefect"


def collect(config: Config, *, now: datetime | None = None,
            ask_prefect: bool = True) -> dict[str, Any]:
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
    url = prefect_api.api_url(prefect_home(config)) if ask_prefect else None
    if url:
        found = prefect_api.runs(url)
        info["prefect"] = {"api_url": url, "reachable": found is not None}
        if found is not None:
            info["prefect_last_runs"] = found["last_runs"]
            if found["next_runs"]:
                info["next_runs"] = found["next_runs"]
                info["next_runs_from"] = "prefect"
    return info
