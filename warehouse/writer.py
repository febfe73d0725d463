"""The writer of a run: one process writes the warehouse at a time, and each run that wrote
publishes the read snapshot when it is done.

DuckDB lets one process hold a file read-write, and while it does no other process may open
it, even read-only. So every writing run opens the warehouse for the duration of its work and
closes it at once: `with open_writer(config.warehouse) as con: ...`, or `writer_session` for a
run (an ingest) that holds it only while it has something to write. Runs take turns on a lock
file, and readers never open the live file: they read the snapshot.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from trends.config import WarehouseConfig
from trends.errors import WarehouseError
from warehouse.db import connect, connect_url
from warehouse.paths import LOCK, SNAPSHOT, WAREHOUSE, ensure_parent, storage_error
from warehouse.snapshot import publish

__all__ = ["LazyWriter", "check_writable", "open_writer", "writer_lock", "writer_session"]


def check_writable(warehouse: WarehouseConfig) -> None:
    """Fail early, with the one-line StoragePathError, when the warehouse, its lock or its
    snapshot could not be written: before a Prefect flow starts, whose failure would bury the
    line under a traceback. Takes no lock and opens no database."""
    if warehouse.url:
        return
    path, snapshot = warehouse.path, warehouse.snapshot_path
    for file, what in ((path, WAREHOUSE), (snapshot, SNAPSHOT)):
        ensure_parent(file, what)
        if file.is_dir():
            raise storage_error(file, IsADirectoryError(errno.EISDIR, "Is a directory"),
                                what) or WarehouseError(f"{file}: is a directory")
    os.close(_open_lock(path))


def _open_lock(path: str | Path) -> int:
    """The file descriptor of `<warehouse>.lock`, created if need be, or the one-line
    StoragePathError that says why it cannot be."""
    lock_path = Path(str(path) + ".lock")
    ensure_parent(lock_path, LOCK)
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise (storage_error(lock_path, exc, LOCK) or exc) from None


@contextmanager
def writer_lock(path: str | Path, *, wait: float = 0.0) -> Iterator[None]:
    """Serialize the runs that write one warehouse on this machine: an exclusive `flock` on
    `<warehouse>.lock`, waited for up to `wait` seconds. The kernel drops it when the holder
    dies, so a killed run never leaves a stale lock behind."""
    fd = _open_lock(path)
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
