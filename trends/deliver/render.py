"""Digest rendering: Slack Block Kit, terminal text and Markdown. Pure functions, no I/O.

Everything that comes from feeds or config (topic labels, headlines, reasons, captions,
hashtags, source and client names) is escaped before it reaches Slack, so that a headline such
as "<!channel> promo <https://evil|klik>" can neither ping a channel nor forge a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from trends.collect.normalize import safe_link
from trends.decide.ideas.writer import writer_note
from trends.models import Article, Digest, Idea, Moment

__all__ = [
    "MAX_BLOCKS", "MAX_SECTION_TEXT", "MAX_HEADER_TEXT",
    "escape", "render_blocks", "render_text", "render_markdown", "fallback_text", "format_date",
]

# Slack's documented limits.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
# Slack also rejects messages whose blocks hold roughly 13,000 characters in total
# (msg_blocks_too_long), which no document states; stay well under it.
MAX_MESSAGE_TEXT = 11_000
MAX_FALLBACK_TEXT = 300

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_ANGLE_LABELS = {"soft_sell": "soft sell", "hard_sell": "hard sell", "question": "question"}
_PLATFORM_LABELS = {"instagram": "Instagram", "tiktok": "TikTok", "x": "X", "facebook": "Facebook"}
_EMPTY = "Nothing fresh and on-brand today"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# Characters that would end a Slack link early or split its label off: percent-encode them.
_URL_UNSAFE = re.compile(r"[\s<>|\"`\x00-\x1f\x7f]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~&])")
_MD_LIST = re.compile(r"^(\d*)([-+.)])")


def escape(text: str) -> str:
    """Escape Slack's three control characters (&, <, >) as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_date(d: date) -> str:
    """'Saturday 22 November 2026', independent of the process locale."""
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


@dataclass(slots=True)
class _Topic:
    """One topic of the digest with its ideas in each language."""

    label: str
    why: str
    articles: list[Article]
    ideas: list[Idea] = field(default_factory=list)

    @property
    def urgencies(self) -> list[str]:
        return list(dict.fromkeys(i.urgency for i in self.ideas))


def _topics(d: Digest) -> list[_Topic]:
    by_key: dict[str, _Topic] = {}
    for idea in d.ideas:
        topic = by_key.setdefault(idea.topic_key, _Topic(idea.topic_label, idea.why, idea.articles))
        topic.ideas.append(idea)
    return list(by_key.values())


# Slack Block Kit


def render_blocks(d: Digest) -> list[list[dict[str, Any]]]:
    """Block Kit messages for a digest: the first is the top-level post, the rest thread replies.

    Topics are never split across messages; each message keeps to Slack's limits (50 blocks,
    3,000 characters per section, 150 per header).
    """
    title = f"{d.client_name} · {format_date(d.local_date)}"
    topics = _topics(d)
    first: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": _clip(escape(_clean(title)), MAX_HEADER_TEXT)}},
        _context(_summary(d, len(topics))),
    ]
    if not topics:
        first.append(_section(f"{_EMPTY} for {escape(_clean(d.client_name))}. No topic matched "
                              "the brief strongly enough to suggest a post."))
    messages = [first]
    for n, topic in enumerate(topics, start=1):
        group = _topic_blocks(n, topic)
        current = messages[-1]
        if not _fits(current, group):
            current = [_context(f"*{escape(_clean(title))}* · continued")]
            messages.append(current)
        current.extend(group)
    moments = _moments(d)
    if moments:
        lines = "\n".join(f"• {escape(_moment_line(m, d.local_date))}" for m in moments)
        block = [_section(f"*:calendar: Coming up*\n{lines}")]
        if not _fits(messages[-1], block):
            messages.append([_context(f"*{escape(_clean(title))}* · continued")])
        messages[-1].extend(block)
    if writer_note(d.ideas):
        note = [_context(escape(writer_note(d.ideas)))]
        if not _fits(messages[-1], note):
            messages.append([])
        messages[-1].extend(note)
    if d.failing_sources:
        footer = [_context(_failing_line(d.failing_sources))]
        if not _fits(messages[-1], footer):
            messages.append([])
        messages[-1].extend(footer)
    return messages


