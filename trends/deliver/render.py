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

from trends.collect.normalize import safe_link
from trends.decide.ideas.writer import writer_note
from trends.deliver.blocks import (
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MONTHS,
    WEEKDAYS,
    article_link,
    clean,
    clip,
    context,
    encode_url,
    escape,
    fits,
    format_date,
    section,
)
from trends.models import Article, Digest, Idea, Moment

__all__ = ["DigestTopic", "fallback_text", "render_blocks", "render_markdown", "render_text",
           "topics_of"]

_ANGLE_LABELS = {"soft_sell": "soft sell", "hard_sell": "hard sell", "question": "question"}
_PLATFORM_LABELS = {"instagram": "Instagram", "tiktok": "TikTok", "x": "X", "facebook": "Facebook"}
_EMPTY = "Nothing fresh and on-brand today"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~&])")
_MD_LIST = re.compile(r"^(\d*)([-+.)])")


@dataclass(slots=True)
class DigestTopic:
    """One topic of the digest with its ideas in each language."""

    label: str
    why: str
    articles: list[Article]
    ideas: list[Idea] = field(default_factory=list)

    @property
    def urgencies(self) -> list[str]:
        return list(dict.fromkeys(i.urgency for i in self.ideas))


def topics_of(d: Digest) -> list[DigestTopic]:
    """The digest's topics in order, each with its ideas in every language of the client."""
    by_key: dict[str, DigestTopic] = {}
    for idea in d.ideas:
        topic = by_key.setdefault(idea.topic_key,
                                  DigestTopic(idea.topic_label, idea.why, idea.articles))
        topic.ideas.append(idea)
    return list(by_key.values())


# Slack Block Kit


def render_blocks(d: Digest) -> list[list[dict[str, Any]]]:
    """Block Kit messages for a digest: the first is the top-level post, the rest thread replies.

    Topics are never split across messages; each message keeps to Slack's limits (50 blocks,
    3,000 characters per section, 150 per header).
    """
    title = f"{d.client_name} · {format_date(d.local_date)}"
    topics = topics_of(d)
    first: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": clip(escape(clean(title)), MAX_HEADER_TEXT)}},
        context(_summary(d, len(topics))),
    ]
    if not topics:
        first.append(section(f"{_EMPTY} for {escape(clean(d.client_name))}. No topic matched "
                              "the brief strongly enough to suggest a post."))
    messages = [first]
    for n, topic in enumerate(topics, start=1):
        group = _topic_blocks(n, topic)
        current = messages[-1]
        if not fits(current, group):
            current = [context(f"*{escape(clean(title))}* · continued")]
            messages.append(current)
        current.extend(group)
    moments = _moments(d)
    if moments:
        lines = "\n".join(f"• {escape(_moment_line(m, d.local_date))}" for m in moments)
        block = [section(f"*:calendar: Coming up*\n{lines}")]
        if not fits(messages[-1], block):
            messages.append([context(f"*{escape(clean(title))}* · continued")])
        messages[-1].extend(block)
    if writer_note(d.ideas):
        note = [context(escape(writer_note(d.ideas)))]
        if not fits(messages[-1], note):
            messages.append([])
        messages[-1].extend(note)
    if d.failing_sources:
        footer = [context(_failing_line(d.failing_sources))]
        if not fits(messages[-1], footer):
            messages.append([])
        messages[-1].extend(footer)
    return messages


def _moments(d: Digest) -> list[Moment]:
    # `moments` arrived with the calendar work; older callers build Digests without it.
    return list(getattr(d, "moments", None) or [])[:8]


