"""OPML in and out: SMOs keep their feed lists in readers (Feedly, Inoreader, NetNewsWire...).

`read_opml` turns an OPML file into source entries (nested folders become a category);
`plan_import` decides which of them are new to a config; `append_sources` adds those to the
text of trends.toml without touching what is already there; `write_opml` exports sources.
An exported file keeps each source's `kind`, `language` and `every` as outline attributes, so
it imports back unchanged; readers ignore attributes they do not know.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from trends.config import (
    DEFAULT_EVERY,
    LANGUAGES,
    SOURCE_KINDS,
    Config,
    SourceConfig,
    load_config,
    parse_config,
    parse_every,
)
from trends.errors import ConfigError

__all__ = ["ImportPlan", "OpmlSource", "append_sources", "check_config_text", "detect_kind",
           "format_every", "import_into", "plan_import", "read_opml", "toml_string", "write_opml"]


@dataclass(frozen=True, slots=True)
class OpmlSource:
    """One feed outline, as a source entry for trends.toml."""

    name: str
    url: str
    kind: str
    language: str | None = None
    every: str | None = None         # as written in trends.toml: "30m", "1h"
    category: str | None = None      # the folders it sits in ("Berita/Ekonomi"), or its category


@dataclass(slots=True)
class ImportPlan:
    added: list[OpmlSource] = field(default_factory=list)
    skipped: list[tuple[OpmlSource, str]] = field(default_factory=list)   # (entry, why)


def detect_kind(url: str) -> str:
    """The source kind a feed URL implies; plain `rss` when nothing more specific fits."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "rss"
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if host == "reddit.com" or host.endswith(".reddit.com"):
        return "reddit"
    if (host == "youtube.com" or host.endswith(".youtube.com")) and path.startswith("/feeds"):
        return "youtube"
    if host == "news.google.com" and path.startswith("/rss"):
        return "google_news"
    if host.startswith("trends.google.") and (path.startswith("/trending/rss")
                                              or path.startswith("/trends/trendingsearches")):
        return "google_trends"
    if host == "hnrss.org" or (host == "news.ycombinator.com" and path == "/rss"):
        return "hackernews"
    if path.startswith("/api/v1/trends/tags") or path.startswith("/api/v1/trends/links"):
        return "mastodon_trends"
    if host == "wikimedia.org" and "/metrics/pageviews/top/" in path:
        return "wikipedia_top"
    if path.endswith("/app.bsky.unspecced.gettrendingtopics"):
        return "bluesky_trending"
    return "rss"


def read_opml(data: bytes) -> list[OpmlSource]:
    """Every outline with an `xmlUrl`, in document order, at any depth. The name is the
    outline's `title`, else its `text`, else the URL's host; the category is the outline's
    `category` attribute, else the path of the folders around it. Raises `ConfigError` when the
    bytes are not OPML (external entities and entity bombs are refused by defusedxml)."""
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise ConfigError(f"not an OPML file ({type(exc).__name__}: {exc})"[:300],
                          fix="export the subscriptions from your reader as OPML") from None
    if _local(root.tag) != "opml":
        raise ConfigError(f"not an OPML file (root element <{_local(root.tag)}>)",
                          fix="export the subscriptions from your reader as OPML")
    body = next((el for el in root if _local(el.tag) == "body"), None)
    found: list[OpmlSource] = []
    if body is not None:
        _walk(body, [], found)
    return found


def plan_import(existing: Sequence[SourceConfig], incoming: Sequence[OpmlSource]) -> ImportPlan:
    """Which entries are new: a URL or a name already configured (or earlier in the same file)
    is skipped, and so is a URL that is not http(s)."""
    plan = ImportPlan()
    urls = {_url_identity(s.url) for s in existing}
    names = {s.name.casefold() for s in existing}
    for entry in incoming:
        if not _is_http(entry.url):
            plan.skipped.append((entry, "not an http(s) URL"))
        elif _url_identity(entry.url) in urls:
            plan.skipped.append((entry, "URL already configured"))
        elif entry.name.casefold() in names:
            plan.skipped.append((entry, "name already configured"))
        else:
            plan.added.append(entry)
            urls.add(_url_identity(entry.url))
            names.add(entry.name.casefold())
    return plan


