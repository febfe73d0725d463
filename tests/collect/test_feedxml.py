"""trends.collect.sources.feedxml against feedparser: on every feed it accepts, the items are
exactly those feedparser's result gives; everything it is unsure of goes to feedparser."""

from __future__ import annotations

import random
import re
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from feedparser.datetimes import _parse_date

from tests.conftest import FIXTURES
from tests.feeds import served_headers
from trends.collect.normalize import repair_charset
from trends.collect.sources import feedxml, rss
from trends.config import SourceConfig
from trends.demo.world import build_world

URL = "http://127.0.0.1:8080/feeds/feed.xml"
RSS_HEAD = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'


def both(body: bytes, content_type: str = "application/rss+xml",
         url: str = URL) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]], bool]:
    """(feedxml's items or None if it declined, feedparser's items, languages agree)."""
    source = SourceConfig(name="s", kind="rss", url=url)
    fast = feedxml.read(body, content_type=content_type, url=url)
    d, _ = rss.read_feed(body, content_type=content_type, url=url)
    slow = [asdict(rss.entry_to_item(e, source=source, language=None)) for e in d.entries]
    if fast is None:
        return None, slow, True
    items = [asdict(rss.entry_to_item(e, source=source, language=None)) for e in fast[0]]
    same_language = (rss.feed_language(fast[1], source)
                     == rss.feed_language(d.feed.get("language"), source))
    return items, slow, same_language


@pytest.mark.fixtures
@pytest.mark.parametrize("every", [pytest.param(5, id="every-5th-file"),
                                   pytest.param(1, id="all", marks=pytest.mark.slow)])
def test_agrees_with_feedparser_on_every_real_feed_it_accepts(every: int) -> None:
    files = sorted(p for p in FIXTURES.rglob("*")
                   if p.is_file() and p.suffix not in (".md", ".tsv", ".json"))[::every]
    accepted, wrong = 0, []
    for path in files:
        raw = path.read_bytes()
        body, ctype, _ = repair_charset(raw, served_headers(raw, path)["Content-Type"])
        try:
            fast, slow, same_language = both(body, ctype, url=f"http://127.0.0.1:8080/{path.name}")
        except Exception:       # feedparser finds no feed: feedxml must have declined too
            assert feedxml.read(body, content_type=ctype, url=URL) is None, path
            continue
        if fast is None:
            continue
        accepted += 1
        if fast != slow or not same_language:
            wrong.append(str(path.relative_to(FIXTURES)))
    assert not wrong, wrong[:20]
    # not a test that passes by declining everything: the plain feeds are most of them,
    # tempo.co's year of snapshots included
    assert accepted > 1300 // every, accepted
    tempo = [p.read_bytes() for p in sorted((FIXTURES / "tempo").rglob("*"))[::every]
             if p.is_file()]
    assert all(feedxml.read(b, content_type="application/rss+xml", url=URL) is not None
               for b in tempo if b.strip())    # a few snapshots are empty files


def test_agrees_with_feedparser_on_the_demo_feeds() -> None:
    world = build_world(datetime(2026, 11, 20, 3, tzinfo=UTC))
    read = 0
    for feed in world.feeds.values():
        if feed.kind != "rss":
            continue
        fast, slow, same_language = both(feed.body, feed.content_type)
        if fast is not None:
            read += 1
            assert fast == slow and same_language, feed.name
    assert read >= 3


def rss_item(inner: str) -> bytes:
    return RSS_HEAD + f"<item>{inner}</item></channel></rss>".encode()


@pytest.mark.parametrize("inner", [
    # a permalink guid is the link unless a <link> says otherwise, in either order
    "<guid>https://a.example/1</guid><title>x</title>",
    '<guid isPermaLink="false">42</guid><link>https://a.example/2?a=1&amp;amp;b=2</link>',
    "<link>https://a.example/3</link><guid>https://a.example/other</guid>",
    "<guid>relative/4</guid>",
    "<link>/relative/5</link><guid>6</guid>",
    "<link></link><guid>https://a.example/7</guid>",
    '<guid isPermaLink="True">https://a.example/8</guid>',
    "<title> spaced  </title><pubDate>not a date</pubDate>",
    "<title>Ã©tÃ© \u0093quoted\u0094</title>",          # Latin-1 mis-decoding, cp1252 codes
    "<description>&lt;p&gt;html&lt;/p&gt;</description><content:encoded><![CDATA[<p>full</p>]]>"
    "</content:encoded>",
    "<content:encoded><![CDATA[<p>only content</p>]]></content:encoded>",
    "<dc:creator>Budi</dc:creator><dc:date>2025-11-02T10:00:00+07:00</dc:date>",
    "<author>budi@example.com (Budi)</author><pubDate>Sun, 02 Nov 2025 22:14:00 +0700</pubDate>",
    "<thumbnail>https://img.example/1.jpg</thumbnail><title>tempo style</title>",
])
def test_rss_fields_match_feedparser(inner: str) -> None:
    body = rss_item(inner).replace(
        b'<rss version="2.0">', b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/'
        b'modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">')
    fast, slow, _ = both(body)
    assert fast is not None, "declined a plain item"
    assert fast == slow


