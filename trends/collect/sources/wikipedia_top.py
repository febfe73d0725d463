"""Wikipedia's most-read articles of a day, from the Wikimedia pageviews API:
`https://wikimedia.org/api/rest_v1/metrics/pageviews/top/id.wikipedia.org/all-access/{date}`.

The answer is `{"items": [{"project", "access", "year", "month", "day", "articles":
[{"article", "views", "rank"}, ...]}]}`, up to 1,000 articles with underscores for spaces.
A configured URL that ends in the literal `{date}`, or in no date at all, asks for yesterday
(UTC): the API publishes a day only once it is over. A URL with a fixed `YYYY/MM/DD` is used as
it is.

One item per article and day, views as the volume, dated at the end of that day (the count is
complete then). Pages that are not articles (the main page, search, files, categories, user and
talk pages, in Indonesian and English names) are skipped: they top every day's list.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from trends.collect.normalize import item_key
from trends.collect.sources.base import Parsed
from trends.collect.sources.jsonapi import daily_count_time, load_json, to_number
from trends.config import SourceConfig
from trends.errors import PermanentFetchError
from trends.models import FeedItem

__all__ = ["is_article", "parse", "request_url"]

_DATE_SUFFIX = re.compile(r"/\d{4}/\d{2}/(\d{2}|all-days)/?$")
_WHAT = "the JSON of /metrics/pageviews/top/{project}/{access}/YYYY/MM/DD"

# Main pages of id and en Wikipedia, and the "-" row the API uses for unknown titles.
_NOT_ARTICLES = frozenset({"halaman_utama", "main_page", "-", "undefined"})
# Namespace prefixes (before the first ':') of pages that are not encyclopedia articles.
_NAMESPACES = frozenset({
    "istimewa", "special", "wikipedia", "wp", "berkas", "file", "image", "gambar", "templat",
    "template", "kategori", "category", "portal", "bantuan", "help", "pengguna", "user",
    "mediawiki", "modul", "module", "media", "topik", "topic", "draf", "draft", "talk",
    "pembicaraan", "tl",
})


def request_url(source: SourceConfig, *, now: datetime | None = None) -> str:
    """The configured URL with yesterday's `YYYY/MM/DD` (UTC) when it ends in `{date}` or in no
    date; unchanged when it names a day."""
    url = source.url.strip()
    yesterday = ((now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=1)).date()
    stamp = yesterday.strftime("%Y/%m/%d")
    if url.endswith("{date}"):
        return url[: -len("{date}")] + stamp
    if _DATE_SUFFIX.search(url):
        return url
    return url.rstrip("/") + "/" + stamp


def parse(body: bytes, *, source: SourceConfig, content_type: str, url: str,
          fetched_at: datetime) -> Parsed:
    data = load_json(body, what=_WHAT)
    days = data.get("items") if isinstance(data, dict) else None
    if not isinstance(days, list) or not days:
        detail = data.get("detail") or data.get("title") if isinstance(data, dict) else None
        raise PermanentFetchError("not_a_feed", f"expected {_WHAT}"
                                  + (f"; the server said: {detail}"[:200] if detail else ""))
    items: list[FeedItem] = []
    for block in days:
        if isinstance(block, dict):
            items.extend(_day_items(block, source, fetched_at))
    return Parsed(items=items)


def is_article(title: str) -> bool:
    """False for the main page and for special, file, category, user, talk... pages."""
    if title.lower() in _NOT_ARTICLES:
        return False
    if ":" in title:
        prefix = title.split(":", 1)[0].lower()
        if (prefix in _NAMESPACES or prefix.startswith("pembicaraan")
                or prefix.endswith("talk") or prefix.endswith("_talk")):
            return False
    return True


def _day_items(block: dict[str, Any], source: SourceConfig,
               fetched_at: datetime) -> list[FeedItem]:
    try:
        day = date(int(block["year"]), int(block["month"]), int(block["day"]))
    except (KeyError, TypeError, ValueError):
        # "all-days" (a month's list) has no day: date it at the month's last day.
        try:
            first = date(int(block["year"]), int(block["month"]), 1)
        except (KeyError, TypeError, ValueError):
            return []
        day = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    project = str(block.get("project") or "id.wikipedia")
    host = project if project.endswith(".org") else f"{project}.org"
    language = source.language or (project.split(".", 1)[0]
                                   if project.split(".", 1)[0] in ("id", "en") else None)
    published = daily_count_time(day, fetched_at)
    articles = block.get("articles")
    items = []
    for a in articles if isinstance(articles, list) else []:
        if not isinstance(a, dict) or not isinstance(a.get("article"), str):
            continue
        article = a["article"].strip()
        if not article or not is_article(article):
            continue
        title = article.replace("_", " ")
        views = to_number(a.get("views"))
        items.append(FeedItem(
            # Per article and day: the same article in tomorrow's list is a new observation.
            key=item_key(url=None, guid=f"{project}|{article}|{day.isoformat()}",
                         source=source.name, title=title, published=published),
            source=source.name,
            url=f"https://{host}/wiki/{quote(article)}",
            title=title,
            summary="",   # the title is the topic; generated prose would become topics too
            published_at=published,
            guid=f"{article}|{day.isoformat()}",
            language=language,
            volume=views,
            extra={"article": article, "rank": a.get("rank"), "views": views,
                   "day": day.isoformat(), "project": project},
        ))
    return items
