"""The `trends` command: a few lines per command over the library and the flows.

Prefect, slack-sdk and the NLP stack are imported only by the commands that need them, so that
`trends --help`, `sql` and `status` start fast.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trends.config import Config, Env, load_config, resolve_path
from trends.errors import ConfigError, TrendsError
from trends.outcome import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from trends.outcome import Outcome

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "format_rows", "main"]

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or EXIT_OK)
    except ConfigError as exc:
        print(f"trends: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except TrendsError as exc:
        print(f"trends: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("trends: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `trends sql ... | head` closed the pipe early: not an error. Point stdout at
        # /dev/null so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trends",
        description="Trend monitoring for social media teams: feeds into DuckDB, topics, "
                    "per-client ideas, Slack digests.")
    p.add_argument("--config", metavar="PATH",
                   help="config file (default: $TRENDS_CONFIG, else ./trends.toml)")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    c = sub.add_parser("init", help="write a starter trends.toml and create the warehouse")
    c.add_argument("--force", action="store_true", help="overwrite an existing config")
    c.set_defaults(func=_cmd_init)

    c = sub.add_parser("ingest", help="fetch the sources that are due and store new items")
    c.add_argument("--source", metavar="NAME", help="fetch only this source (even if not due)")
    c.add_argument("--force", action="store_true", help="fetch every source, due or not")
    c.add_argument("--replay", metavar="DIR",
                   help="load archived snapshots of --source from DIR (names start with "
                        "YYYYMMDDTHHMMSSZ), each as if fetched at that time")
    c.set_defaults(func=_cmd_ingest)

    c = sub.add_parser("score", help="extract topics, score them per client, write ideas")
    c.add_argument("--as-of", metavar="TIME", type=_parse_time,
                   help="score as of this time (ISO 8601, default now)")
    c.set_defaults(func=_cmd_score)

    c = sub.add_parser("digest", help="send (or print) each client's digest")
    c.add_argument("--client", metavar="ID", help="only this client")
    c.add_argument("--date", metavar="YYYY-MM-DD", type=date.fromisoformat,
                   help="the client's local day (default today)")
    c.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    c.add_argument("--format", choices=("text", "markdown", "blocks"), default="text",
                   help="preview format (default text)")
    c.set_defaults(func=_cmd_digest)

    c = sub.add_parser("run", help="ingest, score and digest once")
    c.add_argument("--force", action="store_true", help="fetch every source, due or not")
    c.set_defaults(func=_cmd_run)

    c = sub.add_parser("alerts", help="read the team's reactions, then alert each client's "
                                      "channel of spiking topics (cooldown and daily cap)")
    c.set_defaults(func=_cmd_alerts)

    c = sub.add_parser("feedback", help="read reactions on digests and alerts from Slack, or "
                                        "summarise the week's feedback")
    c.add_argument("--weekly", action="store_true",
                   help="print what each client's team used, liked and rejected in 7 days")
    c.set_defaults(func=_cmd_feedback)

    c = sub.add_parser("report", help="write a static HTML page per client: charts of its top "
                                      "topics and the day's ideas")
    c.add_argument("--html", metavar="DIR", required=True, type=Path,
                   help="directory for <client>.html and index.html")
    c.add_argument("--client", metavar="ID", help="only this client")
    c.add_argument("--date", metavar="YYYY-MM-DD", type=date.fromisoformat,
                   help="the client's local day of the ideas (default today)")
    c.set_defaults(func=_cmd_report)

    c = sub.add_parser("demo", help="the whole pipeline offline on generated sample data")
    c.add_argument("--dir", default="trends-demo", help="where to leave its config and warehouse")
    c.set_defaults(func=_cmd_demo)

    c = sub.add_parser("sql", help="run a read-only SQL query on the warehouse's read snapshot")
    c.add_argument("query")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")
    c.add_argument("--limit", type=int, default=1000, help="row cap (default 1000)")
    c.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="time budget in seconds; the query is interrupted after it (default 30)")
    c.set_defaults(func=_cmd_sql)

    c = sub.add_parser("query", help="run a named query (warehouse/queries/NAME.sql)")
    c.add_argument("name", nargs="?", help="the query; leave it out to list them")
    c.add_argument("--client", metavar="ID", help="the $client parameter")
    c.add_argument("--topic", metavar="TEXT", help="the $topic parameter")
    c.add_argument("--day", metavar="YYYY-MM-DD", help="the $day parameter")
    c.add_argument("--days", metavar="N", help="the $days parameter")
    c.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                   help="any other parameter (repeatable)")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")
    c.add_argument("--limit", type=int, default=1000, help="row cap (default 1000)")
    c.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="time budget in seconds (default 30)")
    c.set_defaults(func=_cmd_query)

    c = sub.add_parser("status", help="sources' health, counts, last and next runs")
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.set_defaults(func=_cmd_status)

    c = sub.add_parser("sources", help="import sources from OPML, or export them as OPML")
    srcs = c.add_subparsers(title="sources commands", metavar="ACTION")
    c.set_defaults(func=functools.partial(_usage, c))
    sc = srcs.add_parser("import", help="append the new feeds of an OPML file to trends.toml")
    sc.add_argument("file", metavar="FILE.opml")
    sc.set_defaults(func=_cmd_sources_import)
    sc = srcs.add_parser("export", help="print the configured sources as OPML")
    sc.set_defaults(func=_cmd_sources_export)

    c = sub.add_parser("serve", help="serve the scheduled deployments on a Prefect server")
    c.add_argument("--port", type=int, default=4200,
                   help="port of the local Prefect server to start (default 4200); "
                        "unused when PREFECT_API_URL is set")
    c.set_defaults(func=_cmd_serve)
    return p


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad time {text!r}; use ISO 8601 such as 2026-08-17T09:00+07:00") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _config(args: argparse.Namespace, *, warn: bool = True) -> Config:
    """The config; its warnings (no sources, no clients) on stderr for a command that runs a
    job, so that a config that does nothing never looks like a quiet day."""
    config = load_config(args.config)
    if warn:
        for line in config.warnings:
            print(f"trends: warning: {line}", file=sys.stderr)
    return config


def _config_arg(config: Config) -> str:
    return str(config.file.resolve())


def _on_prefect(config: Config | None = None) -> bool:
    """Whether this command runs as Prefect flows: only when a Prefect server is configured
    (PREFECT_API_URL). Otherwise the same stage jobs run in this process, and no temporary
    Prefect server is started (it costs seconds, and outlived a killed command). Before a flow
    starts, the warehouse's paths are checked, so that a path problem is one line, not a
    flow run's traceback."""
    url = Env.from_environ().prefect_api_url
    if not url:
        return False
    if config is not None:
        from warehouse.writer import check_writable

        check_writable(config.warehouse)
    from flows import prefect_api

    if not prefect_api.healthy(url.rstrip("/")):
        raise ConfigError(f"PREFECT_API_URL={url} does not answer", key="PREFECT_API_URL",
                          fix="start that Prefect server, or unset PREFECT_API_URL to run "
                              "the command in this process")
    # Our commands print their own summaries; Prefect's INFO lines would bury the digest.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return True