def _moments(d: Digest) -> list[Moment]:
    # `moments` arrived with the calendar work; older callers build Digests without it.
    return list(getattr(d, "moments", None) or [])[:8]


def _moment_line(m: Moment, today: date) -> str:
    days = (m.day - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return _clean(f"{_WEEKDAYS[m.day.weekday()][:3]} {m.day.day} {_MONTHS[m.day.month - 1][:3]}"
                  f" · {m.name} ({when})")


def _summary(d: Digest, count: int) -> str:
    langs = " + ".join(lang.upper() for lang in d.languages) or "ID"
    ideas = f"{count} post idea{'s' if count != 1 else ''}" if count else "no post ideas"
    channel = f" · {escape(_clean(d.channel))}" if d.channel else ""
    return f"{ideas} · {langs}{channel}"


def _topic_blocks(n: int, topic: _Topic) -> list[dict[str, Any]]:
    urgency = " / ".join(escape(_clean(u)) for u in topic.urgencies)
    head = f"*{n}. {escape(_clean(topic.label))}*  ·  _{urgency}_"
    if topic.why:
        head += f"\n{escape(_clean(topic.why))}"
    blocks = [_section(head)]
    for idea in topic.ideas:
        lines = [
            f"*[{idea.language.upper()}] {_platform(idea.platform)} · {_angle(idea.angle)}*",
            f"*Hook:* {escape(_clean(idea.hook))}",
            f"*Caption:* {escape(_clean(idea.caption))}",
        ]
        if idea.hashtags:
            lines.append(escape(_clean(" ".join(idea.hashtags))))
        warning = getattr(idea, "warning", "")
        if warning:
            lines.append(f":warning: _{escape(_clean(warning))}_")
        blocks.append(_section("\n".join(lines)))
    if topic.articles:
        blocks.append(_context("Sources: " + " · ".join(_story_link(s) for s in topic.articles)))
    blocks.append({"type": "divider"})
    return blocks


def _story_link(s: Article) -> str:
    # A "|" in the label would end it early in Slack's <url|label> syntax.
    title = escape(_clean(s.title).replace("|", "-")) or "link"
    url = _safe_url(s.url)
    link = f"<{url}|{title}>" if url else title
    return f"{link} ({escape(_clean(s.source))})" if s.source else link


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside Slack's <url|label>, or None for any other URL."""
    checked = safe_link(url)
    return _encode_url(checked).replace("&", "&amp;") if checked else None


def _encode_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def _failing_line(names: list[str]) -> str:
    listed = ", ".join(escape(_clean(n)) for n in names)
    return f":warning: Failing sources: {listed}. Their news may be missing from today's ideas."


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}]}


def _fits(message: list[dict[str, Any]], group: list[dict[str, Any]]) -> bool:
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


def _clip(text: str, limit: int) -> str:
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


def fallback_text(d: Digest) -> str:
    """The message's plain `text`: what notifications and screen readers show. Escaped."""
    topics = _topics(d)
    head = f"{d.client_name} · {format_date(d.local_date)}"
    if not topics:
        text = f"{head}: {_EMPTY.lower()}"
    else:
        labels = ", ".join(t.label for t in topics[:3])
        more = f" and {len(topics) - 3} more" if len(topics) > 3 else ""
        text = f"{head}: {len(topics)} post idea{'s' if len(topics) != 1 else ''}: {labels}{more}"
    return _clip(escape(_clean(text)), MAX_FALLBACK_TEXT)


# Terminal text


