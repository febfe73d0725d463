"""Normalization of feed entries: clean text, canonical links, UTC times, stable keys."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d|p|div|li)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")

# Query parameters that identify a campaign or a click, never the article itself.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "oly_")
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "si",
    "ref", "ref_src", "ref_url", "cmpid", "cmp", "_ga", "spm", "share", "source",
    "rss", "xtor", "amp", "outputtype", "mibextid", "s_cid", "tracking",
})
_MOBILE_HOST = re.compile(r"^(m|mobile|amp|www)\.")


def clean_text(value: str | None, limit: int = 4000) -> str:
    """Plain text from a feed's HTML: tags dropped, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    if "<" in value:
        value = _SCRIPT.sub(" ", value)
        value = _BREAK.sub(" ", value)
        value = _TAG.sub("", value)
    # Twice: feeds often double-escape ("&amp;amp;"), and plain text never contains an entity.
    value = html.unescape(html.unescape(value)) if "&" in value else value
    value = _SPACE.sub(" ", value).strip()
    return value[:limit]


def canonical_url(url: str | None) -> str | None:
    """The article's identity: http(s) only, tracking parameters, fragments and AMP/mobile
    variants folded away. Returns None for links we must never store (javascript:, data:...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    host = _MOBILE_HOST.sub("", host)
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    for suffix in ("/amp", "/amp/", ".amp"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            break
    if path.startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    # https and http are the same article; keep https as the form we show.
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


def safe_link(url: str | None) -> str | None:
    """The link as published, if it is http(s); None for javascript:, data: and the like."""
    if not url:
        return None
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return url if scheme in ("http", "https") else None


def struct_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed fields are UTC struct_time; turn them into aware datetimes."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def item_key(*, url: str | None, guid: str | None, source: str, title: str,
             published: datetime | None) -> str:
    """A stable dedup key. The canonical link identifies an article across sources; without one,
    the guid within its source; without that, the title and date within its source."""
    canon = canonical_url(url)
    if canon:
        basis = "u|" + canon
    elif guid:
        basis = f"g|{source}|{guid.strip()}"
    else:
        stamp = published.isoformat() if published else ""
        basis = f"t|{source}|{title.strip().lower()}|{stamp}"
    return hashlib.sha1(basis.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def utcnow() -> datetime:
    return datetime.now(UTC)