def _cmd_init(args: argparse.Namespace) -> int:
    from trends.config.starter import STARTER_CONFIG
    from warehouse.writer import open_writer

    path = resolve_path(args.config)
    if path.exists() and not args.force:
        raise ConfigError("already exists", file=str(path),
                          fix="edit it, or pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STARTER_CONFIG, encoding="utf-8")
    config = load_config(path)
    with open_writer(config.warehouse):   # creates it, and publishes its first read snapshot
        pass
    print(f"wrote {path} ({len(config.sources)} sources, {len(config.clients)} clients)")
    print(f"created the warehouse at {config.warehouse.path}")
    return EXIT_OK


def _cmd_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    config.require_sources("ingest")
    if args.source:
        config.source(args.source)   # fail fast on a typo, before Prefect starts
    if args.replay:
        return _replay(config, args)
    if _on_prefect(config):
        from flows.pipeline import ingest

        return _flow(lambda: ingest(_config_arg(config), source=args.source, force=args.force))
    from trends import runs

    return _stages([lambda: runs.ingest(config, source=args.source, force=args.force)])


def _replay(config: Config, args: argparse.Namespace) -> int:
    if not args.source:
        raise ConfigError("--replay needs --source", key="--source",
                          fix="name the source the snapshots were captured from: "
                              "--replay DIR --source NAME")
    from trends.collect.replay_job import replay
    from warehouse.writer import open_writer

    with open_writer(config.warehouse, wait=120.0) as con:
        summary = replay(con, config, args.replay, args.source)
    print(summary.text())
    for line in summary.problems:           # partial failures are warnings, with the reason
        print(f"warning: {line}", file=sys.stderr)
    # The replay did not do what it exists for when no snapshot it read could be used.
    return EXIT_FAILED if summary.loaded and summary.failed == summary.loaded else EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    config = _config(args)
    if _on_prefect(config):
        from flows.pipeline import score

        return _flow(lambda: score(_config_arg(config), as_of=args.as_of))
    from trends import runs

    return _stages([lambda: runs.score(config, as_of=args.as_of)])


def _cmd_digest(args: argparse.Namespace) -> int:
    config = _config(args)
    config.require_clients("digest")
    if args.client:
        config.client(args.client)
    if args.dry_run:
        from trends.deliver.digest_job import run_digests
        from warehouse.snapshot import open_reader

        # A preview reads the published snapshot: it never waits for, or blocks, a writer.
        with open_reader(config.warehouse) as (con, _):
            run_digests(con, config, Env.from_environ(), client_id=args.client, day=args.date,
                        dry_run=True, fmt=args.format)
        return EXIT_OK
    if _on_prefect(config):
        from flows.pipeline import digest

        return _flow(lambda: digest(_config_arg(config), client=args.client, day=args.date))
    from trends import runs

    return _stages([lambda: runs.digest(config, Env.from_environ(), client=args.client,
                                        day=args.date)])


def _cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    config.require_sources("run")
    if _on_prefect(config):
        from flows.pipeline import run

        return _flow(lambda: run(_config_arg(config), force=args.force), prefix=True)
    from trends import runs

    env = Env.from_environ()
    return _stages([lambda: runs.ingest(config, force=args.force), lambda: runs.score(config),
                    lambda: runs.digest(config, env)], prefix=True)


def _cmd_alerts(args: argparse.Namespace) -> int:
    config = _config(args)
    config.require_clients("alerts")
    if _on_prefect(config):
        from flows.pipeline import alerts

        return _flow(lambda: alerts(_config_arg(config)))
    from trends import runs

    env = Env.from_environ()
    return _stages([lambda: runs.feedback(config, env), lambda: runs.alerts(config, env)])


def _stages(stages: Sequence[Callable[[], Outcome]], *, prefix: bool = False) -> int:
    """Run the stages one after the other in this process, each even when one before it
    failed (a digest on a day the sources failed says so); progress bars on a terminal."""
    from trends import progress
    from trends.outcome import JobFailed, exit_code

    done = []
    for work in stages:
        with progress.on_terminal():
            try:
                outcome = work()
            except JobFailed as exc:
                outcome = exc.outcomes[-1]
        _say(outcome, prefix)
        done.append(outcome)
    return exit_code(done)


def _flow(call: Callable[[], list[Outcome]], *, prefix: bool = False) -> int:
    """A flow run on the configured Prefect server: the same words and exit code."""
    from trends.outcome import JobFailed, exit_code

    try:
        done = call()
    except JobFailed as exc:
        done = exc.outcomes
    for outcome in done:
        _say(outcome, prefix)
    return exit_code(done)


def _say(outcome: Outcome, prefix: bool) -> None:
    """The stage's line on stdout (with what it printed instead of sending); its warnings,
    one a line with the reason, and its failure on stderr."""
    for text in outcome.printed:
        print(text)
    print(f"{outcome.job}: {outcome.text}" if prefix else outcome.text)
    sys.stdout.flush()
    for line in outcome.warnings:
        print(f"trends: warning: {line}", file=sys.stderr)
    if outcome.failure:
        print(f"trends: {outcome.job} failed: {outcome.failure}", file=sys.stderr)


def _cmd_feedback(args: argparse.Namespace) -> int:
    from trends.deliver.feedback_job import weekly_summary

    config = _config(args)
    if args.weekly:
        from warehouse.snapshot import open_reader

        with open_reader(config.warehouse) as (con, _):
            print(weekly_summary(con, config), end="")
        return EXIT_OK
    env = Env.from_environ()
    if not env.slack_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set", key="feedback",
                          fix="export SLACK_BOT_TOKEN=xoxb-... (reactions are read from Slack)")
    from trends import runs

    return _stages([lambda: runs.feedback(config, env)])


