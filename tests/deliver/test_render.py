from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from trends.deliver.blocks import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT, escape
from trends.deliver.render import fallback_text, render_blocks, render_markdown, render_text
from trends.models import Article, Digest, Idea

DAY = date(2026, 11, 22)
HOSTILE = "<!channel> promo <https://evil|klik>"


def idea(key: str = "timnas indonesia", label: str = "Timnas Indonesia", lang: str = "id",
         **kw: Any) -> Idea:
    base: dict[str, Any] = dict(
        client_id="kopi-nusantara", topic_key=key, topic_label=label, language=lang,
        angle="soft_sell", platform="instagram",
        hook="Kabar Timnas Indonesia lagi rame nih, kamu udah ngikutin?",
        caption="Apa pun keseruannya, Kopi Nusantara siap nemenin hari kamu.",
        hashtags=["#Timnas", "#TimnasIndonesia", "#KopiNusantara"],
        urgency="naik: posting hari ini" if lang == "id" else "rising: post today",
        why="matches kopi in 4 headlines; rising 220% in 6h",
        articles=[Article("Timnas menang 2-0 atas Vietnam", "https://sport.detik.com/a?x=1&y=2",
                       "detik"),
                 Article("Garuda lolos ke final", "https://www.antaranews.com/b", "Antara")])
    base.update(kw)
    return Idea(**base)


def digest(ideas: list[Idea], **kw: Any) -> Digest:
    base: dict[str, Any] = dict(client_id="kopi-nusantara", client_name="Kopi Nusantara",
                                channel="#kopi-nusantara", local_date=DAY, languages=["id", "en"],
                                ideas=ideas)
    base.update(kw)
    return Digest(**base)


def texts(messages: list[list[dict[str, Any]]]) -> list[str]:
    """Every text a Slack client would parse in the messages."""
    out = []
    for blocks in messages:
        for b in blocks:
            if "text" in b:
                out.append(b["text"]["text"])
            out += [e["text"] for e in b.get("elements", ())]
    return out


def test_escape() -> None:
    assert escape("a & b <c> d") == "a &amp; b &lt;c&gt; d"
    assert escape(HOSTILE) == "&lt;!channel&gt; promo &lt;https://evil|klik&gt;"


def test_render_blocks_shape() -> None:
    d = digest([idea(lang="id"), idea(lang="en", hook="Everyone's talking about Timnas.")],
               failing_sources=["Tempo"])
    [message] = render_blocks(d)
    assert message[0] == {"type": "header", "text": {
        "type": "plain_text", "emoji": True, "text": "Kopi Nusantara · Sunday 22 November 2026"}}
    body = "\n".join(texts([message]))
    assert "*1. Timnas Indonesia*" in body
    assert "naik: posting hari ini / rising: post today" in body
    assert "[ID] Instagram · soft sell" in body and "[EN] Instagram · soft sell" in body
    assert "Everyone's talking about Timnas." in body
    assert "#Timnas #TimnasIndonesia #KopiNusantara" in body
    assert "<https://sport.detik.com/a?x=1&amp;y=2|Timnas menang 2-0 atas Vietnam> (detik)" in body
    assert message[-1]["type"] == "context" and "Tempo" in message[-1]["elements"][0]["text"]
    assert any(b["type"] == "divider" for b in message)


def test_hostile_feed_text_is_escaped_everywhere() -> None:
    hostile = idea(label=HOSTILE, hook=HOSTILE, caption=HOSTILE, why=HOSTILE,
                   hashtags=["#ok", "<!here>"], urgency=HOSTILE,
                   articles=[Article(HOSTILE, "https://news.example/ok", HOSTILE),
                            Article(HOSTILE, "javascript:alert(1)", "x"),
                            Article("a|b>c", "https://news.example/a|b>c d", "y")])
    d = digest([hostile], client_name=HOSTILE, channel=HOSTILE, failing_sources=[HOSTILE])
    messages = render_blocks(d)
    raw = json.dumps(messages) + json.dumps(fallback_text(d))
    assert "<!" not in raw
    assert "<https://evil" not in raw
    assert "javascript:" not in raw.replace("&lt;", "")  # never a link target
    # The only raw "<...>" left are our links: http(s) target, label without | or >.
    links = re.findall(r"<([^>]*)>", "\n".join(texts(messages)))
    assert links, "the safe story should still be a link"
    for link in links:
        url, _, label = link.partition("|")
        assert re.fullmatch(r"https?://[^\s|<>]+", url)
        assert label and "|" not in label and "<" not in label
    assert "<https://news.example/a%7Cb%3Ec%20d|a-b&gt;c>" in "\n".join(texts(messages))


def test_javascript_urls_are_not_links() -> None:
    d = digest([idea(articles=[Article("Klik di sini", "javascript:alert(document.cookie)", "x"),
                              Article("Data", "data:text/html,<b>hi</b>", "y"),
                              Article("Relatif", "/berita/1", "z")])])
    body = "\n".join(texts(render_blocks(d)))
    assert "Klik di sini (x)" in body and "Relatif (z)" in body
    assert "javascript" not in body and "data:text" not in body and "/berita/1" not in body
    assert "javascript" not in render_markdown(d) and "javascript" not in render_text(d)


