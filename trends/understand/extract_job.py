"""Topic extraction over stored items: every item not yet extracted gets its mentions."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import duckdb

from trends import progress
from trends.lifetime import watch_parent
from trends.models import CandidateColumns
from trends.understand.candidates import candidates_and_roots
from trends.understand.nlp.stem import known_roots, learn_roots
from warehouse import understand as sql

__all__ = ["CHUNK_ITEMS", "PARALLEL_MIN_ITEMS", "default_workers", "extract_all",
           "extract_pending"]

# Below this many pending items one process is faster than starting a worker.
PARALLEL_MIN_ITEMS = 2_000
CHUNK_ITEMS = 250          # the unit of work shared between this process and the workers


def extract_all(rows: Sequence[tuple[Any, ...]],
                workers: int) -> tuple[CandidateColumns, dict[str, str]]:
    """The candidates of the rows (pending_items'), and the word roots that had to be
    computed for them (by this process or a worker) and are to be stored."""
    texts = [(r[1], r[2], r[3], r[6]) for r in rows]
    learned: dict[str, str] = {}
    if workers <= 1 or len(texts) < PARALLEL_MIN_ITEMS:
        return _here(texts, learned), learned
    chunks = [texts[i:i + CHUNK_ITEMS] for i in range(0, len(texts), CHUNK_ITEMS)]
    results: list[CandidateColumns | None] = [None] * len(chunks)
    # forkserver, not fork: the caller holds DuckDB's threads (and maybe Prefect's), and a
    # forked child of a threaded process can deadlock on a lock some thread held. The server
    # preloads trends.understand.candidates alone (not duckdb, pyarrow or this module).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["trends.understand.candidates"])
    # Workers start knowing every root this process knows (see trends.understand.nlp.stem).
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx, initializer=_start_worker,
                             initargs=(os.getpid(), known_roots())) as pool:
        # This process takes chunks from the front, the workers from the back, two queued per
        # worker so that none waits: each chunk is done once, by whoever reaches it first.
        front, back = 0, len(chunks)
        queued: dict[Future[tuple[CandidateColumns, dict[str, str]]], int] = {}
        unsent: list[int] = []      # chunks no worker could take: this process does them
        broken = False

        def for_workers() -> list[int]:
            nonlocal back
            n = min(2 * (workers - 1) - len(queued), back - front)
            back -= n
            return list(reversed(range(back, back + n)))

        def send(claimed: list[int]) -> None:
            nonlocal broken
            for i in claimed:
                if not broken:
                    try:
                        queued[pool.submit(candidates_and_roots, chunks[i])] = i
                        continue
                    except Exception:
                        # BrokenProcessPool, or the fork server or a worker failing to start
                        # (an OSError, a resource limit): this process gives the same
                        # candidates, so it takes the chunk rather than fail the run.
                        broken = True
                unsent.append(i)

        # The first submissions start the fork server and the workers, which holds the
        # submitting thread a few tenths of a second: another thread makes them while this one
        # extracts. Only this thread claims chunks, and it reads what the other one filled in
        # only once that one is done.
        starter = threading.Thread(target=send, args=(for_workers(),), daemon=True)
        starter.start()
        while front < back:
            results[front] = _here(chunks[front], learned)
            front += 1
            if not starter.is_alive():
                for future in [f for f in queued if f.done()]:
                    i = queued.pop(future)
                    results[i] = _result(future, chunks[i], learned)
                if not broken:
                    send(for_workers())
        starter.join()
        for i in unsent:
            results[i] = _here(chunks[i], learned)
        for future, i in queued.items():
            results[i] = _result(future, chunks[i], learned)
    found = CandidateColumns.empty()
    for part in results:
        assert part is not None     # every chunk was done by this process or a worker
        found.extend(part)
    return found, learned


def _start_worker(owner: int, roots: dict[str, str]) -> None:
    # A worker never outlives a killed owner (trends/lifetime.py); its parent is the fork
    # server, which each worker keeps alive, so it watches the process that owns the pool.
    watch_parent(owner)
    learn_roots(roots)


def _here(chunk: Sequence[tuple[Any, ...]], learned: dict[str, str]) -> CandidateColumns:
    """Extract a chunk in this process, adding the roots it computed to `learned`."""
    found, roots = candidates_and_roots(chunk)
    learned.update(roots)
    progress.advance("items extracted", len(chunk))
    return found


def _result(future: Future[tuple[CandidateColumns, dict[str, str]]],
            chunk: Sequence[tuple[Any, ...]], learned: dict[str, str]) -> CandidateColumns:
    try:
        found, roots = future.result()
    except BrokenProcessPool:
        # A worker died (killed, out of memory): extract its chunk here rather than fail.
        return _here(chunk, learned)
    learned.update(roots)
    progress.advance("items extracted", len(chunk))
    return found


def default_workers() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def extract_pending(con: duckdb.DuckDBPyConnection, batch: int = 20_000,
                    workers: int | None = None) -> int:
    """Extract the topics of every item that has none yet. Returns the number of items done.
    A large backlog (a replay, a big ingest) is shared with `workers - 1` processes (default:
    the CPUs this process may use)."""
    if workers is None:
        workers = default_workers()
    done = 0
    while rows := sql.pending_items(con, batch):
        if not done:
            learn_roots(sql.word_roots(con))    # each word is stemmed once, ever
        progress.start("items extracted", len(rows))
        found, learned = extract_all(rows, workers)
        sql.save_mentions(con, [(r[0], r[4], r[5]) for r in rows], found)
        sql.save_word_roots(con, learned)
        done += len(rows)
    return done
