"""Every source kind on a payload in its platform's real format, served over HTTP by a local
FeedServer and ingested into a real DuckDB file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA as TEST_DATA
from tests.conftest import ROOT
from trends.collect.ingest_job import ingest
from trends.collect.sources import (
    REGISTRY,
    bluesky_trending,
    google_news,
    mastodon_trends,
    wikipedia_top,
)
from trends.config import SourceConfig, load_config
from trends.errors import PermanentFetchError
from warehouse.db import open_warehouse

DATA = TEST_DATA / "sources"
JSON = "application/json; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def ingest_twice(write_config, feed_server, *, kind: str, body: bytes, content_type: str,
                 path: str = "/feed", url_path: str | None = None,
                 language: str | None = None) -> list[dict[str, Any]]:
    """Serve `body`, ingest it, serve it again with a trailing newline (new bytes, same
    content: the second fetch parses it again), check that the second run adds nothing, and
    return the stored items."""
    feed_server.add(path, body, content_type=content_type, etag=False)
    lang = f'language = "{language}"\n' if language else ""
    config = load_config(write_config(
        '[warehouse]\npath = "trends.duckdb"\n\n[[sources]]\nname = "src"\n'
        f'kind = "{kind}"\nurl = "{feed_server.url(url_path or path)}"\n{lang}'))
    with open_warehouse(config.warehouse.path) as con:
        first = ingest(con, config)
        assert not first.failed, [(r.reason, r.detail) for r in first.failed]
        feed_server.replace(path, body + b"\n")
        second = ingest(con, config, force=True)
        assert [r.outcome for r in second.records] == ["ok"]     # fetched and parsed again
        assert second.new_items == 0                              # ...and nothing new: stable keys
        cur = con.execute("""SELECT key, title, summary, url, author, language, volume,
                                    published_at, extra FROM items ORDER BY volume DESC NULLS LAST,
                                    published_at DESC, title""")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    assert first.new_items == len(rows) > 0
    for row in rows:
        row["extra"] = json.loads(row["extra"]) if row["extra"] else {}
    return rows


def source(kind: str, url: str = "https://example.test/", language: str | None = None,
           ) -> SourceConfig:
    return SourceConfig(name="src", kind=kind, url=url, language=language)


def test_every_configurable_kind_is_registered() -> None:
    from trends.config import SOURCE_KINDS

    assert set(SOURCE_KINDS) <= set(REGISTRY)


# rss: JSON Feed

def test_json_feed_through_the_rss_kind(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="rss",
                        body=(DATA / "jsonfeed_blog.json").read_bytes(),
                        content_type="application/feed+json")
    by_title = {r["title"]: r for r in rows}
    assert len(rows) == 3
    first = by_title["Kopi susu gula aren masih jadi favorit"]
    assert first["summary"] == ("Survei kecil kami: 7 dari 10 pembeli memilih kopi susu gula "
                                "aren.")
    assert first["author"] == "Sari Wulandari" and first["language"] == "id"
    assert first["published_at"] == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)   # +07:00 -> UTC
    # an item without a title takes its text, as RSS items do
    assert "Catatan pendek tanpa judul: stok biji Gayo datang besok." in by_title


def test_json_feed_sent_as_plain_text_and_a_json_error_page() -> None:
    body = (DATA / "jsonfeed_blog.json").read_bytes()
    parsed = REGISTRY["rss"].parse(body, source=source("rss"), content_type="text/plain",
                                   url="https://example.test/", fetched_at=datetime.now(UTC))
    assert len(parsed.items) == 3
    with pytest.raises(PermanentFetchError) as err:
        REGISTRY["rss"].parse(b'{"error": "rate limited"}', source=source("rss"),
                              content_type=JSON, url="https://example.test/",
                              fetched_at=datetime.now(UTC))
    assert err.value.reason == "not_a_feed"


# google_news

def test_google_news_request_url_sets_the_indonesian_edition() -> None:
    url = google_news.request_url(source("google_news",
                                         "https://news.google.com/rss/search?q=kopi+susu&hl=en"))
    assert url == "https://news.google.com/rss/search?q=kopi+susu&hl=id&gl=ID&ceid=ID:id"
    en = google_news.request_url(source("google_news", "https://news.google.com/rss/search?q=kopi",
                                        language="en"))
    assert en == "https://news.google.com/rss/search?q=kopi&hl=en-ID&gl=ID&ceid=ID:en"


def test_google_news_search(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="google_news",
                        body=(DATA / "google_news_kopi.xml").read_bytes(), content_type=RSS,
                        path="/rss/search", url_path="/rss/search?q=kopi")
    asked = [r.path for r in feed_server.requests]
    assert asked[0] == "/rss/search?q=kopi&hl=id&gl=ID&ceid=ID:id"
    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == {
        "Harga Kopi Robusta Lampung Tembus Rp 80.000 per Kg, Petani Semringah",
        "Kedai Kopi Lokal Ramai Jelang Nobar Timnas Indonesia",
        "Ekspor Kopi Indonesia ke Jepang Naik 12 Persen - Bisnis",   # only the publisher goes
    }
    kompas = by_title["Harga Kopi Robusta Lampung Tembus Rp 80.000 per Kg, Petani Semringah"]
    assert kompas["author"] == "Kompas.com"
    assert kompas["extra"] == {"publisher": "Kompas.com", "publisher_url": "https://www.kompas.com"}
    assert kompas["summary"] == ""                       # it only repeated title and publisher
    assert kompas["language"] == "id"
    cluster = by_title["Ekspor Kopi Indonesia ke Jepang Naik 12 Persen - Bisnis"]
    assert "Permintaan Kopi Specialty dari Asia Timur Melonjak" in cluster["summary"]


def test_split_publisher() -> None:
    assert google_news.split_publisher("A - B - Tempo.co", "Tempo.co") == ("A - B", "Tempo.co")
    assert google_news.split_publisher("Judul - CNN Indonesia", None) == ("Judul", "CNN Indonesia")
    assert google_news.split_publisher("Judul tanpa penerbit", None) == ("Judul tanpa penerbit",
                                                                         None)


# reddit and youtube: real feeds from the shared fixtures

@pytest.mark.fixtures
@pytest.mark.parametrize("kind,name", [("reddit", "reddit/reddit-atom.rss"),
                                       ("reddit", "reddit/reddit.rss"),
                                       ("youtube", "youtube/youtube_atom__feedjira.xml")])
def test_reddit_and_youtube_real_feeds(write_config, feed_server, kind: str, name: str) -> None:
    from tests.conftest import FIXTURES

    body = (FIXTURES / "samples" / name).read_bytes()
    rows = ingest_twice(write_config, feed_server, kind=kind, body=body,
                        content_type="application/atom+xml")
    assert all(r["title"] and r["published_at"] for r in rows)
    assert all(r["url"] is None or r["url"].startswith(("https://", "http://")) for r in rows)
    if kind == "youtube":
        assert all("youtube.com/watch" in r["url"] for r in rows)
    else:
        assert all("reddit.com/" in r["url"] for r in rows)


# hackernews

def test_hackernews_points_are_the_volume(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="hackernews",
                        body=(DATA / "hackernews_frontpage.xml").read_bytes(), content_type=RSS)
    assert [(r["title"], r["volume"]) for r in rows] == [
        ("DuckDB 2.0 released", 412.0),
        ("Ask HN: How do you monitor trends across social platforms?", 57.0),
        ("Show HN: A tiny OPML editor in the browser", 9.0),
    ]
    duck, ask = rows[0], rows[1]
    assert duck["url"] == "https://duckdb.org/2026/11/21/announcing-duckdb-200.html"
    assert duck["extra"] == {"points": 412, "comments": 138,
                             "discussion": "https://news.ycombinator.com/item?id=46021345"}
    assert duck["summary"] == "" and duck["author"] == "hfmuehleisen"
    assert ask["summary"].startswith("We run social media for a few brands in Jakarta")
    assert "Points" not in ask["summary"]


def test_hackernews_official_rss_has_no_points() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Hacker News</title>'
            b"<link>https://news.ycombinator.com/</link><item><title>Some story</title>"
            b"<link>https://example.org/story</link><pubDate>Sat, 21 Nov 2026 10:00:00 +0000"
            b"</pubDate><comments>https://news.ycombinator.com/item?id=1</comments>"
            b'<description><![CDATA[<a href="https://news.ycombinator.com/item?id=1">Comments</a>]]>'
            b"</description></item></channel></rss>")
    [item] = REGISTRY["hackernews"].parse(body, source=source("hackernews"), content_type=RSS,
                                          url="https://news.ycombinator.com/rss",
                                          fetched_at=datetime.now(UTC)).items
    assert item.volume is None and item.summary == ""
    assert item.extra["discussion"] == "https://news.ycombinator.com/item?id=1"


# mastodon_trends

def test_mastodon_trending_tags(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="mastodon_trends",
                        body=(DATA / "mastodon_trends_tags.json").read_bytes(),
                        content_type=JSON, path="/api/v1/trends/tags")
    # one item per tag and day with any use; #caturday had none this week
    assert sorted((r["title"], r["extra"]["day"], r["volume"], r["extra"]["accounts"])
                  for r in rows) == [
        ("#Harbolnas", "2026-11-17", 1.0, 1.0),
        ("#Harbolnas", "2026-11-20", 15.0, 12.0),
        ("#Harbolnas", "2026-11-21", 97.0, 61.0),
        ("#Harbolnas", "2026-11-22", 412.0, 188.0),
        ("#timnasday", "2026-11-22", 120.0, 73.0),
    ]
    assert all(r["url"].startswith("https://mastodon.social/tags/") for r in rows)
    # a finished day is dated at its end; today's count at the latest when it was fetched
    past = [r for r in rows if r["extra"]["day"] == "2026-11-21"][0]
    assert past["published_at"] == datetime(2026, 11, 21, 23, 59, 59, tzinfo=UTC)


def test_mastodon_trending_links(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="mastodon_trends",
                        body=(DATA / "mastodon_trends_links.json").read_bytes(),
                        content_type=JSON, path="/api/v1/trends/links")
    assert [(r["title"][:20], r["extra"]["day"], r["volume"]) for r in rows] == [
        ("BMKG peringatkan huj", "2026-11-22", 61.0),
        ("The new flagship pho", "2026-11-22", 33.0),
        ("BMKG peringatkan huj", "2026-11-21", 9.0),
    ]
    bmkg = rows[0]
    assert bmkg["url"].startswith("https://www.antaranews.com/berita/4801234/")
    assert bmkg["author"] == "ANTARA News" and bmkg["language"] == "id"
    assert bmkg["summary"].startswith("Badan Meteorologi")
    assert bmkg["extra"]["accounts"] == 54.0
    assert rows[1]["author"] == "Nadia Putri"


def test_mastodon_keys_follow_the_day() -> None:
    body = (DATA / "mastodon_trends_tags.json").read_bytes()
    at = datetime(2026, 11, 22, 5, tzinfo=UTC)
    a = mastodon_trends.parse(body, source=source("mastodon_trends"), content_type=JSON,
                              url="", fetched_at=at).items
    later = mastodon_trends.parse(body, source=source("mastodon_trends"), content_type=JSON,
                                  url="", fetched_at=at + timedelta(hours=6)).items
    assert [i.key for i in a] == [i.key for i in later]
    assert len({i.key for i in a}) == len(a)


@pytest.mark.parametrize("body", [b'{"error": "This method requires an authenticated user"}',
                                  b"[{\"id\": \"1\", \"content\": \"<p>a status</p>\"}]",
                                  b"<html>trends are disabled</html>"])
def test_mastodon_rejects_what_is_not_trends(body: bytes) -> None:
    with pytest.raises(PermanentFetchError) as err:
        mastodon_trends.parse(body, source=source("mastodon_trends"), content_type=JSON, url="",
                              fetched_at=datetime.now(UTC))
    assert err.value.reason == "not_a_feed"


# wikipedia_top

def test_wikipedia_request_url_fills_in_yesterday() -> None:
    now = datetime(2026, 11, 22, 3, tzinfo=UTC)
    base = "https://wikimedia.org/api/rest_v1/metrics/pageviews/top/id.wikipedia.org/all-access"
    for configured in (base + "/{date}", base, base + "/"):
        assert wikipedia_top.request_url(source("wikipedia_top", configured), now=now) == (
            base + "/2026/11/21")
    fixed = base + "/2026/08/17"
    assert wikipedia_top.request_url(source("wikipedia_top", fixed), now=now) == fixed


def test_wikipedia_top_articles(write_config, feed_server) -> None:
    # The configured URL ends in {date}; the server answers at yesterday's path only.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y/%m/%d")
    prefix = "/api/rest_v1/metrics/pageviews/top/id.wikipedia.org/all-access/"
    rows = ingest_twice(write_config, feed_server, kind="wikipedia_top",
                        body=(DATA / "wikipedia_top_id.json").read_bytes(), content_type=JSON,
                        path=prefix + yesterday, url_path=prefix + "{date}")
    assert [(r["title"], r["volume"]) for r in rows] == [
        ("Tim nasional sepak bola Indonesia", 98765.0),
        ("Hari Belanja Online Nasional", 45210.0),
        ("Star Wars: The Force Awakens", 11543.0),   # a colon alone is not a namespace
        ("Banjir Bekasi 2026", 8421.0),
        ("Kopi luwak", 5120.0),
    ]
    timnas = rows[0]
    assert timnas["url"] == "https://id.wikipedia.org/wiki/Tim_nasional_sepak_bola_Indonesia"
    assert timnas["language"] == "id"
    assert timnas["published_at"] == datetime(2026, 11, 21, 23, 59, 59, tzinfo=UTC)
    assert timnas["extra"] == {"article": "Tim_nasional_sepak_bola_Indonesia", "rank": 3,
                               "views": 98765.0, "day": "2026-11-21", "project": "id.wikipedia"}


@pytest.mark.parametrize("title,article", [
    ("Halaman_Utama", False), ("Istimewa:Pencarian", False), ("Special:Search", False),
    ("Wikipedia:Warung_Kopi", False), ("Berkas:Logo.png", False), ("Kategori:Kopi", False),
    ("Pembicaraan_Pengguna:Budi", False), ("User_talk:Budi", False), ("-", False),
    ("Kopi_luwak", True), ("Star_Wars:_The_Force_Awakens", True), ("Re:Zero", True),
])
def test_wikipedia_non_articles(title: str, article: bool) -> None:
    assert wikipedia_top.is_article(title) is article


def test_wikipedia_same_article_next_day_is_a_new_item() -> None:
    body = json.loads((DATA / "wikipedia_top_id.json").read_bytes())
    next_day = json.loads(json.dumps(body))
    next_day["items"][0]["day"] = "22"
    at = datetime(2026, 11, 23, 6, tzinfo=UTC)
    keys = [{i.key for i in wikipedia_top.parse(json.dumps(b).encode(),
                                                source=source("wikipedia_top"),
                                                content_type=JSON, url="", fetched_at=at).items}
            for b in (body, next_day)]
    assert len(keys[0]) == 5 and not keys[0] & keys[1]


# bluesky_trending

def test_bluesky_trending_topics(write_config, feed_server) -> None:
    rows = ingest_twice(write_config, feed_server, kind="bluesky_trending",
                        body=(DATA / "bluesky_trending_topics.json").read_bytes(),
                        content_type=JSON,
                        path="/xrpc/app.bsky.unspecced.getTrendingTopics")
    # rank-based volume; the "suggested" feeds are not trends and are not stored
    assert [(r["title"], r["volume"]) for r in rows] == [
        ("Harbolnas", 4.0), ("Timnas Indonesia vs Arab Saudi", 3.0), ("Banjir Bekasi", 2.0),
        ("Kopi Susu", 1.0)]
    assert rows[0]["url"] == "https://bsky.app/profile/trending.bsky.app/feed/815157883"
    assert rows[1]["extra"]["topic"] == "Timnas Indonesia"
    assert rows[3]["url"] == "https://bsky.app/search?q=kopi%20susu"


def test_bluesky_error_body_is_not_a_feed() -> None:
    with pytest.raises(PermanentFetchError) as err:
        bluesky_trending.parse(b'{"error": "InternalServerError", "message": "oops"}',
                               source=source("bluesky_trending"), content_type=JSON, url="",
                               fetched_at=datetime.now(UTC))
    assert err.value.reason == "not_a_feed" and "oops" in err.value.detail


def test_readme_has_a_loadable_example_of_every_kind(tmp_path: Path) -> None:
    from trends.config import SOURCE_KINDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml", readme.index("A config example per kind")) + len("```toml")
    block = readme[start:readme.index("```", start)]
    path = tmp_path / "trends.toml"
    path.write_text('[warehouse]\npath = "t.duckdb"\n' + block, encoding="utf-8")
    kinds = [s.kind for s in load_config(path).sources]
    assert sorted(kinds) == sorted(SOURCE_KINDS)
    for kind in SOURCE_KINDS:
        assert f"| `{kind}` |" in readme
