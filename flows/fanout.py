"""Ingest with the fetching fanned out as Prefect tasks, locally or over a Dask cluster.

    plan   (flow process, writer held for a moment)  sync sources, read their state, pick due
    fetch  (one task per source, anywhere)           fetch + parse; returns records and items
    store  (flow process, writer held for a moment)  one transaction, then publish the snapshot

The warehouse is written only by the flow process, and never held while the network is slow:
the tasks touch no DuckDB at all, so they can run on Dask workers on other machines. Where
they run is the task runner's business: Prefect's default thread pool, or
`prefect_dask.DaskTaskRunner` (TRENDS_DASK_ADDRESS names a running scheduler such as
tcp://dask-scheduler:8786; `local_dask_runner` starts a throwaway local cluster).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE

from flows.pipeline import collect_feedback, finish, score_topics, send_alerts, stage
from trends.collect import http
from trends.collect.ingest_job import (
    IngestSummary,
    fetch_source,
    note_backing_off,
    plan,
    store_results,
)
from trends.config import Env, SourceConfig, load_config
from trends.models import FeedItem, FetchRecord, SourceState
from trends.outcome import Outcome, ingest_outcome
from trends.runs import WRITER_WAIT_S
from warehouse.writer import open_writer

__all__ = ["cycle_on_dask", "dask_runner", "fetch_one", "ingest_fanout", "ingest_on_dask"]


@task(cache_policy=NONE, name="fetch-source")
def fetch_one(source: SourceConfig, state: SourceState | None,
              ) -> tuple[FetchRecord, list[FeedItem], datetime]:
    # A client per task: a task may run in another process or on another machine.
    with http.make_client() as client:
        return fetch_source(client, source, state)


@flow(name="ingest-fanout")
def ingest_fanout(config_path: str | None = None, source: str | None = None,
                  force: bool = False) -> Outcome:
    """Fetch the due sources (all with `force`, or just `source`) as parallel tasks."""
    config = load_config(config_path)
    summary = IngestSummary(run_id=uuid.uuid4().hex[:12])
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        due, states, summary.skipped = plan(con, config, only=source, force=force)
    note_backing_off(summary, config, states)
    if not due:
        return ingest_outcome(summary)
    futures = [fetch_one.submit(s, states.get(s.name)) for s in due]
    results = [f.result() for f in futures]
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        store_results(con, summary, results)
    return ingest_outcome(summary)


def dask_runner(address: str | None = None, **cluster_kwargs: Any) -> Any:
    """A DaskTaskRunner: on the scheduler at `address` (default $TRENDS_DASK_ADDRESS), else on
    a local cluster built from `cluster_kwargs` (e.g. n_workers=2, processes=False)."""
    from prefect_dask.task_runners import DaskTaskRunner

    address = address or Env.from_environ().dask_address
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs=cluster_kwargs or {"n_workers": 2, "processes": False})


def ingest_on_dask(config_path: str | None = None, *, address: str | None = None,
                   force: bool = False, **cluster_kwargs: Any) -> Outcome:
    """`ingest_fanout` with its fetch tasks on Dask."""
    runner = dask_runner(address, **cluster_kwargs)
    outcome: Outcome = ingest_fanout.with_options(task_runner=runner)(config_path, force=force)
    return outcome


@flow(name="cycle-dask")
def cycle_on_dask(config_path: str | None = None, force: bool = False) -> list[Outcome]:
    """flows.pipeline.cycle with the fetching on the Dask cluster at $TRENDS_DASK_ADDRESS:
    ingest, read feedback, score, alert."""
    return finish([stage(lambda: ingest_on_dask(config_path, force=force)),
                   stage(collect_feedback, config_path),
                   stage(score_topics, config_path, None),
                   stage(send_alerts, config_path)], "ingest-cycle", "Ingest cycle (Dask)")