def _moment_line(m: Moment, today: date) -> str:
    days = (m.day - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return clean(f"{WEEKDAYS[m.day.weekday()][:3]} {m.day.day} {MONTHS[m.day.month - 1][:3]}"
                  f" · {m.name} ({when})")


def _summary(d: Digest, count: int) -> str:
    langs = " + ".join(lang.upper() for lang in d.languages) or "ID"
    ideas = f"{count} post idea{'s' if count != 1 else ''}" if count else "no post ideas"
    channel = f" · {escape(clean(d.channel))}" if d.channel else ""
    return f"{ideas} · {langs}{channel}"


def _topic_blocks(n: int, topic: DigestTopic) -> list[dict[str, Any]]:
    urgency = " / ".join(escape(clean(u)) for u in topic.urgencies)
    head = f"*{n}. {escape(clean(topic.label))}*  ·  _{urgency}_"
    if topic.why:
        head += f"\n{escape(clean(topic.why))}"
    blocks = [section(head)]
    for idea in topic.ideas:
        lines = [
            f"*[{idea.language.upper()}] {_platform(idea.platform)} · {_angle(idea.angle)}*",
            f"*Hook:* {escape(clean(idea.hook))}",
            f"*Caption:* {escape(clean(idea.caption))}",
        ]
        if idea.hashtags:
            lines.append(escape(clean(" ".join(idea.hashtags))))
        warning = getattr(idea, "warning", "")
        if warning:
            lines.append(f":warning: _{escape(clean(warning))}_")
        blocks.append(section("\n".join(lines)))
    if topic.articles:
        blocks.append(context("Sources: " + " · ".join(article_link(s) for s in topic.articles)))
    blocks.append({"type": "divider"})
    return blocks


def _failing_line(names: list[str]) -> str:
    listed = ", ".join(escape(clean(n)) for n in names)
    return f":warning: Failing sources: {listed}. Their news may be missing from today's ideas."


def fallback_text(d: Digest) -> str:
    """The message's plain `text`: what notifications and screen readers show. Escaped."""
    topics = topics_of(d)
    head = f"{d.client_name} · {format_date(d.local_date)}"
    if not topics:
        text = f"{head}: {_EMPTY.lower()}"
    else:
        labels = ", ".join(t.label for t in topics[:3])
        more = f" and {len(topics) - 3} more" if len(topics) > 3 else ""
        text = f"{head}: {len(topics)} post idea{'s' if len(topics) != 1 else ''}: {labels}{more}"
    return clip(escape(clean(text)), MAX_FALLBACK_TEXT)


# Terminal text


def render_text(d: Digest) -> str:
    """A plain-text rendering for the terminal (dry runs, `trends demo`)."""
    title = f"{d.client_name} — {format_date(d.local_date)}"
    if d.channel:
        title += f" ({d.channel})"
    title = clean(title)
    out = [title, "=" * min(len(title), 80), ""]
    topics = topics_of(d)
    if not topics:
        out += [f"{_EMPTY}: no topic matched {clean(d.client_name)}'s brief strongly enough.", ""]
    for n, topic in enumerate(topics, start=1):
        out.append(f"{n}. {clean(topic.label)}")
        out.append(f"   {' / '.join(clean(u) for u in topic.urgencies)}")
        if topic.why:
            out.append(f"   Why: {clean(topic.why)}")
        for idea in topic.ideas:
            out += [
                "",
                f"   [{idea.language.upper()}] {idea.platform} · {_angle(idea.angle)}",
                f"   Hook:    {clean(idea.hook)}",
                f"   Caption: {clean(idea.caption)}",
            ]
            if idea.hashtags:
                out.append(f"   Tags:    {clean(' '.join(idea.hashtags))}")
            if getattr(idea, "warning", ""):
                out.append(f"   Warning: {clean(idea.warning)}")
        if topic.articles:
            out += ["", "   Sources:"]
            for s in topic.articles:
                source = f" ({clean(s.source)})" if s.source else ""
                out.append(f"   - {clean(s.title)}{source}")
                url = safe_link(s.url)
                if url:
                    out.append(f"     {clean(url)}")
        out.append("")
    moments = _moments(d)
    if moments:
        out += ["Coming up:"] + [f"- {_moment_line(m, d.local_date)}" for m in moments] + [""]
    if writer_note(d.ideas):
        out += [writer_note(d.ideas), ""]
    if d.failing_sources:
        out.append("Failing sources: " + ", ".join(clean(n) for n in d.failing_sources))
    return "\n".join(out).rstrip() + "\n"


# Markdown


def render_markdown(d: Digest) -> str:
    """GitHub-flavoured Markdown, with feed text escaped so it cannot add links or HTML."""
    out = [f"# {_md(d.client_name)} — {format_date(d.local_date)}", ""]
    topics = topics_of(d)
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
                out += [" ".join(f"`{clean(t).replace('`', '')}`" for t in idea.hashtags), ""]
            if getattr(idea, "warning", ""):
                out += [f"_Warning: {_md(idea.warning)}_", ""]
        if topic.articles:
            for s in topic.articles:
                url = safe_link(s.url)
                title = _md(s.title) or "link"
                link = f"[{title}](<{encode_url(url)}>)" if url else title
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
    escaped = _MD_SPECIAL.sub(r"\\\1", clean(text))
    # A leading "-", "+" or "1." would turn the line into a list item.
    return _MD_LIST.sub(r"\1\\\2", escaped)


# Shared helpers


def _angle(angle: str) -> str:
    return _ANGLE_LABELS.get(angle, angle.replace("_", " "))


def _platform(platform: str) -> str:
    return _PLATFORM_LABELS.get(platform, platform)