def _cmd_report(args: argparse.Namespace) -> int:
    from trends.deliver.page_job import write_reports
    from warehouse.snapshot import open_reader

    config = _config(args)
    if args.client:
        config.client(args.client)
    with open_reader(config.warehouse) as (con, _):
        paths = write_reports(con, config, args.html, day=args.date, client_id=args.client)
    for path in paths:
        print(path)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from trends.demo.runner import run_demo

    return run_demo(Path(args.dir), on_prefect=_on_prefect())


def _cmd_sql(args: argparse.Namespace) -> int:
    return _run_sql(_config(args, warn=False), args.query, None, args)


def _cmd_query(args: argparse.Namespace) -> int:
    from warehouse.named import FLAGGED_PARAMS, all_queries, get

    if not args.name:
        for q in all_queries().values():
            params = " ".join(f"--{p}" if p in FLAGGED_PARAMS else f"--param {p}=..."
                              for p in q.params)
            print(f"{q.name}{' ' + params if params else ''}\n    {q.description}")
        return EXIT_OK
    query = get(args.name)
    given = dict(_split_param(p) for p in args.param)
    for name in FLAGGED_PARAMS:
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    config = _config(args, warn=False)
    if "client" in given:
        config.client(given["client"])   # a typo is a one-line error naming the clients
    return _run_sql(config, query.sql, query.bind(given), args)


