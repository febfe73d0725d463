"""`trends serve`: a real Prefect server and the scheduled deployments, in one command.

Prefect's temporary (ephemeral) server, the one a flow call starts when no PREFECT_API_URL is
set, never runs the scheduler: deployments served against it would never run. So serve either
uses the server that PREFECT_API_URL names, or starts `prefect server start` on 127.0.0.1 with
its files (SQLite database, logs) under the warehouse's folder, waits until it answers, and
stops it on exit. Schedules are left active on exit (`pause_on_shutdown=False`): the next
`trends serve`, or a worker, picks them up where they were.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from uuid import UUID

from flows import prefect_api
from trends import lifetime
from trends.config import Config, Env
from trends.config.schedule import ingest_words
from trends.errors import ConfigError, TrendsError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

__all__ = ["SERVER_START_TIMEOUT_S", "ServeError", "check_sqlalchemy", "prefect_server", "serve",
           "start_first_cycle", "wait_healthy"]

SERVER_START_TIMEOUT_S = 90.0


class ServeError(TrendsError):
    """The Prefect server could not be started or reached."""


def check_sqlalchemy(version: str | None = None) -> None:
    """Prefect 3.8's scheduler silently schedules nothing with SQLAlchemy 2.1: refuse to serve."""
    if version is None:
        import sqlalchemy

        version = sqlalchemy.__version__
    m = re.match(r"(\d+)\.(\d+)", version)
    if m and (int(m.group(1)), int(m.group(2))) >= (2, 1):
        raise ConfigError(f"SQLAlchemy {version} is installed; Prefect's scheduler never "
                          "schedules with 2.1 or later", key="serve",
                          fix="pip install 'sqlalchemy>=2.0,<2.1' (pinned in pyproject.toml)")


def _health(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def wait_healthy(url: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health(url):
            return
        if proc is not None and proc.poll() is not None:
            raise ServeError(f"prefect server exited with code {proc.returncode} before "
                             f"answering at {url}; see its log under PREFECT_HOME")
        time.sleep(0.5)
    raise ServeError(f"prefect server did not answer at {url} within {timeout:g} s")


@contextmanager
def prefect_server(home: Path, port: int, *,
                   extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1:`port` with PREFECT_HOME=`home`; yield its API
    URL once healthy; stop it (SIGINT, then SIGKILL) on exit."""
    url = f"http://127.0.0.1:{port}/api"
    if _health(url):
        raise ServeError(f"something already answers on 127.0.0.1:{port}; stop it, pass "
                         f"--port, or set PREFECT_API_URL={url} to use it")
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # The UI asks the API at PREFECT_UI_API_URL, which defaults to port 4200 whatever
    # --port says: without it the UI of a server on another port cannot reach its API.
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_UI_API_URL": url, "PREFECT_SERVER_API_PORT": str(port)},
               **(extra_env or {}))
    log = (home / "server.log").open("ab")
    proc = subprocess.Popen(
        # Through trends.lifetime: the server ends with this process, even on a kill -9.
        [sys.executable, "-m", "trends.lifetime", "prefect", "server", "start",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        # Its own process group: Ctrl-C in the terminal reaches serve, which stops the server
        # after the runner has shut down, instead of both dying at once.
        start_new_session=True)
    try:
        wait_healthy(url, proc, SERVER_START_TIMEOUT_S)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def serve(config: Config, *, port: int = 4200, interval_seconds: float | None = None) -> int:
    """Serve the deployments of `config` until interrupted; returns the exit code."""
    check_sqlalchemy()
    home = config.prefect_home
    external = Env.from_environ().prefect_api_url
    if external:
        url = external.rstrip("/")
        if not _health(url):
            raise ServeError(f"PREFECT_API_URL={external} does not answer; start that server "
                             "or unset PREFECT_API_URL to let `trends serve` start one")
        return _serve(config, url, home, interval_seconds)
    with prefect_server(home, port) as url:
        return _serve(config, url, home, interval_seconds)


def _serve(config: Config, url: str, home: Path, interval_seconds: float | None) -> int:
    # Prefect reads its settings when it is imported: point it at the real server first, so
    # that nothing can fall back to the temporary server (which never schedules).
    os.environ["PREFECT_API_URL"] = url
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The flow runs Prefect starts as our children end with us too (flows/pipeline.py).
    os.environ[lifetime.WATCH_ENV] = "1"
    info = home / prefect_api.SERVE_INFO
    home.mkdir(parents=True, exist_ok=True)
    info.write_text(json.dumps({"api_url": url, "pid": os.getpid()}), encoding="utf-8")
    # SIGTERM (systemd, docker stop, kill) stops like Ctrl-C does: Prefect's serve shuts the
    # runner down on KeyboardInterrupt, and our `finally` blocks then stop the server we
    # started instead of leaving it orphaned in its own session.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    try:
        from prefect import serve as prefect_serve

        from flows.deployments import build

        deployments = build(config, interval_seconds=interval_seconds)
        ui = url.removesuffix("/api")
        print(f"trends serve: {len(deployments)} deployments on {url} (UI: {ui}); "
              "Ctrl-C stops serving, the schedules stay active", flush=True)
        first = start_first_cycle(deployments)
        print(f"trends serve: the first ingest cycle starts now (flow run {first}); then "
              f"{ingest_words(config, _every(deployments))}", flush=True)
        try:
            prefect_serve(*deployments, pause_on_shutdown=False, print_starting_message=False)
        except SystemExit as exc:
            # Once running, Prefect's runner replaces our SIGTERM handler with its own, which
            # ends in sys.exit(0) (and warns that Runner.astop was never awaited): a stop.
            if exc.code not in (0, None):
                raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        info.unlink(missing_ok=True)
    print("trends serve: stopped", flush=True)
    return 0


def start_first_cycle(deployments: list[RunnerDeployment]) -> str:
    """Register the deployments and start a run of the ingest cycle now, rather than one
    interval after start: `trends status` has a warehouse to show within a minute. Returns
    the flow run's id. The runner that serves the deployments picks the run up."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    from flows.deployments import INGEST_DEPLOYMENT

    ingest = next(d for d in deployments if d.name == INGEST_DEPLOYMENT)
    # Both are sync here (no event loop runs): Prefect types them as maybe-coroutines.
    deployment_id = cast(UUID, ingest.apply())
    flow_run = cast(FlowRun, run_deployment(deployment_id, timeout=0,
                                            tags=["trends", "first-cycle"]))
    return str(flow_run.id)


def _every(deployments: list[RunnerDeployment]) -> timedelta | None:
    for d in deployments:
        for s in d.schedules or []:
            interval = getattr(s.schedule, "interval", None)
            if isinstance(interval, timedelta):
                return interval
    return None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
