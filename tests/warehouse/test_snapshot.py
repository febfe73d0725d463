"""The read snapshot: `trends sql` and named queries read a published copy, never the live file,
so they answer while a writer holds the warehouse, and a reader never sees half of a run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from tests.feeds import news_entries, rss, sources_toml
from trends.cli import main
from trends.collect.ingest_job import ingest
from trends.config import Config, load_config
from warehouse.db import OLDEST_READER, READABLE_STORAGE, migrations, storage_number
from warehouse.snapshot import open_reader, publish
from warehouse.writer import open_writer

TRENDS = [sys.executable, "-m", "trends.cli"]


@pytest.fixture
def config(write_config, feed_server) -> Config:  # type: ignore[no-untyped-def]
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 5)))
    path = write_config(sources_toml(feed_server, {"A": "/a.xml"},
                                     warehouse="data/trends.duckdb") + """
[[clients]]
id = "kopi"
keywords = ["kopi"]
""")
    cfg = load_config(path)
    with open_writer(cfg.warehouse) as con:
        ingest(con, cfg)
    return cfg


def test_writer_publishes_a_snapshot_beside_the_warehouse(config: Config) -> None:
    snap = config.warehouse.snapshot_path
    assert snap == config.warehouse.path.parent / "snapshot" / "trends.duckdb"
    con = duckdb.connect(str(snap), read_only=True)
    assert con.execute("select count(*) from items").fetchone() == (5,)
    # The whole schema travels: migrations are recorded in the copy too.
    assert con.execute("select count(*) from schema_migrations").fetchone()[0] >= 1
    con.close()
    assert not list(snap.parent.glob(".*.tmp"))


def test_sql_answers_while_a_writer_holds_the_warehouse(config: Config) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from trends.config import load_config
            from warehouse.writer import open_writer
            cfg = load_config({str(config.file)!r})
            with open_writer(cfg.warehouse) as con:
                con.execute("INSERT INTO clients VALUES ('x', 'X', ['id'], ['k'], [], '#x',"
                            " 'Asia/Jakarta', '08:00', 'mixed')")
                print("holding", flush=True)
                sys.stdin.read()   # hold the write connection until the test closes stdin
        """)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        # The live file is locked: nothing else may open it, not even read-only ...
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(config.warehouse.path), read_only=True)
        # ... yet `trends sql` answers at once, from the last published snapshot.
        out = subprocess.run(
            TRENDS + ["--config", str(config.file), "sql",
                      "select count(*) as n from items", "--format", "json"],
            cwd=ROOT, check=False, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == [{"n": 5}]
        status = subprocess.run(TRENDS + ["--config", str(config.file), "status", "--format",
                                          "json"], cwd=ROOT, check=False,
                                          capture_output=True, text=True,
                                timeout=60)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["counts"]["items"] == 5
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
    # The writer published on its way out: its uncommitted-then-committed row is now visible.
    with open_reader(config.warehouse) as (con, what):
        assert what == str(config.warehouse.snapshot_path)
        assert con.execute("select count(*) from clients where id = 'x'").fetchone() == (1,)


def test_an_open_reader_keeps_its_view_while_a_new_snapshot_is_published(config: Config) -> None:
    old = duckdb.connect(str(config.warehouse.snapshot_path), read_only=True)
    with open_writer(config.warehouse) as con:
        con.execute("DELETE FROM fetch_log")
        con.execute("DELETE FROM items")
    # The open reader still reads the file it opened: a whole run, never half of one.
    assert old.execute("select count(*) from items").fetchone() == (5,)
    old.close()
    new = duckdb.connect(str(config.warehouse.snapshot_path), read_only=True)
    assert new.execute("select count(*) from items").fetchone() == (0,)
    new.close()


def test_failed_run_publishes_nothing(config: Config) -> None:
    with pytest.raises(RuntimeError), open_writer(config.warehouse) as con:
        con.execute("DELETE FROM items")
        raise RuntimeError("boom")
    con = duckdb.connect(str(config.warehouse.snapshot_path), read_only=True)
    assert con.execute("select count(*) from items").fetchone() == (5,)
    con.close()


def test_publish_is_a_consistent_copy_of_a_checkpointed_file(tmp_path: Path) -> None:
    live = tmp_path / "live.duckdb"
    con = duckdb.connect(str(live))
    con.execute("create table t as select range as i from range(100000)")
    con.execute("insert into t select 100000")   # a change that sits in the WAL
    published = publish(con, live, tmp_path / "snap" / "live.duckdb")
    con.close()
    copy = duckdb.connect(str(published.path), read_only=True)
    assert copy.execute("select count(*), max(i) from t").fetchone() == (100001, 100000)
    copy.close()


def test_sql_time_budget_interrupts(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(config.file), "sql",
                 "select count(*) from range(1000000000000) a", "--timeout", "0.5"])
    assert code == 1
    assert "time budget" in capsys.readouterr().err


def test_sql_on_snapshot_is_read_only(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config.file), "sql", "delete from items"]) == 2
    assert "read-only" in capsys.readouterr().err.lower()


