"""The ingest flow's writer holds the DuckDB file only to plan and to store, never while the
feeds download: another process can open the live file in the middle of a slow fetch."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from tests.feeds import news_entries, rss, sources_toml
from trends.collect.ingest_job import ingest
from trends.config import load_config
from warehouse.writer import writer_session


def test_the_file_is_free_while_feeds_download(write_config, feed_server) -> None:
    feed_server.add("/fast.xml", rss("Fast", news_entries("fast.example", 3)))
    release = threading.Event()      # the slow feed answers when the test has looked
    feed_server.add("/slow.xml", rss("Slow", news_entries("slow.example", 2)), hold=release)
    config = load_config(write_config(
        sources_toml(feed_server, {"Fast": "/fast.xml", "Slow": "/slow.xml"})))
    done: list[int] = []

    def run() -> None:
        with writer_session(config.warehouse, wait=10) as writer:
            done.append(ingest(writer, config).new_items)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while not any(r.path == "/slow.xml" for r in feed_server.requests):
        assert time.monotonic() < deadline, "the slow feed was never requested"
        time.sleep(0.05)
    # Another process may open the live file (DuckDB refuses that while a writer holds it).
    probe = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; "
         "c = duckdb.connect(sys.argv[1], read_only=True); "
         "print(c.execute('select count(*) from sources').fetchone()[0])",
         str(config.warehouse.path)], capture_output=True, text=True, timeout=60)
    still_fetching = worker.is_alive()
    release.set()
    worker.join(timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "2" and still_fetching
    assert done == [5]
    # the run published its snapshot once it had stored
    assert config.warehouse.snapshot_path.exists()
