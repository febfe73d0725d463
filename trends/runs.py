"""One run of each stage, as the CLI and the flows start it: it opens the warehouse for its
own work, runs the stage's job, and returns its summary. One-off commands call these in this
process; the Prefect flows (flows/pipeline.py) call the very same functions from their tasks,
so both run the same library code.

DuckDB allows one writing process per file: every run waits its turn on the writer lock
(`warehouse.writer.open_writer`) for up to WRITER_WAIT_S, holds the file only while it
writes, and publishes the read snapshot when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from trends.config import Config, Env

if TYPE_CHECKING:
    from trends.collect.ingest_job import IngestSummary
    from trends.decide.ideas_job import ScoreSummary
    from trends.deliver.alert_job import AlertSummary
    from trends.deliver.digest_job import DigestSummary
    from trends.deliver.feedback_job import FeedbackSummary

__all__ = ["WRITER_WAIT_S", "alerts", "digest", "feedback", "ingest", "owed_digests", "score"]

# A job that finds the warehouse busy waits this long for the other writer to finish. Writers
# queue on a lock file, and each publishes the read snapshot before it lets the next one in; an
# ingest of slow feeds holds it for at most its sources' deadline.
WRITER_WAIT_S = 600.0


def ingest(config: Config, *, source: str | None = None, force: bool = False) -> IngestSummary:
    """Fetch the due sources (all with `force`, or only `source`) and store their new items.
    The warehouse is opened to plan and to store, never while the feeds download."""
    from trends.collect.ingest_job import ingest as ingest_sources
    from warehouse.writer import writer_session

    with writer_session(config.warehouse, wait=WRITER_WAIT_S) as writer:
        return ingest_sources(writer, config, only=source, force=force)


def score(config: Config, *, as_of: datetime | None = None,
          env: Env | None = None) -> ScoreSummary:
    """Extract the new items' topics, compute signals as of `as_of`, score every client and
    write its ideas. With an LLM configured (`env`, default the environment's), the model
    rewrites them after the warehouse is released, and the rewrites are stored in a second,
    short session: no HTTP call is made while the writer lock is held."""
    from trends.decide.ideas_job import rewrite, save_rewrites
    from trends.decide.ideas_job import score as score_clients
    from warehouse.writer import open_writer

    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        summary = score_clients(con, config, as_of=as_of)
    done, summary.llm_note = rewrite(summary.drafts, env or Env.from_environ())
    if summary.llm_note:
        with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
            summary.rewritten = save_rewrites(con, done, summary.drafts)
    return summary


def digest(config: Config, env: Env, *, client: str | None = None, day: date | None = None,
           only_due: bool = False) -> DigestSummary:
    """Send (or print, without a Slack token) each client's digest through the outbox."""
    from trends.deliver.digest_job import run_digests
    from warehouse.writer import open_writer

    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        return run_digests(con, config, env, client_id=client, day=day, only_due=only_due)


def owed_digests(config: Config, env: Env) -> DigestSummary:
    """Send the digests still owed to Slack (failed, or cut off mid-attempt)."""
    from trends.deliver.digest_job import DigestSummary, resend_owed
    from warehouse.writer import open_writer

    if not env.slack_token:
        return DigestSummary()
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        return resend_owed(con, config, env)


def feedback(config: Config, env: Env) -> FeedbackSummary:
    """Read the team's reactions on recent digests and alerts from Slack (nothing without a
    Slack token, and the summary says so)."""
    from trends.deliver.feedback_job import FeedbackSummary, collect
    from trends.deliver.slack import SlackSender
    from warehouse.writer import open_writer

    if not env.slack_token:
        return FeedbackSummary(not_read="no SLACK_BOT_TOKEN")
    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        return collect(con, config, SlackSender(env.slack_token, env.slack_base_url))


def alerts(config: Config, env: Env, *,
           out: Callable[[str], None] | None = None) -> AlertSummary:
    """Alert each client's channel of its spiking topics. Without a token each alert is
    recorded as printed and handed to `out` (nowhere by default: a flow only reports)."""
    from trends.deliver.alert_job import run_alerts
    from warehouse.writer import open_writer

    with open_writer(config.warehouse, wait=WRITER_WAIT_S) as con:
        return run_alerts(con, config, env, out=out or (lambda _: None))
