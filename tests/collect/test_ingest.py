"""Ingest against real local HTTP servers into real DuckDB files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.feeds import news_entries, rss, sources_toml
from trends.collect.ingest_job import ingest
from trends.config import load_config
from warehouse.db import open_warehouse


def config_for(write_config, server, feeds: dict[str, str], every: str = "15m") -> Path:
    return write_config(sources_toml(server, feeds, every=every))


def test_second_run_adds_nothing_and_uses_conditional_get(write_config, feed_server) -> None:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 5)))
    feed_server.add("/b.xml", rss("B", news_entries("b.example", 3)))
    config = load_config(config_for(write_config, feed_server, {"A": "/a.xml", "B": "/b.xml"}))
    with open_warehouse(config.warehouse.path) as con:
        first = ingest(con, config)
        assert first.new_items == 8
        assert con.execute("SELECT count(*) FROM items").fetchone() == (8,)
        second = ingest(con, config, force=True)
        assert second.new_items == 0
        assert {r.outcome for r in second.records} == {"not_modified"}
        assert con.execute("SELECT count(*) FROM items").fetchone() == (8,)
        log = con.execute(
            "SELECT outcome, count(*) FROM fetch_log GROUP BY 1 ORDER BY 1").fetchall()
        assert log == [("not_modified", 2), ("ok", 2)]
    conditional = [r for r in feed_server.requests if "If-None-Match" in r.headers
                   or "if-none-match" in {k.lower() for k in r.headers}]
    assert len(conditional) == 2


def test_items_are_normalized(write_config, feed_server) -> None:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 2)))
    config = load_config(config_for(write_config, feed_server, {"A": "/a.xml"}))
    with open_warehouse(config.warehouse.path) as con:
        ingest(con, config)
        row = con.execute("""SELECT summary, url, published_at, event_at <= fetched_at
                             FROM items ORDER BY title LIMIT 1""").fetchone()
    summary, url, published, clamped = row
    assert summary == "Berita 0 dari a.example & lain"        # tags gone, entities decoded
    assert url.startswith("https://a.example/berita/0")
    assert published.utcoffset().total_seconds() == 0 and clamped


def test_same_article_with_tracking_params_is_one_item(write_config, feed_server) -> None:
    a = [{"title": "Timnas menang", "link": "https://news.example/a/1?utm_source=x&utm_medium=rss"}]
    b = [{"title": "Timnas menang!", "link": "http://m.news.example/a/1/?fbclid=abc"}]
    feed_server.add("/a.xml", rss("A", a))
    feed_server.add("/b.xml", rss("B", b))
    config = load_config(config_for(write_config, feed_server, {"A": "/a.xml", "B": "/b.xml"}))
    with open_warehouse(config.warehouse.path) as con:
        assert ingest(con, config).new_items == 1


def test_a_broken_source_is_recorded_and_the_others_land(write_config, feed_server) -> None:
    feed_server.add("/good.xml", rss("Good", news_entries("good.example", 4)))
    feed_server.add("/down.xml", b"oops", status=500)
    feed_server.add("/gone.xml", b"not here", status=404)
    feed_server.add("/page.html", b"<html><body><h1>Welcome</h1></body></html>",
                    content_type="text/html")
    feed_server.add("/empty.xml", b"")
    feeds = {"good": "/good.xml", "down": "/down.xml", "gone": "/gone.xml",
             "page": "/page.html", "empty": "/empty.xml", "refused": "/x"}
    path = config_for(write_config, feed_server, feeds)
    # a port nobody listens on: the connection is refused
    text = path.read_text().replace(feed_server.url("/x"), "http://127.0.0.1:9/x")
    path.write_text(text)
    config = load_config(path)
    with open_warehouse(config.warehouse.path) as con:
        report = ingest(con, config)
        assert report.new_items == 4
        reasons = dict(con.execute("SELECT source, reason FROM fetch_log").fetchall())
        health = dict(con.execute("SELECT name, consecutive_failures FROM sources").fetchall())
    assert reasons == {"good": None, "down": "http_500", "gone": "http_404",
                       "page": "not_a_feed", "empty": "empty_body", "refused": "connection_error"}
    assert health == {"good": 0, "down": 1, "gone": 1, "page": 1, "empty": 1, "refused": 1}
    # transient failures are retried, permanent ones are not
    hits = [r.path for r in feed_server.requests]
    assert hits.count("/down.xml") == 3 and hits.count("/gone.xml") == 1


def test_poll_interval_is_honoured(write_config, feed_server) -> None:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 1)))
    config = load_config(config_for(write_config, feed_server, {"A": "/a.xml"}, every="1h"))
    with open_warehouse(config.warehouse.path) as con:
        assert len(ingest(con, config).records) == 1
        again = ingest(con, config)
        assert again.records == [] and again.skipped == ["A"]
        assert len(ingest(con, config, only="A").records) == 1   # asking by name always fetches


@pytest.mark.fixtures
def test_real_feeds_from_the_shared_fixtures(write_config, feed_server) -> None:
    from tests.conftest import FIXTURES

    files = sorted((FIXTURES / "samples").rglob("*.*")) + sorted(
        (FIXTURES / "tempo" / "ekonomi").glob("*.xml"))[100:103]
    feeds = {}
    for i, f in enumerate(files):
        feed_server.add(f"/f{i}", f.read_bytes(), content_type="application/xml")
        feeds[f.name] = f"/f{i}"
    path = config_for(write_config, feed_server, feeds)
    text = path.read_text().replace('kind = "rss"\nurl = "' + feed_server.url("/f0"),
                                    'kind = "google_trends"\nurl = "' + feed_server.url("/f0"))
    path.write_text(text)
    config = load_config(path)
    assert config.sources[0].kind == "google_trends" and "trending_rss" in config.sources[0].name
    with open_warehouse(config.warehouse.path) as con:
        report = ingest(con, config)
        assert not report.failed, [(r.source, r.reason, r.detail) for r in report.failed]
        per_source = dict(con.execute("SELECT source, count(*) FROM items GROUP BY 1").fetchall())
        trend = con.execute("""SELECT title, volume, json_array_length(extra->'news')
                               FROM items WHERE source = ? ORDER BY volume DESC, title LIMIT 1""",
                            [config.sources[0].name]).fetchone()
    assert all(per_source.get(name, 0) > 0 for name in feeds), per_source
    assert trend[1] >= 100 and trend[2] >= 2     # traffic parsed, every ht:news_item kept