def append_sources(text: str, entries: Sequence[OpmlSource], *, note: str = "") -> str:
    """The config text with one `[[sources]]` table per entry appended at the end; the existing
    text, comments and layout are kept byte for byte."""
    if not entries:
        return text
    out = [text if not text or text.endswith("\n") else text + "\n"]
    if note:
        out.append(f"\n# {note}\n")
    for e in entries:
        out.append("\n")
        if e.category:
            out.append(f"# category: {_comment(e.category)}\n")
        out.append("[[sources]]\n")
        out.append(f"name = {toml_string(e.name)}\n")
        out.append(f"kind = {toml_string(e.kind)}\n")
        out.append(f"url = {toml_string(e.url)}\n")
        if e.language:
            out.append(f"language = {toml_string(e.language)}\n")
        if e.every:
            out.append(f"every = {toml_string(e.every)}\n")
    return "".join(out)


def import_into(config_path: Path, opml: bytes, *, source_name: str = "") -> ImportPlan:
    """Append the new sources of `opml` to the config file at `config_path`. The new text is
    validated as a whole config before it replaces the file (atomically), so a failed import
    leaves the file as it was."""
    config = load_config(config_path)
    plan = plan_import(config.sources, read_opml(opml))
    if not plan.added:
        return plan
    text = config_path.read_text(encoding="utf-8")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    new_text = append_sources(text, plan.added,
                              note=f"imported from {source_name or 'OPML'} on {stamp}")
    check_config_text(new_text, config_path)
    tmp = config_path.with_name(config_path.name + ".importing")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(config_path)
    return plan


def check_config_text(text: str, file: Path) -> Config:
    """Parse and validate config text as if it were `file`; raises `ConfigError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the imported sources would make it invalid TOML ({exc})",
                          file=str(file),
                          fix="write its [[sources]] as tables, not as an inline array") from None
    return parse_config(data, file)


def write_opml(sources: Sequence[SourceConfig], *, title: str = "trends sources",
               now: datetime | None = None) -> bytes:
    """OPML 2.0 with one outline per source (flat, in config order)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC),
                                                              usegmt=True)
    body = ET.SubElement(opml, "body")
    for s in sources:
        attrs = {"text": s.name, "title": s.name, "type": "rss", "xmlUrl": s.url, "kind": s.kind}
        if s.language:
            attrs["language"] = s.language
        if s.every != DEFAULT_EVERY:
            attrs["every"] = format_every(s.every)
        ET.SubElement(body, "outline", attrs)
    ET.indent(opml, space="  ")
    return bytes(ET.tostring(opml, encoding="utf-8", xml_declaration=True)) + b"\n"


def format_every(every: timedelta) -> str:
    """A poll interval as trends.toml writes it: the largest unit that divides it."""
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def toml_string(value: str) -> str:
    """A TOML basic string. JSON's escapes are TOML's, except that TOML also forbids a raw DEL."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _walk(el: Any, folders: list[str], found: list[OpmlSource]) -> None:
    for child in el:
        if _local(child.tag) != "outline":
            continue
        a = {k.rsplit("}", 1)[-1]: (v or "").strip() for k, v in child.attrib.items()}
        label = " ".join((a.get("title") or a.get("text") or "").split())
        url = a.get("xmlUrl") or a.get("xmlurl") or ""
        if url:
            found.append(_entry(a, label, url, folders))
        # Folders nest; a feed outline with children is rare but its children still count.
        _walk(child, folders + [label] if label and not url else folders, found)


def _entry(a: dict[str, str], label: str, url: str, folders: list[str]) -> OpmlSource:
    kind = a.get("kind", "")
    if kind not in SOURCE_KINDS:
        kind = detect_kind(url)
    lang = a.get("language", "").lower()[:2]
    every = a.get("every") or None
    if every:
        try:
            parse_every(every)
        except ValueError:
            every = None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    name = label or host or url
    return OpmlSource(name=name[:200], url=url, kind=kind,
                      language=lang if lang in LANGUAGES else None, every=every,
                      category=a.get("category") or "/".join(folders) or None)


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port   # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _url_identity(url: str) -> str:
    """Two spellings of one feed URL: scheme, host case, `www.` and a trailing slash differ.
    Only called on URLs that passed `_is_http` (or a loaded config's own validation)."""
    try:
        parts = urlsplit(url.strip())
        port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{port}{parts.path.rstrip('/')}?{parts.query}"


def _comment(text: str) -> str:
    return " ".join(text.split())


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
