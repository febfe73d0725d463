"""No child outlives a `kill -9` of the command that started it: the parse pool and the story
process of an ingest, the extraction workers of a scoring run (and their fork server), and
the Prefect server of `trends serve` (slow suite) all end within a few seconds of their parent
(trends/lifetime.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.feeds import news_entries, rss, sources_toml
from trends.collect.ingest_job import ingest
from trends.config import load_config
from warehouse.writer import open_writer

TRENDS = [sys.executable, "-m", "trends.cli"]
MULTICORE = len(os.sched_getaffinity(0)) > 1


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"     # a zombie is dead, only not yet reaped


def kill_and_check(proc: subprocess.Popen[bytes], children: set[int],
                   within_s: float = 10.0) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + within_s
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {p: _command(p) for p in sorted(children) if alive(p)}
    for pid in left:     # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"orphans still alive: {left}"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.skipif(not MULTICORE, reason="the parse pool needs more than one core")
def test_kill_9_of_an_ingest_takes_its_parse_pool_with_it(
        write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    feeds = {}
    for i in range(12):       # more than PROCESS_POOL_MIN: parsed in a pool of processes
        feed_server.add(f"/f{i}.xml", rss(f"F{i}", news_entries(f"f{i}.example", 3)))
        feeds[f"F{i}"] = f"/f{i}.xml"
    feed_server.add("/stuck.xml", rss("S", news_entries("s.example", 3)), delay=60)
    feeds["Stuck"] = "/stuck.xml"
    path = write_config(sources_toml(feed_server, feeds, warehouse="data/trends.duckdb"))
    proc = subprocess.Popen(TRENDS + ["--config", str(path), "ingest"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # the parse workers and the story process are up, and the run waits on /stuck.xml
        wait_for(lambda: len(descendants(proc.pid)) >= 2
                 and any(r.path == "/stuck.xml" for r in feed_server.requests))
        kill_and_check(proc, descendants(proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
@pytest.mark.skipif(not MULTICORE, reason="extraction workers need more than one core")
def test_kill_9_of_a_scoring_run_takes_its_extraction_workers_with_it(
        write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.add("/big.xml", rss("Big", news_entries("big.example", 12_000,
                                                         words="Harga kopi dan beras")))
    path = write_config(sources_toml(feed_server, {"Big": "/big.xml"},
                                     warehouse="data/trends.duckdb"))
    config = load_config(path)
    with open_writer(config.warehouse) as con:
        ingest(con, config)
    proc = subprocess.Popen(TRENDS + ["--config", str(path), "score"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(descendants(proc.pid)) >= 2)   # the fork server and a worker
        kill_and_check(proc, descendants(proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_kill_9_of_serve_takes_its_prefect_server_with_it(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "trends.toml"
    path.write_text('[warehouse]\npath = "data/trends.duckdb"\n[[sources]]\nname = "A"\n'
                    'kind = "rss"\nurl = "http://127.0.0.1:9/a.xml"\nevery = "1d"\n'
                    '[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.Popen(TRENDS + ["--config", str(path), "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        wait_for(lambda: b"deployments on" in proc.stdout.readline(), timeout=180)
        children = descendants(proc.pid)
        assert children, "serve started no Prefect server"
        kill_and_check(proc, children, within_s=20)
    finally:
        if proc.poll() is None:
            proc.kill()
