"""SQL of the `runs` table (one row per stage run: migration 0013; `trends status` reads it
through warehouse/status.py), and what a run's summary reports from the other stages' tables:
the latest scoring run's trending topics."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

__all__ = ["record_run", "trending_now"]


def record_run(con: duckdb.DuckDBPyConnection, *, run_id: str, job: str, origin: str,
               started_at: datetime, finished_at: datetime, outcome: str, summary: str,
               details: dict[str, Any]) -> None:
    """Add one run; a run recorded again under its id (a retried flow task) replaces it."""
    con.execute("""
        INSERT OR REPLACE INTO runs (id, job, origin, started_at, finished_at, outcome, summary,
                                     details)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, job, origin, started_at, finished_at, outcome, summary,
                 json.dumps(details, ensure_ascii=False, default=str)])


def trending_now(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    """The latest scoring run's strongest topics: rank, label, state, mentions."""
    rows = con.execute("""SELECT rank, label, state, mentions FROM trending_now
                          ORDER BY rank LIMIT ?""", [limit]).fetchall()
    return [{"rank": int(r), "label": str(label), "state": str(state), "mentions": int(m)}
            for r, label, state, m in rows]
