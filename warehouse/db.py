"""Opening the DuckDB warehouse, locked down for readers, and applying numbered migrations.

Writing runs do not call `connect` themselves: they go through `warehouse.writer`, which takes
turns on a lock file and publishes the read snapshot (`warehouse.snapshot`) when a run is done.

Storage format: the warehouse is written in DuckDB's storage format of 1.1 (STORAGE_VERSION),
whatever version of the DuckDB package writes it, so that the read snapshot (a copy of the
file) opens in every DuckDB from 1.1 on: the 1.x CLI most analysts have, DBeaver's driver,
older Python packages. DuckDB 2 would otherwise write its own format, which 1.x refuses
("version number 999"). A warehouse written in a newer format by an earlier release is
rewritten once, the first time a writer opens it (`rewrite_storage`).
"""

from __future__ import annotations

import os
import re
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from trends.errors import WarehouseError
from warehouse.paths import ensure_parent, storage_error

__all__ = ["OLDEST_READER", "READABLE_STORAGE", "STORAGE_VERSION", "connect", "connect_locked",
           "connect_url", "migrate", "migrations", "open_warehouse", "rewrite_storage",
           "storage_number", "transaction"]

# The storage format the warehouse is written in (DuckDB's name for it), the number its file
# header then carries, and the oldest DuckDB that opens it. DuckDB 1.0 reads that number too,
# but not the primary keys that 2.x writes into it; tests/warehouse/test_snapshot.py opens a
# snapshot with OLDEST_READER itself.
STORAGE_VERSION = "v1.1.0"
READABLE_STORAGE = 64
OLDEST_READER = "1.1.0"

_MIGRATION = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration, in order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements as one transaction: committed when it ends, rolled back when it
    raises, so that a failed run leaves the warehouse as it found it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def migrate(con: duckdb.DuckDBPyConnection, *, before: int | None = None) -> list[str]:
    """Apply the migrations this warehouse has not seen yet, those numbered below `before`
    if given (a warehouse as an older release left it); return their names."""
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done or before is not None and version >= before:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {name} failed: {exc}") from exc
        applied.append(name)
    return applied


# What a reader's connection may not do, whatever SQL it is given: touch the file system
# (read_csv, glob, COPY ... TO, EXPORT DATABASE, ATTACH of the live file), install or load
# extensions, or change any of this afterwards (lock_configuration, set last).
_LOCKED_DOWN = {"enable_external_access": False, "autoinstall_known_extensions": False,
                "autoload_known_extensions": False}


def connect_locked(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file read-only with access to nothing but that file: the connection every
    reader of the warehouse gets (`trends sql`, named queries, status, previews)."""
    con = duckdb.connect(str(path), read_only=True, config=dict(_LOCKED_DOWN))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def connect(path: str | Path, *, read_only: bool = False, wait: float = 0.0,
            snapshot: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; migrate it when opened for writing. `wait` seconds are spent retrying
    while another process holds the file. Read-only connections are locked down as
    `connect_locked` says. `snapshot`, the warehouse's read snapshot, is named in the fix when
    the file turns out not to be a DuckDB database."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(
            f"{path}: no warehouse yet; run `trends ingest` or `trends init` first")
    if not read_only:
        ensure_parent(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            if read_only:
                return connect_locked(path)
            if path.exists() and storage_number(path) not in (None, READABLE_STORAGE):
                rewrite_storage(path)
            con = duckdb.connect(str(path), config={
                "storage_compatibility_version": STORAGE_VERSION})
            break
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower() and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise (storage_error(path, exc, snapshot=snapshot) or WarehouseError(
                f"{path}: cannot open the warehouse ({_first_line(exc)})")) from exc
        except duckdb.Error as exc:
            raise WarehouseError(f"{path}: cannot open the warehouse ({_first_line(exc)})") from exc
    # Timestamps are stored and compared in UTC; a client's local day is computed explicitly.
    con.execute("SET TimeZone = 'UTC'")
    migrate(con)
    return con


@contextmanager
def open_warehouse(path: str | Path, *, read_only: bool = False,
                   wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def storage_number(path: str | Path) -> int | None:
    """The storage version number in a DuckDB file's header (64 for every format from 0.10 to
    1.1, which 1.x reads; 999 for DuckDB 2's own), or None when the file is not a DuckDB
    database (or is too short to say)."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    # The main header: an 8-byte checksum, the magic bytes, then the version number.
    if len(head) < 20 or head[8:12] != b"DUCK":
        return None
    return int(struct.unpack("<Q", head[12:20])[0])


def rewrite_storage(path: str | Path) -> None:
    """Rewrite the DuckDB file at `path` in STORAGE_VERSION, every table, view, sequence and
    constraint with it: once, for a warehouse an earlier release wrote in DuckDB 2's format.
    The copy is built beside the file and renamed over it, so a crash leaves the old file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.storage")
    tmp.unlink(missing_ok=True)
    quoted = ["'" + str(p).replace("'", "''") + "'" for p in (path, tmp)]
    con = duckdb.connect()
    try:
        # ATTACH takes no bound parameters: the paths are quoted here.
        con.execute(f"ATTACH {quoted[0]} AS old")
        con.execute("CHECKPOINT old")   # the WAL into the file: the file alone is the data
        con.execute(f"ATTACH {quoted[1]} AS new (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("COPY FROM DATABASE old TO new")
        con.execute("DETACH new")
        con.execute("DETACH old")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    wal = Path(str(path) + ".wal")
    if wal.exists():   # a WAL left beside the old file would be replayed into the new one
        tmp.unlink(missing_ok=True)
        raise WarehouseError(f"{path}: cannot rewrite the storage format while {wal} exists")
    os.replace(tmp, path)


def connect_url(url: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a warehouse that is not a local file: MotherDuck (`md:NAME`) or DuckLake
    (`ducklake:METADATA`). Both let several processes write, so no snapshot is needed there."""
    try:
        if url.startswith("ducklake:"):
            con = duckdb.connect()
            # ATTACH takes no bound parameters; the URL comes from trends.toml, quoted here.
            quoted = "'" + url.replace("'", "''") + "'"
            con.execute(f"ATTACH {quoted} AS lake{' (READ_ONLY)' if read_only else ''}")
            con.execute("USE lake")
        else:
            con = duckdb.connect(url, read_only=read_only)
    except duckdb.Error as exc:
        raise WarehouseError(f"{url}: cannot open the warehouse ({_first_line(exc)})") from exc
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
