"""Small feed documents built in code for tests."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from tests.conftest import FIXTURES

_HEADER = re.compile(rb"^Header:\s+([^:\r\n]+):([^\r\n]*)$", re.M)


def served_headers(body: bytes, path: Path) -> dict[str, str]:
    """The headers a corpus file asks for in its leading comment (`Header: Name: value`, as
    feedparser's test server reads them); a default Content-Type otherwise."""
    headers = {k.decode("latin-1").strip(): v.decode("latin-1").strip()
               for k, v in _HEADER.findall(body)}
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    default = "application/json" if path.suffix == ".json" else "application/xml"
    return {"Content-Type": ctype if ctype is not None else default, **headers}


def tempo_entries(count: int) -> list[tuple[str, str]]:
    """(title, summary as text) of the entries of the first `count` tempo.co Ekonomi
    snapshots in ../shared/fixtures."""
    out: list[tuple[str, str]] = []
    for path in sorted((FIXTURES / "tempo" / "ekonomi").glob("*.xml"))[:count]:
        for entry in feedparser.parse(path.read_bytes()).entries:
            summary = re.sub(r"<[^>]+>", " ", html.unescape(entry.get("summary", "")))
            out.append((entry.title, summary))
    return out


def rss(title: str, entries: list[dict[str, object]]) -> bytes:
    """An RSS 2.0 document; each entry has title, link, and optional guid, description, date."""
    items = []
    for e in entries:
        parts = [f"<title>{escape(str(e['title']))}</title>"]
        if e.get("link"):
            parts.append(f"<link>{escape(str(e['link']))}</link>")
        if e.get("guid"):
            parts.append(f"<guid>{escape(str(e['guid']))}</guid>")
        if e.get("description"):
            parts.append(f"<description>{escape(str(e['description']))}</description>")
        if e.get("date"):
            d = e["date"]
            assert isinstance(d, datetime)
            parts.append(f"<pubDate>{format_datetime(d)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>https://example.test/</link>"
            f"<description>test</description>{''.join(items)}</channel></rss>").encode()


def news_entries(site: str, n: int, now: datetime | None = None,
                 words: str = "Harga kopi arabika naik") -> list[dict[str, object]]:
    now = now or datetime.now(UTC)
    return [{"title": f"{words} {i}", "link": f"https://{site}/berita/{i}?utm_source=rss",
             "guid": f"{site}-{i}",
             "description": f"<p>Berita <b>{i}</b> dari {site} &amp; lain</p>",
             "date": now - timedelta(hours=i)} for i in range(n)]


def sources_toml(server: object, feeds: dict[str, str], *, warehouse: str = "trends.duckdb",
                 every: str | None = None) -> str:
    """A trends.toml with one `rss` source per name, served at its path by `server` (a
    FeedServer); callers append their own [[clients]]."""
    text = f'[warehouse]\npath = "{warehouse}"\n'
    for name, path in feeds.items():
        text += (f'\n[[sources]]\nname = "{name}"\nkind = "rss"\n'
                 f'url = "{server.url(path)}"\n')  # type: ignore[attr-defined]
        if every:
            text += f'every = "{every}"\n'
    return text
