"""Digest rendering: Slack Block Kit, terminal text and Markdown. Pure functions, no I/O.

In Slack a digest is a short header message (client, date, how many ideas, the calendar's
coming moments, the footer) and each topic's idea, in every language of the client, as its
own reply in the header's thread: Slack reactions belong to a message, so a reaction on an
idea's message is about that idea alone. Every line is in the client's languages
(trends/deliver/words.py).

Everything that comes from feeds or config (topic labels, headlines, reasons, captions,
hashtags, source and client names) is escaped before it reaches Slack, so that a headline such
as "<!channel> promo <https://evil|klik>" can neither ping a channel nor forge a link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trends.collect.normalize import safe_link
from trends.decide.calendar import countdown, moment_name
from trends.decide.ideas.writer import writer_note
from trends.deliver.blocks import (
    MAX_FALLBACK_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    article_link,
    clean,
    clip,
    context,
    encode_url,
    escape,
    header,
    section,
)
from trends.deliver.words import angle_label, long_date, phrase, primary, say, short_date
from trends.models import Article, Digest, Idea, Moment

__all__ = ["DigestMessage", "DigestTopic", "fallback_text", "render_blocks", "render_markdown",
           "render_messages", "render_text", "topics_of"]

_PLATFORM_LABELS = {"instagram": "Instagram", "tiktok": "TikTok", "x": "X", "facebook": "Facebook"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~&])")
_MD_LIST = re.compile(r"^(\d*)([-+.)])")
_MAX_MOMENTS = 8
# A failing source's reason is fetch_log's detail (an exception's text): a line, not a page.
_MAX_REASON = 120


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

    @property
    def whys(self) -> list[tuple[str, str]]:
        """(language, why) of each language whose reason differs from the ones before."""
        seen: dict[str, str] = {}
        for i in self.ideas:
            if i.why and i.why not in seen:
                seen[i.why] = i.language
        return [(lang, why) for why, lang in seen.items()]


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One Slack message of a digest: the header (no topic), or one topic's idea in its thread."""

    blocks: list[dict[str, Any]]
    text: str                       # the plain fallback text: notifications, screen readers
    topic_key: str | None = None
    label: str | None = None
    rank: int | None = None         # the topic's place in the digest, 1 = first
    languages: tuple[str, ...] = ()  # the languages of its ideas


def topics_of(d: Digest) -> list[DigestTopic]:
    """The digest's topics in order, each with its ideas in every language of the client."""
    by_key: dict[str, DigestTopic] = {}
    for idea in d.ideas:
        topic = by_key.setdefault(idea.topic_key,
                                  DigestTopic(idea.topic_label, idea.why, idea.articles))
        topic.ideas.append(idea)
    return list(by_key.values())


def _langs(d: Digest) -> list[str]:
    return list(d.languages) or ["id"]


# Slack Block Kit


def render_messages(d: Digest) -> list[DigestMessage]:
    """The digest's Slack messages: the header, then one thread reply per topic, each within
    Slack's limits (50 blocks, 3,000 characters per section, 150 per header)."""
    langs = _langs(d)
    topics = topics_of(d)
    title = f"{d.client_name} · {long_date(d.local_date, primary(langs))}"
    if d.failed_today:
        title = f":warning: {title}"
    blocks: list[dict[str, Any]] = [header(title)]
    if d.failed_today:
        blocks.append(section(f":warning: *{escape(clean(_failed_today(d, langs)))}*"))
    blocks.append(context(_summary(d, len(topics), langs)))
    if not topics:
        blocks.append(section(_lines(say("empty", langs, sep="\n",
                                         client=clean(d.client_name)))))
    moments = _moments(d)
    if moments:
        lines = "\n".join(f"• {escape(_moment_line(m, d.local_date, langs))}" for m in moments)
        blocks.append(section(f"*:calendar: {say('coming_up', langs)}*\n{lines}"))
    if topics:
        blocks.append(context(say("react", langs, sep="\n")))
    note = _writer_note(d, langs)
    if note:
        blocks.append(context(_lines(note)))
    footer = _footer(d, langs)
    if footer:
        blocks.append(context(f":warning: {_lines(footer)}"))
    messages = [DigestMessage(blocks, fallback_text(d))]
    for n, topic in enumerate(topics, start=1):
        urgency = " / ".join(clean(u) for u in topic.urgencies)
        text = clip(escape(clean(f"{n}. {topic.label} · {urgency}")), MAX_FALLBACK_TEXT)
        messages.append(DigestMessage(
            _topic_blocks(n, topic, langs), text, topic.ideas[0].topic_key, topic.label, n,
            tuple(dict.fromkeys(i.language for i in topic.ideas))))
    return messages


def render_blocks(d: Digest) -> list[list[dict[str, Any]]]:
    """Block Kit of each message of the digest: the header, then the thread replies."""
    return [m.blocks for m in render_messages(d)]


