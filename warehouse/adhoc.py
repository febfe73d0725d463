"""The read path of `trends sql` and `trends query`: one query on the read snapshot, with a row
cap and a time budget, that can change nothing and read nothing but the snapshot.

Two walls, as datasette has them. The connection is locked down when it is opened
(`warehouse.db.connect_locked`: read-only, no file system, no extensions, configuration
locked), and the SQL is checked before it runs: exactly one statement, and only a query
(SELECT and its relatives, EXPLAIN, PRAGMA). A refusal is a `QueryError` whose one line says
what is not allowed.

The time budget is enforced from a timer thread that calls `con.interrupt()`: DuckDB then
abandons the running statement with an InterruptException, which becomes `QueryTimeout`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from trends.errors import TrendsError

__all__ = ["DEFAULT_LIMIT", "DEFAULT_TIMEOUT_S", "QueryError", "QueryResult", "QueryTimeout",
           "check_statement", "run_query"]

DEFAULT_LIMIT = 1000
DEFAULT_TIMEOUT_S = 30.0


# DESCRIBE, SHOW, SUMMARIZE, FROM-first and VALUES are SELECTs to DuckDB's parser.
_ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA"}
_QUOTED = re.compile(r'"[^"]*"')
_REFUSED = ("the SQL prompt is read-only: it reads the tables and views of the snapshot, "
            "nothing else")
_WHAT = {"ATTACH": "ATTACH (opening another database)", "DETACH": "DETACH",
         "COPY": "COPY (reading or writing files)", "EXPORT": "EXPORT DATABASE (writing files)",
         "LOAD": "INSTALL and LOAD (extensions)", "SET": "SET, RESET and USE (settings)",
         "CREATE": "CREATE", "INSERT": "INSERT (writing)", "UPDATE": "UPDATE (writing)",
         "DELETE": "DELETE (writing)", "DROP": "DROP", "ALTER": "ALTER",
         "TRANSACTION": "transaction control", "CALL": "CALL (write SELECT * FROM the function)",
         "MULTI": "statements that expand into several (such as PIVOT without its values)"}


class QueryError(TrendsError):
    """The SQL is wrong or not allowed (the snapshot is read-only): a usage error."""


def check_statement(sql: str) -> None:
    """Refuse anything but one query: several statements, or a statement that writes,
    attaches, copies, exports, loads, or changes settings. Raises QueryError."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"sql: {_first_line(exc)}") from exc
    if not statements:
        raise QueryError("sql: no statement given; write one query, such as "
                         "\"select count(*) from items\"")
    if len(statements) > 1:
        raise QueryError(f"sql: one statement per call is allowed, found {len(statements)}; "
                         "run them one at a time")
    kind = statements[0].type.name
    if kind not in _ALLOWED:
        what = _WHAT.get(kind, f"{kind} statements")
        raise QueryError(f"sql: not allowed: {what}; {_REFUSED}")


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
    check_statement(sql)
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
        if "configuration has been locked" in str(exc):
            raise QueryError(f"sql: not allowed: changing settings; {_REFUSED}") from exc
        if isinstance(exc, duckdb.PermissionException):
            # The locked connection refused: a table function reached for the file system.
            target = _QUOTED.search(str(exc))
            where = f" ({target.group(0)})" if target else ""
            raise QueryError(f"sql: not allowed: reading, writing or listing files{where}; "
                             f"{_REFUSED}") from exc
        raise QueryError(f"sql: {_first_line(exc)}") from exc
    finally:
        if timer is not None:
            timer.cancel()
    return QueryResult(columns=columns, rows=rows[:limit], capped=len(rows) > limit,
                       seconds=time.perf_counter() - t0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
