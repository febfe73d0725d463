"""Crash safety: a real subprocess runs the writer code of a flow and is killed with SIGKILL in
the middle of its work; the warehouse opens afterwards (DuckDB replays or discards its WAL),
and the next run completes with nothing duplicated and nothing lost.

The killed processes run the same library calls as the flow tasks (`open_writer` + `ingest` or
`run_digests`), without Prefect's start-up, so that the moment of the kill is precise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import ROOT
from tests.feeds import news_entries, rss, sources_toml
from tests.slack_server import SlackServer
from trends.collect.ingest_job import ingest
from trends.config import Config, Env, load_config
from trends.deliver.digest_job import run_digests
from trends.demo.server import FeedServer
from warehouse.db import open_warehouse
from warehouse.writer import open_writer


def start(script: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def config(write_config, feed_server) -> Config:  # type: ignore[no-untyped-def]
    feed_server.add("/fast.xml", rss("Fast", news_entries("fast.example", 6)))
    # Answers only after 60 s: an ingest that reaches it is stuck mid-fetch.
    feed_server.add("/slow.xml", rss("Slow", news_entries("slow.example", 4)), delay=60)
    path = write_config(sources_toml(feed_server, {"Fast": "/fast.xml", "Slow": "/slow.xml"},
                                     warehouse="data/trends.duckdb") + """
[[clients]]
id = "kopi"
keywords = ["kopi"]
channel = "#kopi"
""")
    return load_config(path)


def counts(config: Config) -> tuple[int, int, int]:
    with open_warehouse(config.warehouse.path) as con:
        items, distinct = con.execute("select count(*), count(distinct key) from items").fetchone()
        log = con.execute("select count(*) from fetch_log").fetchone()[0]
    return items, distinct, log


def test_sigkill_mid_fetch_then_next_ingest_completes(config: Config,
                                                      feed_server: FeedServer) -> None:
    with open_writer(config.warehouse) as con:   # a first, complete run
        ingest(con, config, only="Fast")
    proc = start(f"""
        from trends.config import load_config
        from trends.collect.ingest_job import ingest
        from warehouse.writer import open_writer
        config = load_config({str(config.file)!r})
        with open_writer(config.warehouse, wait=30) as con:
            ingest(con, config, force=True)
    """)
    wait_until(lambda: any(r.path == "/slow.xml" for r in feed_server.requests))
    kill(proc)   # while it holds the warehouse and waits for the slow feed

    assert counts(config) == (6, 6, 1)   # opens; the killed run stored nothing, half of nothing
    feed_server.add("/slow.xml", rss("Slow", news_entries("slow.example", 4)))
    with open_writer(config.warehouse, wait=30) as con:
        report = ingest(con, config, force=True)
    assert report.new_items == 4 and not report.failed
    assert counts(config) == (10, 10, 3)
    with open_writer(config.warehouse) as con:   # and again: nothing is stored twice
        assert ingest(con, config, force=True).new_items == 0
    assert counts(config)[:2] == (10, 10)


def test_sigkill_mid_store_rolls_back_the_whole_run(config: Config,
                                                    feed_server: FeedServer) -> None:
    feed_server.add("/slow.xml", rss("Slow", news_entries("slow.example", 4)))
    # The real store, paused inside its transaction after the items went in and before the
    # fetch log: the kill lands between two statements of one transaction.
    proc = start(f"""
        import sys, time
        import warehouse.collect as sql
        from trends.config import load_config
        from trends.collect.ingest_job import ingest
        from warehouse.writer import open_writer
        real = sql.record_fetches
        def paused(*args, **kwargs):
            real(*args, **kwargs)
            print("mid-store", flush=True)
            time.sleep(120)
        sql.record_fetches = paused
        config = load_config({str(config.file)!r})
        with open_writer(config.warehouse) as con:
            ingest(con, config, force=True)
    """)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "mid-store"
    kill(proc)

    assert counts(config) == (0, 0, 0)   # the uncommitted transaction is gone
    with open_writer(config.warehouse, wait=30) as con:
        assert ingest(con, config, force=True).new_items == 10
    assert counts(config) == (10, 10, 2)


class SlowSlack(SlackServer):
    """Holds chat.postMessage for `hold` seconds, before Slack records the message or after."""

    def __init__(self, hold: float, after: bool) -> None:
        super().__init__(token="xoxb-test")
        self.hold, self.after = hold, after
        self.arrived = threading.Event()

    def _handle(self, method: str, params: dict[str, Any],
                auth: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method != "chat.postMessage" or self.hold <= 0:
            return super()._handle(method, params, auth)
        self.arrived.set()
        if not self.after:
            time.sleep(self.hold)
        answer = super()._handle(method, params, auth)
        if self.after:
            time.sleep(self.hold)
        return answer


@pytest.mark.parametrize("after", [False, True], ids=["before-slack-records",
                                                      "after-slack-records"])
def test_sigkill_mid_digest_then_next_run_sends_once(config: Config, after: bool) -> None:
    with open_writer(config.warehouse) as con:
        ingest(con, config, only="Fast")
    with SlowSlack(hold=60, after=after) as slack:
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_BASE_URL": slack.base_url}
        proc = start(f"""
            from trends.config import Env, load_config
            from trends.deliver.digest_job import run_digests
            from warehouse.writer import open_writer
            config = load_config({str(config.file)!r})
            with open_writer(config.warehouse) as con:
                print(run_digests(con, config, Env.from_environ()).text())
        """, env)
        assert slack.arrived.wait(60), proc.stderr.read() if proc.stderr else ""
        kill(proc)
        with open_warehouse(config.warehouse.path) as con:   # opens after the kill
            status = con.execute("select status from digests").fetchall()
        assert status == [("pending",)]    # the outbox knows an attempt was under way

        slack.hold = 0
        with open_writer(config.warehouse, wait=30) as con:
            env_now = Env(slack_token="xoxb-test", slack_base_url=slack.base_url)
            report = run_digests(con, config, env_now, out=lambda _: None)
        assert not report.failed
        parents = [m for m in slack.posted("#kopi") if m["thread_ts"] in (None, m["ts"])]
        assert len(parents) == 1, [m["text"][:60] for m in parents]   # sent once, not twice
        with open_warehouse(config.warehouse.path) as con:
            row = con.execute("select status, ts from digests").fetchall()
        assert row == [("sent", parents[0]["ts"])]


def test_warehouse_opens_read_only_after_a_kill(config: Config) -> None:
    proc = start(f"""
        from trends.config import load_config
        from warehouse.writer import open_writer
        config = load_config({str(config.file)!r})
        with open_writer(config.warehouse) as con:
            con.execute("CREATE TABLE scratch AS SELECT range AS i FROM range(1000)")
            print("written", flush=True)
            import time; time.sleep(120)
    """)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "written"
    kill(proc)
    assert Path(str(config.warehouse.path) + ".wal").exists()   # committed, not checkpointed
    con = duckdb.connect(str(config.warehouse.path), read_only=True)
    assert con.execute("select count(*) from scratch").fetchone() == (1000,)   # WAL replayed
    con.close()