def _split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"bad parameter {text!r}", key="--param", fix="write --param NAME=VALUE")
    return name.strip(), value


def _run_sql(config: Config, sql: str, params: dict[str, str] | None,
             args: argparse.Namespace) -> int:
    from warehouse.adhoc import QueryError, run_query
    from warehouse.snapshot import open_reader

    with open_reader(config.warehouse) as (con, _):
        try:
            result = run_query(con, sql, params, limit=args.limit, timeout=args.timeout)
        except QueryError as exc:
            print(f"trends: {exc}", file=sys.stderr)
            return EXIT_USAGE
    print(format_rows(result.columns, result.rows, args.format))
    if result.capped:
        print(f"(stopped at {args.limit} rows; raise --limit to see more)", file=sys.stderr)
    return EXIT_OK


def _usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """A command group called without its action: show its help, exit 2."""
    parser.print_help()
    return EXIT_USAGE


def _cmd_sources_import(args: argparse.Namespace) -> int:
    from trends.collect.opml import import_into

    path = resolve_path(args.config)
    try:
        opml = Path(args.file).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read ({exc.strerror})", file=args.file,
                          fix="pass the path of an OPML file exported from your reader") from None
    try:
        plan = import_into(path, opml, source_name=Path(args.file).name)
    except ConfigError as exc:
        if exc.file is None:   # a problem of the OPML file itself
            exc = ConfigError(exc.problem, file=args.file, key=exc.key, fix=exc.fix)
        raise exc from None
    for e in plan.added:
        print(f"added    {e.name} ({e.kind}) {e.url}")
    for e, why in plan.skipped:
        print(f"skipped  {e.name} {e.url}: {why}")
    print(f"{len(plan.added)} added, {len(plan.skipped)} skipped"
          + (f"; written to {path}" if plan.added else ""))
    return EXIT_OK