def _lines(text: str) -> str:
    """Escaped, each line clean: one sentence per language, each on its own line."""
    return "\n".join(escape(clean(line)) for line in text.splitlines())


def _moments(d: Digest) -> list[Moment]:
    return d.moments[:_MAX_MOMENTS]


def _moment_line(m: Moment, today: date, langs: Sequence[str]) -> str:
    """'Sab 12 Des · Harbolnas 12.12 (H-10)'; a bilingual client reads the name as the
    calendar gives it (both languages) and both countdowns."""
    name = moment_name(m, langs[0]) if len(set(langs)) == 1 else m.name
    when = " / ".join(dict.fromkeys(countdown(m.day, today, lang) for lang in langs))
    return clean(f"{short_date(m.day, primary(langs))} · {name} ({when})")


def _summary(d: Digest, count: int, langs: Sequence[str]) -> str:
    codes = " + ".join(lang.upper() for lang in langs)
    key = "ideas" if count > 1 else "ideas_one" if count == 1 else "ideas_none"
    channel = f" · {escape(clean(d.channel))}" if d.channel else ""
    return f"{say(key, langs, n=count)} · {codes}{channel}"


def _writer_note(d: Digest, langs: Sequence[str]) -> str:
    return "\n".join(dict.fromkeys(n for n in (writer_note(d.ideas, lang) for lang in langs)
                                   if n))


def _failed_today(d: Digest, langs: Sequence[str]) -> str:
    names = ", ".join(clean(name) for name, _ in d.failed_today)
    n = len(d.failed_today)
    return say("failed_today_one" if n == 1 else "failed_today", langs, n=n, names=names)


def _footer(d: Digest, langs: Sequence[str], sep: str = "\n") -> str:
    """The sources that failed today with their reasons; else (a digest built without
    today's state) the sources failing for over a day."""
    if d.failed_today:
        long = set(d.failing_sources)
        out = []
        for lang in dict.fromkeys(langs):
            listed = ", ".join(
                f"{clean(name)} ({clip(clean(reason), _MAX_REASON)}"
                + (f"; {phrase('failing_long', lang)})" if name in long else ")")
                for name, reason in d.failed_today)
            out.append(phrase("failed_footer", lang, listed=listed))
        return sep.join(dict.fromkeys(out))
    if d.failing_sources:
        return say("failing", langs, sep=sep,
                   names=", ".join(clean(n) for n in d.failing_sources))
    return ""


