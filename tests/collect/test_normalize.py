"""Pure normalization: text, links, keys, and Google Trends traffic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trends.collect.normalize import canonical_url, clean_text, item_key, safe_link
from trends.collect.sources.google_trends import parse_traffic


def test_clean_text_strips_markup_and_decodes_entities() -> None:
    html = ("<p>Harga <b>kopi</b> naik&nbsp;10%</p><script>alert(1)</script>"
            "<p>Baca &amp;amp; simak</p>")
    assert clean_text(html) == "Harga kopi naik 10% Baca & simak"   # nbsp folds into a space
    assert clean_text(None) == "" and clean_text("  a \n b ") == "a b"


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://news.example/a/1?utm_source=rss&utm_medium=x", "https://news.example/a/1"),
    ("http://www.news.example/a/1/", "https://news.example/a/1"),
    ("https://m.news.example/a/1#comments", "https://news.example/a/1"),
    ("https://news.example/a/1/amp", "https://news.example/a/1"),
    ("https://amp.news.example/a/1?fbclid=x&id=7", "https://news.example/a/1?id=7"),
    ("https://NEWS.example:443/a?b=2&a=1", "https://news.example/a?a=1&b=2"),
    ("javascript:alert(1)", None),
    ("data:text/html;base64,xx", None),
    ("", None),
])
def test_canonical_url(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical


def test_safe_link_keeps_only_http() -> None:
    assert safe_link("https://a.example/x?utm_source=y") == "https://a.example/x?utm_source=y"
    assert safe_link(" JavaScript:alert(1)") is None and safe_link("data:x") is None


def test_item_key_prefers_the_link_then_guid_then_title() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    a = item_key(url="https://x.example/a?utm_source=1", guid="1", source="A", title="T",
                 published=t)
    b = item_key(url="http://m.x.example/a", guid="2", source="B", title="U", published=None)
    assert a == b
    assert item_key(url=None, guid="g", source="A", title="T", published=t) != item_key(
        url=None, guid="g", source="B", title="T", published=t)
    assert item_key(url=None, guid=None, source="A", title="T", published=t) == item_key(
        url=None, guid=None, source="A", title=" t ", published=t)


@pytest.mark.parametrize(("text", "value"), [
    ("20.000+", 20000), ("2,000+", 2000), ("100+", 100), ("200K+", 200000),
    ("1M+", 1_000_000), ("5 rb+", 5000), ("1,5 jt+", 1_500_000), ("", None), ("lots", None),
])
def test_google_trends_traffic(text: str, value: float | None) -> None:
    assert parse_traffic(text) == value


def test_shortcuts_agree_with_the_slow_definitions() -> None:
    # clean_text collapses whitespace with str.split, safe_link skips urlsplit for plain links:
    # both against what they replaced, on random input
    import random
    import re
    from urllib.parse import urlsplit

    def slow_link(url: str) -> str | None:
        url = url.strip()
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None

    rnd = random.Random(1)
    spaces = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u2003", "\u3000", "\x1c",
              "\x85", "\u200b", "a", "é"]
    for _ in range(20_000):
        text = "".join(rnd.choice(spaces) for _ in range(rnd.randrange(1, 12)))
        visible = re.sub("[\x00-\x08\x0e-\x1b\x7f-\x9f\u061c\u200b\u200e\u200f"
                         "\u202a-\u202e\u2066-\u2069\ufeff]", "", text)
        assert clean_text(text) == re.sub(r"\s+", " ", visible).strip(), repr(text)
    chars = list("hHtTpPsS:/?#[]x.\t\n :@é")
    for _ in range(20_000):
        url = rnd.choice(["http://", "https://", "HTTP://", "http:/", "ftp://", "", "http:///"])
        url += "".join(rnd.choice(chars) for _ in range(rnd.randrange(8)))
        assert safe_link(url) == (slow_link(url) if url else None), repr(url)


def test_feed_items_survive_pickling_whole() -> None:
    import pickle
    from dataclasses import fields

    from trends.models import FeedItem

    item = FeedItem(key="k", source="s", url="https://a.example/1", title="t", summary="s",
                    published_at=datetime(2026, 11, 1, tzinfo=UTC), guid="g", author="a",
                    language="id", volume=3.0, extra={"query": "q"})
    back = pickle.loads(pickle.dumps(item))
    assert back == item
    assert len(item.__reduce__()[1]) == len(fields(FeedItem))   # a new field is not forgotten


def test_clean_text_drops_unknown_entities_and_invisible_controls() -> None:
    # an undeclared entity left by a hostile feed is not text: no topic, no hashtag from it
    assert clean_text("XXE &xxe; end") == "XXE end"
    assert clean_text("AT&amp;T &amp; Indosat") == "AT&T & Indosat"
    # a right-to-left override would reverse a headline on screen; NUL and ESC reach terminals
    assert clean_text("promo \u202egnp.exe\u202c hari ini") == "promo gnp.exe hari ini"
    assert clean_text("a\x00b\x1b[31mc\u200bd\ufeff") == "ab[31mcd"
    # joiners stay: emoji sequences need them
    assert clean_text("kopi \U0001f469\u200d\U0001f373") == "kopi \U0001f469\u200d\U0001f373"
