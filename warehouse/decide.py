"""SQL of the decide stage: the clients, each client's scored topics per scoring run, and the
ideas of each client's local day."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from trends.config import ClientConfig

__all__ = ["load_ideas", "save_client_scores", "save_ideas", "sync_clients",
           "update_idea_text"]


def sync_clients(con: duckdb.DuckDBPyConnection, clients: Sequence[ClientConfig]) -> None:
    for c in clients:
        con.execute("""
            INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [c.id, c.name, list(c.languages), list(c.keywords), list(c.exclude), c.channel,
             c.timezone, c.digest_time.strftime("%H:%M"), c.tone])


_SCORE_COLS = ["client_id", "topic_key", "label", "score", "trend", "relevance", "freshness",
               "velocity", "breadth", "mentions", "state", "matched", "excluded_by", "selected",
               "reason", "sensitivity", "moment"]   # the last two: migration 0004


def save_client_scores(con: duckdb.DuckDBPyConnection, as_of: datetime, client_id: str,
                       rows: Sequence[dict[str, Any]]) -> None:
    con.execute("DELETE FROM client_topic_scores WHERE as_of = ? AND client_id = ?",
                [as_of, client_id])
    if not rows:
        return
    tbl = pa.table({"as_of": [as_of] * len(rows), **{c: [r[c] for r in rows] for c in _SCORE_COLS}})
    con.register("batch_scores", tbl)
    try:
        con.execute(f"INSERT INTO client_topic_scores (as_of, {', '.join(_SCORE_COLS)}) "
                    f"SELECT as_of, {', '.join(_SCORE_COLS)} FROM batch_scores")
    finally:
        con.unregister("batch_scores")


def save_ideas(con: duckdb.DuckDBPyConnection, client_id: str, digest_date: date,
               as_of: datetime, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the client's ideas for that day (a re-score the same day refreshes them)."""
    con.execute("DELETE FROM ideas WHERE client_id = ? AND digest_date = ?",
                [client_id, digest_date])
    for r in rows:
        con.execute("""
            INSERT INTO ideas (client_id, digest_date, rank, topic_key, topic_label, language,
                               angle, platform, hook, caption, hashtags, urgency, why, stories,
                               as_of, warning, writer, link, kind, facts, outline, source_url)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [client_id, digest_date, r["rank"], r["topic_key"], r["topic_label"], r["language"],
             r["angle"], r["platform"], r["hook"], r["caption"], r["hashtags"], r["urgency"],
             r["why"], json.dumps(r["stories"], ensure_ascii=False), as_of,
             r.get("warning"), r.get("writer", "template"), r.get("link", "field"),
             r.get("kind", "idea"), list(r.get("facts") or []), list(r.get("outline") or []),
             r.get("source_url")])


def load_ideas(con: duckdb.DuckDBPyConnection, client_id: str,
               digest_date: date) -> list[dict[str, Any]]:
    cur = con.execute("""SELECT * FROM ideas WHERE client_id = ? AND digest_date = ?
                         ORDER BY rank, CASE language WHEN 'id' THEN 0 ELSE 1 END""",
                      [client_id, digest_date])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def update_idea_text(con: duckdb.DuckDBPyConnection, client_id: str, digest_date: date,
                     as_of: datetime, topic_key: str, language: str, hook: str, caption: str,
                     writer: str) -> int:
    """Replace one idea's hook and caption (the LLM's rewrite) if the idea is still the one
    scored as of `as_of`; returns 1 when it was, else 0."""
    row = con.execute("""
        UPDATE ideas SET hook = ?, caption = ?, writer = ?
        WHERE client_id = ? AND digest_date = ? AND topic_key = ? AND language = ?
          AND as_of = ?
        RETURNING 1""", [hook, caption, writer, client_id, digest_date, topic_key, language,
                         as_of]).fetchall()
    return len(row)
