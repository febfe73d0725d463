"""Benchmark: the daily digest of 50 clients against the local Slack-compatible server, with
Slack's real pacing (one message per second per channel) and a sparkline uploaded with each.

    .venv/bin/python bench/bench_digest.py [--clients 50] [--topics 5] [--chaos 0.05]

Prints the wall time of the whole delivery (build from the warehouse, render, post, upload),
the Slack calls made, and checks that every client got exactly one digest. The issue's target:
50 clients within 60 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.slack_server import SlackServer  # noqa: E402
from trends.config import Env, parse_config  # noqa: E402
from trends.deliver.digest_job import DIGEST_EVENT, run_digests  # noqa: E402
from trends.deliver.slack import SlackSender  # noqa: E402
from warehouse import decide as decide_sql
from warehouse.db import connect  # noqa: E402

TOKEN = "xoxb-bench"
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--topics", type=int, default=5)
    ap.add_argument("--chaos", type=float, default=0.0,
                    help="share of calls answered 500 (and as many 429 with Retry-After: 1)")
    ap.add_argument("--no-charts", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    config = parse_config({"warehouse": {"path": str(tmp / "b.duckdb")}, "clients": [
        {"id": f"client-{n:02d}", "name": f"Client {n}", "keywords": ["kopi"],
         "languages": ["id", "en"], "channel": f"#client-{n:02d}"}
        for n in range(args.clients)]}, tmp / "trends.toml")
    con = connect(config.warehouse.path)
    con.execute("""INSERT INTO candidates SELECT i + 1, 'topik ' || i, 'Topik ' || i, 'phrase',
                   TIMESTAMPTZ '2026-11-15 20:00:00+00', TIMESTAMPTZ '2026-11-22 02:00:00+00'
                   FROM range(5) t(i)""")
    con.execute("""INSERT INTO mentions SELECT i % 5 + 1, 'item' || i, 'detik',
                   TIMESTAMPTZ '2026-11-22 02:00:00+00' - to_hours(i % 150)
                   FROM range(3000) t(i)""")
    for c in config.clients:
        decide_sql.save_ideas(con, c.id, NOW.date(), NOW, [
            {"rank": r + 1, "topic_key": f"topik {r}", "topic_label": f"Topik {r}",
             "language": lang, "angle": "soft_sell", "platform": "instagram",
             "hook": "Lagi rame nih, kamu udah ikutan?" * 2,
             "caption": "Caption yang cukup panjang untuk sebuah ide posting. " * 4,
             "hashtags": ["#Kopi", "#Trending"], "urgency": "naik: posting hari ini",
             "why": "matches kopi in 4 headlines; rising +320%",
             "stories": [{"title": f"Berita {i}", "url": f"https://news.example/{i}",
                          "source": "detik", "published_at": None} for i in range(3)]}
            for r in range(args.topics) for lang in c.languages])
    with SlackServer(token=TOKEN) as slack:
        if args.chaos:
            slack.chaos(seed=1, error_rate=args.chaos, rate_limit_rate=args.chaos, retry_after=1)
        sender = SlackSender(TOKEN, base_url=slack.base_url, min_interval=1.0, backoff=0.5)
        start = time.perf_counter()
        report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender,
                             charts=not args.no_charts)
        elapsed = time.perf_counter() - start
        parents = [m for m in slack.messages if m["thread_ts"] is None
                   and (m.get("metadata") or {}).get("event_type") == DIGEST_EVENT]
        ids = Counter(m["metadata"]["event_payload"]["id"] for m in parents)
        calls = Counter(m for m, _ in slack.calls)
    con.close()
    print(f"clients {args.clients}, topics {args.topics} x 2 languages, charts "
          f"{'off' if args.no_charts else 'on'}, chaos {args.chaos:g}")
    print(report.text() + f"; charts uploaded {len(report.charts)}")
    print("slack calls: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
    print(f"messages {len(slack.messages)} (digests {len(parents)}, "
          f"thread replies {len(slack.messages) - len(parents)}, "
          f"distinct {len(ids)}, duplicates {sum(v - 1 for v in ids.values())})")
    print(f"wall time {elapsed:.1f} s for {args.clients} clients "
          f"({elapsed / max(1, args.clients) * 1000:.0f} ms per client); target 60 s")
    ok = len(ids) == args.clients and all(v == 1 for v in ids.values()) and elapsed < 60
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
