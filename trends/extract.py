"""Topic extraction over stored items: every item not yet extracted gets its mentions."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from trends.models import Candidate
from trends.topics import extract_candidates, topic_key
from warehouse import topics as sql


def item_candidates(title: str, summary: str, language: str | None,
                    extra: str | None) -> list[Candidate]:
    """Candidates of one stored item; a trend source's query is a topic by itself."""
    found = extract_candidates(title, summary, language)
    if extra:
        query = json.loads(extra).get("query")
        if query:
            key = topic_key(query)
            if key:
                found = [Candidate(key, query, "query")] + [c for c in found if c.key != key]
    return found


def extract_pending(con: duckdb.DuckDBPyConnection, batch: int = 20_000) -> int:
    """Extract the topics of every item that has none yet. Returns the number of items done."""
    done = 0
    while rows := sql.pending_items(con, batch):
        mentions: list[tuple[str, str, str, datetime]] = []
        topics: dict[str, tuple[str, str, datetime, datetime]] = {}
        for key, title, summary, language, source, event_at, extra in rows:
            for c in item_candidates(title, summary, language, extra):
                mentions.append((c.key, key, source, event_at))
                seen = topics.get(c.key)
                if seen is None:
                    topics[c.key] = (c.label, c.kind, event_at, event_at)
                else:
                    topics[c.key] = (seen[0], seen[1], min(seen[2], event_at),
                                     max(seen[3], event_at))
        sql.save_mentions(con, mentions, [(k, *v) for k, v in topics.items()],
                          [r[0] for r in rows])
        done += len(rows)
    return done
