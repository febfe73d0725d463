"""One run of each stage, as the CLI and the flows start it: it opens the warehouse for its
own work, runs the stage's job, judges what it did (trends/outcome.py), records the run in
`runs`, and returns its Outcome. One-off commands call these in this process; the Prefect
flows (flows/pipeline.py) call the very same functions from their tasks, so both run the same
library code and say the same words.

DuckDB allows one writing process per file: every run waits its turn on the writer lock
(`warehouse.writer.open_writer`) for up to WRITER_WAIT_S, holds the file only while it
writes, and publishes the read snapshot when it is done, also after a job that raised (its
transaction was rolled back; the snapshot then shows the failed run in `runs`).

A job that raises is a failed run: its Outcome says so in one line, `runs.details` keeps the
traceback, and JobFailed is raised from the original error. A ConfigError (bad usage, exit 2)
is raised as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from trends.collect.normalize import utcnow
from trends.config import Config, Env
from trends.errors import ConfigError
from trends.outcome import (
    JobFailed,
    Outcome,
    alerts_outcome,
    crashed,
    digest_outcome,
    feedback_outcome,
    ingest_outcome,
    score_outcome,
)

if TYPE_CHECKING:
    import duckdb

__all__ = ["CLI", "WRITER_WAIT_S", "alerts", "digest", "feedback", "ingest", "owed_digests",
           "score"]

# A job that finds the warehouse busy waits this long for the other writer to finish. Writers
# queue on a lock file, and each publishes the read snapshot before it lets the next one in; an
# ingest of slow feeds holds it for at most its sources' deadline.
WRITER_WAIT_S = 600.0
# Who started a run, as `runs.origin` says it; a flow passes "prefect <flow run id>".
CLI = "cli"


class _Run:
    """The bookkeeping of one run: its clock, its row in `runs`, and what it raised."""

    def __init__(self, job: str, origin: str) -> None:
        self.job, self.origin = job, origin
        self.started_at = utcnow()
        self.error: BaseException | None = None

    def judge(self, work: Callable[[], Outcome]) -> Outcome:
        try:
            outcome = work()
        except ConfigError:
            raise
        except Exception as exc:   # the run failed: say so, record it, raise it after
            self.error = exc
            outcome = crashed(self.job, exc)
        outcome.job = self.job
        outcome.run_id = outcome.run_id or uuid.uuid4().hex[:12]
        outcome.started_at, outcome.finished_at = self.started_at, utcnow()
        return outcome

    def record(self, con: Callable[[], duckdb.DuckDBPyConnection], outcome: Outcome) -> None:
        from warehouse.runs import record_run

        try:
            assert outcome.started_at is not None and outcome.finished_at is not None
            record_run(con(), run_id=outcome.run_id, job=outcome.job, origin=self.origin,
                       started_at=outcome.started_at, finished_at=outcome.finished_at,
                       outcome=outcome.state, summary=outcome.text, details=outcome.record())
        except Exception:
            if self.error is None:
                raise
            # the warehouse itself may be what failed: the job's error is the one to report

    def result(self, outcome: Outcome) -> Outcome:
        if self.error is not None:
            raise JobFailed([outcome]) from self.error
        return outcome


def ingest(config: Config, *, source: str | None = None, force: bool = False,
           origin: str = CLI) -> Outcome:
    """Fetch the due sources (all with `force`, or only `source`) and store their new items.
    The warehouse is opened to plan and to store, never while the feeds download."""
    from trends.collect.ingest_job import ingest as ingest_sources
    from warehouse.writer import writer_session

    run = _Run("ingest", origin)
    with writer_session(config.warehouse, wait=WRITER_WAIT_S) as writer:
        outcome = run.judge(lambda: ingest_outcome(
            ingest_sources(writer, config, only=source, force=force)))
        run.record(writer.get, outcome)
    return run.result(outcome)


def score(config: Config, *, as_of: datetime | None = None, env: Env | None = None,
          origin: str = CLI) -> Outcome:
    """Extract the new items' topics, compute signals as of `as_of`, score every client and
    write its ideas. With an LLM configured (`env`, default the environment's), the model
    rewrites them after the warehouse is released, and the rewrites are stored in a second,
    short session: no HTTP call is made while the writer lock is held."""
    from trends.decide.ideas_job import ScoreSummary, rewrite, save_rewrites
    from trends.decide.ideas_job import score as score_clients
    from warehouse.runs import trending_now
    from warehouse.writer import open_writer

    run = _Run("score", origin)
    scored: dict[str, ScoreSummary] = {}

    def _scored(summary: ScoreSummary, con: duckdb.DuckDBPyConnection) -> Outcome:
        scored["summary"] = summary
        return score_outcome(summary, trending_now(con))

    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        outcome = run.judge(lambda: _scored(score_clients(con, config, as_of=as_of), con))
        run.record(lambda: con, outcome)
    summary = scored.get("summary")
    if run.error is None and summary is not None:
        done, summary.llm_note = rewrite(summary.drafts, env or Env.from_environ())
        if summary.llm_note:
            with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
                summary.rewritten = save_rewrites(con, done, summary.drafts)
                outcome.text = summary.text()
                outcome.details["llm"] = summary.llm_note
                run.record(lambda: con, outcome)   # the same run, its line with the LLM's note
    return run.result(outcome)


def digest(config: Config, env: Env, *, client: str | None = None, day: date | None = None,
           only_due: bool = False, origin: str = CLI) -> Outcome:
    """Send (or print, without a Slack token) each client's digest through the outbox."""
    from trends.deliver.digest_job import run_digests
    from warehouse.writer import open_writer

    run = _Run("digest", origin)
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        outcome = run.judge(lambda: digest_outcome(run_digests(
            con, config, env, client_id=client, day=day, only_due=only_due)))
        run.record(lambda: con, outcome)
    return run.result(outcome)


def owed_digests(config: Config, env: Env, *, origin: str = CLI) -> Outcome:
    """Send the digests still owed to Slack (failed, or cut off mid-attempt), and say where
    each client's digest of today stands (sent, printed, failed, not yet)."""
    from trends.deliver.digest_job import DigestSummary, resend_owed, todays_digests
    from warehouse.writer import open_writer

    run = _Run("owed_digests", origin)
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        outcome = run.judge(lambda: digest_outcome(
            resend_owed(con, config, env) if env.slack_token else DigestSummary(),
            "owed_digests", today=todays_digests(con, config)))
        run.record(lambda: con, outcome)
    return run.result(outcome)


def feedback(config: Config, env: Env, *, origin: str = CLI) -> Outcome:
    """Read the team's reactions on recent digests and alerts from Slack (nothing without a
    Slack token, and the summary says so)."""
    from trends.deliver.feedback_job import FeedbackSummary, collect
    from trends.deliver.slack import SlackSender
    from warehouse.writer import open_writer

    if not env.slack_token:
        return feedback_outcome(FeedbackSummary(not_read="no SLACK_BOT_TOKEN"))
    run = _Run("feedback", origin)
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        outcome = run.judge(lambda: feedback_outcome(collect(
            con, config, SlackSender(env.slack_token or "", env.slack_base_url))))
        run.record(lambda: con, outcome)
    return run.result(outcome)


def alerts(config: Config, env: Env, *, origin: str = CLI) -> Outcome:
    """Alert each client's channel of its spiking topics. Without a token each alert is
    recorded as printed, and its text is in the Outcome's `printed` for the caller to show."""
    from trends.deliver.alert_job import run_alerts
    from warehouse.writer import open_writer

    run = _Run("alerts", origin)
    printed: list[str] = []
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        outcome = run.judge(lambda: alerts_outcome(
            run_alerts(con, config, env, out=printed.append), printed))
        run.record(lambda: con, outcome)
    return run.result(outcome)
