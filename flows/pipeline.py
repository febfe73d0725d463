"""Prefect flows: thin orchestration over the stage runs of `trends.runs`, which the one-off
commands run too. Each task loads the config and runs one stage; the stage opens the
warehouse for its own work only, so the single-writer DuckDB file is held only while it is
written.

    ingest  -> fetch due sources, store new items
    score   -> extract topics, compute signals, score clients, write ideas
    digest  -> send (or print) each client's digest through the outbox
    run     -> ingest, score, digest once
    alerts  -> read the team's reactions, then alert each client's channel of spiking topics
    cycle   -> ingest, score, alerts: one ingest cycle, so a spike is in Slack within it
    digest-due -> the scheduled digest: only clients whose local digest_time has come

What a flow run shows is what the library judged (trends/outcome.py): a log line per stage
with its counts, a warning per failing source (or digest, or alert), a Markdown artifact of
the run, and a Failed state when a stage failed by that rule. Every stage runs even when one
before it failed (a digest on a day the sources failed says so); the flow fails at the end.

A flow run that `trends serve` started ends with it (`watch_parent_if_asked`): Prefect's
runner starts each run as a child process, which a kill -9 of serve would leave behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.runtime import flow_run

from trends import runs
from trends.config import Env, load_config
from trends.lifetime import watch_parent_if_asked
from trends.outcome import JobFailed, Outcome, check, markdown

__all__ = ["alerts", "collect_feedback", "cycle", "digest", "digest_due", "fetch_and_store",
           "finish", "ingest", "run", "score", "score_topics", "send_alerts", "send_digests",
           "send_due_digests", "send_owed_digests", "stage"]


def _origin() -> str:
    return f"prefect {flow_run.get_id()}"


@task(cache_policy=NONE, name="ingest")
def fetch_and_store(config_path: str | None, source: str | None, force: bool) -> Outcome:
    return runs.ingest(load_config(config_path), source=source, force=force, origin=_origin())


@task(cache_policy=NONE, name="score")
def score_topics(config_path: str | None, as_of: datetime | None) -> Outcome:
    return runs.score(load_config(config_path), as_of=as_of, origin=_origin())


@task(cache_policy=NONE, name="digest")
def send_digests(config_path: str | None, client: str | None, day: date | None) -> Outcome:
    return runs.digest(load_config(config_path), Env.from_environ(), client=client, day=day,
                       origin=_origin())


@task(cache_policy=NONE, name="feedback")
def collect_feedback(config_path: str | None) -> Outcome:
    """Reactions on recent digests and alerts into `feedback`, before the next scoring."""
    return runs.feedback(load_config(config_path), Env.from_environ(), origin=_origin())


@task(cache_policy=NONE, name="alerts")
def send_alerts(config_path: str | None) -> Outcome:
    # Printed alerts (no token) stay in the outbox as 'printed'; the flow logs them.
    return runs.alerts(load_config(config_path), Env.from_environ(), origin=_origin())


@task(cache_policy=NONE, name="owed-digests")
def send_owed_digests(config_path: str | None) -> Outcome:
    return runs.owed_digests(load_config(config_path), Env.from_environ(), origin=_origin())


@task(cache_policy=NONE, name="digest-due")
def send_due_digests(config_path: str | None) -> Outcome:
    return runs.digest(load_config(config_path), Env.from_environ(), only_due=True,
                       origin=_origin())


def stage(work: Callable[..., Outcome], *args: Any) -> Outcome:
    """Run one stage's task and log what it did: its line with the counts, a warning per
    failure on the way, an error when the stage failed. A failed stage does not stop the
    flow: `finish` fails it at the end."""
    try:
        outcome = work(*args)
    except JobFailed as exc:   # the stage raised (its task is Failed): its outcome says why
        outcome = exc.outcomes[-1]
    logger = get_run_logger()
    logger.info("%s", outcome.line())
    for line in outcome.notes:
        logger.info("%s: %s", outcome.job, line)
    for line in outcome.printed:
        logger.info("%s printed: %s", outcome.job, line)
    for line in outcome.warnings:
        logger.warning("%s", line)
    if outcome.failure:
        logger.error("%s failed: %s", outcome.job, outcome.failure)
    return outcome


def finish(outcomes: list[Outcome], key: str, title: str) -> list[Outcome]:
    """The run's artifact, then its state: Failed (JobFailed) when a stage failed."""
    create_markdown_artifact(markdown=markdown(outcomes, title), key=key,
                             description=f"{title}: what each stage did")
    check(outcomes)
    return outcomes


@flow(name="ingest")
def ingest(config_path: str | None = None, source: str | None = None,
           force: bool = False) -> list[Outcome]:
    watch_parent_if_asked()
    return finish([stage(fetch_and_store, config_path, source, force)], "ingest", "Ingest")


@flow(name="score")
def score(config_path: str | None = None, as_of: datetime | None = None) -> list[Outcome]:
    watch_parent_if_asked()
    return finish([stage(score_topics, config_path, as_of)], "score", "Scoring")


@flow(name="digest")
def digest(config_path: str | None = None, client: str | None = None,
           day: date | None = None) -> list[Outcome]:
    watch_parent_if_asked()
    return finish([stage(send_digests, config_path, client, day)],
                  f"digest-{client or 'all'}", f"Digest of {client or 'every client'}")


@flow(name="run")
def run(config_path: str | None = None, force: bool = False,
        as_of: datetime | None = None) -> list[Outcome]:
    """The whole pipeline once: ingest, then score, then digest."""
    watch_parent_if_asked()
    return finish([stage(fetch_and_store, config_path, None, force),
                   stage(score_topics, config_path, as_of),
                   stage(send_digests, config_path, None, None)], "run", "Pipeline run")


@flow(name="alerts")
def alerts(config_path: str | None = None) -> list[Outcome]:
    """Learn from the team's reactions, then alert on spikes of the latest scoring run."""
    watch_parent_if_asked()
    return finish([stage(collect_feedback, config_path), stage(send_alerts, config_path)],
                  "alerts", "Alerts")


@flow(name="cycle")
def cycle(config_path: str | None = None, force: bool = False) -> list[Outcome]:
    """One ingest cycle: ingest, read feedback, score, alert. A spike that this cycle's
    feeds show is in the client's channel when it ends."""
    watch_parent_if_asked()
    return finish([stage(fetch_and_store, config_path, None, force),
                   stage(collect_feedback, config_path),
                   stage(score_topics, config_path, None),
                   stage(send_alerts, config_path),
                   # A digest that failed this morning goes out now, not at tomorrow's time.
                   stage(send_owed_digests, config_path)], "ingest-cycle", "Ingest cycle")


@flow(name="digest-due")
def digest_due(config_path: str | None = None) -> list[Outcome]:
    """The scheduled digest: every client whose local digest_time has come and whose digest
    of the day is not in Slack yet (a run before 08:00 local sends nothing to that client)."""
    watch_parent_if_asked()
    return finish([stage(send_due_digests, config_path)], "digest-due", "Scheduled digests")
