"""The `trends` command: a few lines per command over the library and the flows.

Prefect, slack-sdk and the NLP stack are imported only by the commands that need them, so that
`trends --help`, `sql` and `status` start fast.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from trends.config import Config, load_config, resolve_path
from trends.errors import ConfigError, TrendsError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
    c.set_defaults(func=cmd_init)

    c = sub.add_parser("ingest", help="fetch the sources that are due and store new items")
    c.add_argument("--source", metavar="NAME", help="fetch only this source (even if not due)")
    c.add_argument("--force", action="store_true", help="fetch every source, due or not")
    c.set_defaults(func=cmd_ingest)

    c = sub.add_parser("score", help="extract topics, score them per client, write ideas")
    c.add_argument("--as-of", metavar="TIME", type=_parse_time,
                   help="score as of this time (ISO 8601, default now)")
    c.set_defaults(func=cmd_score)

    c = sub.add_parser("digest", help="send (or print) each client's digest")
    c.add_argument("--client", metavar="ID", help="only this client")
    c.add_argument("--date", metavar="YYYY-MM-DD", type=date.fromisoformat,
                   help="the client's local day (default today)")
    c.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    c.add_argument("--format", choices=("text", "markdown", "blocks"), default="text",
                   help="preview format (default text)")
    c.set_defaults(func=cmd_digest)

    c = sub.add_parser("run", help="ingest, score and digest once")
    c.add_argument("--force", action="store_true", help="fetch every source, due or not")
    c.set_defaults(func=cmd_run)

    c = sub.add_parser("demo", help="the whole pipeline offline on generated sample data")
    c.add_argument("--dir", default="trends-demo", help="where to leave its config and warehouse")
    c.set_defaults(func=cmd_demo)

    c = sub.add_parser("sql", help="run a read-only SQL query on the warehouse")
    c.add_argument("query")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")
    c.add_argument("--limit", type=int, default=1000, help="row cap (default 1000)")
    c.set_defaults(func=cmd_sql)

    c = sub.add_parser("status", help="sources' health, counts and last runs")
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.set_defaults(func=cmd_status)
    return p


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad time {text!r}; use ISO 8601 such as 2026-08-17T09:00+07:00") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def _config_arg(config: Config) -> str:
    return str(config.file.resolve())


def _quiet_prefect() -> None:
    # Our commands print their own summaries; Prefect's INFO lines would bury the digest.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The embedded server would try to phone home; offline machines log an error for it.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def cmd_init(args: argparse.Namespace) -> int:
    from trends.starter import STARTER_CONFIG
    from warehouse.db import open_warehouse

    path = resolve_path(args.config)
    if path.exists() and not args.force:
        raise ConfigError("already exists", file=str(path),
                          fix="edit it, or pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STARTER_CONFIG, encoding="utf-8")
    config = load_config(path)
    with open_warehouse(config.warehouse.path):
        pass
    print(f"wrote {path} ({len(config.sources)} sources, {len(config.clients)} clients)")
    print(f"created the warehouse at {config.warehouse.path}")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.source:
        config.source(args.source)   # fail fast on a typo, before Prefect starts
    _quiet_prefect()
    from flows.pipeline import ingest

    print(ingest(_config_arg(config), source=args.source, force=args.force))
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    config = _config(args)
    _quiet_prefect()
    from flows.pipeline import score

    print(score(_config_arg(config), as_of=args.as_of))
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.client:
        config.client(args.client)
    if args.dry_run:
        from trends.config import Env
        from trends.deliver import run_digests
        from warehouse.db import open_warehouse

        with open_warehouse(config.warehouse.path) as con:
            run_digests(con, config, Env.from_environ(), client_id=args.client, day=args.date,
                        dry_run=True, fmt=args.format)
        return EXIT_OK
    _quiet_prefect()
    from flows.pipeline import digest

    print(digest(_config_arg(config), client=args.client, day=args.date))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    _quiet_prefect()
    from flows.pipeline import run

    for stage, summary in run(_config_arg(config), force=args.force).items():
        print(f"{stage}: {summary}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from trends.demo.runner import run_demo

    _quiet_prefect()
    return run_demo(Path(args.dir))


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import open_warehouse

    config = _config(args)
    with open_warehouse(config.warehouse.path, read_only=True, wait=5.0) as con:
        try:
            cur = con.execute(args.query)
        except duckdb.Error as exc:
            print(f"trends: sql: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
            return EXIT_USAGE
        names = [d[0] for d in cur.description or []]
        rows = cur.fetchmany(args.limit + 1)
    capped = len(rows) > args.limit
    rows = rows[: args.limit]
    print(format_rows(names, rows, args.format))
    if capped:
        print(f"(stopped at {args.limit} rows; raise --limit to see more)", file=sys.stderr)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.db import open_warehouse
    from warehouse.status import status

    config = _config(args)
    with open_warehouse(config.warehouse.path, read_only=True, wait=5.0) as con:
        info = status(con)
    if args.format == "json":
        print(json.dumps(info, default=_json_default, indent=2))
        return EXIT_OK
    c = info["counts"]
    print(f"warehouse  {config.warehouse.path}")
    print(f"items {c['items']}  topics {c['topics']}  mentions {c['mentions']}  "
          f"ideas {c['ideas']}  digests sent {c['digests_sent']}")
    print(f"last ingest {_fmt(info['last_ingest_at'])}  last scoring as of "
          f"{_fmt(info['last_score_as_of'])}")
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
    line = lambda vals: "  ".join(v[:w].ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
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
