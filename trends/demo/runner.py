"""`trends demo`: generate the sample world, serve it on 127.0.0.1, run the stage jobs into a
real DuckDB file (as Prefect flows when PREFECT_API_URL names a server), and print each demo
client's digest. Nothing leaves the machine."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from trends.collect.normalize import utcnow
from trends.config import Config, Env, load_config

__all__ = ["WAREHOUSE_NAME", "run_demo"]

WAREHOUSE_NAME = "trends.duckdb"


def run_demo(directory: Path, *, on_prefect: bool = False) -> int:
    """The demo, its stages run in this process, or as Prefect flows with `on_prefect`."""
    from trends.demo.world import build_world, serve_world

    directory.mkdir(parents=True, exist_ok=True)
    # A demo is a fresh world each time: yesterday's warehouse would already hold today's
    # digests and print nothing new.
    for leftover in (WAREHOUSE_NAME, WAREHOUSE_NAME + ".wal"):
        path = directory / leftover
        if path.is_file():
            path.unlink()
    shutil.rmtree(directory / "snapshot", ignore_errors=True)

    now = utcnow()
    world = build_world(now)
    config_path = directory / "trends.toml"
    with serve_world(world) as server:
        config_path.write_text(world.config_toml(server.url(""), WAREHOUSE_NAME), encoding="utf-8")
        config = load_config(config_path)
        print(f"demo: serving {len(world.feeds)} generated feeds on {server.url('')}, "
              f"{len(config.clients)} clients, warehouse {config.warehouse.path}\n")
        summaries = _run(config, now, on_prefect)
    print()
    for stage, summary in summaries.items():
        print(f"{stage}: {summary}")
    print(f"\nGo on with:  trends --config {config_path} sql \"select title, source from items "
          f"order by event_at desc limit 10\"")
    return 0


def _run(config: Config, now: datetime, on_prefect: bool) -> dict[str, str]:
    if on_prefect:
        from flows.pipeline import run
        from trends.outcome import JobFailed

        try:
            done = run(str(config.file.resolve()), force=True, as_of=now)
        except JobFailed as exc:   # said in the summaries printed below
            done = exc.outcomes
        return {o.job: o.text for o in done}
    from trends import runs

    return {"ingest": runs.ingest(config, force=True).text,
            "score": runs.score(config, as_of=now).text,
            "digest": runs.digest(config, Env.from_environ()).text}
