"""SQL of replay: which archived snapshots of a source were already loaded."""

from __future__ import annotations

import duckdb


def replayed_snapshots(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """The snapshot URLs (file URIs) already in fetch_log for `source`: a second replay of the
    same folder loads only the snapshots it has not seen."""
    rows = con.execute("""SELECT DISTINCT url FROM fetch_log
                          WHERE source = ? AND run_id LIKE 'replay-%'""", [source]).fetchall()
    return {r[0] for r in rows}


def existing_item_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> set[str]:
    """Which of `keys` are stored items already."""
    if not keys:
        return set()
    rows = con.execute("SELECT key FROM items WHERE key IN (SELECT unnest(?))",
                       [list(set(keys))]).fetchall()
    return {r[0] for r in rows}


def set_new_items(con: duckdb.DuckDBPyConnection, run_id: str,
                  counts: list[tuple[str, int]]) -> None:
    """Each replayed snapshot's own count of new items in fetch_log."""
    if counts:
        con.execute("""
            UPDATE fetch_log SET new_items = c.n
            FROM (SELECT unnest($urls) AS url, unnest($ns) AS n) c
            WHERE fetch_log.run_id = $run_id AND fetch_log.url = c.url""",
            {"urls": [u for u, _ in counts], "ns": [n for _, n in counts], "run_id": run_id})
