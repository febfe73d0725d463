from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from trends.deliver.blocks import (
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    escape,
)
from trends.deliver.render import (
    fallback_text,
    render_blocks,
    render_markdown,
    render_messages,
    render_text,
)
from trends.models import Article, Digest, Idea, Moment

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
    """A header message, then one message per topic with its ideas in every language."""
    d = digest([idea(lang="id"), idea(lang="en", hook="Everyone's talking about Timnas."),
                idea(key="harbolnas", label="Harbolnas", lang="id"),
                idea(key="harbolnas", label="Harbolnas", lang="en")],
               failing_sources=["Tempo"])
    header, first, second = render_messages(d)
    assert header.blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "emoji": True, "text": "Kopi Nusantara · Minggu, 22 November 2026"}}
    assert header.topic_key is None and header.text == fallback_text(d)
    top = "\n".join(texts([header.blocks]))
    assert "2 ide posting / 2 post ideas · ID + EN · #kopi-nusantara" in top
    assert ":+1:" in top and "Timnas" not in top            # the ideas are in the thread
    assert header.blocks[-1]["type"] == "context" and "Tempo" in texts([header.blocks])[-1]
    assert (first.topic_key, first.label, first.rank, first.languages) == (
        "timnas indonesia", "Timnas Indonesia", 1, ("id", "en"))
    assert (second.topic_key, second.rank) == ("harbolnas", 2)
    assert first.text == "1. Timnas Indonesia · naik: posting hari ini / rising: post today"
    body = "\n".join(texts([first.blocks]))
    assert "*1. Timnas Indonesia*" in body
    assert "naik: posting hari ini / rising: post today" in body
    assert "[ID] Instagram · soft selling" in body and "[EN] Instagram · soft sell" in body
    assert "Everyone's talking about Timnas." in body
    assert "#Timnas #TimnasIndonesia #KopiNusantara" in body
    assert "<https://sport.detik.com/a?x=1&amp;y=2|Timnas menang 2-0 atas Vietnam> (detik)" in body
    assert "Harbolnas" not in body
    assert render_blocks(d) == [m.blocks for m in render_messages(d)]


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


def test_every_message_keeps_to_slack_limits() -> None:
    long_caption = "Panjang sekali & <penuh> tanda. " * 150      # far over 3,000 once escaped
    ideas = [idea(key=f"topic {n}", label=f"Topik {n}", lang=lang, caption=long_caption,
                  why=long_caption, articles=[Article(long_caption, "https://a.example/x", "d")
                                              for _ in range(3)])
             for n in range(40) for lang in ("id", "en")]
    messages = render_blocks(digest(ideas, client_name="K" * 400, failing_sources=["Tempo"]))
    assert len(messages) == 41
    for blocks in messages:
        assert len(blocks) <= MAX_BLOCKS
        assert sum(len(t) for t in texts([blocks])) <= MAX_MESSAGE_TEXT
        for b in blocks:
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= MAX_HEADER_TEXT
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= MAX_SECTION_TEXT
                assert not re.search(r"&[a-z]*…", b["text"]["text"])   # no cut entity
    for n, blocks in enumerate(messages[1:]):          # every topic, once, in order
        assert texts([blocks])[0].startswith(f"*{n + 1}. Topik {n}*")
    assert "…" in "\n".join(texts(messages))
    assert messages[0][0]["type"] == "header"
    assert "Tempo" in texts([messages[0]])[-1]


def test_a_topic_is_one_message() -> None:
    ideas = [idea(key=f"t{n}", label=f"Topik {n}", lang=lang)
             for n in range(30) for lang in ("id", "en")]
    for blocks in render_blocks(digest(ideas))[1:]:
        heads = [t for t in texts([blocks]) if re.match(r"\*\d+\. Topik", t)]
        ids = [t for t in texts([blocks]) if t.startswith("*[ID]")]
        ens = [t for t in texts([blocks]) if t.startswith("*[EN]")]
        assert len(heads) == len(ids) == len(ens) == 1


