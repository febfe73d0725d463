"""Shared fixtures: real DuckDB files, real local HTTP servers, one Prefect server.

The Prefect server costs seconds to start, so it is started once, in the background, as soon
as the run is collected (only when a selected test needs it), and the tests that need it run
last: by then it is up, having started on the other core while the rest ran.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]          # the checkout
DATA = ROOT / "tests" / "data"                        # self-describing test data files
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "real"

# Tests never talk to a real Slack, even when the developer's shell has a token.
for var in ("SLACK_BOT_TOKEN", "SLACK_API_BASE_URL", "TRENDS_CONFIG"):
    os.environ.pop(var, None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not FIXTURES.exists():
        skip = pytest.mark.skip(
            reason=f"{FIXTURES} not found (shared fixtures live beside the repo)")
        for item in items:
            if "fixtures" in item.keywords:
                item.add_marker(skip)
    # Tests of the Prefect server last, so that it starts while the others run, and on one
    # xdist worker.
    items.sort(key=lambda item: "prefect_api" in getattr(item, "fixturenames", ()))
    _group_prefect_tests(items)


class _PrefectServer:
    """`prefect server`'s API (uvicorn) on 127.0.0.1 with its own home and SQLite file, ended
    with this process (trends.lifetime), started before it is waited for."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="trends-prefect-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_UI_ENABLED": "0",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_SERVER_DATABASE_CONNECTION_URL":
                   f"sqlite+aiosqlite:///{self.home / 'prefect.db'}"}
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trends.lifetime", "uvicorn", "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=(self.home / "server.log").open("wb"), start_new_session=True)
        # At exit, not at the session's end: Prefect flushes its last log lines at exit too,
        # and handlers registered after this one (on first use) run before it.
        atexit.register(self.stop)

    def wait(self, timeout: float = 180.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.home / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Prefect server exited: {log}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as resp:
                    if resp.status == 200:
                        return self.url
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the Prefect server did not answer at {self.url}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)


_SERVER: _PrefectServer | None = None
_URL_FILE = "prefect-api-url"


def _shared_dir(config: pytest.Config) -> Path:
    """A folder every xdist worker of this run sees (the run's base temp), or this process's."""
    base = Path(config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
    return base.parent if hasattr(config, "workerinput") else base


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the Prefect server as soon as the tests are known, in one process only: the main
    one, or the first xdist worker (the others find its URL in the run's shared folder)."""
    global _SERVER
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    wanted = any("prefect_api" in getattr(i, "fixturenames", ()) for i in session.items)
    if wanted and worker in (None, "gw0"):
        _SERVER = _PrefectServer()
        (_shared_dir(session.config) / _URL_FILE).write_text(_SERVER.url, encoding="utf-8")


@pytest.fixture(scope="session")
def prefect_api(request: pytest.FixtureRequest) -> Iterator[str]:
    """The API URL of the session's Prefect server; flows called in this process run on it
    (Prefect's settings point at it). A test that runs the CLI on it sets PREFECT_API_URL."""
    import prefect.settings

    global _SERVER
    shared = _shared_dir(request.config) / _URL_FILE
    deadline = time.monotonic() + 60
    while _SERVER is None and not shared.exists() and time.monotonic() < deadline:
        time.sleep(0.1)       # the worker that starts it has not collected yet
    if _SERVER is None and not shared.exists():
        _SERVER = _PrefectServer()      # selected in a way collection did not see
    url = _SERVER.wait() if _SERVER is not None else _wait_for(shared.read_text().strip())
    with prefect.settings.temporary_settings(updates={prefect.settings.PREFECT_API_URL: url}):
        yield url


def _wait_for(url: str, timeout: float = 180.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as resp:
                if resp.status == 200:
                    return url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the Prefect server did not answer at {url}")


def _group_prefect_tests(items: list[pytest.Item]) -> None:
    for item in items:
        if "prefect_api" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("prefect"))


@pytest.fixture
def feed_server() -> Iterator[object]:
    from trends.demo.server import FeedServer

    with FeedServer() as srv:
        yield srv


@pytest.fixture
def slack_server() -> Iterator[object]:
    from tests.slack_server import SlackServer

    with SlackServer(token="xoxb-test") as srv:
        yield srv


@pytest.fixture
def write_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a trends.toml into tmp_path and return its path."""

    def write(text: str, name: str = "trends.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
