"""SQL behind `trends status`: counts, sources' health, the latest runs and digests."""

from __future__ import annotations

from typing import Any

import duckdb

__all__ = ["last_runs", "rows_as_dicts", "status"]


def rows_as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Sources' health, counts, and the latest runs."""
    sources = rows_as_dicts(con.execute("""
        SELECT name, kind, consecutive_failures AS failures, last_success_at, last_attempt_at,
               last_error
        FROM sources ORDER BY consecutive_failures DESC, name"""))
    counts = rows_as_dicts(con.execute("""
        SELECT (SELECT count(*) FROM items) AS items,
               (SELECT count(*) FROM candidates) AS candidates,
               (SELECT count(*) FROM mentions) AS mentions,
               (SELECT count(*) FROM trending_now) AS topics,
               (SELECT count(*) FROM ideas) AS ideas,
               (SELECT count(*) FROM digests WHERE status = 'sent') AS digests_sent"""))[0]
    last_fetch = con.execute("SELECT max(started_at) FROM fetch_log").fetchone()
    last_score = con.execute("SELECT max(as_of), max(finished_at) FROM scoring_runs").fetchone()
    digests = rows_as_dicts(con.execute("""
        SELECT client_id, digest_date, status, ts, attempts, last_error FROM digests
        QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY digest_date DESC) = 1
        ORDER BY client_id"""))
    return {
        "sources": sources,
        "counts": counts,
        "last_ingest_at": last_fetch[0] if last_fetch else None,
        "last_score_as_of": last_score[0] if last_score else None,
        "digests": digests,
        "last_runs": last_runs(con),
    }


def last_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The warehouse's own record of the latest run of each job: from `runs` (its outcome and
    summary), or, in a warehouse no run has recorded itself in yet, the last ingest run (from
    fetch_log), the last scoring run, and the last digest of each client."""
    recorded = rows_as_dicts(con.execute("""
        SELECT job AS flow, finished_at AS "at", outcome,
               outcome || ': ' || coalesce(details->>'$.failure', summary) AS detail
        FROM runs
        QUALIFY row_number() OVER (PARTITION BY job ORDER BY finished_at DESC) = 1
        ORDER BY finished_at DESC"""))
    if recorded:
        return recorded
    return rows_as_dicts(con.execute("""
        (SELECT 'ingest' AS flow, max(started_at) AS "at",
                count(*) || ' sources, ' || coalesce(sum(new_items), 0) || ' new items, '
                || count(*) FILTER (WHERE outcome = 'error') || ' failed' AS detail
         FROM fetch_log GROUP BY run_id ORDER BY "at" DESC LIMIT 1)
        UNION ALL
        (SELECT 'score', finished_at, 'as of ' || strftime(as_of, '%Y-%m-%d %H:%M UTC') || ', '
                || topics || ' topics'
         FROM scoring_runs ORDER BY finished_at DESC LIMIT 1)
        UNION ALL
        (SELECT 'digest', coalesce(sent_at, created_at),
                client_id || ' ' || digest_date || ' ' || status
         FROM digests
         QUALIFY row_number() OVER (PARTITION BY client_id
                                    ORDER BY coalesce(sent_at, created_at) DESC) = 1
         ORDER BY client_id)"""))
