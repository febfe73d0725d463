"""Ingest benchmark: 500 feeds x 50 entries (25.7 MB) from a local server into a fresh DuckDB,
side by side with newsboat and the bare httpx + feedparser loops on the same server.

    .venv/bin/python bench/bench_ingest.py [--runs 5] [--corpus /tmp/feedbench-trends]
                                           [--baseline-runs 1] [--newsboat-runs 3]
                                           [--rss2email-runs 1]

Uses the shared tools in ../shared/bench/ as they are (never copied): `make_feeds.py` writes
the corpus (once; reused when present), `serve_feeds.py` serves it on 127.0.0.1 with
ETag/Last-Modified for 400 stable feeds and none for 100 volatile ones.

Each run, each phase a fresh process, as newsboat's figures are:

- `trends ingest`, as the user types it (the console script, no PREFECT_API_URL): cold on a
  new warehouse (migrations, all 500 sources fetched, parsed, normalized, grouped into
  stories, stored, the run recorded, the read snapshot published), then warm right after
  (`trends ingest --force`: 400 answer 304, 100 resend the same body). These whole-process
  wall times are the figures held against newsboat's (targets: cold at most 0.5x newsboat,
  warm at most 1.5 s).
- then, on that warehouse and its 3 clients: `trends score` once (it extracts the 25,000
  items, not timed), `trends score` again with nothing new (target 1.5 s) and
  `trends digest --dry-run` (target 1 s), each a whole process.
- in-process, beside them: a new process that calls `ingest()` on a new warehouse and exits:
  "process" is that process's wall time, "ingest() call" the call alone.

newsboat (reload-threads 8, the PEERS.md configuration; `apt-get install newsboat`) runs cold
in turns with the trends runs, so that both meet the same moments of a shared machine; then
rss2email (`run --no-send`, as PEERS.md; `apt-get install rss2email`) cold, and the baselines
of ../shared/bench/py_baseline.py (threads, and a process pool for parsing).
Medians of the runs; peak RSS is the largest process (the parent or one worker).
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
NEWSBOAT_CONFIG = ("reload-threads 8\nauto-reload no\nshow-read-feeds yes\n"
                   "download-timeout 60\nmax-items 0\n")
CLIENTS = """
[[clients]]
id = "kopi"
keywords = ["kopi", "ekonomi"]
[[clients]]
id = "tv"
keywords = ["film", "sepak bola"]
languages = ["id", "en"]
[[clients]]
id = "shop"
keywords = ["diskon", "belanja"]
"""


def one_phase(config_path: str) -> None:
    """In a fresh process: one ingest of every source; print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from trends.collect.ingest_job import ingest
    from trends.config import load_config
    from warehouse.db import open_warehouse

    config = load_config(config_path)
    with open_warehouse(config.warehouse.path) as con:
        cpu0 = _cpu()
        t0 = time.perf_counter()
        report = ingest(con, config, force=True)
        out = {
            "ingest_s": time.perf_counter() - t0,
            "cpu_s": _cpu() - cpu0,   # parent and workers (reaped when the run's pools close)
            "new_items": report.new_items,
            "outcomes": {o: sum(r.outcome == o for r in report.records)
                         for o in ("ok", "not_modified", "error")},
            "items": con.execute("SELECT count(*) FROM items").fetchone()[0],
            "stories": con.execute("SELECT count(DISTINCT story_key) FROM items").fetchone()[0],
        }
    out["rss_parent_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))


def _cpu() -> float:
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats?reset=1") as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f}" + (f" ({min(xs):.2f}-{max(xs):.2f})" if len(xs) > 1
                                             else "")


def timed(cmd: list[str], **kw: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - t0, proc


def timed_cpu(cmd: list[str], **kw: object) -> tuple[float, float,
                                                      subprocess.CompletedProcess[str]]:
    """`timed`, with the CPU seconds of the command (and of its children it waited for)."""
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, proc = timed(cmd, **kw)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime), proc


def tool_home(d: Path) -> dict[str, str]:
    """A fresh directory `d` holding a peer tool's home, and the environment that points the
    tool at it."""
    shutil.rmtree(d, ignore_errors=True)
    (d / "home").mkdir(parents=True)
    return dict(os.environ, HOME=str(d / "home"), XDG_CONFIG_HOME=str(d / "home/.config"),
                XDG_DATA_HOME=str(d / "home/.local/share"))


def trends_run(work: Path, config: Path, port: int) -> dict[str, object]:
    for name in ("trends.duckdb", "trends.duckdb.wal"):
        (work / name).unlink(missing_ok=True)
    out: dict[str, object] = {}
    for phase in ("cold", "warm"):
        stats(port)
        wall, proc = timed([sys.executable, __file__, "--one", str(config)])
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["process_s"] = wall
        res["server"] = stats(port)
        out[phase] = res
    return out


def trends_cli(work: Path, config: Path, port: int) -> dict[str, float]:
    """The commands as a user runs them, each a whole process, on a fresh warehouse."""
    shutil.rmtree(work / "cli", ignore_errors=True)
    trends = str(Path(sys.executable).with_name("trends"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    base = [trends, "--config", str(config)]
    out: dict[str, float] = {}
    # Wall time is the figure; CPU time (the command and its workers) is beside it, since on a
    # shared 2-core machine the wall time also measures the neighbours.
    for name, args in (("cold", ["ingest"]), ("warm", ["ingest", "--force"])):
        stats(port)
        out[name], out[f"{name}_cpu"], proc = timed_cpu(base + args, env=env)
        out[f"{name}_server_200"] = stats(port)["200"]
        assert "500 sources fetched" in proc.stdout, proc.stdout
    out["score_first"], _ = timed(base + ["score"], env=env)
    out["score_nothing_new"], out["score_nothing_new_cpu"], proc = timed_cpu(
        base + ["score"], env=env)
    assert "(0 items newly extracted)" in proc.stdout, proc.stdout
    out["digest_dry_run"], out["digest_dry_run_cpu"], proc = timed_cpu(
        base + ["digest", "--dry-run"], env=env)
    return out


def import_times(runs: int) -> dict[str, list[float]]:
    """Wall time of a bare interpreter, of one importing the CLI, and of one importing Prefect
    (what every command paid before one-off commands ran in process)."""
    out: dict[str, list[float]] = {}
    for name, code in (("python -c pass", "pass"), ("import trends.cli", "import trends.cli"),
                       ("import trends.runs + jobs", "import trends.runs, "
                        "trends.collect.ingest_job, trends.deliver.digest_job"),
                       ("import prefect", "import prefect")):
        out[name] = [timed([sys.executable, "-c", code])[0] for _ in range(runs)]
    return out


def newsboat_cold(work: Path, urls: Path, port: int) -> dict[str, object]:
    d = work / "newsboat"
    env = tool_home(d)
    (d / "config").write_text(NEWSBOAT_CONFIG)
    stats(port)
    wall, cpu, _ = timed_cpu(["newsboat", "-u", str(urls), "-c", str(d / "cache.db"), "-C",
                              str(d / "config"), "-x", "reload"], env=env)
    return {"process_s": wall, "server": stats(port), "cpu_s": cpu}


def rss2email_cold(work: Path, feeds: list[str], port: int) -> dict[str, object]:
    """rss2email 3 as PEERS.md runs it: `run --no-send` still fetches, parses and builds every
    message; only the sendmail call is skipped."""
    d = work / "rss2email"
    env = tool_home(d)
    sendmail = d / "sendmail"
    sendmail.write_text("#!/bin/sh\nexec cat >/dev/null\n")
    sendmail.chmod(0o755)
    (d / "rss2email.cfg").write_text(
        "[DEFAULT]\nfrom = bench@localhost.invalid\nto = bench@localhost.invalid\n"
        f"email-protocol = sendmail\nsendmail = {sendmail}\nfeed-timeout = 60\n"
        "same-server-fetch-interval = 0\n\n" + "".join(
            f"[feed.{f.replace('.', '_')}]\nurl = http://127.0.0.1:{port}/feeds/{f}\n\n"
            for f in feeds))
    stats(port)
    wall, cpu, _ = timed_cpu(["r2e", "-c", str(d / "rss2email.cfg"), "-d",
                              str(d / "rss2email.json"), "run", "--no-send"], env=env)
    return {"process_s": wall, "server": stats(port), "cpu_s": cpu}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", default="/tmp/feedbench-trends")
    ap.add_argument("--baseline-runs", type=int, default=1)
    ap.add_argument("--newsboat-runs", type=int, default=3)
    ap.add_argument("--rss2email-runs", type=int, default=1)
    ap.add_argument("--one", help=argparse.SUPPRESS)   # internal: one measured phase
    a = ap.parse_args()
    if a.one:
        one_phase(a.one)
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
        cli_config = work / "cli.toml"
        cli_config.write_text(config.read_text().replace(
            'path = "trends.duckdb"', 'path = "cli/trends.duckdb"') + CLIENTS)
        print(f"bench_ingest: {len(feeds)} feeds from {corpus} on 127.0.0.1:{port}; "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; {a.runs} runs")

        # trends and newsboat take turns, so that both meet the same moments of a shared machine
        runs, boats, clis = [], [], []
        have_newsboat = shutil.which("newsboat") is not None
        for i in range(max(a.runs, a.newsboat_runs if have_newsboat else 0)):
            if i < a.runs:
                c = trends_cli(work, cli_config, port)
                clis.append(c)
                print(f"  trends CLI run {i + 1}: `trends ingest` cold {c['cold']:.2f} s "
                      f"(CPU {c['cold_cpu']:.2f} s, {c['cold_server_200']:.0f} x 200), "
                      f"`trends ingest --force` warm {c['warm']:.2f} s (CPU "
                      f"{c['warm_cpu']:.2f} s, {c['warm_server_200']:.0f} x 200), first score "
                      f"{c['score_first']:.2f} s, score with nothing new "
                      f"{c['score_nothing_new']:.2f} s (CPU {c['score_nothing_new_cpu']:.2f} s),"
                      f" digest --dry-run {c['digest_dry_run']:.2f} s (CPU "
                      f"{c['digest_dry_run_cpu']:.2f} s); load {os.getloadavg()[0]:.2f}",
                      flush=True)
                r = trends_run(work, config, port)
                runs.append(r)
                c, w = r["cold"], r["warm"]
                print(f"  trends run {i + 1}: cold process {c['process_s']:.2f} s (ingest "  # type: ignore[index]
                      f"{c['ingest_s']:.2f} s, CPU {c['cpu_s']:.2f} s, {c['outcomes']}, "  # type: ignore[index]
                      f"{c['items']} items, {c['stories']} stories, server {c['server']}); "  # type: ignore[index]
                      f"warm process {w['process_s']:.2f} s (ingest {w['ingest_s']:.2f} s, "  # type: ignore[index]
                      f"{w['outcomes']}, server {w['server']}); peak RSS parent "  # type: ignore[index]
                      f"{max(c['rss_parent_mb'], w['rss_parent_mb']):.0f} MB, worker "  # type: ignore[index]
                      f"{max(c['rss_child_mb'], w['rss_child_mb']):.0f} MB")  # type: ignore[index]
            if have_newsboat and i < a.newsboat_runs:
                b = newsboat_cold(work, work / "urls.txt", port)
                boats.append(b)
                print(f"  newsboat run {i + 1}: cold {b['process_s']:.2f} s, "
                      f"CPU {b['cpu_s']:.2f} s, server {b['server']}")

        mails = []
        if shutil.which("r2e"):
            for i in range(a.rss2email_runs):
                m = rss2email_cold(work, feeds, port)
                mails.append(m)
                print(f"  rss2email run {i + 1}: cold {m['process_s']:.2f} s, "
                      f"CPU {m['cpu_s']:.2f} s, server {m['server']}")

        base = []
        for mode, extra in (("http", []), ("http-procs", ["--procs", "2"])):
            for _ in range(a.baseline_runs):
                state = work / f"{mode}.json"
                state.unlink(missing_ok=True)
                wall, cpu, proc = timed_cpu([sys.executable, str(SHARED / "py_baseline.py"),
                                             mode, "--urls", str(work / "urls.txt"),
                                             "--workers", "8", "--state", str(state), *extra])
                base.append((mode, wall, cpu, json.loads(proc.stdout.strip().splitlines()[-1])))

        def col(phase: str, key: str) -> list[float]:
            return [float(r[phase][key]) for r in runs]  # type: ignore[index]

        imports = import_times(max(3, a.runs))

        print(f"\n{'figure':<48} median (min-max) over {len(runs)} runs")
        rows = [
            ("`trends ingest` cold, whole process", [c["cold"] for c in clis], "s"),
            ("  its CPU (command and workers)", [c["cold_cpu"] for c in clis], "s"),
            ("`trends ingest --force` warm, whole process", [c["warm"] for c in clis], "s"),
            ("  its CPU", [c["warm_cpu"] for c in clis], "s"),
            ("`trends score` with nothing new", [c["score_nothing_new"] for c in clis], "s"),
            ("  its CPU", [c["score_nothing_new_cpu"] for c in clis], "s"),
            ("`trends digest --dry-run`, 3 clients", [c["digest_dry_run"] for c in clis], "s"),
            ("  its CPU", [c["digest_dry_run_cpu"] for c in clis], "s"),
            ("`trends score` extracting 25,000 items", [c["score_first"] for c in clis], "s"),
        ] + [(f"{name}", values, "s") for name, values in imports.items()] + [
            ("trends cold, whole process (start to exit)", col("cold", "process_s"), "s"),
            ("trends cold, ingest() call", col("cold", "ingest_s"), "s"),
            ("trends cold CPU (parent + workers)", col("cold", "cpu_s"), "s"),
            ("trends warm, whole process", col("warm", "process_s"), "s"),
            ("trends warm, ingest() call", col("warm", "ingest_s"), "s"),
            ("peak RSS, parent", [max(r["cold"]["rss_parent_mb"], r["warm"]["rss_parent_mb"])  # type: ignore[index]
                                  for r in runs], "MB"),
            ("peak RSS, largest worker", [max(r["cold"]["rss_child_mb"],  # type: ignore[index]
                                              r["warm"]["rss_child_mb"]) for r in runs], "MB"),
        ]
        if boats:
            rows.append((f"newsboat cold, reload-threads 8 ({len(boats)} runs)",
                         [float(b["process_s"]) for b in boats], "s"))  # type: ignore[arg-type]
        if mails:
            rows.append((f"rss2email cold, run --no-send ({len(mails)} runs)",
                         [float(m["process_s"]) for m in mails], "s"))  # type: ignore[arg-type]
        for label, values, unit in rows:
            print(f"{label:<48} {median(values)} {unit}")
        c0 = runs[0]["cold"]
        print(f"{'items stored / stories':<48} {c0['items']} / {c0['stories']}")  # type: ignore[index]
        if boats:
            boat = statistics.median([float(b["process_s"]) for b in boats])  # type: ignore[arg-type]
            ratio = statistics.median([c["cold"] for c in clis]) / boat
            print(f"{'`trends ingest` cold / newsboat cold':<48} {ratio:.2f} [target <= 0.50]")
            ratio = statistics.median(col("cold", "process_s")) / boat
            print(f"{'in-process ingest() cold / newsboat cold':<48} {ratio:.2f}")
        else:
            print("newsboat not installed here (apt-get install -y newsboat); PEERS.md (same "
                  "machine): newsboat reload-threads=8 cold 11.38 s")
        for mode, wall, cpu, res in base:
            print(f"baseline {mode:<10} cold: wall {wall:.2f} s, inner "
                  f"{res.get('inner_s', 0):.2f} s, CPU {cpu:.2f} s, entries {res.get('entries')}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
