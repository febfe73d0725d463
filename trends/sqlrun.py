"""The read path of `trends sql` and `trends query`: one query on the read snapshot, with a row
cap and a time budget.

The time budget is enforced from a timer thread that calls `con.interrupt()`: DuckDB then
abandons the running statement with an InterruptException, which becomes `QueryTimeout`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from trends.errors import TrendsError

DEFAULT_LIMIT = 1000
DEFAULT_TIMEOUT_S = 30.0


class QueryError(TrendsError):
    """The SQL is wrong or not allowed (the snapshot is read-only): a usage error."""


class QueryTimeout(TrendsError):
    """The query ran past its time budget and was interrupted."""


@dataclass(slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    capped: bool            # more rows existed than the cap
    seconds: float


def run_query(con: duckdb.DuckDBPyConnection, sql: str,
              params: Sequence[Any] | Mapping[str, Any] | None = None, *,
              limit: int = DEFAULT_LIMIT, timeout: float | None = DEFAULT_TIMEOUT_S) -> QueryResult:
    """Run one statement; keep at most `limit` rows; interrupt it after `timeout` seconds."""
    if limit < 0:
        raise QueryError("the row cap must be 0 or more")
    t0 = time.perf_counter()
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(timeout, interrupt) if timeout and timeout > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchmany(limit + 1) if cur.description else []
    except duckdb.InterruptException as exc:
        raise QueryTimeout(f"sql: stopped after {timeout:g} s (the time budget); "
                           "raise --timeout or narrow the query") from exc
    except duckdb.Error as exc:
        if fired.is_set():
            raise QueryTimeout(f"sql: stopped after {timeout:g} s (the time budget); "
                               "raise --timeout or narrow the query") from exc
        raise QueryError(f"sql: {_first_line(exc)}") from exc
    finally:
        if timer is not None:
            timer.cancel()
    return QueryResult(columns=columns, rows=rows[:limit], capped=len(rows) > limit,
                       seconds=time.perf_counter() - t0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
