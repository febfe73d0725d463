"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), read into feedparser's shapes.

feedparser 6.0 reads RSS and Atom only; a JSON Feed (`application/feed+json`, served by many
static site generators and by RSSHub with `?format=json`) comes back from it as "no feed".
This turns one into the `FeedParserDict` that feedparser would return, so `rss.parse`
normalizes its entries exactly like those of any other feed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from feedparser import FeedParserDict

__all__ = ["looks_like_json_feed", "parse_json_feed"]

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(body: bytes, content_type: str) -> bool:
    """True for a JSON body: by its first character (servers also send JSON Feed as text/plain
    or application/octet-stream), or by a JSON media type unless the body is plainly XML."""
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return first == b"{" or ("json" in content_type.lower() and first != b"<")


def parse_json_feed(body: bytes) -> FeedParserDict:
    """A FeedParserDict with `feed`, `entries`, `version` ('json1' or 'json11') and `bozo`."""
    result = FeedParserDict(feed=FeedParserDict(), entries=[], bozo=False, version="")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result["bozo"], result["bozo_exception"] = True, exc
        return result
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_VERSION_PREFIX):
        result["bozo"] = True
        result["bozo_exception"] = ValueError("JSON without a jsonfeed.org version")
        return result
    result["version"] = "json11" if data["version"].endswith("1.1") else "json1"
    result["feed"] = FeedParserDict(
        title=_str(data.get("title")), link=_str(data.get("home_page_url")),
        language=_str(data.get("language")), description=_str(data.get("description")))
    items = data.get("items")
    for it in items if isinstance(items, list) else []:
        if isinstance(it, dict):
            result["entries"].append(_entry(it))
    return result


def _entry(it: dict[str, Any]) -> FeedParserDict:
    e = FeedParserDict()
    if it.get("id") is not None:
        e["id"] = str(it["id"])   # must be a string, but some generators write numbers
    for key, target in (("title", "title"), ("url", "link"), ("summary", "summary")):
        if _str(it.get(key)):
            e[target] = _str(it.get(key))
    if "link" not in e and _str(it.get("external_url")):
        e["link"] = _str(it.get("external_url"))
    body = _str(it.get("content_html")) or _str(it.get("content_text"))
    if body:
        e["content"] = [FeedParserDict(value=body)]
    for key, target in (("date_published", "published_parsed"),
                        ("date_modified", "updated_parsed")):
        parsed = _rfc3339(it.get(key))
        if parsed is not None:
            e[target] = parsed.utctimetuple()
    authors: list[Any] = (it["authors"] if isinstance(it.get("authors"), list)
                          else [it.get("author")])
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    if any(names):
        e["author"] = ", ".join(n for n in names if n)
    return e


def _rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
