"""Prefect flows: thin orchestration over the library. Each flow run opens the warehouse once,
does its work, and closes it, so the single-writer DuckDB file is held only while it is written.

    ingest  -> fetch due sources, store new items
    score   -> extract topics, compute signals, score clients, write ideas
    digest  -> send (or print) each client's digest through the outbox
    run     -> ingest, score, digest once
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE

from trends.config import Env, load_config
from trends.deliver import run_digests
from trends.ingest import ingest as ingest_sources
from trends.score import score as score_clients
from warehouse.db import open_warehouse

# A flow that finds the warehouse busy waits this long for the other writer to finish.
WRITER_WAIT_S = 120.0


@task(cache_policy=NONE)
def fetch_and_store(config_path: str | None, source: str | None, force: bool) -> str:
    config = load_config(config_path)
    with open_warehouse(config.warehouse.path, wait=WRITER_WAIT_S) as con:
        return ingest_sources(con, config, only=source, force=force).summary()


@task(cache_policy=NONE)
def score_topics(config_path: str | None, as_of: datetime | None) -> str:
    config = load_config(config_path)
    with open_warehouse(config.warehouse.path, wait=WRITER_WAIT_S) as con:
        return score_clients(con, config, as_of=as_of).summary()


@task(cache_policy=NONE)
def send_digests(config_path: str | None, client: str | None, day: date | None) -> str:
    config = load_config(config_path)
    with open_warehouse(config.warehouse.path, wait=WRITER_WAIT_S) as con:
        return run_digests(con, config, Env.from_environ(), client_id=client, day=day).summary()


@flow(name="ingest")
def ingest(config_path: str | None = None, source: str | None = None, force: bool = False) -> str:
    return fetch_and_store(config_path, source, force)


@flow(name="score")
def score(config_path: str | None = None, as_of: datetime | None = None) -> str:
    return score_topics(config_path, as_of)


@flow(name="digest")
def digest(config_path: str | None = None, client: str | None = None,
           day: date | None = None) -> str:
    return send_digests(config_path, client, day)


@flow(name="run")
def run(config_path: str | None = None, force: bool = False,
        as_of: datetime | None = None) -> dict[str, Any]:
    """The whole pipeline once: ingest, then score, then digest."""
    return {
        "ingest": ingest(config_path, force=force),
        "score": score(config_path, as_of),
        "digest": digest(config_path),
    }