def _topic_blocks(n: int, topic: DigestTopic, langs: Sequence[str]) -> list[dict[str, Any]]:
    urgency = " / ".join(escape(clean(u)) for u in topic.urgencies)
    head = f"*{n}. {escape(clean(topic.label))}*  ·  _{urgency}_"
    for _, why in topic.whys:
        head += f"\n{escape(clean(why))}"
    blocks = [section(head)]
    sources = (context(f"{say('sources', langs)}: "
                       + " · ".join(article_link(s) for s in topic.articles))
               if topic.articles else None)
    # Slack refuses a message of about 13,000 characters in all: the ideas share what the
    # head and the sources leave.
    used = len(head) + (len(sources["elements"][0]["text"]) if sources else 0)
    budget = min(MAX_SECTION_TEXT, max(500, (MAX_MESSAGE_TEXT - used) // len(topic.ideas)))
    for idea in topic.ideas:
        lang = idea.language
        lines = [
            f"*[{lang.upper()}] {_platform(idea.platform)} · {angle_label(idea.angle, lang)}*",
            f"*Hook:* {escape(clean(idea.hook))}",
            f"*Caption:* {escape(clean(idea.caption))}",
        ]
        if idea.hashtags:
            lines.append(escape(clean(" ".join(idea.hashtags))))
        if idea.warning:
            lines.append(f":warning: _{escape(clean(idea.warning))}_")
        blocks.append(section(clip("\n".join(lines), budget)))
    if sources is not None:
        blocks.append(sources)
    return blocks


def fallback_text(d: Digest) -> str:
    """The header message's plain `text`: what notifications and screen readers show. Escaped."""
    langs = _langs(d)
    topics = topics_of(d)
    head = f"{d.client_name} · {long_date(d.local_date, primary(langs))}"
    if d.failed_today:
        n = len(d.failed_today)
        head = f"⚠ {say('failed_short_one' if n == 1 else 'failed_short', langs, n=n)} · {head}"
    if not topics:
        text = f"{head}: {say('empty_short', langs)}"
    else:
        key = "ideas" if len(topics) > 1 else "ideas_one"
        labels = ", ".join(t.label for t in topics[:3])
        more = f" (+{len(topics) - 3})" if len(topics) > 3 else ""
        text = f"{head}: {say(key, langs, n=len(topics))}: {labels}{more}"
    return clip(escape(clean(text)), MAX_FALLBACK_TEXT)


# Terminal text


def render_text(d: Digest) -> str:
    """A plain-text rendering for the terminal (dry runs, `trends demo`)."""
    langs = _langs(d)
    title = f"{d.client_name} — {long_date(d.local_date, primary(langs))}"
    if d.channel:
        title += f" ({d.channel})"
    title = clean(title)
    out = [f"⚠ {_failed_today(d, langs)}"] if d.failed_today else []
    out += [title, "=" * min(len(title), 80), ""]
    topics = topics_of(d)
    if not topics:
        out += [clean(line) for line in
                say("empty", langs, sep="\n", client=clean(d.client_name)).splitlines()] + [""]
    for n, topic in enumerate(topics, start=1):
        out.append(f"{n}. {clean(topic.label)}")
        out.append(f"   {' / '.join(clean(u) for u in topic.urgencies)}")
        whys = topic.whys
        for lang, why in whys:
            label = phrase("why", lang) if len(whys) > 1 else say("why", langs)
            out.append(f"   {label}: {clean(why)}")
        for idea in topic.ideas:
            lang = idea.language
            out += [
                "",
                f"   [{lang.upper()}] {idea.platform} · {angle_label(idea.angle, lang)}",
                f"   Hook:    {clean(idea.hook)}",
                f"   Caption: {clean(idea.caption)}",
            ]
            if idea.hashtags:
                out.append(f"   {phrase('tags', lang) + ':':<8} {clean(' '.join(idea.hashtags))}")
            if idea.warning:
                out.append(f"   {phrase('warning', lang)}: {clean(idea.warning)}")
        if topic.articles:
            out += ["", f"   {say('sources', langs)}:"]
            for s in topic.articles:
                source = f" ({clean(s.source)})" if s.source else ""
                out.append(f"   - {clean(s.title)}{source}")
                url = safe_link(s.url)
                if url:
                    out.append(f"     {clean(url)}")
        out.append("")
    moments = _moments(d)
    if moments:
        out += [f"{say('coming_up', langs)}:"]
        out += [f"- {_moment_line(m, d.local_date, langs)}" for m in moments] + [""]
    note = _writer_note(d, langs)
    if note:
        out += [*note.splitlines(), ""]
    if d.failed_today:
        out += _footer(d, langs).splitlines()
    elif d.failing_sources:
        names = ", ".join(clean(n) for n in d.failing_sources)
        out += [f"{say('failing_label', langs)}: {names}"]
    return "\n".join(out).rstrip() + "\n"


# Markdown


def render_markdown(d: Digest) -> str:
    """GitHub-flavoured Markdown, with feed text escaped so it cannot add links or HTML."""
    langs = _langs(d)
    out = [f"**⚠ {_md(_failed_today(d, langs))}**", ""] if d.failed_today else []
    out += [f"# {_md(d.client_name)} — {long_date(d.local_date, primary(langs))}", ""]
    topics = topics_of(d)
    if not topics:
        out += [f"_{_md(say('empty', langs, client=d.client_name))}_", ""]
    for n, topic in enumerate(topics, start=1):
        why = " · ".join(_md(w) for _, w in topic.whys)
        out += [f"## {n}. {_md(topic.label)}", "",
                f"**{' / '.join(_md(u) for u in topic.urgencies)}**"
                + (f" — {why}" if why else ""), ""]
        for idea in topic.ideas:
            out += [f"**[{idea.language.upper()}] {_platform(idea.platform)} · "
                    f"{angle_label(idea.angle, idea.language)}**", "",
                    f"> {_md(idea.hook)}", "", _md(idea.caption), ""]
            if idea.hashtags:
                out += [" ".join(f"`{clean(t).replace('`', '')}`" for t in idea.hashtags), ""]
            if idea.warning:
                out += [f"_{phrase('warning', idea.language)}: {_md(idea.warning)}_", ""]
        if topic.articles:
            for s in topic.articles:
                url = safe_link(s.url)
                title = _md(s.title) or "link"
                link = f"[{title}](<{encode_url(url)}>)" if url else title
                out.append(f"- {link}" + (f" ({_md(s.source)})" if s.source else ""))
            out.append("")
    moments = _moments(d)
    if moments:
        out += [f"### {say('coming_up', langs)}", ""]
        out += [f"- {_md(_moment_line(m, d.local_date, langs))}" for m in moments] + [""]
    note = _writer_note(d, langs)
    if note:
        out += [f"_{_md(line)}_" for line in note.splitlines()] + [""]
    footer = _footer(d, langs)
    if footer:
        out += ["---", ""] + [f"_{_md(line)}_" for line in footer.splitlines()] + [""]
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", clean(text))
    # A leading "-", "+" or "1." would turn the line into a list item.
    return _MD_LIST.sub(r"\1\\\2", escaped)


def _platform(platform: str) -> str:
    return _PLATFORM_LABELS.get(platform, platform)