def test_named_queries(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    with open_writer(config.warehouse) as con:
        con.execute("""INSERT INTO ideas (client_id, digest_date, rank, topic_key, topic_label,
            language, angle, platform, hook, caption, hashtags, urgency, why, stories, as_of)
            VALUES ('kopi', DATE '2026-11-22', 1, 'kopi susu',
            'Kopi Susu', 'id', 'soft_sell', 'instagram', 'Hook', 'Caption', ['#kopi'], 'today',
            'why', '[]', TIMESTAMPTZ '2026-11-22 01:00+00')""")
    assert main(["--config", str(config.file), "query"]) == 0
    listing = capsys.readouterr().out
    for name in ("top_ideas", "source_health", "trend_lifetime"):
        assert name in listing
    assert main(["--config", str(config.file), "query", "top_ideas", "--client", "kopi",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["topic"], r["hook"]) for r in rows] == [("Kopi Susu", "Hook")]
    assert main(["--config", str(config.file), "query", "source_health", "--format",
                 "json"]) == 0
    health = json.loads(capsys.readouterr().out)
    assert health[0]["source"] == "A" and health[0]["new_items_24h"] == 5
    assert main(["--config", str(config.file), "query", "trend_lifetime", "--format",
                 "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []   # nothing scored yet


def test_named_query_usage_errors(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config.file), "query", "top_ideas"]) == 2
    assert "needs --client" in capsys.readouterr().err
    assert main(["--config", str(config.file), "query", "top_ideas", "--client", "nope"]) == 2
    assert "use one of: kopi" in capsys.readouterr().err
    assert main(["--config", str(config.file), "query", "nope"]) == 2
    assert "top_ideas" in capsys.readouterr().err


def test_init_publishes_a_first_snapshot(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config_path = tmp_path / "trends.toml"
    assert main(["--config", str(config_path), "init"]) == 0
    config = load_config(config_path)
    assert config.warehouse.snapshot_path.exists()
    capsys.readouterr()
    assert main(["--config", str(config_path), "sql", "select count(*) as n from sources",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "0"]


def test_snapshot_location_is_configurable(write_config) -> None:  # type: ignore[no-untyped-def]
    path = write_config('[warehouse]\npath = "wh/t.duckdb"\nsnapshot = "read/t.duckdb"\n')
    config = load_config(path)
    assert config.warehouse.snapshot_path == path.parent / "read" / "t.duckdb"
    with open_writer(config.warehouse):
        pass
    assert (path.parent / "read" / "t.duckdb").exists()


def test_warehouse_url_must_be_motherduck_or_ducklake(
        write_config) -> None:  # type: ignore[no-untyped-def]
    from trends.errors import ConfigError

    ok = load_config(write_config('[warehouse]\nurl = "md:trends"\n'))
    assert ok.warehouse.url == "md:trends"
    with pytest.raises(ConfigError, match=r"warehouse\.url: unsupported connection string"):
        load_config(write_config('[warehouse]\nurl = "postgres://x"\n'))


# The snapshot for every SQL tool: DuckDB 1.1's storage format, whichever DuckDB wrote it.

OLDEST = ROOT / ".venv" / f"duckdb-{OLDEST_READER}"


def test_the_snapshot_is_in_the_storage_format_duckdb_1_x_reads(config: Config) -> None:
    assert storage_number(config.warehouse.snapshot_path) == READABLE_STORAGE
    assert storage_number(config.warehouse.path) == READABLE_STORAGE


# Slow: they need the side environments only .ci/run installs, and start other interpreters.
@pytest.mark.slow
@pytest.mark.skipif(not (OLDEST / "duckdb").exists(),
                    reason=f"DuckDB {OLDEST_READER} not installed in {OLDEST} (.ci/run does: "
                           f"pip install --target {OLDEST} duckdb=={OLDEST_READER})")
def test_the_oldest_supported_duckdb_opens_the_snapshot(config: Config) -> None:
    with open_writer(config.warehouse) as con:   # a row in a table with a generated column
        con.execute("""INSERT INTO digests (client_id, digest_date, channel, status, text,
                       messages, created_at) VALUES ('kopi', DATE '2026-11-22', '#kopi',
                       'printed', 'x', '[]', TIMESTAMPTZ '2026-11-22 01:00+00')""")
    probe = textwrap.dedent("""
        import json, sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        print(json.dumps({
            "version": duckdb.__version__,
            "items": con.execute("select count(*) from items").fetchone()[0],
            "stories": con.execute("select count(*) from stories").fetchone()[0],
            "day": str(con.execute("select local_date from digests").fetchone()[0]),
            "migrations": con.execute("select max(version) from schema_migrations").fetchone()[0],
        }))""")
    out = subprocess.run([sys.executable, "-c", probe, str(config.warehouse.snapshot_path)],
                         env={"PYTHONPATH": str(OLDEST), "PATH": "/usr/bin:/bin"},
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"version": OLDEST_READER, "items": 5, "stories": 5,
                                      "day": "2026-11-22",
                                      "migrations": max(v for v, _, _ in migrations())}


ANALYST = ROOT / ".venv" / "analyst"


@pytest.mark.slow
@pytest.mark.skipif(not (ANALYST / "pandas").exists() or not (ANALYST / "polars").exists(),
                    reason=f"the analyst extra's packages are not in {ANALYST} (.ci/run puts "
                           "them there, beside the pipeline's environment: docs/operations.md)")
def test_the_analyst_extra_reads_the_snapshot_as_data_frames(config: Config) -> None:
    probe = textwrap.dedent("""
        import json, sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        df = con.sql("select source, count(*) as n from items group by source").df()
        pl = con.sql("select local_date, client_id, status from digests").pl()
        print(json.dumps({"df": df.to_dict("records"), "pl": [pl.columns, pl.height]}))""")
    out = subprocess.run([sys.executable, "-c", probe, str(config.warehouse.snapshot_path)],
                         env={"PYTHONPATH": str(ANALYST), "PATH": "/usr/bin:/bin"},
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"df": [{"source": "A", "n": 5}],
                                      "pl": [["local_date", "client_id", "status"], 0]}