def _cmd_sources_export(args: argparse.Namespace) -> int:
    from trends.collect.opml import write_opml

    sys.stdout.write(write_opml(_config(args, warn=False).sources).decode("utf-8"))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    config = _config(args)
    from flows.serve import serve

    return serve(config, port=args.port)


def _cmd_status(args: argparse.Namespace) -> int:
    from flows import prefect_api
    from trends.status_job import collect

    config = _config(args, warn=False)
    url = prefect_api.api_url(Env.from_environ(), config.prefect_home)
    info = collect(config, prefect_url=url, scheduler=prefect_api.runs(url) if url else None)
    if args.format == "json":
        print(json.dumps(info, default=_json_default, indent=2))
        return EXIT_OK
    c = info["counts"]
    print(f"warehouse  {config.warehouse.path}")
    print(f"items {c['items']}  candidates {c['candidates']}  mentions {c['mentions']}  "
          f"topics now {c['topics']}  "
          f"ideas {c['ideas']}  digests sent {c['digests_sent']}")
    print(f"last ingest {_fmt(info['last_ingest_at'])}  last scoring as of "
          f"{_fmt(info['last_score_as_of'])}")
    print(f"read from  {info['read_from']}")
    _print_runs(info)
    print()
    print(format_rows(["source", "kind", "failures", "last success", "last error"],
                      [(s["name"], s["kind"], s["failures"], s["last_success_at"],
                        s["last_error"]) for s in info["sources"]], "table"))
    if info["digests"]:
        print()
        print(format_rows(["client", "day", "digest", "ts", "error"],
                          [(d["client_id"], d["digest_date"], d["status"], d["ts"],
                            d["last_error"]) for d in info["digests"]], "table"))
    return EXIT_OK


def _print_runs(info: dict[str, Any]) -> None:
    prefect = info.get("prefect")
    if prefect:
        print(f"prefect    {prefect['api_url']} "
              f"({'reachable' if prefect['reachable'] else 'not reachable'})")
    last = info.get("prefect_last_runs") or info["last_runs"]
    if last:
        print()
        print(format_rows(["last runs", "at", "state / detail"],
                          [(r.get("deployment") or r["flow"], r["at"],
                            r.get("state") or r.get("detail")) for r in last], "table"))
    print()
    print(format_rows([f"next runs (from {info['next_runs_from']})", "at", "schedule"],
                      [(r.get("deployment") or r["flow"], r["at"],
                        r.get("schedule", r.get("state")))
                       for r in info["next_runs"]], "table"))


def format_rows(names: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows as an aligned text table, CSV, or a JSON array of objects."""
    if fmt == "json":
        return json.dumps([dict(zip(names, r)) for r in rows], default=_json_default,
                          ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names)
        w.writerows([[_cell(v) for v in r] for r in rows])
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [min(60, max([len(n)] + [len(r[i]) for r in cells])) for i, n in enumerate(names)]
    def line(vals: list[str]) -> str:
        return "  ".join(v[:w].ljust(w) for v, w in zip(vals, widths)).rstrip()

    out = [line(list(names)), line(["-" * w for w in widths])] + [line(r) for r in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _fmt(value)
    return str(value).replace("\n", " ")


def _fmt(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "never" if value is None else str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
