"""Publishing the read snapshot: a copied DuckDB file against Parquet files per table.

Builds a real warehouse (all migrations) with N items, 3 mentions per item, their topics and
a fetch log, then times, on the same file:

  copy      CHECKPOINT, copy the file to a temporary name, os.replace (what we ship)
  parquet   EXPORT DATABASE ... (FORMAT parquet) into a fresh folder, plus a small DuckDB file
            of views over the Parquet files, then swap the folder in
  attach    ATTACH a fresh DuckDB file and COPY FROM DATABASE into it, then os.replace

    python bench/bench_snapshot.py [--items 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from warehouse.db import open_warehouse
from warehouse.snapshot import publish


def build(path: Path, items: int) -> None:
    with open_warehouse(path) as con:
        con.execute("""
            INSERT INTO items (key, source, url, guid, title, summary, author, language, volume,
                               published_at, fetched_at, event_at, extra)
            SELECT 'https://news' || (i % 40) || '.example/a/' || i, 'Source ' || (i % 40),
                   'https://news' || (i % 40) || '.example/a/' || i, NULL,
                   'Judul berita nomor ' || i || ' tentang harga kopi dan Timnas Indonesia',
                   repeat('Ringkasan berita yang cukup panjang tentang topik hari ini. ', 4) || i,
                   NULL, CASE WHEN i % 3 = 0 THEN 'en' ELSE 'id' END, NULL,
                   TIMESTAMPTZ '2026-11-01' + to_seconds(i),
                   TIMESTAMPTZ '2026-11-01' + to_seconds(i),
                   TIMESTAMPTZ '2026-11-01' + to_seconds(i), NULL
            FROM range(?) t(i)""", [items])
        topics = max(1, items // 20)
        con.execute("""
            INSERT INTO topics SELECT i + 1, 'topik ' || i, 'Topik ' || i, 'phrase',
                TIMESTAMPTZ '2026-11-01', TIMESTAMPTZ '2026-11-20' FROM range(?) t(i)""", [topics])
        con.execute("""
            INSERT INTO topic_mentions
            SELECT (i * 7 + k) % ? + 1, 'https://news' || (i % 40) || '.example/a/' || i,
                   'Source ' || (i % 40), TIMESTAMPTZ '2026-11-01' + to_seconds(i)
            FROM range(?) t(i), range(3) r(k)""", [topics, items])
        con.execute("""
            INSERT INTO fetch_log (run_id, source, url, started_at, outcome, entries, new_items)
            SELECT 'run' || (i // 40), 'Source ' || (i % 40), 'https://x.example', now(), 'ok',
                   50, 5
            FROM range(?) t(i)""", [items // 50])


def time_copy(live: Path, out: Path) -> float:
    with open_warehouse(live) as con:
        t0 = time.perf_counter()
        publish(con, live, out / "copy" / "trends.duckdb")
        return time.perf_counter() - t0


def time_parquet(live: Path, out: Path) -> float:
    import duckdb

    with open_warehouse(live) as con:
        t0 = time.perf_counter()
        tmp = out / ".parquet.tmp"
        con.execute(f"EXPORT DATABASE '{tmp}' (FORMAT parquet)")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()]
        views = duckdb.connect(str(tmp / "views.duckdb"))
        for t in tables:
            views.execute(f"CREATE VIEW \"{t}\" AS SELECT * FROM read_parquet('{tmp / t}.parquet')")
        views.close()
        final = out / "parquet"
        old = out / ".parquet.old"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return time.perf_counter() - t0


def time_attach(live: Path, out: Path) -> float:
    with open_warehouse(live) as con:
        t0 = time.perf_counter()
        tmp = out / ".attach.tmp.duckdb"
        tmp.unlink(missing_ok=True)
        con.execute(f"ATTACH '{tmp}' AS snap")
        con.execute("COPY FROM DATABASE trends TO snap")
        con.execute("DETACH snap")
        os.replace(tmp, out / "attach.duckdb")
        return time.perf_counter() - t0


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    live = root / "trends.duckdb"
    t0 = time.perf_counter()
    build(live, args.items)
    print(f"built {args.items:,} items in {time.perf_counter() - t0:.1f} s; "
          f"warehouse {size(live) / 1e6:.0f} MB")
    for name, fn, result in (("copy", time_copy, root / "copy"),
                             ("parquet", time_parquet, root / "parquet"),
                             ("attach", time_attach, root / "attach.duckdb")):
        runs = [fn(live, root) for _ in range(args.repeat)]
        print(f"{name:8s} best {min(runs):.2f} s  worst {max(runs):.2f} s  "
              f"size {size(result) / 1e6:.0f} MB")
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
