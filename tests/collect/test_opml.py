"""OPML import and export: the library and the `trends sources` commands on real files."""

from __future__ import annotations

import pytest

from tests.conftest import DATA as TEST_DATA
from trends.cli import main
from trends.collect.opml import OpmlSource, append_sources, detect_kind, read_opml, write_opml
from trends.config import load_config
from trends.errors import ConfigError

DATA = TEST_DATA / "sources"

CONFIG = """\
# my sources, with comments that an import must keep
[warehouse]
path = "trends.duckdb"

[[sources]]
name = "Antara"          # already here under another name
kind = "rss"
url = "https://www.antaranews.com/rss/terkini.xml"

[[clients]]
id = "kopi"
keywords = ["kopi"]
"""


def test_read_opml_walks_nested_folders() -> None:
    found = read_opml((DATA / "reader_export.opml").read_bytes())
    assert [(s.name, s.kind, s.category) for s in found] == [
        ("detikcom", "rss", "Berita"),
        ("ANTARA News - Terkini", "rss", "Berita"),
        ("CNBC Indonesia", "rss", "Berita/Ekonomi"),
        ("Tempo Bisnis", "rss", "Berita/Ekonomi"),          # text when there is no title
        ("r/indonesia", "reddit", "Sosial"),
        ("Kompas TV", "youtube", "Sosial"),
        ('"kopi" - Google Berita', "google_news", "Sosial"),
        ("Google Trends ID", "google_trends", "/Tren"),      # its own category attribute wins
        ("Hacker News", "hackernews", None),
        ("Arsip lokal", "rss", None),
        ("detikcom (lagi)", "rss", None),
    ]
    assert found[6].url == "https://news.google.com/rss/search?q=kopi&hl=id&gl=ID&ceid=ID:id"


@pytest.mark.parametrize("url,kind", [
    ("https://www.reddit.com/r/indonesia/.rss", "reddit"),
    ("https://old.reddit.com/r/jakarta/top/.rss?t=day", "reddit"),
    ("https://www.youtube.com/feeds/videos.xml?channel_id=UC1", "youtube"),
    ("https://www.youtube.com/@kompastv", "rss"),          # a channel page is not its feed
    ("https://news.google.com/rss/search?q=kopi", "google_news"),
    ("https://trends.google.com/trending/rss?geo=ID", "google_trends"),
    ("https://trends.google.co.id/trending/rss?geo=ID", "google_trends"),
    ("https://hnrss.org/frontpage", "hackernews"),
    ("https://mastodon.social/api/v1/trends/tags", "mastodon_trends"),
    ("https://wikimedia.org/api/rest_v1/metrics/pageviews/top/id.wikipedia.org/all-access/{date}",
     "wikipedia_top"),
    ("https://public.api.bsky.app/xrpc/app.bsky.unspecced.getTrendingTopics", "bluesky_trending"),
    ("https://rss.tempo.co/nasional", "rss"),
    ("https://notreddit.com/feed", "rss"),
])
def test_detect_kind(url: str, kind: str) -> None:
    assert detect_kind(url) == kind


@pytest.mark.parametrize("body", [
    b"<html><body>not opml</body></html>",
    b"not xml at all",
    # billion laughs: defusedxml refuses entity declarations outright
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b'<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://a.example/"/></body></opml>',
    # external entity: must never read a local file
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/"/></body></opml>',
])
def test_read_opml_refuses_what_is_not_opml(body: bytes) -> None:
    with pytest.raises(ConfigError):
        read_opml(body)


