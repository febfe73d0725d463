"""Replay of archived feed snapshots into a real DuckDB file."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.feeds import rss
from trends.cli import main
from trends.collect.replay_job import capture_time, replay
from trends.config import load_config
from warehouse.db import open_warehouse

TEMPO = FIXTURES / "tempo"
CONFIG = """[warehouse]
path = "w.duckdb"

[[sources]]
name = "Arsip"
kind = "rss"
url = "https://arsip.example/feed.xml"
language = "id"
"""


def entry(n: int, day: int, hour: int = 9) -> dict[str, object]:
    return {"title": f"Berita nomor {n}", "link": f"https://arsip.example/berita/{n}",
            "guid": str(n % 3 + 1),   # positions, as tempo's: never a key
            "date": datetime(2025, 7, day, hour, tzinfo=UTC)}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    # Written out of order on purpose; the names decide.
    (folder / "20250703T100000Z_c.xml").write_bytes(rss("A", [entry(3, 3), entry(2, 2)]))
    (folder / "20250701T100000Z_a.xml").write_bytes(rss("A", [entry(1, 1)]))
    (folder / "20250702T100000Z_b.xml").write_bytes(rss("A", [entry(2, 2), entry(1, 1)]))
    (folder / "20250702T120000Z_broken.xml").write_bytes(b"<html><body>Bad gateway</body></html>")
    (folder / "20250702T130000Z_empty.xml").write_bytes(b"\n")
    # Published after its capture: counts at the capture time.
    (folder / "20250704T080000Z_d.xml").write_bytes(rss("A", [entry(4, 4, hour=23)]))
    (folder / "README.txt").write_text("not a snapshot")
    return folder


def test_capture_time_from_the_name() -> None:
    assert capture_time("20250627T051600Z_abc.xml") == datetime(2025, 6, 27, 5, 16, tzinfo=UTC)
    assert capture_time("snapshot.xml") is None
    assert capture_time("20251340T000000Z.xml") is None


def test_replay_in_order_with_capture_times_and_error_rows(archive: Path, write_config) -> None:  # type: ignore[no-untyped-def]
    config = load_config(write_config(CONFIG))
    with open_warehouse(config.warehouse.path) as con:
        report = replay(con, config, archive, "Arsip")
        assert (report.loaded, report.failed, report.new_items) == (6, 2, 4)
        assert report.skipped == ["README.txt"]
        log = con.execute("""SELECT started_at, outcome, reason, entries, new_items FROM fetch_log
                             ORDER BY started_at""").fetchall()
        assert [r[0] for r in log] == sorted(r[0] for r in log)
        assert [(r[1], r[2], r[4]) for r in log] == [
            ("ok", None, 1), ("ok", None, 1), ("error", "not_a_feed", None),
            ("error", "empty_body", None), ("ok", None, 1), ("ok", None, 1)]
        items = dict(con.execute("SELECT url, fetched_at FROM items").fetchall())
        # Each item keeps the snapshot that first had it; keys are links, not tempo's guids.
        assert items["https://arsip.example/berita/1"] == datetime(2025, 7, 1, 10, tzinfo=UTC)
        assert items["https://arsip.example/berita/2"] == datetime(2025, 7, 2, 10, tzinfo=UTC)
        late = con.execute("""SELECT published_at, event_at FROM items
                              WHERE url LIKE '%/4'""").fetchone()
        assert late == (datetime(2025, 7, 4, 23, tzinfo=UTC), datetime(2025, 7, 4, 8, tzinfo=UTC))
        health = con.execute("SELECT consecutive_failures FROM sources").fetchone()
        assert health == (0,)


def test_replay_is_idempotent(archive: Path, write_config) -> None:  # type: ignore[no-untyped-def]
    config = load_config(write_config(CONFIG))
    with open_warehouse(config.warehouse.path) as con:
        replay(con, config, archive, "Arsip")
        again = replay(con, config, archive, "Arsip")
        assert (again.loaded, again.already, again.new_items) == (0, 6, 0)
        assert con.execute("SELECT count(*) FROM items").fetchone() == (4,)
        assert con.execute("SELECT count(*) FROM fetch_log").fetchone() == (6,)
        # A snapshot added later is loaded on its own.
        shutil.copy(archive / "20250701T100000Z_a.xml", archive / "20250705T100000Z_e.xml")
        more = replay(con, config, archive, "Arsip")
        assert (more.loaded, more.new_items) == (1, 0)


def test_cli_replay_and_its_errors(archive: Path, write_config, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_config(CONFIG)
    assert main(["--config", str(path), "ingest", "--replay", str(archive), "--source",
                 "Arsip"]) == 0
    out = capsys.readouterr()
    assert "replayed 6 snapshots of Arsip" in out.out
    # each failed snapshot is a warning with its reason, not only a count
    assert [line for line in out.err.splitlines() if line.startswith("warning: snapshot")] == [
        "warning: snapshot 20250702T120000Z_broken.xml failed: not_a_feed (no feed found in "
        "the response)",
        "warning: snapshot 20250702T130000Z_empty.xml failed: empty_body (the server sent no "
        "content)"]
    broken = archive.parent / "all-broken"
    broken.mkdir()
    (broken / "20250701T100000Z_x.xml").write_bytes(b"\n")
    assert main(["--config", str(path), "ingest", "--replay", str(broken), "--source",
                 "Arsip"]) == 1                      # nothing it read could be used
    assert "empty_body" in capsys.readouterr().err
    assert main(["--config", str(path), "ingest", "--replay", str(archive)]) == 2
    assert "--replay needs --source" in capsys.readouterr().err
    assert main(["--config", str(path), "ingest", "--replay", str(archive / "nope"),
                 "--source", "Arsip"]) == 2
    assert main(["--config", str(path), "ingest", "--replay", str(archive),
                 "--source", "Nope"]) == 2


@pytest.mark.fixtures
def test_replay_a_year_of_tempo(tmp_path: Path, write_config) -> None:  # type: ignore[no-untyped-def]
    config = load_config(write_config(CONFIG))
    with open_warehouse(config.warehouse.path) as con:
        report = replay(con, config, TEMPO / "ekonomi", "Arsip")
        assert report.loaded == 334 and report.failed == 1    # one snapshot is empty
        rows = con.execute("""SELECT count(*), count(DISTINCT url), max(event_at <= fetched_at)
                              FROM items""").fetchone()
        assert rows[0] == rows[1] > 3000 and rows[2]
