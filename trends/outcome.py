"""What a run did, in the words every interface uses: the exit code and stderr of a one-off
command, the state, log lines and artifact of a Prefect flow run, and the `runs` table.

One rule for every job:

    ok       it did what it exists for                           exit 0; flow run Completed
    partial  it did, and something failed on the way (some        exit 0; one warning per failure,
             sources, a chart): the warnings say what and why      with its reason, on stderr
    failed   it did not: every source it tried failed, a digest   exit 1; flow run Failed (red)
             or an alert could not be delivered, scoring raised

A run that had nothing to do (no source due, no spike) did what it exists for. The stage
summaries (IngestSummary...) say what happened; this module judges it and words it.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from trends.errors import TrendsError

if TYPE_CHECKING:
    from trends.collect.ingest_job import IngestSummary
    from trends.decide.ideas_job import ScoreSummary
    from trends.deliver.alert_job import AlertSummary
    from trends.deliver.digest_job import DigestSummary
    from trends.deliver.feedback_job import FeedbackSummary

__all__ = ["EXIT_FAILED", "EXIT_OK", "JobFailed", "Outcome", "alerts_outcome", "check",
           "crashed", "digest_outcome", "exit_code", "feedback_outcome", "ingest_outcome",
           "markdown", "score_outcome"]

EXIT_OK, EXIT_FAILED = 0, 1
# Sources listed by name in an artifact that fetched new items (the failed ones are all listed).
ARTIFACT_SOURCES = 50


@dataclass(slots=True)
class Outcome:
    """One run of one job, judged."""

    job: str                         # ingest | score | digest | alerts | feedback | owed_digests
    text: str                        # the run's one line
    failure: str | None = None       # why the job did not do what it exists for
    warnings: list[str] = field(default_factory=list)   # what failed on the way, with reasons
    printed: list[str] = field(default_factory=list)    # alerts printed, not sent (no token)
    notes: list[str] = field(default_factory=list)      # what was done, a line per digest
    details: dict[str, Any] = field(default_factory=dict)   # JSON-safe facts
    run_id: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def state(self) -> str:
        """ok | partial | failed (see the module docstring)."""
        return "failed" if self.failure else "partial" if self.warnings else "ok"

    def line(self) -> str:
        """The run's line with its job in front ("ingest: 7 sources fetched..."), unless the
        summary names it already ("alerts: 0 sent...")."""
        first = self.text.split(":", 1)[0]
        if first.removesuffix("s") == self.job.removesuffix("s"):
            return self.text
        return f"{self.job}: {self.text}"

    def record(self) -> dict[str, Any]:
        """The `details` column of the run's row in `runs`."""
        return {"failure": self.failure, "warnings": self.warnings, **self.details}


