"""Start-up time of `trends --help` and `trends status` (target: under 0.5 s each).

Runs each command as a fresh process (as a user would) on a small real warehouse with a
published snapshot, and prints the best and median wall time, plus the modules that
`trends status` imports which it should not (Prefect, slack_sdk, nltk).

    python bench/bench_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """
[warehouse]
path = "data/trends.duckdb"
[[sources]]
name = "A"
kind = "rss"
url = "https://example.com/feed.xml"
[[clients]]
id = "kopi"
keywords = ["kopi"]
"""


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        config = Path(d) / "trends.toml"
        config.write_text(CONFIG, encoding="utf-8")
        from trends.config import load_config
        from warehouse.writer import open_writer

        with open_writer(load_config(config).warehouse):
            pass
        trends = [sys.executable, "-m", "trends.cli"]
        for name, cmd in (("trends --help", trends + ["--help"]),
                          ("trends status", trends + ["--config", str(config), "status"]),
                          ("trends sql", trends + ["--config", str(config), "sql",
                                                   "select count(*) from items"])):
            t = timed(cmd, args.runs)
            print(f"{name:14s} best {min(t):.3f} s  median {statistics.median(t):.3f} s")
        probe = ("import sys, trends.cli as c; c.main(['--config', sys.argv[1], 'status']); "
                 "print([m for m in ('prefect', 'slack_sdk', 'nltk', 'httpx', 'pyarrow') "
                 "if m in sys.modules], file=sys.stderr)")
        heavy = subprocess.run([sys.executable, "-c", probe, str(config)], check=True,
                               capture_output=True, text=True).stderr.strip()
        print(f"heavy modules imported by status: {heavy}")


if __name__ == "__main__":
    main()
