"""SQL behind `trends status` and `trends sql`."""

from __future__ import annotations

from typing import Any

import duckdb


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
        SELECT (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM topics) AS topics,
               (SELECT count(*) FROM mentions) AS mentions, (SELECT count(*) FROM ideas) AS ideas,
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
    }
