"""Progress on a terminal only: bars while a command runs in a terminal, not a byte of them
when its output is piped (cron, `| tee`)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.feeds import news_entries, rss, sources_toml
from trends import progress

TRENDS = [sys.executable, "-m", "trends.cli"]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int | None]] = []

    def start(self, task: str, total: int | None) -> None:
        self.calls.append(("start", task, total))

    def advance(self, task: str, n: int) -> None:
        self.calls.append(("advance", task, n))


def config(write_config, feed_server) -> Path:  # type: ignore[no-untyped-def]
    for i in range(3):
        feed_server.add(f"/{i}.xml", rss(f"F{i}", news_entries(f"f{i}.example", 3)))
    return write_config(sources_toml(feed_server, {f"F{i}": f"/{i}.xml" for i in range(3)})
                        + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n')  # type: ignore[no-any-return]


def test_jobs_report_sources_items_clients_and_digests(write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    from trends import runs
    from trends.config import Env, load_config

    cfg = load_config(config(write_config, feed_server))
    seen = Recorder()
    with progress.reporting(seen):
        runs.ingest(cfg)
        runs.score(cfg)
        runs.digest(cfg, Env())
    started = {task: total for kind, task, total in seen.calls if kind == "start"}
    done: dict[str, int] = {}
    for kind, task, n in seen.calls:
        if kind == "advance":
            done[task] = done.get(task, 0) + (n or 0)
    assert started == {"sources fetched": 3, "items extracted": 9, "clients scored": 1}
    assert done == started
    progress.advance("nobody listens")   # outside `reporting`: nothing, no error


def run_in_terminal(cmd: list[str]) -> tuple[int, bytes]:
    """Run `cmd` with stderr on a pseudo-terminal; return its exit code and what it drew."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower,
                            stdin=subprocess.DEVNULL, env={**os.environ, "TERM": "xterm",
                                                           "COLUMNS": "100"})
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:   # the terminal closed: the process is done
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    return proc.wait(timeout=60), drawn


def test_bars_on_a_terminal_and_nothing_when_piped(write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    path = config(write_config, feed_server)
    code, drawn = run_in_terminal(TRENDS + ["--config", str(path), "ingest"])
    assert code == 0
    assert b"sources fetched" in drawn and b"3/3" in drawn
    piped = subprocess.run(TRENDS + ["--config", str(path), "ingest", "--force"], cwd=ROOT,
                           capture_output=True, timeout=60, check=False)
    assert piped.returncode == 0
    assert piped.stderr == b""
    assert piped.stdout.startswith(b"3 sources fetched: 0 ok, 3 not modified")