def test_many_topics_split_within_slack_limits() -> None:
    long_caption = "Panjang sekali & <penuh> tanda. " * 150      # far over 3,000 once escaped
    ideas = [idea(key=f"topic {n}", label=f"Topik {n}", lang=lang, caption=long_caption)
             for n in range(40) for lang in ("id", "en")]
    messages = render_blocks(digest(ideas, client_name="K" * 400, failing_sources=["Tempo"]))
    assert len(messages) > 1
    for blocks in messages:
        assert len(blocks) <= MAX_BLOCKS
        for b in blocks:
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= MAX_HEADER_TEXT
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= MAX_SECTION_TEXT
                assert not re.search(r"&[a-z]*…", b["text"]["text"])   # no cut entity
    body = "\n".join(texts(messages))
    assert all(f"*{n + 1}. Topik {n}*" in body for n in range(40))   # every topic, once, in order
    assert body.index("*1. Topik 0*") < body.index("*40. Topik 39*")
    assert "…" in body
    assert messages[0][0]["type"] == "header"
    assert "Tempo" in texts([messages[-1]])[-1]


def test_topics_are_not_split_across_messages() -> None:
    ideas = [idea(key=f"t{n}", label=f"Topik {n}", lang=lang)
             for n in range(30) for lang in ("id", "en")]
    for blocks in render_blocks(digest(ideas)):
        heads = [t for t in texts([blocks]) if re.match(r"\*\d+\. Topik", t)]
        ids = [t for t in texts([blocks]) if t.startswith("*[ID]")]
        ens = [t for t in texts([blocks]) if t.startswith("*[EN]")]
        assert len(heads) == len(ids) == len(ens)


def test_empty_digest() -> None:
    d = digest([], failing_sources=["detik"])
    [message] = render_blocks(d)
    assert "Nothing fresh and on-brand today" in json.dumps(message)
    assert "detik" in json.dumps(message)
    assert "Nothing fresh and on-brand today" in render_text(d)
    assert "nothing fresh" in fallback_text(d).lower()
    assert "Nothing fresh" in render_markdown(d)


def test_render_text_is_readable() -> None:
    d = digest([idea(lang="id"), idea(lang="en", platform="instagram", hook="Hook EN",
                                      caption="Caption EN & more"),
                idea(key="harbolnas", label="Harbolnas", angle="hard_sell", platform="tiktok")],
               failing_sources=["Tempo", "Republika"])
    text = render_text(d)
    lines = text.splitlines()
    assert lines[0] == "Kopi Nusantara — Sunday 22 November 2026 (#kopi-nusantara)"
    assert "1. Timnas Indonesia" in lines and "2. Harbolnas" in lines
    assert "   [ID] instagram · soft sell" in lines
    assert "   [EN] instagram · soft sell" in lines
    assert "   [ID] tiktok · hard sell" in lines
    assert "   Caption: Caption EN & more" in lines          # no Slack escaping in a terminal
    assert "     https://sport.detik.com/a?x=1&y=2" in lines
    assert lines[-1] == "Failing sources: Tempo, Republika"
    assert "*" not in text and "&amp;" not in text and "<http" not in text


def test_render_text_drops_terminal_escapes() -> None:
    text = render_text(digest([idea(label="Timnas\x1b[2J\x1b]0;pwned\x07 Indonesia")]))
    assert "\x1b" not in text and "\x07" not in text


def test_render_markdown() -> None:
    md = render_markdown(digest([idea(label="Harga [BBM](https://evil) <b>naik</b>")]))
    assert md.startswith("# Kopi Nusantara — Sunday 22 November 2026\n")
    assert "## 1. Harga \\[BBM\\]\\(https://evil\\) \\<b\\>naik\\</b\\>" in md
    assert "- [Timnas menang 2-0 atas Vietnam](<https://sport.detik.com/a?x=1&y=2>) (detik)" in md


def test_fallback_text_is_short_and_escaped() -> None:
    ideas = [idea(key=f"t{n}", label=f"Topik {n} <b>") for n in range(8)]
    text = fallback_text(digest(ideas))
    assert len(text) <= 300
    assert text.startswith("Kopi Nusantara · Sunday 22 November 2026: 8 post ideas: Topik 0")
    assert "and 5 more" in text and "<" not in text


def test_upcoming_moments_are_shown_and_escaped() -> None:
    from trends.models import Moment

    moments = [Moment(day=date(2026, 11, 25), name="Hari Guru", kind="holiday"),
               Moment(day=date(2026, 12, 12), name=HOSTILE, kind="commercial")]
    d = digest([idea()], moments=moments)
    body = "\n".join(texts(render_blocks(d)))
    assert "*:calendar: Coming up*" in body
    assert "• Wed 25 Nov · Hari Guru (in 3 days)" in body
    assert "<!" not in json.dumps(render_blocks(d))
    assert "- Wed 25 Nov · Hari Guru (in 3 days)" in render_text(d)
    assert "### Coming up" in render_markdown(d) and "\\<!channel\\>" in render_markdown(d)


def test_brand_safety_warning_is_shown_with_the_idea() -> None:
    d = digest([idea(warning="Sensitive: accident <!here>")])
    body = "\n".join(texts(render_blocks(d)))
    assert ":warning: _Sensitive: accident &lt;!here&gt;_" in body
    assert "   Warning: Sensitive: accident <!here>" in render_text(d)