def test_empty_digest() -> None:
    d = digest([], failing_sources=["detik"])
    [message] = render_blocks(d)                    # a header, no thread
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
    assert lines[0] == "Kopi Nusantara — Minggu, 22 November 2026 (#kopi-nusantara)"
    assert "1. Timnas Indonesia" in lines and "2. Harbolnas" in lines
    assert "   [ID] instagram · soft selling" in lines
    assert "   [EN] instagram · soft sell" in lines
    assert "   [ID] tiktok · hard selling" in lines
    assert "   Caption: Caption EN & more" in lines          # no Slack escaping in a terminal
    assert "     https://sport.detik.com/a?x=1&y=2" in lines
    assert "   Alasan / Why: matches kopi in 4 headlines; rising 220% in 6h" in lines
    assert "   Sumber / Sources:" in lines
    assert lines[-1] == "Sumber bermasalah / Failing sources: Tempo, Republika"
    assert "*" not in text and "&amp;" not in text and "<http" not in text


def test_render_text_drops_terminal_escapes() -> None:
    text = render_text(digest([idea(label="Timnas\x1b[2J\x1b]0;pwned\x07 Indonesia")]))
    assert "\x1b" not in text and "\x07" not in text


def test_render_markdown() -> None:
    md = render_markdown(digest([idea(label="Harga [BBM](https://evil) <b>naik</b>")]))
    assert md.startswith("# Kopi Nusantara — Minggu, 22 November 2026\n")
    assert "## 1. Harga \\[BBM\\]\\(https://evil\\) \\<b\\>naik\\</b\\>" in md
    assert "- [Timnas menang 2-0 atas Vietnam](<https://sport.detik.com/a?x=1&y=2>) (detik)" in md


def test_fallback_text_is_short_and_escaped() -> None:
    ideas = [idea(key=f"t{n}", label=f"Topik {n} <b>") for n in range(8)]
    text = fallback_text(digest(ideas))
    assert len(text) <= 300
    assert text.startswith("Kopi Nusantara · Minggu, 22 November 2026: 8 ide posting / "
                           "8 post ideas: Topik 0")
    assert text.endswith("(+5)") and "<" not in text
    english = fallback_text(digest(ideas, languages=["en"]))
    assert english.startswith("Kopi Nusantara · Sunday 22 November 2026: 8 post ideas: Topik 0")


def test_upcoming_moments_are_shown_and_escaped() -> None:
    moments = [Moment(day=date(2026, 11, 25), name="Hari Guru", kind="holiday"),
               Moment(day=date(2026, 12, 12), name=HOSTILE, kind="commercial")]
    d = digest([idea()], moments=moments)
    [header, _] = render_blocks(d)                  # the calendar is in the header message
    body = "\n".join(texts([header]))
    assert "*:calendar: Momen mendatang / Coming up*" in body
    assert "• Rab 25 Nov · Hari Guru (H-3 / in 3 days)" in body
    assert "<!" not in json.dumps(render_blocks(d))
    assert "- Rab 25 Nov · Hari Guru (H-3 / in 3 days)" in render_text(d)
    md = render_markdown(d)
    assert "### Momen mendatang / Coming up" in md and "\\<!channel\\>" in md
    english = render_text(digest([idea(lang="en")], moments=moments, languages=["en"]))
    assert "Coming up:\n- Wed 25 Nov · Hari Guru (in 3 days)" in english


def test_brand_safety_warning_is_shown_with_the_idea() -> None:
    d = digest([idea(warning="Topik sensitif: kecelakaan <!here>"),
                idea(lang="en", warning="Sensitive: accident <!here>")])
    body = "\n".join(texts(render_blocks(d)))
    assert ":warning: _Sensitive: accident &lt;!here&gt;_" in body
    assert ":warning: _Topik sensitif: kecelakaan &lt;!here&gt;_" in body
    assert "   Warning: Sensitive: accident <!here>" in render_text(d)
    assert "   Peringatan: Topik sensitif: kecelakaan <!here>" in render_text(d)


