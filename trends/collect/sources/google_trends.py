"""Google Trends "trending now" RSS (`https://trends.google.com/trending/rss?geo=ID`).

Each <item> is a search query. feedparser keeps only the last of its several <ht:news_item>
children, so the ht: namespace is read with a small XML parser instead. The items have no
guid and their <link> is the feed itself, so the key is the query and its day; `pubDate` is US
Pacific time; `ht:approx_traffic` ("20.000+", "2,000+", "100K+") becomes the item's volume.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from trends.collect.normalize import clean_text, item_key, safe_link
from trends.collect.sources.base import Parsed
from trends.config import SourceConfig
from trends.errors import PermanentFetchError
from trends.models import FeedItem

__all__ = ["parse", "parse_traffic"]

_TRAFFIC = re.compile(r"([\d.,]+)\s*([KkMm]|rb|ribu|jt|juta)?\+?")
_MULTIPLIERS = {"k": 1e3, "rb": 1e3, "ribu": 1e3, "m": 1e6, "jt": 1e6, "juta": 1e6}


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    try:
        root = SafeET.fromstring(body)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise PermanentFetchError("not_a_feed", f"{type(exc).__name__}: {exc}"[:300]) from exc
    items = [_item(el, source, fetched_at) for el in root.iter() if _local(el.tag) == "item"]
    if not items and _local(root.tag) not in ("rss", "feed", "RDF"):
        raise PermanentFetchError("not_a_feed", f"root element <{_local(root.tag)}>")
    return Parsed(items=[i for i in items if i is not None])


def parse_traffic(text: str | None) -> float | None:
    """'20.000+' / '2,000+' / '200K+' / '1 jt+' -> a number. Thousands separators differ by
    locale, so a separator followed by exactly three digits is a thousands separator."""
    if not text:
        return None
    m = _TRAFFIC.search(text.replace(" ", ""))
    if not m:
        return None
    digits, unit = m.group(1), (m.group(2) or "").lower()
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        number = float(re.sub(r"[.,]", "", digits))
    else:
        try:
            number = float(digits.replace(",", "."))
        except ValueError:
            return None
    return number * _MULTIPLIERS.get(unit, 1.0)


def _item(el: Element, source: SourceConfig, fetched_at: datetime) -> FeedItem | None:
    title = clean_text(_text(el, "title"), limit=300)
    if not title:
        return None
    published = _date(_text(el, "pubDate")) or fetched_at
    news = [_news_item(n) for n in el if _local(n.tag) == "news_item"]
    summary = " · ".join(n["title"] for n in news if n["title"])
    day = published.date().isoformat()
    return FeedItem(
        # The same query trends again on another day: that is a new item, the same day is not.
        key=item_key(url=None, guid=f"{title.lower()}|{day}", source=source.name, title=title,
                     published=published),
        source=source.name,
        url=None,
        title=title,
        summary=summary,
        published_at=published,
        guid=None,
        language=source.language,
        volume=parse_traffic(_text(el, "approx_traffic")),
        extra={"query": title, "news": news, "picture": _text(el, "picture") or None},
    )


def _news_item(el: Element) -> dict[str, Any]:
    return {
        "title": clean_text(_text(el, "news_item_title"), limit=300),
        "snippet": clean_text(_text(el, "news_item_snippet"), limit=500),
        "url": safe_link(_text(el, "news_item_url")),
        "source": clean_text(_text(el, "news_item_source"), limit=100),
    }


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError):
        return None
    if value.tzinfo is None:   # no offset given: Google writes these in US Pacific time
        from zoneinfo import ZoneInfo
        value = value.replace(tzinfo=ZoneInfo("America/Los_Angeles"))
    return value.astimezone(UTC)


def _text(el: Element, name: str) -> str:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
