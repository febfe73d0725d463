"""Shared fixtures: real DuckDB files, real local HTTP servers, one Prefect test harness."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session: starting it costs seconds."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


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
