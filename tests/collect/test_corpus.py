"""feedparser's own test corpus, served over HTTP and ingested in one run.

Every file of ../shared/fixtures/real/feedparser-tests/ is served with the response headers its
leading comment names (`Header: Content-type: ...`, as feedparser's test server does) and is a
source of one ingest run. The run completes; for each file, our parser finds exactly the entries
feedparser finds when it parses the same bytes with the same headers, and every one of them is
stored (entries of one file that share a key, e.g. the same guid, are one item, and an item
already brought by another file is credited to this one too, in item_sources); a file that
yields nothing is an error row in fetch_log with a reason.
"""

from __future__ import annotations

import io

import feedparser
import pytest

from tests.conftest import FIXTURES
from tests.feeds import served_headers
from trends.collect.ingest_job import ingest
from trends.collect.normalize import identify_entries, repair_charset
from trends.collect.sources.rss import entry_to_item
from trends.config import SourceConfig, load_config
from warehouse.db import open_warehouse

CORPUS = FIXTURES / "feedparser-tests"


def expected_keys(body: bytes, headers: dict[str, str], url: str,
                  name: str) -> tuple[int, set[str]]:
    """What feedparser itself finds in the file: (entries, distinct item keys of those)."""
    response_headers = {k.lower(): v for k, v in headers.items()}
    # the pipeline resolves relative links against the URL it fetched, not a Content-Location
    # header (a few files set one): links, and so keys, are compared on that basis
    response_headers["content-location"] = url
    d = feedparser.parse(io.BytesIO(body), response_headers=response_headers,
                         sanitize_html=False, resolve_relative_uris=False)
    source = SourceConfig(name=name, kind="rss", url=url)
    items = [entry_to_item(e, source=source, language=None) for e in d.entries]
    identify_entries(items, d.feed.get("link"))
    return len(d.entries), {item.key for item in items}


@pytest.mark.fixtures
@pytest.mark.parametrize("every", [pytest.param(20, id="every-20th-file"),
                                   pytest.param(1, id="all", marks=pytest.mark.slow)])
def test_every_corpus_file_is_ingested_or_rejected_with_a_reason(
        write_config, feed_server, every: int) -> None:  # type: ignore[no-untyped-def]
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 2000
    files = files[::every]      # the default run: a seventh of every folder; -m slow: all
    sources, served = [], {}
    for i, path in enumerate(files):
        body = path.read_bytes()
        headers = served_headers(body, path)
        route = f"/f{i}"
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        # ETag/Last-Modified from the file win over the server's own validators
        feed_server.add(route, body, content_type=headers["Content-Type"], headers=extra or None)
        name = str(path.relative_to(CORPUS))
        sources.append((name, feed_server.url(route)))
        served[name] = (body, headers, feed_server.url(route))
    text = '[warehouse]\npath = "trends.duckdb"\n' + "".join(
        f'\n[[sources]]\nname = "{n}"\nkind = "rss"\nurl = "{u}"\n' for n, u in sources)
    config = load_config(write_config(text))
    with open_warehouse(config.warehouse.path) as con:
        report = ingest(con, config, workers=16, per_host=16)
        log = {r[0]: r[1:] for r in con.execute(
            "SELECT source, outcome, reason, entries, new_items FROM fetch_log").fetchall()}
        carried: dict[str, set[str]] = {}
        for key, source in con.execute("SELECT item_key, source FROM item_sources").fetchall():
            carried.setdefault(source, set()).add(key)
        orphans = con.execute("""SELECT count(*) FROM item_sources s
                                 ANTI JOIN items i ON i.key = s.item_key""").fetchone()
    assert len(report.records) == len(files) == len(log)
    assert orphans == (0,)
    wrong = []
    for name, (body, headers, url) in served.items():
        outcome, reason, entries, _ = log[name]
        # the run sees the bytes after repair_charset: so does the expectation
        fixed, ctype, _ = repair_charset(body, headers["Content-Type"])
        n, keys = expected_keys(fixed, {**headers, "Content-Type": ctype}, url, name)
        if outcome == "error":
            if reason is None or n > 0:
                wrong.append((name, "rejected", reason, n))
        elif name.endswith(".json"):
            # JSON Feed has its own reader (trends.collect.sources.jsonfeed); feedparser 6 finds no
            # entries in it: nothing feedparser finds may be missing, more is fine
            if entries < n or not keys <= carried.get(name, set()):
                wrong.append((name, "entries", entries, n))
        elif entries != n or carried.get(name, set()) != keys:
            wrong.append((name, "entries", entries, n, len(carried.get(name, ())), len(keys)))
    assert not wrong, wrong[:20]
    # the corpus is mostly feeds: most files are ingested, the rest are rejected with reasons
    ok = sum(1 for r in log.values() if r[0] == "ok")
    rejected = {r[1] for r in log.values() if r[0] == "error"}
    assert ok > len(files) // 2, (ok, rejected)
