"""Source kinds, one module each, and the registry that maps a config `kind` to its module."""

from __future__ import annotations

from trends.collect.sources import (
    bluesky_trending,
    google_news,
    google_trends,
    hackernews,
    mastodon_trends,
    rss,
    wikipedia_top,
)
from trends.collect.sources.base import Parsed, SourceKind
from trends.errors import ConfigError

REGISTRY: dict[str, SourceKind] = {
    "rss": SourceKind("rss", rss.parse),
    "reddit": SourceKind("reddit", rss.parse),
    "youtube": SourceKind("youtube", rss.parse),
    "google_trends": SourceKind("google_trends", google_trends.parse),
    "google_news": SourceKind("google_news", google_news.parse, google_news.request_url),
    "hackernews": SourceKind("hackernews", hackernews.parse),
    "mastodon_trends": SourceKind("mastodon_trends", mastodon_trends.parse),
    "wikipedia_top": SourceKind("wikipedia_top", wikipedia_top.parse, wikipedia_top.request_url),
    "bluesky_trending": SourceKind("bluesky_trending", bluesky_trending.parse),
}


def get_kind(name: str) -> SourceKind:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"source kind {name!r} is not implemented yet",
                          fix=f"use one of: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["REGISTRY", "Parsed", "SourceKind", "get_kind"]
