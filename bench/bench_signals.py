"""Trend signals at scale: a full recomputation over 1,000,000 items and 30 days, and the
incremental update after an ingest of 10,000 new items.

    python bench/bench_signals.py [--items 1000000] [--days 30] [--mentions 26] [--new 10000]
                                  [--db PATH] [--keep] [--text synthetic|tempo|both]

1. generate: items and their mentions are written straight into a fresh warehouse with DuckDB's
   own generators (`range`, `random`): `--mentions` topics per item (26 by default, a little
   above tempo.co's 23), drawn from a Zipf-like vocabulary of 2 million topics with a few
   stories bursting in the last days. Not timed.
2. full: in a fresh process, window_stats (DuckDB) + compute_signals (numpy) as of the end of
   the corpus, as the score stage runs them. Timed, with the peak RSS of that process (its
   /proc VmHWM; getrusage's ru_maxrss beside it).
3. incremental: in a fresh process, on a copy of the generated warehouse, 10,000 new items are
   stored as an ingest would (not timed), then what the score stage does with them as of an
   hour after the corpus ends, each part timed: the text analysis (topic extraction of the
   pending items, in this process and a forkserver worker per further CPU, one here, their
   start and exit included),
   storing their mentions (save_mentions), the signals (window_stats + compute_signals) and
   storing them (save_signals, in a transaction as score runs it); extract_pending's steps,
   called one by one so that each is timed. Two sums are printed: the update of the trend
   signals once the new items' topics are known (the target; the text analysis has its own
   figure, bench_topics.py), and the whole of it. Then, not part of the update, what an
   analyst asks next is timed: trending_now's top 20 and the top topic's candidate_timeline.
   The new items' text (--text): bench_topics' generator (58 words and ~40 topics an item,
   the cap: a stress case) and tempo.co's archive as ingest stores it (real news, ~23 topics an
   item, 6,134 distinct articles taken in turn; needs ../shared/fixtures). Each runs twice: on
   first contact with its words, and on a later day, when the warehouse has their roots
   (word_roots) from the first run, as one in use would.
   The generated warehouse is kept as <db>.base; --keep reuses it.

CPU seconds are printed beside wall times (the machine may be shared): this process, DuckDB's
threads and the extraction workers (children of the forkserver, counted once it is stopped).

Targets (issue 4): full <= 20 s and <= 2 GB; incremental update <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

END = datetime(2026, 11, 22, 5, tzinfo=UTC)
VOCABULARY = 2_000_000
TEMPO = ROOT.parent / "shared" / "fixtures" / "real" / "tempo"


def generate(db: Path, items: int, days: int, mentions: int) -> None:
    from warehouse.db import open_warehouse

    start = END - timedelta(days=days)
    span_us = days * 86_400_000_000
    with open_warehouse(db) as con:
        con.execute("""INSERT INTO sources (name, kind, url, every_seconds)
                       SELECT 'source ' || i, ['rss', 'rss', 'rss', 'reddit', 'google_trends',
                              'youtube'][i % 6 + 1], 'https://s' || i || '.example/feed', 900
                       FROM range(60) t(i)""")
        # Items in time order (as ingest writes them), so DuckDB's zone maps skip old blocks.
        con.execute("""
            INSERT INTO items (key, source, url, title, summary, language, volume, fetched_at,
                               event_at, extracted)
            SELECT 'item-' || i, 'source ' || (hash(i) % 60), 'https://x.example/' || i,
                   'title ' || i, '', 'id',
                   CASE WHEN hash(i) % 60 % 6 = 4 THEN (hash(i * 7) % 500000)::DOUBLE END,
                   ts, ts, TRUE
            FROM (SELECT i, $start::TIMESTAMPTZ + to_microseconds((i * ($span // $n))::BIGINT)
                         AS ts FROM range($n) t(i))""",
            {"start": start, "span": span_us, "n": items})
        # Zipf-like topics: exp(u * ln V) is log-uniform, so topic r has weight ~ 1/r. The last
        # three days carry a few bursting stories on top.
        con.execute("""
            INSERT INTO mentions
            SELECT DISTINCT ON (topic_id, item_key) topic_id, item_key, source, event_at FROM (
                SELECT CASE WHEN i.event_at > $end - INTERVAL 3 DAY AND j = 0
                                 AND random() < 0.3
                            THEN $v + 1 + hash(i.key) % 40
                            ELSE floor(exp(random() * ln($v))) END::INTEGER AS topic_id,
                       i.key AS item_key, i.source, i.event_at
                FROM items i, range($m) r(j))
            -- Extraction stores mentions batch by batch in event order; so does this, so that
            -- DuckDB's zone maps let a week's query skip the older blocks as they would.
            ORDER BY event_at""",
            {"end": END, "v": VOCABULARY, "m": mentions})
        con.execute("""
            -- Labels an officer could name (docs/labels.md), or no topic would be shown.
            INSERT INTO candidates
            SELECT topic_id, key, 'Zeta' || topic_id || ' Orion', 'phrase', first_seen_at,
                   last_seen_at
            FROM (SELECT candidate_id AS topic_id,
                         CASE WHEN candidate_id > $v THEN 'burst ' || (candidate_id - $v - 1)
                              ELSE 'topic ' || candidate_id END AS key,
                         min(event_at) AS first_seen_at, max(event_at) AS last_seen_at
                  FROM mentions GROUP BY candidate_id)""", {"v": VOCABULARY})
        con.execute("CHECKPOINT")


def full(db: Path) -> dict[str, float]:
    from trends.understand.signals.rules import SignalSettings
    from trends.understand.signals.vectorized import compute_signals
    from warehouse import understand as sql
    from warehouse.db import open_warehouse

    s = SignalSettings()
    with open_warehouse(db) as con:
        c0 = _cpu_s()
        t0 = time.perf_counter()
        stats = sql.window_stats(con, END, recent=s.recent, baseline_days=s.baseline_days,
                                 min_items=s.min_items, min_events=s.min_events,
                                 buckets=s.buckets)
        t1 = time.perf_counter()
        signals = compute_signals(stats, END, s)
        t2 = time.perf_counter()
        c2 = _cpu_s()
        states = {str(v["values"]): int(v["counts"])
                  for v in signals.table.column("state").value_counts().to_pylist()}
    return {"window_stats_s": t1 - t0, "compute_signals_s": t2 - t1, "total_s": t2 - t0,
            "cpu_s": c2 - c0,
            "topics": len(signals), "rss_mb": _peak_rss_mb(), "maxrss_mb": _maxrss_mb(),
            "states": states}  # type: ignore[dict-item]


def tempo_texts(count: int) -> list[tuple[str, str]]:
    """(title, summary) of the tempo.co archive's distinct articles as ingest stores them,
    taken in turn until `count`: real Indonesian news, ~23 topics an article."""
    import feedparser

    from trends.collect.sources.rss import entry_to_item
    from trends.config import SourceConfig

    source = SourceConfig(name="tempo", kind="rss", url="https://www.tempo.co/rss")
    seen: dict[tuple[str, str], None] = {}
    for path in sorted(TEMPO.rglob("*.xml")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            item = entry_to_item(entry, source=source, language="id")
            seen.setdefault((item.title, item.summary), None)
    if not seen:
        raise SystemExit(f"no tempo.co snapshots in {TEMPO}: use --text synthetic")
    texts = list(seen)
    return [texts[i % len(texts)] for i in range(count)]


def incremental(db: Path, new: int, text: str) -> dict[str, float]:
    from bench_topics import make_items

    from trends.understand.extract_job import default_workers, extract_all
    from trends.understand.nlp.stem import learn_roots
    from trends.understand.signals.rules import SignalSettings
    from trends.understand.signals.vectorized import compute_signals
    from warehouse import understand as sql
    from warehouse.db import open_warehouse

    s = SignalSettings()
    now = END + timedelta(hours=1)
    texts = make_items(new, 20261122) if text == "synthetic" else tempo_texts(new)
    with open_warehouse(db) as con:
        roots_known = con.execute("SELECT count(*) FROM word_roots").fetchone()[0]
        con.execute("""
            INSERT INTO items (key, source, url, title, summary, language, fetched_at, event_at)
            SELECT 'new-' || i, 'source ' || (i % 60), 'https://n.example/' || i, t.title,
                   t.summary, 'id', $now, $now - to_microseconds((i * 360000)::BIGINT)
            FROM (SELECT unnest($titles) AS title, unnest($summaries) AS summary,
                         generate_subscripts($titles, 1) - 1 AS i) t""",
            {"now": now, "titles": [t for t, _ in texts], "summaries": [b for _, b in texts]})
        con.execute("CHECKPOINT")
        load = os.getloadavg()[0]
        times, cpus = [time.perf_counter()], [_cpu_s()]

        def lap() -> None:
            times.append(time.perf_counter())
            cpus.append(_cpu_s())

        # extract_pending's steps, one by one.
        rows = sql.pending_items(con, new)
        learn_roots(sql.word_roots(con))
        found, roots = extract_all(rows, default_workers())
        _stop_forkserver()   # timed with the extraction: its exit adds its workers' CPU to ours
        lap()
        sql.save_mentions(con, [(r[0], r[4], r[5]) for r in rows], found)
        sql.save_word_roots(con, roots)
        lap()
        stats = sql.window_stats(con, now, recent=s.recent, baseline_days=s.baseline_days,
                                 min_items=s.min_items, min_events=s.min_events,
                                 buckets=s.buckets)
        lap()
        signals = compute_signals(stats, now, s)
        lap()
        # As the score stage does: in the run's transaction.
        con.execute("BEGIN TRANSACTION")
        sql.save_signals(con, now, signals.table, now)
        con.execute("COMMIT")
        lap()
        assert not sql.pending_items(con, 1)
        # What an analyst asks next (docs/sql.md), not part of the update: the stories
        # trending now, and the timeline of the strongest.
        t0 = time.perf_counter()
        top = con.execute("SELECT topic_key FROM trending_now ORDER BY rank LIMIT 20"
                          ).fetchall()[0][0]
        t1 = time.perf_counter()
        con.execute("""SELECT bucket, mentions, sources FROM candidate_timeline
                       WHERE candidate_key = ? AND grain = 'day' ORDER BY bucket""",
                    [top]).fetchall()
        t2 = time.perf_counter()
    steps = ("extract", "save_mentions", "window_stats", "compute_signals", "save_signals")
    out: dict[str, float] = {"extracted": len(rows), "topics": len(signals), "load": load,
                             "rss_mb": _peak_rss_mb(), "candidates": len(found.keys) / len(rows),
                             "roots_known": roots_known, "trending_now_s": t1 - t0,
                             "candidate_timeline_s": t2 - t1}
    for i, step in enumerate(steps):
        out[f"{step}_s"] = times[i + 1] - times[i]
        out[f"{step}_cpu_s"] = cpus[i + 1] - cpus[i]
    return out


def _stop_forkserver() -> None:
    """Stop multiprocessing's forkserver if extraction started one: the extraction workers are
    its children, not ours, so their CPU time reaches RUSAGE_CHILDREN only once it exits."""
    import multiprocessing.forkserver as fs

    server = getattr(fs, "_forkserver", None)
    stop = getattr(server, "_stop", None)   # private; absent in some Python versions
    if stop is not None:
        stop()


def _cpu_s() -> float:
    """CPU seconds of this process (all its threads, DuckDB's included) and of its reaped
    children (extraction workers): the machine is shared, so wall time alone misleads."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MB. ru_maxrss (kilobytes on Linux) survives exec, so a
    step started by a process that generated the corpus would report the generator's peak:
    /proc's VmHWM, the peak of this process image alone, is used where it exists."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, db: Path, *extra: str) -> dict[str, float]:
    """Run one step in a fresh process, so that its peak RSS is its own."""
    out = subprocess.run([sys.executable, __file__, "--step", step, "--db", str(db), *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _copy_roots(source: Path, target: Path) -> None:
    """The word roots stored in `source`, stored in `target` too."""
    from warehouse import understand as sql
    from warehouse.db import open_warehouse

    with open_warehouse(source) as con:
        roots = sql.word_roots(con)
    with open_warehouse(target) as con:
        sql.save_word_roots(con, roots)


def _report(inc: dict[str, float], what: str) -> None:
    def part(step: str) -> str:
        return f"{step} {inc[step + '_s']:.2f} s (CPU {inc[step + '_cpu_s']:.2f})"

    update = ("save_mentions", "window_stats", "compute_signals", "save_signals")
    update_s = sum(inc[f"{x}_s"] for x in update)
    print(f"incremental, {inc['extracted']:,} new items of {what}, {inc['candidates']:.1f} topics "
          f"an item, {inc['topics']:,} topics scored, peak RSS {inc['rss_mb']:,.0f} MB, load "
          f"average {inc['load']:.1f} at its start:\n  "
          + ", ".join(part(x) for x in ("extract", *update)))
    print(f"  update of the trend signals once the items' topics are known: {update_s:.2f} s "
          f"[target <= 3 s]; with the text analysis of the new items: "
          f"{update_s + inc['extract_s']:.2f} s")
    print(f"  then an analyst's queries: trending_now's top 20 {inc['trending_now_s']:.2f} s, "
          f"the strongest topic's candidate_timeline by day {inc['candidate_timeline_s']:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--mentions", type=int, default=26, help="topics per item")
    ap.add_argument("--new", type=int, default=10_000, help="items of the incremental ingest")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--keep", action="store_true", help="reuse <db>.base if it exists")
    ap.add_argument("--text", choices=("synthetic", "tempo", "both"), default="both",
                    help="the new items' text: bench_topics' generator (~40 topics an item, "
                         "the cap), tempo.co's archive (real news, ~23), or one run of each")
    ap.add_argument("--step", choices=("full", "incremental"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        result = (full(args.db) if args.step == "full"
                  else incremental(args.db, args.new, args.text))
        print(json.dumps(result))
        return 0
    db = args.db or Path(tempfile.mkdtemp(prefix="bench-signals-")) / "bench.duckdb"
    base = db.with_name(db.name + ".base")
    if not (args.keep and base.exists()):
        base.unlink(missing_ok=True)
        t0 = time.perf_counter()
        generate(base, args.items, args.days, args.mentions)
        print(f"generated {args.items:,} items x {args.mentions} mentions over {args.days} days "
              f"in {time.perf_counter() - t0:.1f} s "
              f"({base}, {base.stat().st_size / 2**20:,.0f} MB)")
    f = _child("full", base)     # it only reads (and applies new migrations)
    print(f"load average before the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"full recomputation: {f['total_s']:.2f} s (window_stats {f['window_stats_s']:.2f} s, "
          f"compute_signals {f['compute_signals_s']:.2f} s; CPU {f['cpu_s']:.2f} s), "
          f"{f['topics']:,} topics scored "
          f"{f['states']}, peak RSS {f['rss_mb']:,.0f} MB (getrusage ru_maxrss "
          f"{f['maxrss_mb']:,.0f} MB) "
          f"[target <= 20 s, <= 2048 MB]")
    first = db.with_name(db.name + ".first")
    for text in ("synthetic", "tempo") if args.text == "both" else (args.text,):
        for day in ("first", "later"):
            # The first run meets every word for the first time; a later day has them stored
            # (word_roots), as a warehouse in use would: the roots the first run learned.
            shutil.copyfile(base, db)
            if day == "later":
                _copy_roots(first, db)
            inc = _child("incremental", db, "--new", str(args.new), "--text", text)
            if day == "first":
                db.replace(first)
            _report(inc, f"{text} text, {day} contact with its words "
                         f"({inc['roots_known']:,} roots stored before)")
    first.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
