"""The interface every source kind implements.

A source kind is a module with two functions:

- `request_url(source) -> str`: the URL to GET for a configured source (most kinds use the
  configured URL as is; `google_news` builds a search URL from a query);
- `parse(body, *, source, content_type, url, fetched_at) -> Parsed`: bytes in, normalized
  `FeedItem`s out. It never does I/O, so it can run in a worker thread or process.

`parse` raises `PermanentFetchError` when the body is not a usable feed at all; a feed that is
only partly broken returns what it could read, with `warning` saying what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from trends.config import SourceConfig
from trends.models import FeedItem

__all__ = ["ParseFn", "Parsed", "SourceKind"]


@dataclass(slots=True)
class Parsed:
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None      # e.g. feedparser's bozo message on a partly broken feed


class ParseFn(Protocol):
    def __call__(self, body: bytes, *, source: SourceConfig, content_type: str, url: str,
                 fetched_at: datetime) -> Parsed: ...


@dataclass(frozen=True, slots=True)
class SourceKind:
    name: str
    parse: ParseFn
    request_url: Callable[[SourceConfig], str] = lambda source: source.url
