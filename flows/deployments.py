"""The scheduled deployments that `trends serve` serves (and that a work pool can run, see
docs/operations.md). Orchestration only: the schedules come from `trends.config.schedule`.

    ingest            every shortest source `every`: the `cycle` flow of flows/pipeline.py
                      (ingest the due sources, read feedback, score, alert); with
                      TRENDS_DASK_ADDRESS set, `cycle-dask` (flows/fanout.py), whose fetching
                      runs on that Dask cluster
    digest-<client>   daily at the client's digest_time, cron in the client's time zone

Runs that write the warehouse queue on its writer lock (warehouse.db.open_writer); each
deployment also allows one run at a time, so a slow ingest never piles up behind itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from prefect import Flow
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule
from prefect.types.entrypoint import EntrypointType

from flows import pipeline
from trends.config import Config, Env
from trends.config.schedule import digest_cron, digest_words, ingest_interval, ingest_words

__all__ = ["INGEST_DEPLOYMENT", "Spec", "build", "deploy_to_pool", "specs"]

INGEST_DEPLOYMENT = "ingest"


@dataclass(frozen=True, slots=True)
class Spec:
    """One deployment, before it is served or registered on a work pool."""

    name: str
    flow: Flow[Any, Any]
    schedule: Schedule
    parameters: dict[str, Any]
    description: str
    tags: list[str] = field(default_factory=lambda: ["trends"])


def specs(config: Config, *, interval_seconds: float | None = None) -> list[Spec]:
    """The deployments for this config. `interval_seconds` overrides the ingest interval."""
    config_path = str(config.file.resolve())
    every = interval_seconds or ingest_interval(config).total_seconds()
    ingest_flow: Flow[Any, Any] = pipeline.cycle
    if Env.from_environ().dask_address:
        from flows.fanout import cycle_on_dask

        ingest_flow = cycle_on_dask
    # A schedule's slug is what the deployment's page shows for it: the words, time zone and
    # all (the UI describes a bare cron as "At 09:00 AM every day", in no zone).
    out = [Spec(INGEST_DEPLOYMENT, ingest_flow,
                Interval(every, slug=ingest_words(config, timedelta(seconds=every))),
                {"config_path": config_path},
                "Fetch the due sources, read feedback, score, alert.")]
    for client in config.clients:
        out.append(Spec(
            f"digest-{client.id}", pipeline.digest,
            Cron(digest_cron(client), timezone=client.timezone, slug=digest_words(client)),
            {"config_path": config_path, "client": client.id},
            f"{client.name}'s digest, {digest_words(client)}.",
            ["trends", "digest"]))
    return out


def build(config: Config, *, interval_seconds: float | None = None) -> list[RunnerDeployment]:
    """The deployments that `trends serve` serves. Each allows one run at a time."""
    return [cast(RunnerDeployment, s.flow.to_deployment(
        s.name, schedules=[s.schedule], parameters=s.parameters, concurrency_limit=1,
        description=s.description, tags=s.tags, entrypoint_type=EntrypointType.MODULE_PATH))
        for s in specs(config, interval_seconds=interval_seconds)]


def deploy_to_pool(config: Config, work_pool: str, *, source: str | Path | None = None,
                   interval_seconds: float | None = None) -> list[str]:
    """Register the same deployments on a work pool instead of serving them: workers started
    with `prefect worker start --pool WORK_POOL` (on this machine or others) run them. `source`
    is where the workers find this project's code (default: this checkout; a git URL for
    remote workers). Returns the deployment ids."""
    root = str(source or Path(__file__).resolve().parents[1])
    ids = []
    for s in specs(config, interval_seconds=interval_seconds):
        fn = s.flow.fn
        entrypoint = f"{fn.__module__.replace('.', '/')}.py:{fn.__name__}"
        remote = cast(Flow[Any, Any], Flow.from_source(source=root, entrypoint=entrypoint))
        ids.append(str(remote.deploy(
            s.name, work_pool_name=work_pool, schedules=[s.schedule], parameters=s.parameters,
            concurrency_limit=1, description=s.description, tags=s.tags,
            build=False, push=False, print_next_steps=False)))
    return ids
