"""Topic extraction over stored items: every item not yet extracted gets its mentions."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import duckdb

from trends.bulk import many_objects
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


# Below this many pending items one process is faster than starting workers (~0.5 s).
PARALLEL_MIN_ITEMS = 4_000


def _candidate_rows(rows: Sequence[tuple[Any, ...]]) -> list[list[tuple[str, str, str]]]:
    """(key, label, kind) of the candidates of each (title, summary, language, extra): plain
    tuples pickle fast between processes."""
    return [[(c.key, c.label, c.kind) for c in item_candidates(*r)] for r in rows]


def _extract_all(rows: Sequence[tuple[Any, ...]], workers: int) -> list[list[tuple[str, str, str]]]:
    texts = [(r[1], r[2], r[3], r[6]) for r in rows]
    if workers <= 1 or len(rows) < PARALLEL_MIN_ITEMS:
        return _candidate_rows(texts)
    # forkserver, not fork: the caller holds DuckDB's threads (and maybe Prefect's), and a
    # forked child of a threaded process can deadlock on a lock some thread held.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["trends.extract"])
    size = -(-len(texts) // (workers * 2))
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [found for part in pool.map(_candidate_rows, chunks) for found in part]


def extract_pending(con: duckdb.DuckDBPyConnection, batch: int = 20_000,
                    workers: int | None = None) -> int:
    """Extract the topics of every item that has none yet. Returns the number of items done.
    A large backlog (a replay, a big ingest) is spread over `workers` processes (default: the
    CPUs this process may use)."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    done = 0
    while rows := sql.pending_items(con, batch):
        with many_objects():
            found = _extract_all(rows, workers)
            sql.save_mentions(con, [(r[0], r[4], r[5]) for r in rows], found)
        done += len(rows)
    return done
