"""SQL behind the pictures: mentions per local day of a client's top topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import duckdb


def daily_mentions(con: duckdb.DuckDBPyConnection, keys: Sequence[str], timezone: str,
                   last_day: date, days: int) -> dict[str, list[int]]:
    """For each topic key, its mentions on each of the `days` local days ending at `last_day`
    (in `timezone`), oldest first; zeros where it had none."""
    first_day = last_day - timedelta(days=days - 1)
    out = {k: [0] * days for k in keys}
    if not keys:
        return out
    rows = con.execute("""
        SELECT t.key, CAST(timezone($tz, m.event_at) AS DATE) AS day, count(*) AS n
        FROM topics t JOIN topic_mentions m ON m.topic_id = t.id
        WHERE t.key IN (SELECT unnest($keys))
          AND m.event_at >= $since AND m.event_at < $until
        GROUP BY ALL""",
        {"tz": timezone, "keys": list(keys),
         # A day either side of the range in UTC, then trimmed to local days below.
         "since": datetime.combine(first_day - timedelta(days=1), datetime.min.time()),
         "until": datetime.combine(last_day + timedelta(days=2), datetime.min.time())}).fetchall()
    for key, day, n in rows:
        i = (day - first_day).days
        if 0 <= i < days:
            out[key][i] = int(n)
    return out


def top_topics(con: duckdb.DuckDBPyConnection, client_id: str,
               limit: int) -> list[dict[str, Any]]:
    """The client's best-scored topics at the latest scoring run (never excluded ones)."""
    cur = con.execute("""
        SELECT topic_key, label, score, trend, relevance, velocity, breadth, mentions, state,
               reason
        FROM client_topic_scores
        WHERE client_id = ? AND excluded_by IS NULL AND score > 0
          AND as_of = (SELECT max(as_of) FROM client_topic_scores WHERE client_id = ?)
        ORDER BY score DESC, topic_key LIMIT ?""", [client_id, client_id, limit])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
