"""Prefect flows: thin orchestration over the stage jobs of `trends.runs`, which the one-off
commands run too. Each task loads the config and runs one job; the job opens the warehouse
for its own work only, so the single-writer DuckDB file is held only while it is written.

    ingest  -> fetch due sources, store new items
    score   -> extract topics, compute signals, score clients, write ideas
    digest  -> send (or print) each client's digest through the outbox
    run     -> ingest, score, digest once
    alerts  -> read the team's reactions, then alert each client's channel of spiking topics
    cycle   -> ingest, score, alerts: one ingest cycle, so a spike is in Slack within it
    digest-due -> the scheduled digest: only clients whose local digest_time has come

A flow run that `trends serve` started ends with it (`watch_parent_if_asked`): Prefect's
runner starts each run as a child process, which a kill -9 of serve would leave behind.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE

from trends import runs
from trends.config import Env, load_config
from trends.lifetime import watch_parent_if_asked

__all__ = ["alerts", "collect_feedback", "cycle", "digest", "digest_due", "fetch_and_store",
           "ingest", "run", "score", "score_topics", "send_alerts", "send_digests",
           "send_due_digests", "send_owed_digests"]


@task(cache_policy=NONE)
def fetch_and_store(config_path: str | None, source: str | None, force: bool) -> str:
    return runs.ingest(load_config(config_path), source=source, force=force).text()


@task(cache_policy=NONE)
def score_topics(config_path: str | None, as_of: datetime | None) -> str:
    return runs.score(load_config(config_path), as_of=as_of).text()


@task(cache_policy=NONE)
def send_digests(config_path: str | None, client: str | None, day: date | None) -> str:
    return runs.digest(load_config(config_path), Env.from_environ(), client=client,
                       day=day).text()


@task(cache_policy=NONE)
def collect_feedback(config_path: str | None) -> str:
    """Reactions on recent digests and alerts into `feedback`, before the next scoring."""
    return runs.feedback(load_config(config_path), Env.from_environ()).text()


@task(cache_policy=NONE)
def send_alerts(config_path: str | None) -> str:
    # Printed alerts (no token) stay in the outbox as 'printed'; the flow only reports.
    return runs.alerts(load_config(config_path), Env.from_environ()).text()


@task(cache_policy=NONE)
def send_owed_digests(config_path: str | None) -> str:
    return runs.owed_digests(load_config(config_path), Env.from_environ()).text()


@task(cache_policy=NONE)
def send_due_digests(config_path: str | None) -> str:
    return runs.digest(load_config(config_path), Env.from_environ(), only_due=True).text()


@flow(name="ingest")
def ingest(config_path: str | None = None, source: str | None = None, force: bool = False) -> str:
    watch_parent_if_asked()
    return fetch_and_store(config_path, source, force)


@flow(name="score")
def score(config_path: str | None = None, as_of: datetime | None = None) -> str:
    watch_parent_if_asked()
    return score_topics(config_path, as_of)


@flow(name="digest")
def digest(config_path: str | None = None, client: str | None = None,
           day: date | None = None) -> str:
    watch_parent_if_asked()
    return send_digests(config_path, client, day)


@flow(name="run")
def run(config_path: str | None = None, force: bool = False,
        as_of: datetime | None = None) -> dict[str, Any]:
    """The whole pipeline once: ingest, then score, then digest."""
    watch_parent_if_asked()
    return {
        "ingest": ingest(config_path, force=force),
        "score": score(config_path, as_of),
        "digest": digest(config_path),
    }


@flow(name="alerts")
def alerts(config_path: str | None = None) -> dict[str, str]:
    """Learn from the team's reactions, then alert on spikes of the latest scoring run."""
    watch_parent_if_asked()
    return {"feedback": collect_feedback(config_path), "alerts": send_alerts(config_path)}


@flow(name="cycle")
def cycle(config_path: str | None = None, force: bool = False) -> dict[str, Any]:
    """One ingest cycle: ingest, read feedback, score, alert. A spike that this cycle's
    feeds show is in the client's channel when it ends."""
    watch_parent_if_asked()
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
    watch_parent_if_asked()
    return send_due_digests(config_path)
