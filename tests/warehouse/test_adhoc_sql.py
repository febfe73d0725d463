"""The SQL prompt cannot break the warehouse: every escape an attacker or an unlucky operator
would try is refused with one line and exit code 2, and afterwards the live warehouse, its
snapshot and the file system are exactly as they were.

`trends sql` and `trends query` run one statement on the read snapshot through a connection
that is read-only, has no file system and no extensions, and whose configuration is locked
(warehouse.db.connect_locked); the statement itself is checked first (warehouse.adhoc).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.feeds import news_entries, rss, sources_toml
from trends.cli import main
from trends.collect.ingest_job import ingest
from trends.config import Config, load_config
from warehouse.db import open_warehouse
from warehouse.snapshot import open_reader
from warehouse.writer import open_writer


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    from trends.demo.server import FeedServer

    root = tmp_path_factory.mktemp("adhoc")
    with FeedServer() as server:
        server.add("/a.xml", rss("A", news_entries("a.example", 4)))
        path = root / "trends.toml"
        path.write_text(sources_toml(server, {"A": "/a.xml"}, warehouse="data/trends.duckdb")
                        + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n', encoding="utf-8")
        cfg = load_config(path)
        with open_writer(cfg.warehouse) as con:
            ingest(con, cfg)
    (root / "secret.csv").write_text("root:x:0:0\n", encoding="utf-8")   # a file to steal
    return cfg


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` with a digest of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


ESCAPES = [
    # (what an attacker writes, what the one line must name)
    ("attach '{live}' as live (READ_WRITE); delete from live.items", "one statement"),
    ("attach '{live}' as live (READ_WRITE)", "ATTACH"),
    ("attach ':memory:' as scratch", "ATTACH"),
    ("copy (select 1 as x) to '{live}'", "COPY"),
    ("copy items to '{dir}/out.csv'", "COPY"),
    ("copy items from '/etc/passwd'", "COPY"),
    ("export database '{dir}/exported'", "EXPORT"),
    ("import database '{dir}'", "not allowed"),
    ("select * from read_csv('/etc/passwd')", "files"),
    ("select * from read_text('/etc/passwd')", "files"),
    ("select * from read_blob('{live}')", "files"),
    ("select * from read_parquet('{dir}/*.parquet')", "files"),
    ("select * from glob('/root/*')", "files"),
    ("select * from '{dir}/secret.csv'", "files"),
    ("select * from read_json('{dir}/secret.csv')", "files"),
    ("install httpfs", "INSTALL"),
    ("load httpfs", "INSTALL"),
    ("load '{dir}/evil.duckdb_extension'", "INSTALL"),
    ("set enable_external_access = true", "SET"),
    ("reset lock_configuration", "SET"),
    ("pragma profiling_output = '{dir}/profile.json'", "settings"),
    ("pragma enable_profiling", "settings"),
    ("select 1; select 2", "one statement"),
    ("delete from items", "DELETE"),
    ("update items set title = 'x'", "UPDATE"),
    ("insert into items (key) values ('x')", "INSERT"),
    ("drop table items", "DROP"),
    ("create table leak as select 1", "CREATE"),
    ("create macro m(a) as a", "CREATE"),
    ("alter table items add column x int", "ALTER"),
    ("checkpoint", "CALL"),
    ("begin transaction", "transaction"),
    ("use memory", "SET"),
    ("detach trends", "DETACH"),
    ("", "no statement"),
]


@pytest.mark.parametrize(("template", "named"), ESCAPES)
def test_every_escape_is_refused_in_one_line_and_changes_nothing(
        config: Config, template: str, named: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = config.file.parent
    sql = template.format(live=config.warehouse.path, dir=root)
    before = tree(root)
    code = main(["--config", str(config.file), "sql", sql])
    out, err = capsys.readouterr()
    assert code == 2, (sql, out, err)
    assert err.count("\n") == 1 and err.startswith("trends: sql: "), err
    assert named.lower() in err.lower(), err
    assert "root:" not in out + err          # not a line of /etc/passwd
    assert tree(root) == before              # no file written, moved or changed
    with open_warehouse(config.warehouse.path, read_only=True) as con:
        assert con.execute("select count(*) from items").fetchone() == (4,)


def test_named_queries_and_plain_queries_still_answer(
        config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["sql", "select count(*) as n from items", "--format", "csv"],
                 ["sql", "describe items"], ["sql", "pragma table_info('items')"],
                 ["sql", "with t as (select title from items) select count(*) from t"],
                 ["sql", "summarize items"], ["sql", "explain select * from items"],
                 ["query", "source_health"]):
        assert main(["--config", str(config.file), *argv]) == 0, argv
    assert "n\n4" in capsys.readouterr().out


def test_every_reader_the_project_opens_is_locked_down(config: Config) -> None:
    # status, digest previews, reports and the weekly feedback read through open_reader
    with open_reader(config.warehouse) as (con, _):
        for sql in ("select * from read_csv('/etc/passwd')",
                    f"attach '{config.warehouse.path}' as live",
                    "set enable_external_access = true"):
            with pytest.raises(Exception) as err:
                con.execute(sql)
            assert "disabled" in str(err.value) or "locked" in str(err.value) \
                or "read-only" in str(err.value).lower(), sql
    # the fallback to the live file (no snapshot yet) is locked down the same way
    with open_warehouse(config.warehouse.path, read_only=True) as con:
        with pytest.raises(Exception, match="disabled"):
            con.execute("select * from read_text('/etc/passwd')")