class JobFailed(TrendsError):
    """A job ran and did not do what it exists for: exit code 1, a Failed flow run. Carries
    every outcome of the command or flow run, the failed ones and the others."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        super().__init__("; ".join(f"{o.job} failed: {o.failure}" for o in self.outcomes
                                   if o.failure) or "a job failed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (JobFailed, (self.outcomes,))


def check(outcomes: Iterable[Outcome]) -> None:
    """Raise JobFailed when any of `outcomes` failed."""
    done = list(outcomes)
    if any(o.failure for o in done):
        raise JobFailed(done)


def exit_code(outcomes: Iterable[Outcome]) -> int:
    return EXIT_FAILED if any(o.failure for o in outcomes) else EXIT_OK


def _reason(reason: str | None, detail: str | None) -> str:
    text = f"{reason}: {detail}" if reason and detail else reason or detail or "unknown error"
    return " ".join(text.split())[:300]


def ingest_outcome(s: IngestSummary) -> Outcome:
    failed = s.failed
    warnings = [f"source {r.source!r} failed: {_reason(r.reason, r.detail)}" for r in failed]
    retry = f"{s.retry_at:%H:%M} UTC" if s.retry_at else "soon"
    warnings += [f"source {name!r} is failing, tried again from {retry}: {_reason(why, None)}"
                 for name, why in s.backing_off.items()]
    # Failed: no source it could have read this run answered. Sources waiting for their
    # retry count as failing, so a run within the back-off is no quieter than the one before.
    considered, failing = len(s.records) + len(s.skipped), len(failed) + len(s.backing_off)
    failure = None
    if considered and failing == considered:
        failure = (f"every source it tried failed ({len(failed)} of {len(s.records)})"
                   if s.records else f"every source is failing ({failing} of {considered})")
        if s.records and s.backing_off:
            failure += f", and the other {len(s.backing_off)} are failing too"
        failure += "; each is tried again within minutes, --force tries now"
    ok = sorted(((r.source, r.new_items or 0) for r in s.records if r.outcome != "error"),
                key=lambda x: (-x[1], x[0]))
    details = {
        "fetched": len(s.records), "ok": sum(r.outcome == "ok" for r in s.records),
        "not_modified": sum(r.outcome == "not_modified" for r in s.records),
        "failed": [[r.source, _reason(r.reason, r.detail)] for r in failed],
        "new_items": s.new_items, "not_due": len(s.skipped),
        "backing_off": [[n, _reason(why, None)] for n, why in s.backing_off.items()],
        "retry_at": s.retry_at.isoformat() if s.retry_at else None,
        "new_by_source": [[n, k] for n, k in ok if k][:ARTIFACT_SOURCES],
    }
    return Outcome("ingest", s.text(), failure, warnings, details=details, run_id=s.run_id)


def score_outcome(s: ScoreSummary, trending: list[dict[str, Any]]) -> Outcome:
    # Each client's ideas as its digest shows them: one per topic or moment, whatever its
    # languages, the ones to prepare or light said so.
    ideas: dict[str, list[str]] = {}
    for d in s.drafts:
        seen: dict[str, str] = {}
        for i in d.ideas:
            note = {"prepare": " (to prepare)", "light": " (light)"}.get(i.kind, "")
            seen.setdefault(i.topic_key, i.topic_label + note)
        ideas[d.client.id] = list(seen.values())
    details = {"as_of": s.as_of.isoformat(), "topics": s.topics, "extracted": s.extracted,
               "trending": trending, "ideas": ideas}
    return Outcome("score", s.text(), details=details)


def digest_outcome(s: DigestSummary, job: str = "digest",
                   today: list[dict[str, str]] | None = None) -> Outcome:
    """A digest run's outcome; `today`, each client's digest of the day as the outbox has it
    (what an ingest cycle reports)."""
    rows = ([{"digest": n, "status": "sent"} for n in s.sent]
            + [{"digest": n, "status": "printed"} for n in s.printed]
            + [{"digest": n, "status": "already sent"} for n in s.skipped]
            + [{"digest": n, "status": "found already in Slack"} for n in s.recovered]
            + [{"digest": n, "status": "not due yet"} for n in s.not_due]
            + [{"digest": n, "status": "failed", "error": s.errors.get(n, "")}
               for n in s.failed])
    warnings = [f"digest {n} not delivered: {' '.join(s.errors.get(n, 'unknown error').split())}"
                for n in s.failed] + [f"digest {n}" for n in s.notes]
    failure = None
    if s.failed:
        failure = (f"{len(s.failed)} digest{'s' if len(s.failed) > 1 else ''} not delivered; "
                   "each is sent again by the next run")
    notes = [f"{r['digest']}: {r['status']}"
             + (" (no SLACK_BOT_TOKEN: shown, not sent)" if r["status"] == "printed" else "")
             for r in rows]
    details: dict[str, Any] = {"digests": rows}
    if today is not None:
        details["today"] = today
    return Outcome(job, s.text(), failure, warnings, notes=notes, details=details)


def alerts_outcome(s: AlertSummary, printed: list[str]) -> Outcome:
    warnings = [f"alert {n} not delivered: {' '.join(s.errors.get(n, 'unknown error').split())}"
                for n in s.failed]
    failure = None
    if s.failed:
        failure = (f"{len(s.failed)} alert{'s' if len(s.failed) > 1 else ''} not delivered; "
                   "each is sent again by the next run")
    details = {"sent": s.sent, "printed": s.printed, "failed": s.failed,
               "in_cooldown": len(s.cooling), "over_daily_cap": len(s.capped)}
    return Outcome("alerts", s.text(), failure, warnings, printed=list(printed),
                   details=details)


def feedback_outcome(s: FeedbackSummary) -> Outcome:
    # Reactions are advice for scoring: one that cannot be read is a warning, never a failure.
    return Outcome("feedback", s.text(), warnings=[f"feedback: {f}" for f in s.failed],
                   details={"not_read": s.not_read})


def crashed(job: str, exc: BaseException) -> Outcome:
    """The outcome of a job that raised: a failure in one line, the traceback in details."""
    words = str(exc) if isinstance(exc, TrendsError) else f"{type(exc).__name__}: {exc}"
    words = " ".join(words.split())[:500]
    return Outcome(job, f"{job} failed: {words}", words, details={
        "traceback": "".join(traceback.format_exception(exc))[-4000:]})


def _cell(value: object) -> str:
    text = " ".join(str(value).split())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(outcomes: Sequence[Outcome], title: str) -> str:
    """A run's outcomes as one Markdown page: the artifact of a flow run (sources ok and
    failed with their reasons, new items, trending topics, ideas and digests per client)."""
    failed = [o for o in outcomes if o.failure]
    state = "failed" if failed else "partial" if any(o.warnings for o in outcomes) else "ok"
    out = [f"# {_cell(title)}: {state}", ""]
    if failed:
        out += [f"**{o.job} failed:** {_cell(o.failure)}" for o in failed] + [""]
    out += [f"- {_cell(o.line())}" for o in outcomes] + [""]
    for o in outcomes:
        d = o.details
        if o.job == "ingest":
            out += [f"## Sources: {d.get('ok', 0)} ok, {d.get('not_modified', 0)} not modified, "
                    f"{len(d.get('failed', []))} failed; {d.get('new_items', 0)} new items", ""]
            if d.get("failed"):
                out += ["| failed source | reason |", "|---|---|"]
                out += [f"| {_cell(n)} | {_cell(r)} |" for n, r in d["failed"]] + [""]
            if d.get("new_by_source"):
                out += ["| source | new items |", "|---|---:|"]
                out += [f"| {_cell(n)} | {k} |" for n, k in d["new_by_source"]] + [""]
            if d.get("not_due"):
                out += [f"{d['not_due']} sources not due yet"
                        + (f" ({len(d['backing_off'])} failing, tried again from "
                           f"{d['retry_at']})" if d.get("backing_off") else "") + ".", ""]
        elif o.job == "score":
            if d.get("trending"):
                as_of = datetime.fromisoformat(d["as_of"]) if d.get("as_of") else None
                out += [f"## Trending topics (as of {as_of:%Y-%m-%d %H:%M} UTC)"
                        if as_of else "## Trending topics", "",
                        "| rank | topic | state | mentions |", "|---:|---|---|---:|"]
                out += [f"| {t['rank']} | {_cell(t['label'])} | {_cell(t['state'])} | "
                        f"{t['mentions']} |" for t in d["trending"]] + [""]
            if d.get("ideas"):
                out += ["## Ideas per client", ""]
                out += [f"- {_cell(cid)}: {len(labels)}"
                        + (f" ({_cell(', '.join(labels))})" if labels else "")
                        for cid, labels in d["ideas"].items()] + [""]
        elif o.job in ("digest", "owed_digests") and (d.get("digests") or d.get("today")):
            for heading, rows in (("Digests" if o.job == "digest" else "Digests sent again",
                                   d.get("digests")), ("Digests of today", d.get("today"))):
                if rows:
                    out += [f"## {heading}", "", "| digest | sent or printed |", "|---|---|"]
                    out += [f"| {_cell(r['digest'])} | {_cell(r['status'])}"
                            + (f": {_cell(r['error'])}" if r.get("error") else "") + " |"
                            for r in rows] + [""]
        elif o.job == "alerts" and (d.get("sent") or d.get("printed") or d.get("failed")):
            out += ["## Alerts", ""]
            out += [f"- {_cell(n)}: {status}" for status in ("sent", "printed", "failed")
                    for n in d.get(status, [])] + [""]
    warnings = [w for o in outcomes for w in o.warnings]
    if warnings:
        out += ["## Warnings", ""] + [f"- {_cell(w)}" for w in warnings] + [""]
    return "\n".join(out).rstrip() + "\n"