@pytest.mark.parametrize("entry", [
    '<title type="html">a &amp;lt;b&amp;gt;</title><link href="https://a.example/1"/>'
    "<id>https://a.example/id</id>",
    "<id>t3_abc</id><link rel=\"self\" href=\"https://a.example/self\"/>",
    '<link rel="alternate" type="text/html" href="/rel"/><updated>2025-11-19T01:44:00Z</updated>',
    "<author><name>Sari</name><email>sari@example.com</email></author>"
    '<summary type="text">s</summary><content type="html">&lt;p&gt;c&lt;/p&gt;</content>',
    '<content type="html">only content</content><published>2025-11-19T00:14:00Z</published>',
])
def test_atom_fields_match_feedparser(entry: str) -> None:
    body = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            b'xml:lang="id"><title>t</title><entry>' + entry.encode() + b"</entry></feed>")
    fast, slow, same_language = both(body, "application/atom+xml")
    assert fast is not None, "declined a plain entry"
    assert fast == slow and same_language


@pytest.mark.parametrize("body, content_type", [
    (rss_item("<title>x</title>"), "text/html"),                       # not served as XML
    (rss_item("<title>x</title>"), "application/xml; charset=iso-8859-1"),
    (rss_item("<title>x</title>").replace(b"utf-8", b"windows-1252"), "application/xml"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]>' + rss_item("<title>&a;</title>")
     [38:], "application/xml"),
    (rss_item("<title>x</title>").replace(b"<channel>", b'<channel xml:base="http://b/">'),
     "application/xml"),
    (rss_item("<title>a <b>bold</b></title>"), "application/xml"),      # markup in a field
    (rss_item("<title>a<!-- c -->b</title>"), "application/xml"),
    (rss_item("<title>a</title><title>b</title>"), "application/xml"),  # a field given twice
    (rss_item("<summary>s</summary>"), "application/xml"),              # feedparser handles it
    (rss_item('<x:title xmlns:x="urn:x">a</x:title>'), "application/xml"),
    (RSS_HEAD + b"<item><title>a</title></item></channel><item><title>b</title></item></rss>",
     "application/xml"),                                                 # an item elsewhere
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "application/xml"),
    (rss_item("<title>broken"), "application/xml"),
    (b"", "application/xml"),
])
def test_declines_what_it_cannot_read_exactly(body: bytes, content_type: str) -> None:
    assert feedxml.read(body, content_type=content_type, url=URL) is None


def test_a_declined_feed_is_still_read_by_feedparser() -> None:
    body = rss_item("<title>a <b>bold</b></title><link>https://a.example/x</link>")
    parsed = rss.parse(body, source=SourceConfig(name="s", kind="rss", url=URL),
                       content_type="application/rss+xml", url=URL,
                       fetched_at=datetime.now(UTC))
    assert [(i.title, i.url) for i in parsed.items] == [("a bold", "https://a.example/x")]


def test_never_expands_entities_or_reads_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://'
            + str(secret).encode() + b'">]><rss version="2.0"><channel><item><title>&x;</title>'
            b"</item></channel></rss>")
    assert feedxml.read(body, content_type="application/xml", url=URL) is None


_DATE_ELEMENT = re.compile(rb"<(pubDate|dc:date|published|updated)>([^<]{1,80})</\1>")


@pytest.mark.fixtures
def test_dates_as_feedparser_reads_them() -> None:
    found = {m.group(2).decode("utf-8", "replace").strip()
             for p in FIXTURES.rglob("*") if p.is_file()
             for m in _DATE_ELEMENT.finditer(p.read_bytes())}
    found |= {"Sun, 02 Nov 2025 22:14:00 +0700", "02 Nov 2025 22:14:00 -0530",
              "Mon, 31 Feb 2025 10:00:00 GMT", "2025-11-19T01:44:00Z",
              "2025-11-19T01:44:00.123+05:30", "2025-02-30T00:00:00Z", "2025-11-19", "yesterday"}
    assert len(found) > 1000
    direct = 0
    for value in found:
        assert feedxml.parse_date(value) == _parse_date(value), value
        direct += feedxml.parse_common_date(value) is not None
    assert direct > len(found) // 2      # the direct path is the one that runs


def test_links_resolve_as_feedparser_resolves_them() -> None:
    # the shortcuts in feedxml.resolve_uri against feedparser's own urljoin, on random URIs
    from feedparser.urls import _urljoin

    rnd = random.Random(2)
    heads = ["tag:", "urn:uuid:", "http:", "HTTP:", "https:", "mailto:", "", "a+b:", "1x:",
             "http://", "Http:", "https://h.x/", "http://h/p?"]
    chars = list("abtgurn:/?#[]x.\t\n -+HTTPS0;%")
    for base in ("http://127.0.0.1:8080/feeds/a.xml", "https://h.example/x/"):
        for _ in range(8_000):
            value = (rnd.choice(heads) + "".join(rnd.choice(chars)
                                                 for _ in range(rnd.randrange(8)))).strip()
            assert feedxml.resolve_uri(base, value) == (_urljoin(base, value) if value else ""), \
                (base, value)
