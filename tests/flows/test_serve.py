"""`trends serve`: deployments and their schedules (fast), and for real (slow): a real
`prefect server start`, a served deployment on a short interval, a scheduled run that
completes, Ctrl-C that stops cleanly and leaves the schedules active."""

from __future__ import annotations

import contextvars
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows import prefect_api
from tests.conftest import ROOT
from tests.feeds import news_entries, rss, sources_toml
from trends.config import Config, load_config
from trends.errors import ConfigError

TRENDS = [sys.executable, "-m", "trends.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def config(write_config, feed_server) -> Config:  # type: ignore[no-untyped-def]
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 4)))
    path = write_config(f"""
[warehouse]
path = "data/trends.duckdb"
[[sources]]
name = "A"
kind = "rss"
url = "{feed_server.url('/a.xml')}"
every = "10s"
[[sources]]
name = "Slow"
kind = "rss"
url = "{feed_server.url('/a.xml')}"
every = "1h"
[[clients]]
id = "kopi"
keywords = ["kopi"]
timezone = "Asia/Jakarta"
digest_time = "07:00"
[[clients]]
id = "layar"
keywords = ["tv"]
timezone = "Asia/Hong_Kong"
digest_time = "08:30"
""")
    return load_config(path)


def test_deployments_follow_the_config(config: Config) -> None:
    from flows.deployments import build

    deployments = {d.name: d for d in build(config)}
    assert set(deployments) == {"ingest", "digest-kopi", "digest-layar"}
    ingest = deployments["ingest"].schedules[0].schedule
    assert ingest.interval.total_seconds() == 10    # the shortest source `every`
    layar = deployments["digest-layar"]
    assert (layar.schedules[0].schedule.cron, layar.schedules[0].schedule.timezone) == \
        ("30 8 * * *", "Asia/Hong_Kong")
    # what the deployment's page shows for its schedule: the time zone in words
    assert layar.schedules[0].slug == "daily 08:30 Asia/Hong_Kong"
    assert "Asia/Hong_Kong" in (layar.description or "")
    assert deployments["ingest"].schedules[0].slug == "every 10s, then score and alerts"
    assert layar.parameters == {"config_path": str(config.file.resolve()), "client": "layar"}
    assert all(d.concurrency_limit == 1 for d in deployments.values())
    assert deployments["ingest"].entrypoint == "flows.pipeline.cycle"   # ingest, score, alerts


