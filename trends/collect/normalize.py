"""Normalization of feed entries: clean text, canonical links, UTC times, stable keys."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trends.models import FeedItem

__all__ = ["canonical_url", "clean_text", "identify_entries", "item_key", "repair_charset",
           "safe_link", "slack_time", "struct_to_utc", "utcnow"]

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d|p|div|li)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_UNKNOWN_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]{0,31};")
# C0 controls that are not whitespace, DEL and C1, bidi embeddings, overrides and isolates,
# marks, zero-width space, BOM. Zero-width joiners stay: emoji and some scripts need them.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x9f\u061c\u200b\u200e\u200f"
                        "\u202a-\u202e\u2066-\u2069\ufeff]")

# Query parameters that identify a campaign or a click, never the article itself.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "oly_", "fb_action_", "wt_", "itm_")
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "si",
    "ref", "ref_src", "ref_url", "cmpid", "cmp", "_ga", "spm", "share", "source",
    "rss", "xtor", "amp", "outputtype", "mibextid", "s_cid", "tracking",
    # Microsoft/MSN, Twitter, Branch, Yahoo and the share buttons of Indonesian news sites
    "ocid", "ncid", "fb_source", "ref_source", "src", "_branch_match_id", "guccounter",
    "sr_share", "utm", "page_from", "tag_from", "single", "at_medium", "at_campaign",
})
# http(s)://host...; brackets (IPv6, or a ValueError) and the tabs and newlines urlsplit drops
# are left to urlsplit.
_PLAIN_HTTP = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]")
_SPLIT_QUIRKS = re.compile(r"[\[\]\t\r\n]")
_MOBILE_HOST = re.compile(r"^(m|mobile|amp|www)\.")


def clean_text(value: str | None, limit: int = 4000) -> str:
    """Plain text from a feed's HTML: tags dropped, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    if "<" in value:
        value = _SCRIPT.sub(" ", value)
        value = _BREAK.sub(" ", value)
        value = _TAG.sub("", value)
    if "&" in value:
        # Twice: feeds often double-escape ("&amp;amp;"), and plain text never contains an
        # entity; one left after that is unknown (an undeclared "&xxe;"): not text, dropped.
        value = _UNKNOWN_ENTITY.sub(" ", html.unescape(html.unescape(value)))
    # Control and invisible formatting characters: a right-to-left override (U+202E) would
    # reverse a headline on screen, a NUL or an escape code would reach a terminal.
    value = _INVISIBLE.sub("", value)
    # str.split() splits on the same Unicode whitespace as the regex \s+, 10x faster
    return " ".join(value.split())[:limit]


