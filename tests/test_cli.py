"""The `trends` command: init, sql and status on a real warehouse."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.feeds import news_entries, rss, sources_toml
from trends.cli import main
from trends.collect.ingest_job import ingest
from trends.config import load_config
from warehouse.db import open_warehouse


@pytest.fixture
def warehouse_config(write_config, feed_server) -> Path:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 3)))
    feed_server.add("/down.xml", b"", status=404)
    path = write_config(sources_toml(feed_server, {"A": "/a.xml", "Down": "/down.xml"}))
    config = load_config(path)
    with open_warehouse(config.warehouse.path) as con:
        ingest(con, config)
    return path


def test_sql_formats(warehouse_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = "select source, count(*) as n from items group by 1"
    assert main(["--config", str(warehouse_config), "sql", q]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["source", "n"] and table[2].split() == ["A", "3"]
    assert main(["--config", str(warehouse_config), "sql", q, "--format", "csv"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [["source", "n"], ["A", "3"]]
    assert main(["--config", str(warehouse_config), "sql", q, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"source": "A", "n": 3}]


def test_sql_row_cap_and_errors(warehouse_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(warehouse_config), "sql", "select * from range(50)",
                 "--limit", "10", "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 11 and "stopped at 10 rows" in out.err
    assert main(["--config", str(warehouse_config), "sql", "select nope from items"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("trends: sql:") and err.count("\n") == 1


def test_sql_is_read_only(warehouse_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(warehouse_config), "sql", "delete from items"]) == 2
    assert "read-only" in capsys.readouterr().err.lower()


def test_status_shows_health_and_counts(warehouse_config: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(warehouse_config), "status"]) == 0
    out = capsys.readouterr().out
    assert "items 3" in out
    down = next(line for line in out.splitlines() if line.startswith("Down"))
    assert "http_404" in down and " 1 " in down
    assert main(["--config", str(warehouse_config), "status", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["items"] == 3
    assert {s["name"]: s["failures"] for s in info["sources"]} == {"Down": 1, "A": 0}


def test_init_writes_a_valid_starter_config(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "trends.toml"
    assert main(["--config", str(path), "init"]) == 0
    config = load_config(path)
    assert len(config.clients) == 2 and any(s.kind == "google_trends" for s in config.sources)
    assert config.warehouse.path.exists()
    assert main(["--config", str(path), "init"]) == 2     # never overwrites silently
    assert "--force" in capsys.readouterr().err


def test_help_starts_without_prefect() -> None:
    code = ("import sys, trends.cli\n"
            "try:\n    trends.cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'prefect' not in sys.modules, 'prefect imported by --help'\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
