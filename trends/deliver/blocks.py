"""Block Kit pieces and the text rules every Slack message of trends follows: feed text
escaped (so that "<!channel> promo <https://evil|klik>" can neither ping a channel nor forge a
link), one line, clipped to Slack's limits without cutting an entity or a link in half. The
digest (`render`) and the alerts (`alert_job`) are built from these.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from trends.collect.normalize import safe_link
from trends.deliver.words import long_date
from trends.models import Article

__all__ = ["MAX_BLOCKS", "MAX_FALLBACK_TEXT", "MAX_HEADER_TEXT", "MAX_MESSAGE_TEXT",
           "MAX_SECTION_TEXT", "article_link", "clean", "clip", "context", "encode_url", "escape",
           "fits", "format_date", "header", "safe_url", "section"]

# Slack's documented limits.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
# Slack also rejects messages whose blocks hold roughly 13,000 characters in total
# (msg_blocks_too_long), which no document states; stay well under it.
MAX_MESSAGE_TEXT = 11_000
MAX_FALLBACK_TEXT = 300

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# Characters that would end a Slack link early or split its label off: percent-encode them.
_URL_UNSAFE = re.compile(r"[\s<>|\"`\x00-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape Slack's three control characters (&, <, >) as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_date(d: date, language: str = "en") -> str:
    """'Sunday 22 November 2026' ('Minggu, 22 November 2026' in Indonesian), independent of
    the process locale."""
    return long_date(d, language)


def clean(text: str) -> str:
    """One line of text: no control characters (no terminal escapes), no runs of whitespace."""
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def article_link(s: Article) -> str:
    # A "|" in the label would end it early in Slack's <url|label> syntax.
    title = escape(clean(s.title).replace("|", "-")) or "link"
    url = safe_url(s.url)
    link = f"<{url}|{title}>" if url else title
    return f"{link} ({escape(clean(s.source))})" if s.source else link


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside Slack's <url|label>, or None for any other URL."""
    checked = safe_link(url)
    return encode_url(checked).replace("&", "&amp;") if checked else None


def encode_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}]}


def fits(message: list[dict[str, Any]], group: list[dict[str, Any]]) -> bool:
    if not message:
        return True
    return (len(message) + len(group) <= MAX_BLOCKS
            and _size(message) + _size(group) <= MAX_MESSAGE_TEXT)


def _size(blocks: list[dict[str, Any]]) -> int:
    total = 0
    for b in blocks:
        if "text" in b:
            total += len(b["text"]["text"])
        for e in b.get("elements", ()):
            total += len(e.get("text", ""))
    return total


def clip(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to `limit` characters with "…", never inside an entity or a link."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    # Raw "&" and "<" only appear as entity and link openers once feed text is escaped.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut.rstrip() + "…"


def header(text: str) -> dict[str, Any]:
    """A header block: plain text, escaped and clipped to Slack's 150 characters."""
    return {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                       "text": clip(escape(clean(text)), MAX_HEADER_TEXT)}}
