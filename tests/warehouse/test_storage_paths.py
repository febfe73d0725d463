"""Every file-system failure on the warehouse, its read snapshot or its writer lock is one line
that names the path and the fix, with exit code 2 (warehouse/paths.py): never a traceback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.feeds import news_entries, rss, sources_toml
from trends.cli import main

ROOT_USER = os.geteuid() == 0


def unwritable(tmp_path: Path) -> Path:
    """A folder this user may not create files in. root may write anywhere but sysfs."""
    if ROOT_USER:
        return Path("/sys/trends-test")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def config_at(tmp_path: Path, feed_server: object, warehouse: Path,
              snapshot: Path | None = None) -> Path:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 2)))  # type: ignore[attr-defined]
    text = sources_toml(feed_server, {"A": "/a.xml"}, warehouse=str(warehouse))
    if snapshot is not None:
        text = text.replace("[warehouse]\n", f'[warehouse]\nsnapshot = "{snapshot}"\n')
    path = tmp_path / "trends.toml"
    path.write_text(text + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n', encoding="utf-8")
    return path


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("trends: "), err
    return err


Setup = Callable[[Path], tuple[Path, Path | None]]


def _no_permission(tmp: Path) -> tuple[Path, Path | None]:
    return unwritable(tmp) / "data" / "trends.duckdb", None


def _a_directory(tmp: Path) -> tuple[Path, Path | None]:
    (tmp / "trends.duckdb").mkdir()
    return tmp / "trends.duckdb", None


def _parent_is_a_file(tmp: Path) -> tuple[Path, Path | None]:
    (tmp / "data").write_text("not a folder")
    return tmp / "data" / "trends.duckdb", None


def _lock_is_a_directory(tmp: Path) -> tuple[Path, Path | None]:
    (tmp / "trends.duckdb.lock").mkdir()
    return tmp / "trends.duckdb", None


def _snapshot_is_a_directory(tmp: Path) -> tuple[Path, Path | None]:
    (tmp / "snap.duckdb").mkdir()
    return tmp / "trends.duckdb", tmp / "snap.duckdb"


def _snapshot_unwritable(tmp: Path) -> tuple[Path, Path | None]:
    return tmp / "trends.duckdb", unwritable(tmp) / "snap.duckdb"


@pytest.mark.parametrize(("setup", "names", "fix"), [
    (_no_permission, "trends.duckdb", "write access to"),
    (_a_directory, "trends.duckdb", "move that directory away"),
    (_parent_is_a_file, "data/trends.duckdb", "move that file away"),
    (_lock_is_a_directory, "trends.duckdb.lock", "move that directory away"),
    (_snapshot_is_a_directory, "snap.duckdb", "[warehouse] snapshot"),
    (_snapshot_unwritable, "snap.duckdb", "[warehouse] snapshot"),
])
@pytest.mark.parametrize("prefect", [False, True], ids=["in-process", "prefect-configured"])
def test_a_path_that_cannot_be_used_is_one_line_and_exit_2(
        setup: Setup, names: str, fix: str, prefect: bool, tmp_path: Path,
        feed_server: object, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse, snapshot = setup(tmp_path)
    config = config_at(tmp_path, feed_server, warehouse, snapshot)
    if prefect:
        # Checked before any flow starts: a server that is not there is never reached.
        monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    err = one_line(capsys, ["--config", str(config), "ingest"])
    assert names in err and fix in err, err


def test_an_overwritten_warehouse_names_the_snapshot_to_restore(
        tmp_path: Path, feed_server: object, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_at(tmp_path, feed_server, tmp_path / "trends.duckdb")
    assert main(["--config", str(config), "ingest"]) == 0
    capsys.readouterr()
    (tmp_path / "trends.duckdb").write_text("x\n1\n")      # what `COPY ... TO` used to do
    err = one_line(capsys, ["--config", str(config), "ingest"])
    snapshot = tmp_path / "snapshot" / "trends.duckdb"
    assert "is not a DuckDB database" in err and f"cp {snapshot}" in err, err
    # the fix works
    shutil.copyfile(snapshot, tmp_path / "trends.duckdb")
    assert main(["--config", str(config), "ingest"]) == 0


def test_a_reader_meets_the_same_one_line(tmp_path: Path, feed_server: object,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "snap.duckdb").mkdir()
    config = config_at(tmp_path, feed_server, tmp_path / "trends.duckdb", tmp_path / "snap.duckdb")
    for command in (["sql", "select 1"], ["status"]):
        err = one_line(capsys, ["--config", str(config), *command])
        assert "snap.duckdb" in err and "directory" in err, err
