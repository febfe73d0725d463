"""Bluesky trending topics: `app.bsky.unspecced.getTrendingTopics` on the public AppView,
`https://public.api.bsky.app/xrpc/app.bsky.unspecced.getTrendingTopics`.

The answer is `{"topics": [{"topic", "link", "displayName"?, "description"?}],
"suggested": [...]}` in rank order; `link` is a path on bsky.app such as
`/profile/trending.bsky.app/feed/815157883`. `suggested` lists evergreen feeds ("Popular with
Friends"), not trends, so it is not stored.

The endpoint reports no counts, so the volume comes from the rank: with n topics, the first
scores n and the last 1. One item per topic and UTC day: polling again the same day adds
nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from trends.collect.normalize import clean_text, item_key, safe_link
from trends.collect.sources.base import Parsed
from trends.collect.sources.jsonapi import load_json
from trends.config import SourceConfig
from trends.errors import PermanentFetchError
from trends.models import FeedItem

__all__ = ["WEB_BASE", "parse"]

WEB_BASE = "https://bsky.app"
_WHAT = 'the JSON of app.bsky.unspecced.getTrendingTopics ({"topics": [...]})'


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    data = load_json(body, what=_WHAT)
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list):
        # XRPC errors are {"error": "...", "message": "..."}.
        detail = data.get("message") or data.get("error") if isinstance(data, dict) else None
        raise PermanentFetchError("not_a_feed", f"expected {_WHAT}"
                                  + (f"; the server said: {detail}"[:200] if detail else ""))
    valid = [t for t in topics if isinstance(t, dict) and isinstance(t.get("topic"), str)
             and t["topic"].strip()]
    day = fetched_at.astimezone(UTC).date().isoformat()
    items = [_item(t, rank, len(valid), day, source, fetched_at)
             for rank, t in enumerate(valid, start=1)]
    skipped = len(topics) - len(valid)
    return Parsed(items=items,
                  warning=f"{skipped} topics without a name were skipped" if skipped else None)


def _item(t: dict[str, Any], rank: int, count: int, day: str, source: SourceConfig,
          fetched_at: datetime) -> FeedItem:
    topic = clean_text(t["topic"], limit=300)
    title = clean_text(t.get("displayName"), limit=300) or topic
    link = t.get("link")
    # Relative paths are on the web app; an absolute link is kept only if it is http(s).
    url = safe_link(urljoin(WEB_BASE + "/", link)) if isinstance(link, str) and link else None
    return FeedItem(
        key=item_key(url=None, guid=f"{topic.lower()}|{day}", source=source.name, title=title,
                     published=fetched_at),
        source=source.name,
        url=url,
        title=title,
        summary=clean_text(t.get("description")),
        published_at=fetched_at,
        guid=f"{topic}|{day}",
        language=source.language,
        volume=float(count - rank + 1),
        extra={"topic": topic, "rank": rank, "of": count, "link": link, "day": day},
    )
