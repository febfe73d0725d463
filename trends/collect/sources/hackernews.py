"""Hacker News: the front page as RSS, from hnrss.org (`https://hnrss.org/frontpage`,
`/newest?points=100`, `/best`...) or from news.ycombinator.com/rss.

An hnrss <item> links to the article, has the HN discussion in <comments> and <guid>, the
submitter in <dc:creator>, and a <description> such as
`<p>Article URL: ...</p><p>Comments URL: ...</p><p>Points: 312</p><p># Comments: 87</p>`.
Points are the volume and the comment count goes to `extra`; news.ycombinator.com/rss gives
neither, so its items have no volume. The link-only description is dropped from the summary
(it would only repeat URLs); the text of an Ask HN post is kept.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from trends.collect.normalize import clean_text, identify_entries, safe_link
from trends.collect.sources.base import Parsed
from trends.collect.sources.rss import entry_to_item, read_feed
from trends.config import SourceConfig
from trends.models import FeedItem

__all__ = ["parse"]

_POINTS = re.compile(r"\bPoints:\s*(\d+)", re.I)
_COMMENTS = re.compile(r"#\s*Comments:\s*(\d+)", re.I)
# hnrss's boilerplate paragraphs: everything else in the description is the post's own text.
_BOILERPLATE = re.compile(
    r"<p>\s*(Article URL|Comments URL|Points|#\s*Comments):.*?</p>", re.I | re.S)


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    d, warning = read_feed(body, content_type=content_type, url=url)
    items = [_item(e, source) for e in d.entries]
    identify_entries(items, d.feed.get("link"))
    return Parsed(items=items, warning=warning)


def _item(e: Any, source: SourceConfig) -> FeedItem:
    description = str(e.get("summary") or "")
    points = _count(_POINTS, description)
    comments = _count(_COMMENTS, description)
    item = entry_to_item(e, source=source, language=source.language or "en",
                         volume=float(points) if points is not None else None)
    own_text = clean_text(_BOILERPLATE.sub(" ", description))
    # news.ycombinator.com/rss has just '<a href="...">Comments</a>' as its description.
    item.summary = "" if own_text.lower() in ("", "comments") else own_text
    item.extra = {"points": points, "comments": comments,
                  "discussion": safe_link(e.get("comments")) or safe_link(e.get("id"))}
    return item


def _count(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(clean_text(text))
    return int(m.group(1)) if m else None
