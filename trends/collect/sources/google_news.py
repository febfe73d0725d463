"""Google News RSS: a search (`https://news.google.com/rss/search?q=kopi`), a topic or the top
stories, always in the Indonesian edition.

`request_url` keeps the configured path and query (`q`, `when`...) and sets the edition:
`hl=id&gl=ID&ceid=ID:id`, or `hl=en-ID&gl=ID&ceid=ID:en` (Indonesia's English edition) for a
source with `language = "en"`.

Each <item> is one article: its title ends in " - Publisher", its <source url="..."> names the
publisher, its <link> is a news.google.com redirect, and its <description> repeats the title
and the publisher as HTML (or lists a few related headlines). The publisher is kept as the
author and in `extra`, and stripped from the title so that the same headline from a news feed
reads the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trends.collect.normalize import clean_text, identify_entries, safe_link
from trends.collect.sources.base import Parsed
from trends.collect.sources.rss import entry_to_item, read_feed
from trends.config import SourceConfig
from trends.models import FeedItem

__all__ = ["parse", "request_url", "split_publisher"]

_EDITIONS = {
    "id": {"hl": "id", "gl": "ID", "ceid": "ID:id"},
    "en": {"hl": "en-ID", "gl": "ID", "ceid": "ID:en"},
}


def request_url(source: SourceConfig) -> str:
    """The configured URL with the Indonesian edition's `hl`, `gl` and `ceid`, other query
    parameters (the search `q` above all) kept as they are."""
    parts = urlsplit(source.url.strip())
    edition = _EDITIONS["en" if source.language == "en" else "id"]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in edition]
    query += list(edition.items())
    # ':' stays literal in ceid=ID:id, as Google writes it.
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe=":"), ""))


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    d, warning = read_feed(body, content_type=content_type, url=url)
    language = source.language or ("en" if str(d.feed.get("language", "")).startswith("en")
                                   else "id")
    items = [_item(e, source, language) for e in d.entries]
    identify_entries(items, d.feed.get("link"))
    return Parsed(items=items, warning=warning)


def split_publisher(title: str, publisher: str | None) -> tuple[str, str | None]:
    """'Harga kopi naik - Kompas.com' -> ('Harga kopi naik', 'Kompas.com'). Without a <source>
    the last ' - ' part is taken as the publisher only if it is short, like a site name."""
    if publisher and title.endswith(f" - {publisher}"):
        return title[: -len(publisher) - 3].rstrip(), publisher
    head, sep, tail = title.rpartition(" - ")
    if sep and head and not publisher and 0 < len(tail) <= 40:
        return head.rstrip(), tail.strip()
    return title, publisher


def _item(e: Any, source: SourceConfig, language: str) -> FeedItem:
    src = e.get("source") or {}
    publisher = clean_text(src.get("title"), limit=200) or None
    publisher_url = safe_link(src.get("href"))
    item = entry_to_item(e, source=source, language=language)
    title, publisher = split_publisher(item.title, publisher)
    # The description is usually just "<a>title</a>&nbsp;&nbsp;<font>publisher</font>": keep
    # it only when it says more (a cluster of related headlines).
    summary = item.summary
    if title and summary.startswith(title):
        rest = summary[len(title):].strip()
        if not rest or rest == publisher:
            summary = ""
    item.title, item.summary = title or item.title, summary
    item.author = publisher or item.author
    item.extra = {"publisher": publisher, "publisher_url": publisher_url}
    return item