# Every line in the client's languages

LANG_DAY = date(2026, 12, 2)           # a Wednesday, ten days before Harbolnas 12.12
MOMENTS = [Moment(date(2026, 12, 12), "Harbolnas 12.12 (national online shopping day)",
                  "commercial"),
           Moment(date(2026, 12, 3), "Hari Disabilitas Internasional (International Day of "
                  "Persons with Disabilities)", "holiday"),
           Moment(date(2026, 12, 2), "Ulang tahun Kopi Nusantara", "client")]
# The reasons are fetch_log's codes, shown as they are.
FAILED = [("Tempo", "http_503"), ("Antara", "timeout")]
ENGLISH_UI = [r"\bWhy\b", r"Coming up", r"\bSources?\b", r"\bin \d+ days\b", r"\bdays?\b",
              r"Hooks and captions", r"\brising\b", r"post today", r"post ideas?", r"\bFailing\b",
              r"\bfailed\b", r"\bTags\b", r"\bWarning\b", r"\bReact\b", r"\buseful\b",
              r"Nothing fresh", r"\btoday\b", r"\btomorrow\b", r"\bsoft sell\b", r"\bquestion\b",
              r"national online shopping day", r"International Day",
              r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
              r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b",
              r"\b(January|February|March|May|June|July|August|October|December)\b",
              r"\b(May|Aug|Oct|Dec)\b"]
INDONESIAN_UI = [r"\bAlasan\b", r"\bSumber\b", r"Momen mendatang", r"\bH-\d+", r"hari H",
                 r"ide posting", r"\bditulis\b", r"\btanpa\b", r"\bgagal\b", r"\bTagar\b",
                 r"\bPeringatan\b", r"\breaksi\b", r"\bberguna\b", r"\bpertanyaan\b",
                 r"\b(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu)\b",
                 r"\b(Sen|Sel|Rab|Kam|Jum|Sab|Min)\b",
                 r"\b(Januari|Februari|Maret|Mei|Juni|Juli|Agustus|Oktober|Desember)\b",
                 r"\b(Mei|Agu|Okt|Des)\b", r"Hari Disabilitas"]


def language_digest(languages: list[str], topics: int = 2) -> Digest:
    """A digest whose feed text is in the client's languages, so that any other word is ours."""
    ideas = []
    for n in range(topics):
        for lang in languages:
            indonesian = lang == "id"
            ideas.append(idea(
                key=f"topik {n}", label=f"Harbolnas {n}", lang=lang,
                angle="question" if n else "soft_sell",
                hook="Kamu sudah siap?" if indonesian else "Ready for it?",
                caption="Yuk belanja hemat." if indonesian else "Shop smart with us.",
                urgency="naik: posting hari ini" if indonesian else "rising: post today",
                why="cocok dengan kopi; naik" if indonesian else "matches kopi; rising",
                warning="Topik sensitif" if indonesian else "Sensitive topic",
                articles=[Article("Harbolnas 12.12 dimulai", "https://news.example/a",
                                  "detik")]))
    return digest(ideas, languages=languages, local_date=LANG_DAY, moments=MOMENTS,
                  failing_sources=["Tempo"], failed_today=FAILED)


def everything(d: Digest) -> str:
    """Every line the team can read: Slack's header and replies with their fallback texts, the
    terminal text and the Markdown."""
    messages = render_messages(d)
    return "\n".join([*texts([m.blocks for m in messages]), *(m.text for m in messages),
                      render_text(d), render_markdown(d)])


def found(patterns: list[str], text: str) -> list[str]:
    return [m.group(0) for p in patterns for m in re.finditer(p, text)]