def test_cli_import_appends_new_sources_and_keeps_the_file(write_config, capsys) -> None:
    path = write_config(CONFIG)
    rc = main(["--config", str(path), "sources", "import", str(DATA / "reader_export.opml")])
    out = capsys.readouterr().out
    assert rc == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith(CONFIG)                      # the existing text, byte for byte
    config = load_config(path)                          # and the result is a valid config
    assert [(s.name, s.kind) for s in config.sources] == [
        ("Antara", "rss"),
        ("detikcom", "rss"),
        ("CNBC Indonesia", "rss"),
        ("Tempo Bisnis", "rss"),
        ("r/indonesia", "reddit"),
        ("Kompas TV", "youtube"),
        ('"kopi" - Google Berita', "google_news"),
        ("Google Trends ID", "google_trends"),
        ("Hacker News", "hackernews"),
    ]
    assert "# category: Berita/Ekonomi\n[[sources]]\nname = \"CNBC Indonesia\"" in text
    assert "skipped  ANTARA News - Terkini https://www.antaranews.com/rss/terkini.xml: " \
           "URL already configured" in out
    assert "skipped  Arsip lokal file:///etc/passwd: not an http(s) URL" in out
    # the same feed spelled with http, a trailing slash: one source
    assert "skipped  detikcom (lagi) http://rss.detik.com/index.php/detikcom/: URL already " \
           "configured" in out
    assert "8 added, 3 skipped" in out

    # importing the same file again adds nothing and leaves the file alone
    assert main(["--config", str(path), "sources", "import",
                 str(DATA / "reader_export.opml")]) == 0
    assert "0 added, 11 skipped" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == text


def test_cli_import_skips_a_name_already_used(write_config, capsys) -> None:
    path = write_config(CONFIG)
    opml = write_config('<opml version="2.0"><body><outline text="antara" '
                        'xmlUrl="https://example.org/other.xml"/></body></opml>', "x.opml")
    assert main(["--config", str(path), "sources", "import", str(opml)]) == 0
    assert "name already configured" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == CONFIG


def test_cli_export_round_trips(write_config, capsys) -> None:
    path = write_config(CONFIG + """
[[sources]]
name = "Tren & \\"Kopi\\" <ID>"
kind = "google_news"
url = "https://news.google.com/rss/search?q=kopi&hl=id"
language = "en"
every = "2h"
""")
    assert main(["--config", str(path), "sources", "export"]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith("<?xml") and "<opml version=\"2.0\">" in exported
    back = read_opml(exported.encode("utf-8"))
    original = load_config(path).sources
    assert [(s.name, s.kind, s.url, s.language) for s in back] == [
        (s.name, s.kind, s.url, s.language) for s in original]
    assert back[1].every == "2h" and back[0].every is None

    # into an empty config, they come back as the same sources
    empty = write_config('[warehouse]\npath = "t.duckdb"\n', "empty.toml")
    opml = write_config(exported, "export.opml")
    assert main(["--config", str(empty), "sources", "import", str(opml)]) == 0
    assert load_config(empty).sources == original


def test_cli_import_of_a_bad_file_names_it(write_config, capsys) -> None:
    path = write_config(CONFIG)
    bad = write_config("<html></html>", "feeds.opml")
    assert main(["--config", str(path), "sources", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"trends: {bad}: not an OPML file")
    assert main(["--config", str(path), "sources", "import", str(bad) + ".missing"]) == 2
    assert path.read_text(encoding="utf-8") == CONFIG


def test_import_that_would_break_the_config_leaves_it_alone(write_config, capsys) -> None:
    # sources written as an inline array cannot be extended with [[sources]] tables
    inline = ('sources = [{name = "A", kind = "rss", url = "https://a.example/feed"}]\n'
              '[warehouse]\npath = "t.duckdb"\n')
    path = write_config(inline)
    assert main(["--config", str(path), "sources", "import",
                 str(DATA / "reader_export.opml")]) == 2
    assert "invalid TOML" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == inline


def test_append_sources_escapes_toml() -> None:
    entry = OpmlSource(name='Berita "Terkini" \\ \x7f', url="https://a.example/?q=a&b=c",
                       kind="rss", category="A\nB")
    text = append_sources('[warehouse]\npath = "t.duckdb"', [entry])
    import tomllib

    data = tomllib.loads(text)
    assert data["sources"][0]["name"] == entry.name
    assert "# category: A B\n" in text


def test_write_opml_is_parseable_by_feed_readers_rules() -> None:
    from trends.config import SourceConfig

    body = write_opml([SourceConfig(name="A & B", kind="rss", url="https://a.example/?x=1&y=2")])
    [entry] = read_opml(body)
    assert entry.name == "A & B" and entry.url == "https://a.example/?x=1&y=2"
    assert b'type="rss"' in body and b"<dateCreated>" in body