@lru_cache(maxsize=65536)
def canonical_url(url: str | None) -> str | None:
    """The article's identity: http(s) only, tracking parameters, fragments and AMP/mobile
    variants folded away. Returns None for links we must never store (javascript:, data:...).
    Cached: an entry's link is canonicalized for its key and again for its url."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port        # raises ValueError on a port out of range
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not hostname:
        return None
    host = _MOBILE_HOST.sub("", hostname.rstrip("."))    # .hostname is lower-case already
    netloc = f"{host}:{port}" if port not in (None, 80, 443) else host
    path = parts.path or "/"
    for suffix in ("/amp", "/amp/", ".amp"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            break
    if path.startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/")
    query = ""
    if parts.query:
        query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                                 if not _is_tracking(k)))
    # https and http are the same article; keep https as the form we show.
    return urlunsplit(("https", netloc, path, query, ""))


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


def safe_link(url: str | None) -> str | None:
    """The link as published, if it is absolute http(s); None for javascript:, data:,
    relative links and the like."""
    if not url:
        return None
    url = url.strip()
    if _PLAIN_HTTP.match(url) and not _SPLIT_QUIRKS.search(url):
        return url            # what urlsplit would say, without it: an entry's hot path
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


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


def identify_entries(items: list[FeedItem], home: str | None = None) -> None:
    """Give each entry of one fetched feed an identity that survives shared links (in place).

    A canonical link identifies its article across sources (one article in two feeds is one
    item), but only when it points at that entry. A podcast whose episodes all link to its
    home page, or a site whose items all link to their section page, would otherwise keep one
    item of many. So a link identifies its entry unless it is the feed's own `home` link, a
    site's front page (no path, no query), or carried by another entry of this feed that is
    not the same entry (another guid; without guids, another title or date). Such an entry is
    keyed on its guid within the source, else on its title and date. Every item keeps its
    other possible key in `alt_key`, for the store (see `FeedItem.alt_key`)."""
    home_link = canonical_url(home)
    entries_by_link: dict[str, set[object]] = {}
    for item in items:
        link = canonical_url(item.url)
        if link is not None:
            entries_by_link.setdefault(link, set()).add(_entry_identity(item))
    for item in items:
        link = canonical_url(item.url)
        own = _own_key(item)
        if link is None:
            continue
        if link == home_link or _FRONT_PAGE.match(link) or len(entries_by_link[link]) > 1:
            item.key, item.alt_key = own, item.key
        else:
            item.alt_key = own


# https://host/ (canonical_url's form of a site's front page), and nothing after it
_FRONT_PAGE = re.compile(r"https://[^/?#]+/\Z")


def _entry_identity(item: FeedItem) -> object:
    return ("g", item.guid.strip()) if item.guid and item.guid.strip() else \
        ("t", item.title.strip().lower(), item.published_at)


def _own_key(item: FeedItem) -> str:
    """The item's key as if it had no link: its guid within its source, else title and date."""
    return item_key(url=None, guid=item.guid, source=item.source, title=item.title,
                    published=item.published_at)


def utcnow() -> datetime:
    return datetime.now(UTC)


def slack_time(ts: str) -> datetime:
    """When Slack accepted a message, from its `ts` ("1764646800.123456"); now if unreadable."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()


_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_SINGLE_BYTE = frozenset({"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii",
                          "windows-1252", "cp1252", "iso-8859-15"})


def repair_charset(body: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    """Fix the two charset mistakes feeds make most, before feedparser decides the encoding
    from the header and the XML declaration. Returns (body, content_type, what was fixed).

    - The server labels UTF-8 bytes as Latin-1/ASCII/Windows-1252 (a default charset in its
      config): a body that is valid UTF-8, has multi-byte characters and does not declare
      another encoding is UTF-8; the header's charset is dropped.
    - A UTF-8 feed with a few invalid bytes: feedparser would re-read the whole document as
      Windows-1252 and garble every accented letter; when enough non-ASCII characters are valid
      UTF-8 (at least as many as the bad bytes), only the bad bytes are replaced (U+FFFD).
    """
    m = _CHARSET.search(content_type or "")
    header = m.group(1).lower() if m else None
    d = _XML_DECL.match(body[:200])
    declared = d.group(1).decode("ascii").lower() if d else None
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body[:4] in (b"\x00\x00\xfe\xff", b"<\x00?\x00"):
        return body, content_type, None   # UTF-16/32: feedparser reads the BOM itself
    if declared not in (None, "utf-8", "utf8") or (header and header not in _SINGLE_BYTE
                                                   and header not in ("utf-8", "utf8")):
        return body, content_type, None
    try:
        body.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    if valid:
        if header in _SINGLE_BYTE and not body.isascii():
            return body, _CHARSET.sub("charset=utf-8", content_type), \
                f"charset {header} in the header, but the body is UTF-8"
        return body, content_type, None
    if header in (None, "utf-8", "utf8"):
        text = body.decode("utf-8", "replace")
        bad = text.count("\ufffd")
        # Mostly well-formed multi-byte characters: UTF-8 with a few broken bytes. Otherwise
        # it is more likely an undeclared Windows-1252 document, which feedparser reads right.
        if sum(1 for c in text if c > "\x7f") - bad >= max(bad, 1):
            return text.encode("utf-8"), content_type, "invalid UTF-8 bytes replaced"
    return body, content_type, None
