"""Mastodon trends: `GET /api/v1/trends/tags` and `GET /api/v1/trends/links` on any instance
with public trends (`https://mastodon.social/api/v1/trends/tags`).

Both answer a JSON array. A tag is `{"name", "url", "history": [{"day", "uses", "accounts"}]}`;
a link is a preview card (`url`, `title`, `description`, `provider_name`, `author_name`, ...)
with the same `history`. `history` covers the last seven UTC days, newest first, with `day`
as a unix time of the day's midnight and every count as a string.

One item per tag (or link) and per day with any use: the days before today give the topic a
baseline, so a tag that was quiet all week and busy today reads as rising. The key is the tag
(or link) and the day, so polling again the same day adds nothing and a new day adds one item.
`uses` is the volume; `accounts` (distinct people) is kept in `extra`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from trends.collect.normalize import clean_text, item_key, safe_link
from trends.collect.sources.base import Parsed
from trends.collect.sources.jsonapi import daily_count_time, load_json, to_number, utc_day
from trends.config import SourceConfig
from trends.errors import PermanentFetchError
from trends.models import FeedItem

__all__ = ["parse"]

_WHAT = "a JSON array from /api/v1/trends/tags or /api/v1/trends/links"


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    data = load_json(body, what=_WHAT)
    if not isinstance(data, list):
        # An instance with trends disabled, or an API error object such as {"error": "..."}.
        detail = data.get("error") if isinstance(data, dict) else None
        raise PermanentFetchError("not_a_feed", f"expected {_WHAT}"
                                  + (f"; the server said: {detail}"[:200] if detail else ""))
    items: list[FeedItem] = []
    skipped = 0
    for rank, entry in enumerate(data, start=1):
        shape = _shape(entry)
        if shape == "tag":
            items.extend(_tag_items(entry, rank, source, fetched_at))
        elif shape == "link":
            items.extend(_link_items(entry, rank, source, fetched_at))
        else:
            skipped += 1
    if data and skipped == len(data):
        raise PermanentFetchError("not_a_feed", f"expected {_WHAT}; found other objects")
    warning = f"{skipped} entries were neither tags nor links" if skipped else None
    return Parsed(items=items, warning=warning)


def _shape(entry: Any) -> str | None:
    """'tag' for a Tag entity, 'link' for a PreviewCard, None for anything else (a status...)."""
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("name"), str) and "title" not in entry:
        return "tag"
    if isinstance(entry.get("url"), str) and "title" in entry and "content" not in entry:
        return "link"
    return None


def _days(entry: dict[str, Any]) -> list[tuple[date, float, float | None]]:
    """(day, uses, accounts) for each day of the history with at least one use."""
    out = []
    history = entry.get("history")
    for h in history if isinstance(history, list) else []:
        if not isinstance(h, dict):
            continue
        day, uses = utc_day(h.get("day")), to_number(h.get("uses"))
        if day is not None and uses:
            out.append((day, uses, to_number(h.get("accounts"))))
    return out


def _tag_items(tag: dict[str, Any], rank: int, source: SourceConfig,
               fetched_at: datetime) -> list[FeedItem]:
    name = clean_text(str(tag["name"]), limit=200).lstrip("#")
    if not name:
        return []
    link = safe_link(tag.get("url"))
    items = []
    for day, uses, accounts in _days(tag):
        published = daily_count_time(day, fetched_at)
        items.append(FeedItem(
            key=item_key(url=None, guid=f"tag|{name.lower()}|{day.isoformat()}",
                         source=source.name, title=name, published=published),
            source=source.name,
            url=link,
            title=f"#{name}",
            summary="",   # the tag is the topic; generated prose would become topics too
            published_at=published,
            guid=f"{name}|{day.isoformat()}",
            language=source.language,
            volume=uses,
            extra={"type": "tag", "tag": name, "day": day.isoformat(), "uses": uses,
                   "accounts": accounts, "rank": rank},
        ))
    return items


def _link_items(card: dict[str, Any], rank: int, source: SourceConfig,
                fetched_at: datetime) -> list[FeedItem]:
    link = safe_link(card.get("url"))
    title = clean_text(card.get("title"), limit=500)
    if not link or not title:
        return []
    provider = clean_text(card.get("provider_name"), limit=200) or None
    author = clean_text(card.get("author_name"), limit=200) or None
    language = source.language or (card.get("language") if card.get("language") in ("id", "en")
                                   else None)
    items = []
    for day, uses, accounts in _days(card):
        published = daily_count_time(day, fetched_at)
        items.append(FeedItem(
            # Per link and day, not the link alone: the same article trending on two days is
            # two observations, and an article already stored from a news feed must not
            # swallow the Mastodon counts.
            key=item_key(url=None, guid=f"link|{link}|{day.isoformat()}", source=source.name,
                         title=title, published=published),
            source=source.name,
            url=link,
            title=title,
            summary=clean_text(card.get("description")),
            published_at=published,
            guid=f"{link}|{day.isoformat()}",
            author=author or provider,
            language=language,
            volume=uses,
            extra={"type": "link", "day": day.isoformat(), "uses": uses, "accounts": accounts,
                   "rank": rank, "provider": provider, "author": author,
                   "image": safe_link(card.get("image"))},
        ))
    return items