def render_text(d: Digest) -> str:
    """A plain-text rendering for the terminal (dry runs, `trends demo`)."""
    title = f"{d.client_name} — {format_date(d.local_date)}"
    if d.channel:
        title += f" ({d.channel})"
    title = _clean(title)
    out = [title, "=" * min(len(title), 80), ""]
    topics = _topics(d)
    if not topics:
        out += [f"{_EMPTY}: no topic matched {_clean(d.client_name)}'s brief strongly enough.", ""]
    for n, topic in enumerate(topics, start=1):
        out.append(f"{n}. {_clean(topic.label)}")
        out.append(f"   {' / '.join(_clean(u) for u in topic.urgencies)}")
        if topic.why:
            out.append(f"   Why: {_clean(topic.why)}")
        for idea in topic.ideas:
            out += [
                "",
                f"   [{idea.language.upper()}] {idea.platform} · {_angle(idea.angle)}",
                f"   Hook:    {_clean(idea.hook)}",
                f"   Caption: {_clean(idea.caption)}",
            ]
            if idea.hashtags:
                out.append(f"   Tags:    {_clean(' '.join(idea.hashtags))}")
            if getattr(idea, "warning", ""):
                out.append(f"   Warning: {_clean(idea.warning)}")
        if topic.articles:
            out += ["", "   Sources:"]
            for s in topic.articles:
                source = f" ({_clean(s.source)})" if s.source else ""
                out.append(f"   - {_clean(s.title)}{source}")
                url = safe_link(s.url)
                if url:
                    out.append(f"     {_clean(url)}")
        out.append("")
    moments = _moments(d)
    if moments:
        out += ["Coming up:"] + [f"- {_moment_line(m, d.local_date)}" for m in moments] + [""]
    if writer_note(d.ideas):
        out += [writer_note(d.ideas), ""]
    if d.failing_sources:
        out.append("Failing sources: " + ", ".join(_clean(n) for n in d.failing_sources))
    return "\n".join(out).rstrip() + "\n"


# Markdown


def render_markdown(d: Digest) -> str:
    """GitHub-flavoured Markdown, with feed text escaped so it cannot add links or HTML."""
    out = [f"# {_md(d.client_name)} — {format_date(d.local_date)}", ""]
    topics = _topics(d)
    if not topics:
        out += [f"_{_EMPTY}._", ""]
    for n, topic in enumerate(topics, start=1):
        out += [f"## {n}. {_md(topic.label)}", "",
                f"**{' / '.join(_md(u) for u in topic.urgencies)}**"
                + (f" — {_md(topic.why)}" if topic.why else ""), ""]
        for idea in topic.ideas:
            out += [f"**[{idea.language.upper()}] {_platform(idea.platform)} · "
                    f"{_angle(idea.angle)}**", "",
                    f"> {_md(idea.hook)}", "", _md(idea.caption), ""]
            if idea.hashtags:
                out += [" ".join(f"`{_clean(t).replace('`', '')}`" for t in idea.hashtags), ""]
            if getattr(idea, "warning", ""):
                out += [f"_Warning: {_md(idea.warning)}_", ""]
        if topic.articles:
            for s in topic.articles:
                url = safe_link(s.url)
                title = _md(s.title) or "link"
                link = f"[{title}](<{_encode_url(url)}>)" if url else title
                out.append(f"- {link}" + (f" ({_md(s.source)})" if s.source else ""))
            out.append("")
    moments = _moments(d)
    if moments:
        out += ["### Coming up", ""] + [f"- {_md(_moment_line(m, d.local_date))}"
                                        for m in moments] + [""]
    if writer_note(d.ideas):
        out += [f"_{_md(writer_note(d.ideas))}_", ""]
    if d.failing_sources:
        out += ["---", "", "_Failing sources: " + ", ".join(_md(n) for n in d.failing_sources)
                + "_", ""]
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", _clean(text))
    # A leading "-", "+" or "1." would turn the line into a list item.
    return _MD_LIST.sub(r"\1\\\2", escaped)


# Shared helpers


def _clean(text: str) -> str:
    """One line of text: no control characters (no terminal escapes), no runs of whitespace."""
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def _angle(angle: str) -> str:
    return _ANGLE_LABELS.get(angle, angle.replace("_", " "))


def _platform(platform: str) -> str:
    return _PLATFORM_LABELS.get(platform, platform)
