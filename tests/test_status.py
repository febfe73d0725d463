"""`trends status`: health, counts, last runs from the warehouse's own records, and next runs
from Prefect when it answers, else computed from the config (each client in its time zone)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.feeds import news_entries, rss, sources_toml
from trends.cli import main
from trends.collect.ingest_job import ingest
from trends.config import Config, load_config, parse_config
from trends.config.schedule import next_digest, next_ingest, next_runs
from warehouse.writer import open_writer

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def make_config(**client: object) -> Config:
    return parse_config({
        "sources": [{"name": "a", "kind": "rss", "url": "http://x.test/a", "every": "5m"},
                    {"name": "b", "kind": "rss", "url": "http://x.test/b", "every": "1h"}],
        "clients": [{"id": "k", "keywords": ["x"], **client}],
    }, Path("trends.toml"))


def test_next_digest_is_at_local_time_in_the_clients_zone() -> None:
    hk = make_config(timezone="Asia/Hong_Kong", digest_time="07:30").clients[0]
    # 04:00 UTC is 12:00 in Hong Kong: today's 07:30 has passed, tomorrow's is 23:30 UTC.
    assert next_digest(hk, NOW) == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    jkt = make_config(timezone="Asia/Jakarta", digest_time="12:00").clients[0]
    assert next_digest(jkt, NOW) == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    # A zone with daylight saving: 08:00 in New York is 13:00 UTC in winter, 12:00 in summer.
    ny = make_config(timezone="America/New_York", digest_time="08:00").clients[0]
    assert next_digest(ny, NOW) == datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    assert next_digest(ny, datetime(2026, 7, 1, tzinfo=UTC)) == datetime(2026, 7, 1, 12, 0,
                                                                          tzinfo=UTC)


def test_next_ingest_is_when_the_next_source_falls_due() -> None:
    config = make_config()
    assert next_ingest(config, {}, NOW) == NOW     # never fetched: due now
    last = {"a": NOW - timedelta(minutes=2), "b": NOW - timedelta(minutes=30)}
    assert next_ingest(config, last, NOW) == NOW + timedelta(minutes=3)
    runs = next_runs(config, last, NOW)
    assert [r["deployment"] for r in runs] == ["ingest", "digest-k"]
    assert runs[0]["schedule"].startswith("every 5m")


@pytest.fixture
def config(write_config, feed_server) -> Config:  # type: ignore[no-untyped-def]
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 3)))
    feed_server.add("/down.xml", b"", status=404)
    path = write_config(sources_toml(feed_server, {"A": "/a.xml", "Down": "/down.xml"},
                                     warehouse="data/trends.duckdb") + """
[[clients]]
id = "layar"
keywords = ["tv"]
timezone = "Asia/Hong_Kong"
digest_time = "08:30"
""")
    cfg = load_config(path)
    with open_writer(cfg.warehouse) as con:
        ingest(con, cfg)
    return cfg


def test_status_json_without_prefect(config: Config, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["--config", str(config.file), "status", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["read_from"] == str(config.warehouse.snapshot_path)
    assert info["counts"]["items"] == 3
    assert {s["name"]: s["failures"] for s in info["sources"]} == {"Down": 1, "A": 0}
    ingest_run = next(r for r in info["last_runs"] if r["flow"] == "ingest")
    assert ingest_run["detail"] == "2 sources, 3 new items, 1 failed"
    assert info["prefect"] is None and info["next_runs_from"] == "config"
    digest = next(r for r in info["next_runs"] if r["deployment"] == "digest-layar")
    at = datetime.fromisoformat(digest["at"])
    assert at.astimezone(config.clients[0].tz).strftime("%H:%M") == "08:30"


def test_status_falls_back_when_prefect_does_not_answer(
        config: Config, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    assert main(["--config", str(config.file), "status"]) == 0
    out = capsys.readouterr().out
    assert f"prefect    http://127.0.0.1:{port}/api (not reachable)" in out
    assert "next runs (from config)" in out and "digest-layar" in out
    assert "last runs" in out and "3 new items" in out