def test_dask_address_moves_the_fetching_to_dask(config: Config,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.deployments import build

    monkeypatch.setenv("TRENDS_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    ingest = next(d for d in build(config) if d.name == "ingest")
    assert ingest.entrypoint == "flows.fanout.cycle_on_dask"


def test_serve_refuses_sqlalchemy_2_1() -> None:
    from flows.serve import check_sqlalchemy

    check_sqlalchemy("2.0.44")
    with pytest.raises(ConfigError, match="sqlalchemy>=2.0,<2.1"):
        check_sqlalchemy("2.1.0")


def test_serve_refuses_an_unreachable_prefect_api(config: Config) -> None:
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    out = subprocess.run(TRENDS + ["--config", str(config.file), "serve"], cwd=ROOT, env=env,
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "does not answer" in out.stderr and out.stderr.count("\n") == 1


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def completed_ingest(url: str) -> bool:
    found = prefect_api.runs(url)
    return bool(found) and any(r["deployment"] == "ingest" and r["state"] == "Completed"
                               for r in found["last_runs"])


def deployments(url: str) -> list[dict[str, Any]]:
    found = prefect_api.deployments(url)
    assert found is not None
    return found


@pytest.fixture
def serve_env() -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    yield env


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> tuple[int, str]:
    proc.send_signal(sig)   # SIGINT is what Ctrl-C sends; SIGTERM what service managers send
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"serve did not stop on SIGINT:\n{out[-3000:]}") from None
    return proc.returncode, out


@pytest.mark.slow
def test_serve_starts_a_server_and_a_scheduled_run_happens(config: Config,
                                                           serve_env: dict[str, str]) -> None:
    port = free_port()
    proc = subprocess.Popen(TRENDS + ["--config", str(config.file), "serve", "--port", str(port)],
                            cwd=ROOT, env=serve_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    info = config.warehouse.path.parent / "prefect" / prefect_api.SERVE_INFO
    try:
        wait_for(info.exists, 120, "the Prefect server to start")
        url = json.loads(info.read_text())["api_url"]
        assert url == f"http://127.0.0.1:{port}/api"
        expected = {"ingest", "digest-kopi", "digest-layar"}
        wait_for(lambda: {d["name"] for d in deployments(url)} == expected, 60, "deployments")
        wait_for(lambda: completed_ingest(url), 240, "a scheduled ingest run to complete")
        # `trends status` asks the running server for last and next runs.
        st = subprocess.run(TRENDS + ["--config", str(config.file), "status", "--format", "json"],
                            cwd=ROOT, env=serve_env, check=False,
                            capture_output=True, text=True, timeout=60)
        status = json.loads(st.stdout)
        assert status["prefect"] == {"api_url": url, "reachable": True}
        assert status["next_runs_from"] == "prefect"
    finally:
        code, out = stop(proc)
    assert code == 0, out[-3000:]
    assert "trends serve: stopped" in out
    assert not info.exists()
    assert not prefect_api.healthy(url)   # the server it started is gone too
    sql = subprocess.run(TRENDS + ["--config", str(config.file), "sql",
                                   "select count(*) as n from items", "--format", "json"],
                         cwd=ROOT, check=False, capture_output=True, text=True, timeout=60)
    assert json.loads(sql.stdout) == [{"n": 4}], sql.stderr


@pytest.mark.slow
def test_serve_on_a_given_server_leaves_schedules_active(config: Config, tmp_path: Path,
                                                         serve_env: dict[str, str]) -> None:
    from flows.serve import prefect_server

    with prefect_server(tmp_path / "prefect-home", free_port()) as url:
        env = {**serve_env, "PREFECT_API_URL": url}
        proc = subprocess.Popen(TRENDS + ["--config", str(config.file), "serve"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            wait_for(lambda: completed_ingest(url), 240, "a scheduled ingest run to complete")
        finally:
            code, out = stop(proc, signal.SIGTERM)
        assert code == 0, out[-3000:]
        assert "trends serve: stopped" in out
        found = {d["name"]: d for d in deployments(url)}
        assert set(found) == {"ingest", "digest-kopi", "digest-layar"}
        assert not any(d["paused"] for d in found.values())
        kopi = found["digest-kopi"]["schedules"][0]
        assert (kopi["schedule"]["cron"], kopi["schedule"]["timezone"]) == ("0 7 * * *",
                                                                              "Asia/Jakarta")
        assert kopi["slug"] == "daily 07:00 Asia/Jakarta"


@pytest.mark.slow
def test_fanout_on_a_local_dask_cluster_writes_only_from_the_flow(
        config: Config, feed_server, prefect_api: str) -> None:  # type: ignore[no-untyped-def]
    from flows.fanout import ingest_on_dask
    from warehouse.writer import open_writer

    # A slow source: while the Dask workers wait for it, the warehouse is free for others.
    feed_server.add("/slow.xml", rss("S", news_entries("slow.example", 3)), delay=3)
    slow = config.file.read_text().replace('"Slow"', '"Slower"').replace(
        "/a.xml\"\nevery = \"1h\"", "/slow.xml\"\nevery = \"1h\"")
    config.file.write_text(slow)
    cfg = load_config(config.file)
    assert cfg.source("Slower").url.endswith("/slow.xml")
    result: dict[str, Any] = {}

    def run() -> None:
        result["summary"] = ingest_on_dask(str(cfg.file), force=True, n_workers=2,
                                           processes=False)

    # in this test's context: Prefect's settings (the session's server) are context variables
    t = threading.Thread(target=contextvars.copy_context().run, args=(run,))
    t.start()
    deadline = time.monotonic() + 60
    while not any(r.path == "/slow.xml" for r in feed_server.requests):
        assert time.monotonic() < deadline and t.is_alive(), result
        time.sleep(0.05)
    with open_writer(cfg.warehouse, wait=0) as con:   # not held while fetching
        con.execute("SELECT 1")
    t.join(timeout=120)
    assert result["summary"].text.startswith("2 sources fetched: 2 ok"), result
    with open_writer(cfg.warehouse) as con:
        assert con.execute("select count(*), count(distinct source) from items").fetchone() == \
            (7, 2)


@pytest.mark.slow
def test_a_process_work_pool_worker_runs_the_deployments(config: Config, tmp_path: Path,
                                                         serve_env: dict[str, str]) -> None:
    from flows.serve import prefect_server

    with prefect_server(tmp_path / "prefect-home", free_port()) as url:
        env = {**serve_env, "PREFECT_API_URL": url}
        prefect = [sys.executable, "-m", "prefect"]
        subprocess.run(prefect + ["work-pool", "create", "trends-local", "--type", "process"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        deploy = subprocess.run([sys.executable, "-c", (
            "import sys; from trends.config import load_config; "
            "from flows.deployments import deploy_to_pool; "
            "print(deploy_to_pool(load_config(sys.argv[1]), 'trends-local'))"),
            str(config.file)], cwd=ROOT, env=env, check=False,
            capture_output=True, text=True, timeout=180)
        assert deploy.returncode == 0, deploy.stderr[-3000:]
        found = {d["name"]: d for d in deployments(url)}
        assert {d["work_pool_name"] for d in found.values()} == {"trends-local"}
        worker = subprocess.Popen(prefect + ["worker", "start", "--pool", "trends-local"],
                                  cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(lambda: completed_ingest(url), 300, "the worker to complete an ingest run")
        finally:
            stop(worker)
    assert snapshot_items(config) == 4


def snapshot_items(config: Config) -> int:
    from warehouse.snapshot import open_reader

    with open_reader(config.warehouse) as (con, _):
        return int(con.execute("select count(*) from items").fetchone()[0])


@pytest.mark.slow
def test_serve_runs_one_ingest_cycle_at_start(write_config, feed_server,  # type: ignore[no-untyped-def]
                                              serve_env: dict[str, str]) -> None:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 3)))
    path = write_config(sources_toml(feed_server, {"A": "/a.xml"}, every="1h",
                                     warehouse="data/trends.duckdb")
                        + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n')
    cfg = load_config(path)
    port = free_port()
    proc = subprocess.Popen(TRENDS + ["--config", str(path), "serve", "--port", str(port)],
                            cwd=ROOT, env=serve_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        # An hourly schedule: the first scheduled run is an hour away, this one is not.
        wait_for(lambda: completed_ingest(url), 180, "the first ingest cycle")
        runs = json.loads(urllib.request.urlopen(urllib.request.Request(
            url + "/flow_runs/filter", data=b'{"limit": 20}', method="POST",
            headers={"Content-Type": "application/json"}), timeout=10).read())
        first = [r for r in runs if "first-cycle" in r["tags"]]
        assert len(first) == 1 and first[0]["state_type"] == "COMPLETED"
    finally:
        code, out = stop(proc)
    assert code == 0, out[-3000:]
    assert "the first ingest cycle starts now" in out
    assert snapshot_items(cfg) == 3
