"""File-system failures on the warehouse's paths, as one line that names the path and the fix.

Three paths belong to a local warehouse: the DuckDB file (`[warehouse] path`), its read
snapshot (`[warehouse] snapshot`) and the writer's lock file beside the warehouse. A path the
user cannot use (no permission, a directory where the file belongs, a file where a directory
belongs, a read-only or full disk, a file that is not a DuckDB database) is a
`StoragePathError`: exit code 2, since the fix is the user's, not a retry's.
"""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb

from trends.errors import StoragePathError

__all__ = ["WAREHOUSE", "SNAPSHOT", "LOCK", "storage_error", "ensure_parent"]

# What each path is, and the setting that moves it.
WAREHOUSE = ("warehouse", "[warehouse] path")
SNAPSHOT = ("read snapshot", "[warehouse] snapshot")
LOCK = ("writer lock", "[warehouse] path (the lock file lives beside the warehouse)")

_BY_ERRNO = {
    errno.EACCES: "permission", errno.EPERM: "permission", errno.EISDIR: "directory",
    errno.ENOTDIR: "not_directory", errno.EEXIST: "not_directory", errno.EROFS: "read_only",
    errno.ENOSPC: "full", errno.EDQUOT: "full",
}
# DuckDB reports the same failures as text in an IOException.
_BY_TEXT = (("Permission denied", "permission"), ("Is a directory", "directory"),
            ("Not a directory", "not_directory"), ("Read-only file system", "read_only"),
            ("No space left", "full"), ("not a valid DuckDB database", "not_duckdb"))


def storage_error(path: Path, exc: BaseException,
                  what: tuple[str, str] = WAREHOUSE,
                  snapshot: Path | None = None) -> StoragePathError | None:
    """The one-line error for `exc` met on `path`, or None when it is not a path problem."""
    kind = None
    if isinstance(exc, OSError):
        kind = _BY_ERRNO.get(exc.errno or 0)
    elif isinstance(exc, duckdb.Error):
        kind = next((k for text, k in _BY_TEXT if text in str(exc)), None)
    if kind is None:
        return None
    role, setting = what
    where = f"set {setting} in trends.toml"
    problem, fix = {
        "permission": (f"cannot use this path for the {role} (permission denied)",
                       f"give this user write access to {_existing_parent(path)}, or {where} "
                       "to a writable place"),
        "directory": (f"is a directory, not the {role} file",
                      f"move that directory away, or {where} to a file path"),
        "not_directory": (f"cannot create the {role} here: a part of the path is a file",
                          f"move that file away, or {where} to another place"),
        "read_only": (f"cannot write the {role} here (read-only file system)",
                      f"{where} to a writable file system"),
        "full": (f"cannot write the {role} here (no space left on the device)",
                 f"free some space there, or {where} to another disk"),
        "not_duckdb": (f"is not a DuckDB database (was the {role} overwritten?)",
                       f"restore it from the read snapshot (cp {snapshot} {path})"
                       if snapshot is not None and snapshot.is_file()
                       else "move it away to start a new warehouse, or restore a backup"),
    }[kind]
    return StoragePathError(problem, file=str(path), fix=fix)


def _existing_parent(path: Path) -> Path:
    """The nearest folder above `path` that exists: the one whose permission is missing."""
    for parent in path.parents:
        if parent.exists():
            return parent
    return path.parent


def ensure_parent(path: Path, what: tuple[str, str] = WAREHOUSE) -> None:
    """Create the folder of `path`, or raise the StoragePathError that says why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise (storage_error(path, exc, what) or exc) from None
