"""Prefect flows: thin orchestration over the library. Each flow run opens the warehouse once,
does its work, and closes it, so the single-writer DuckDB file is held only while it is written.

    ingest  -> fetch due sources, store new items
    score   -> extract topics, compute signals, score clients, write ideas
    digest  -> send (or print) each client's digest through the outbox
    run     -> ingest, score, digest once
    alerts  -> read the team's reactions, then alert each client's channel of spiking topics
    cycle   -> ingest, score, alerts: one ingest cycle, so a spike is in Slack within it
    digest-due -> the scheduled digest: only clients whose local digest_time has come
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import duckdb
from prefect import flow, task
from prefect.cache_policies import NONE

from trends.config import Config, Env, load_config
from trends.deliver import run_digests
from trends.ingest import ingest as ingest_sources
from trends.score import score as score_clients
from warehouse.db import open_writer, writer_session

# A flow that finds the warehouse busy waits this long for the other writer to finish.
# Writers queue on a lock file (warehouse.db.open_writer), and each publishes the read
# snapshot before it lets the next one in; an ingest of slow feeds can hold it for minutes.
WRITER_WAIT_S = 600.0


@contextmanager
def _writing(config_path: str | None) -> Iterator[tuple[Config, duckdb.DuckDBPyConnection]]:
    """The config and the warehouse's writer for one task (writers take turns)."""
    config = load_config(config_path)
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        yield config, con


@task(cache_policy=NONE)
def fetch_and_store(config_path: str | None, source: str | None, force: bool) -> str:
    config = load_config(config_path)
    # The file is opened to plan and to store, not while the feeds download.
    with writer_session(config.warehouse, wait=WRITER_WAIT_S) as writer:
        return ingest_sources(writer, config, only=source, force=force).summary()


@task(cache_policy=NONE)
def score_topics(config_path: str | None, as_of: datetime | None) -> str:
    with _writing(config_path) as (config, con):
        return score_clients(con, config, as_of=as_of).summary()


@task(cache_policy=NONE)
def send_digests(config_path: str | None, client: str | None, day: date | None) -> str:
    with _writing(config_path) as (config, con):
        return run_digests(con, config, Env.from_environ(), client_id=client, day=day).summary()


@task(cache_policy=NONE)
def collect_feedback(config_path: str | None) -> str:
    """Reactions on recent digests and alerts into `feedback`, before the next scoring."""
    env = Env.from_environ()
    if not env.slack_token:
        return "feedback: no SLACK_BOT_TOKEN, nothing to read"
    from trends.feedback import collect
    from trends.slack import SlackSender

    with _writing(config_path) as (config, con):
        return collect(con, config, SlackSender(env.slack_token, env.slack_base_url)).summary()


@task(cache_policy=NONE)
def send_alerts(config_path: str | None) -> str:
    from trends.alerts import run_alerts

    with _writing(config_path) as (config, con):
        # Printed alerts (no token) stay in the outbox as 'printed'; the flow only reports.
        return run_alerts(con, config, Env.from_environ(), out=lambda _: None).summary()


@task(cache_policy=NONE)
def send_owed_digests(config_path: str | None) -> str:
    from trends.deliver import resend_owed

    with _writing(config_path) as (config, con):
        return resend_owed(con, config, Env.from_environ()).summary()


@task(cache_policy=NONE)
def send_due_digests(config_path: str | None) -> str:
    with _writing(config_path) as (config, con):
        return run_digests(con, config, Env.from_environ(), only_due=True).summary()


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


@flow(name="alerts")
def alerts(config_path: str | None = None) -> dict[str, str]:
    """Learn from the team's reactions, then alert on spikes of the latest scoring run."""
    return {"feedback": collect_feedback(config_path), "alerts": send_alerts(config_path)}


@flow(name="cycle")
def cycle(config_path: str | None = None, force: bool = False) -> dict[str, Any]:
    """One ingest cycle: ingest, read feedback, score, alert. A spike that this cycle's
    feeds show is in the client's channel when it ends."""
    out: dict[str, Any] = {"ingest": ingest(config_path, force=force),
                           "feedback": collect_feedback(config_path),
                           "score": score(config_path)}
    out["alerts"] = send_alerts(config_path)
    # A digest that failed this morning goes out now, not at tomorrow's digest time.
    out["digests"] = send_owed_digests(config_path)
    return out


@flow(name="digest-due")
def digest_due(config_path: str | None = None) -> str:
    """The scheduled digest: every client whose local digest_time has come and whose digest
    of the day is not in Slack yet (a run before 08:00 local sends nothing to that client)."""
    return send_due_digests(config_path)
