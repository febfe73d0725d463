"""Opening the DuckDB warehouse and applying numbered migrations.

DuckDB lets one process hold a file read-write, and while it does no other process may open
it, even read-only. So every writer opens the warehouse for the duration of one job and closes
it at once. Writing runs use `with open_writer(config.warehouse) as con: ...`: they take turns
on a lock file, and each publishes the read snapshot (warehouse/snapshot.py) before it closes,
so that readers never open the live file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from trends.errors import WarehouseError
from warehouse.paths import LOCK, SNAPSHOT, WAREHOUSE, ensure_parent, storage_error

if TYPE_CHECKING:
    from trends.config import WarehouseConfig

_MIGRATION = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration, in order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


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
        raise WarehouseError(f"{path}: no warehouse yet; run `trends ingest` or `trends init` first")
    if not read_only:
        ensure_parent(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            if read_only:
                return connect_locked(path)
            con = duckdb.connect(str(path))
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


def check_writable(warehouse: WarehouseConfig) -> None:
    """Fail early, with the one-line StoragePathError, when the warehouse, its lock or its
    snapshot could not be written: before a Prefect flow starts, whose failure would bury the
    line under a traceback. Takes no lock and opens no database."""
    if warehouse.url:
        return
    path, snapshot = warehouse.path, warehouse.snapshot_path
    lock_path = Path(str(path) + ".lock")
    for file, what in ((path, WAREHOUSE), (snapshot, SNAPSHOT)):
        ensure_parent(file, what)
        if file.is_dir():
            raise storage_error(file, IsADirectoryError(errno.EISDIR, "Is a directory"),
                                what) or WarehouseError(f"{file}: is a directory")
    try:
        os.close(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise (storage_error(lock_path, exc, LOCK) or exc) from None


@contextmanager
def writer_lock(path: str | Path, *, wait: float = 0.0) -> Iterator[None]:
    """Serialize the runs that write one warehouse on this machine: an exclusive `flock` on
    `<warehouse>.lock`, waited for up to `wait` seconds. The kernel drops it when the holder
    dies, so a killed run never leaves a stale lock behind."""
    lock_path = Path(str(path) + ".lock")
    ensure_parent(lock_path, LOCK)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise (storage_error(lock_path, exc, LOCK) or exc) from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseError(
                        f"{path}: another run is writing the warehouse (waited {wait:g} s); "
                        "try again when it has finished") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def open_writer(warehouse: WarehouseConfig, *,
                wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection of one writing run: waits its turn (see `writer_lock`), opens the
    warehouse read-write, and after the run's work succeeded publishes the read snapshot before
    closing. The file is held only for the duration of the `with` block."""
    from warehouse.snapshot import publish

    if warehouse.url:
        con = connect_url(warehouse.url)
        try:
            yield con
        finally:
            con.close()
        return
    started = time.monotonic()
    with writer_lock(warehouse.path, wait=wait):
        remaining = max(0.0, wait - (time.monotonic() - started))
        con = connect(warehouse.path, wait=remaining, snapshot=warehouse.snapshot_path)
        try:
            yield con
            publish(con, warehouse.path, warehouse.snapshot_path)
        finally:
            con.close()


class LazyWriter:
    """The writer of one run that opens the warehouse only while it has something to write:
    `get()` opens it (once), `release()` closes it between phases, such as an ingest's fetch,
    so that the file is free while the network is slow. Runs stay serialized by the lock that
    `writer_session` holds around the whole run."""

    def __init__(self, path: Path, wait: float, snapshot: Path | None = None) -> None:
        self.path, self.wait, self.snapshot = path, wait, snapshot
        self.con: duckdb.DuckDBPyConnection | None = None
        self.used = False

    def get(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            self.con = connect(self.path, wait=self.wait, snapshot=self.snapshot)
            self.used = True
        return self.con

    def release(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


@contextmanager
def writer_session(warehouse: WarehouseConfig, *, wait: float = 0.0) -> Iterator[LazyWriter]:
    """Like `open_writer`, but the file is opened on demand (see `LazyWriter`); the read snapshot
    is published once, at the end of a run that succeeded, so readers never see half of it."""
    from warehouse.snapshot import publish

    if warehouse.url:   # a remote warehouse has no file to free: keep one connection
        with open_writer(warehouse, wait=wait) as con:
            writer = LazyWriter(Path(), wait)
            writer.con = con
            writer.release = lambda: None  # type: ignore[method-assign]
            yield writer
        return
    with writer_lock(warehouse.path, wait=wait):
        writer = LazyWriter(warehouse.path, wait, warehouse.snapshot_path)
        try:
            yield writer
            if writer.used:
                publish(writer.get(), warehouse.path, warehouse.snapshot_path)
        finally:
            writer.release()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
