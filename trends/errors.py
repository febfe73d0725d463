"""The error tree.

TrendsError
├── ConfigError        bad trends.toml or bad usage: exit code 2, one line naming file, key and fix
│   └── StoragePathError    the warehouse, snapshot or lock path cannot be used as configured
├── FetchError         a source could not be fetched or parsed; recorded in fetch_log, never fatal
│   ├── TransientFetchError   worth retrying: timeouts, connection errors, 5xx, 429
│   └── PermanentFetchError   not worth retrying: 4xx, too large, not a feed
├── WarehouseError     the DuckDB file cannot be opened or migrated
└── DeliveryError      Slack refused or could not be reached; the digest stays in the outbox
"""

from __future__ import annotations

__all__ = ["ConfigError", "DeliveryError", "FetchError", "PermanentFetchError",
           "StoragePathError", "TransientFetchError", "TrendsError", "WarehouseError"]


class TrendsError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(TrendsError):
    """A configuration mistake, reported as `file: key: problem; fix`."""

    def __init__(self, problem: str, *, file: str | None = None, key: str | None = None,
                 fix: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.key = key
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ": ".join(p for p in (self.file, self.key) if p)
        text = f"{where}: {self.problem}" if where else self.problem
        return f"{text}; {self.fix}" if self.fix else text


class StoragePathError(ConfigError):
    """A file-system path of the warehouse (the file, its read snapshot, its lock) that cannot be
    used: no permission, a directory where a file belongs, a read-only or full disk, a file
    that is not a DuckDB database. `file` names the path; the fix is the user's to make."""


class FetchError(TrendsError):
    """A source failed. `reason` is the short machine-readable cause stored in fetch_log."""

    transient = False

    def __init__(self, reason: str, detail: str = "", *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{reason}: {detail}" if detail else reason)


class TransientFetchError(FetchError):
    transient = True


class PermanentFetchError(FetchError):
    transient = False


class WarehouseError(TrendsError):
    """The warehouse cannot be opened, locked by another process, or failed to migrate."""


class DeliveryError(TrendsError):
    """A digest or alert could not be delivered; it stays pending in the outbox."""
