"""Ingest benchmark: 500 feeds x 50 entries (25.7 MB) from a local server into a fresh DuckDB.

    .venv/bin/python bench/bench_ingest.py [--runs 3] [--corpus /tmp/feedbench-trends]

Uses the shared tools in ../shared/bench/ as they are (never copied): `make_feeds.py` writes
the corpus (once; reused when present), `serve_feeds.py` serves it on 127.0.0.1 with
ETag/Last-Modified for 400 stable feeds and none for 100 volatile ones. Each run is a fresh
process (imports included in "wall", excluded from "ingest"):

- cold: `ingest` of all 500 sources into a new warehouse: fetch, parse, normalize, group
  into stories, store;
- warm: `ingest` again right after: 400 answer 304, 100 resend the same body.

Then the bare httpx + feedparser baselines of ../shared/bench/py_baseline.py run on the same
server (threads only, and with a process pool for parsing), and newsboat when installed.
Medians of --runs runs; peak RSS is the largest process (the parent or one parse worker).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"


def one_run(config_path: str) -> None:
    """In a fresh process: a cold ingest then a warm one; print their figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from trends.config import load_config
    from trends.ingest import ingest
    from warehouse.db import open_warehouse

    if os.environ.get("BENCH_LINKS_AFTER_PARSE"):
        _links_after_parse()
    config = load_config(config_path)
    out = {}
    with open_warehouse(config.warehouse.path) as con:
        for phase in ("cold", "warm"):
            cpu0 = _cpu()
            t0 = time.perf_counter()
            report = ingest(con, config, force=True)
            out[phase] = {
                "ingest_s": time.perf_counter() - t0,
                # parent and parse workers (reaped when the run's pool shuts down)
                "cpu_s": _cpu() - cpu0,
                "new_items": report.new_items,
                "outcomes": {o: sum(r.outcome == o for r in report.records)
                             for o in ("ok", "not_modified", "error")},
                "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        out["items"] = con.execute("SELECT count(*) FROM items").fetchone()[0]
        out["stories"] = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    print(json.dumps(out))


def _links_after_parse() -> None:
    """What-if for trends/sources/rss.py (not changed here): parse without a base URI and
    resolve only each entry's relative link afterwards. With a base URI (Content-Location)
    feedparser urljoins every link-like element of every entry: ~40% of its time on this
    corpus. Forked parse workers inherit the patch."""
    from urllib.parse import urljoin

    from trends.sources import rss

    original = rss.parse_feed

    def parse_feed(body: bytes, *, content_type: str, url: str) -> object:
        d = original(body, content_type=content_type, url="")
        for e in d.entries:
            link = e.get("link")
            if link and "://" not in link:
                e["link"] = urljoin(url, link)
        return d

    rss.parse_feed = parse_feed


def _cpu() -> float:
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats?reset=1") as r:
        return json.loads(r.read())


def median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f}" + (f" ({min(xs):.2f}-{max(xs):.2f})" if len(xs) > 1
                                             else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default="/tmp/feedbench-trends")
    ap.add_argument("--baseline-runs", type=int, default=1)
    ap.add_argument("--links-after-parse", action="store_true",
                    help="what-if: rss.parse_feed without a base URI (see _links_after_parse)")
    ap.add_argument("--one", help=argparse.SUPPRESS)   # internal: one measured run
    a = ap.parse_args()
    if a.one:
        one_run(a.one)
        return 0

    corpus = Path(a.corpus)
    if not (corpus / "manifest.json").exists():
        subprocess.run([sys.executable, str(SHARED / "make_feeds.py"), "--out", str(corpus)],
                       check=True)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    port_file = work / "port"
    server = subprocess.Popen([sys.executable, str(SHARED / "serve_feeds.py"), "--dir",
                               str(corpus), "--port", "0", "--port-file", str(port_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text())
        feeds = [x["file"] for x in json.loads((corpus / "manifest.json").read_text())["feeds"]]
        urls = [f"http://127.0.0.1:{port}/feeds/{f}" for f in feeds]
        (work / "urls.txt").write_text("\n".join(urls) + "\n")
        config = work / "trends.toml"
        config.write_text('[warehouse]\npath = "trends.duckdb"\n' + "".join(
            f'\n[[sources]]\nname = "{f}"\nkind = "rss"\nurl = "{u}"\n'
            for f, u in zip(feeds, urls)))

        print(f"bench_ingest: {len(feeds)} feeds from {corpus} on 127.0.0.1:{port}; "
              f"{os.cpu_count()} cores; {a.runs} runs")
        runs = []
        for i in range(a.runs):
            shutil.rmtree(work / "trends.duckdb", ignore_errors=True)
            (work / "trends.duckdb").unlink(missing_ok=True)
            (work / "trends.duckdb.wal").unlink(missing_ok=True)
            stats(port)
            t0 = time.perf_counter()
            env = dict(os.environ)
            if a.links_after_parse:
                env["BENCH_LINKS_AFTER_PARSE"] = "1"
            proc = subprocess.run([sys.executable, __file__, "--one", str(config)],
                                  capture_output=True, text=True, check=True, env=env)
            wall = time.perf_counter() - t0
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res["wall_s"] = wall
            res["server"] = stats(port)
            runs.append(res)
            print(f"  run {i + 1}: cold {res['cold']['ingest_s']:.2f} s, "
                  f"CPU {res['cold']['cpu_s']:.2f} s "
                  f"({res['cold']['new_items']} new items, {res['cold']['outcomes']}), "
                  f"warm {res['warm']['ingest_s']:.2f} s, CPU {res['warm']['cpu_s']:.2f} s "
                  f"({res['warm']['outcomes']}); "
                  f"process wall {wall:.2f} s; peak RSS parent "
                  f"{res['warm']['rss_parent_mb']:.0f} MB, worker "
                  f"{res['warm']['rss_child_mb']:.0f} MB; items {res['items']}, "
                  f"stories {res['stories']}; server {res['server']}")

        base = []
        for mode, extra in (("http", []), ("http-procs", ["--procs", "2"])):
            for _ in range(a.baseline_runs):
                state = work / f"{mode}.json"
                state.unlink(missing_ok=True)
                times = []
                for phase in ("cold", "warm"):
                    t0 = time.perf_counter()
                    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    proc = subprocess.run(
                        [sys.executable, str(SHARED / "py_baseline.py"), mode, "--urls",
                         str(work / "urls.txt"), "--workers", "8", "--state", str(state),
                         *extra], capture_output=True, text=True, check=True)
                    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    res = json.loads(proc.stdout.strip().splitlines()[-1])
                    res["cpu_s"] = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
                    times.append((phase, time.perf_counter() - t0, res))
                base.append((mode, times))

        rows = [
            ("trends cold ingest (in process)", [r["cold"]["ingest_s"] for r in runs], "s"),
            ("trends warm ingest (in process)", [r["warm"]["ingest_s"] for r in runs], "s"),
            ("trends cold CPU (parent + workers)", [r["cold"]["cpu_s"] for r in runs], "s"),
            ("trends warm CPU (parent + workers)", [r["warm"]["cpu_s"] for r in runs], "s"),
            ("trends process wall (imports+cold+warm)", [r["wall_s"] for r in runs], "s"),
            ("peak RSS, parent", [r["warm"]["rss_parent_mb"] for r in runs], "MB"),
            ("peak RSS, largest parse worker", [r["warm"]["rss_child_mb"] for r in runs], "MB"),
        ]
        print(f"\n{'figure':<42} median (min-max) over {len(runs)} runs")
        for label, values, unit in rows:
            print(f"{label:<42} {median(values)} {unit}")
        print(f"{'items stored / stories':<42} {runs[0]['items']} / {runs[0]['stories']}")
        for mode, times in base:
            for phase, wall, res in times:
                print(f"baseline {mode:<10} {phase}: wall {wall:.2f} s, inner "
                      f"{res.get('inner_s', 0):.2f} s, CPU {res['cpu_s']:.2f} s, "
                      f"entries {res.get('entries')}, "
                      f"status {res.get('status')}")
        if shutil.which("newsboat"):
            print("newsboat is installed: run `bash ../shared/bench/peers.sh` for its figures")
        else:
            print("newsboat not installed here; PEERS.md (same machine): newsboat "
                  "reload-threads=8 cold 11.38 s, warm-3rd 9.71 s")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