def test_an_indonesian_client_reads_no_english() -> None:
    d = language_digest(["id"])
    text = everything(d)
    assert found(ENGLISH_UI, text) == []
    assert "Momen mendatang" in text and "Sab 12 Des · Harbolnas 12.12 (H-10)" in text
    assert "Kam 3 Des · Hari Disabilitas Internasional (H-1)" in text
    assert "Rab 2 Des · Ulang tahun Kopi Nusantara (hari H)" in text
    assert "Hook dan caption ditulis dari template (tanpa LLM)." in text
    assert "[ID] Instagram · pertanyaan" in text and "Alasan: cocok dengan kopi" in text
    assert "Rabu, 2 Desember 2026" in text


def test_an_english_client_reads_no_indonesian() -> None:
    d = language_digest(["en"])
    text = everything(d)
    assert found(INDONESIAN_UI, text) == []
    assert "Sat 12 Dec · Harbolnas 12.12 (national online shopping day) (in 10 days)" in text
    assert "Thu 3 Dec · International Day of Persons with Disabilities (tomorrow)" in text
    assert "Hooks and captions written from templates (no LLM configured)." in text
    assert "Wednesday 2 December 2026" in text and "Why: matches kopi" in text


def test_a_bilingual_client_reads_both() -> None:
    d = language_digest(["id", "en"])
    text = everything(d)
    assert found(ENGLISH_UI, text) and found(INDONESIAN_UI, text)
    lines = render_text(d).splitlines()
    assert "Momen mendatang / Coming up:" in lines
    assert ("- Sab 12 Des · Harbolnas 12.12 (national online shopping day) "
            "(H-10 / in 10 days)") in lines
    assert "   Alasan: cocok dengan kopi; naik" in lines and "   Why: matches kopi; rising" in lines
    assert "   Sumber / Sources:" in lines
    assert "Hook dan caption ditulis dari template (tanpa LLM)." in lines
    assert "Hooks and captions written from templates (no LLM configured)." in lines
    assert "   Tagar:   #Timnas #TimnasIndonesia #KopiNusantara" in lines
    assert "   Tags:    #Timnas #TimnasIndonesia #KopiNusantara" in lines
    header = texts([render_blocks(d)[0]])
    assert "2 ide posting / 2 post ideas · ID + EN · #kopi-nusantara" in header


@pytest.mark.parametrize(("languages", "first", "footer"), [
    (["id"], "⚠ 2 sumber gagal diambil hari ini (Tempo, Antara)",
     "Sumber yang gagal hari ini: Tempo (http_503; gagal sejak lebih dari sehari), "
     "Antara (timeout)."),
    (["en"], "⚠ 2 sources failed today (Tempo, Antara)",
     "Sources that failed today: Tempo (http_503; failing for over a day), Antara (timeout)."),
])
def test_a_digest_built_while_sources_fail_says_so_first_and_last(
        languages: list[str], first: str, footer: str) -> None:
    d = language_digest(languages)
    lines = render_text(d).splitlines()
    assert lines[0].startswith(first) and lines[-1] == footer
    assert render_markdown(d).startswith(f"**{first}".replace("(", "\\(").replace(")", "\\)"))
    header = render_blocks(d)[0]
    assert header[0]["text"]["text"].startswith(":warning: Kopi Nusantara · ")
    assert header[1]["text"]["text"].startswith(f":warning: *{first[2:]}")
    assert texts([header])[-1] == f":warning: {footer}"
    assert fallback_text(d).startswith("⚠ 2 ")
    # A digest built with every source answering says nothing of the kind.
    calm = render_text(digest(d.ideas, languages=languages, local_date=LANG_DAY))
    assert "⚠" not in calm and "Tempo" not in calm


def test_one_source_failing_today_is_singular() -> None:
    d = digest([idea(lang="en")], languages=["en"], failed_today=[("Tempo", "http_503")])
    assert render_text(d).startswith("⚠ 1 source failed today (Tempo): this digest was built "
                                      "without its news.\n")
