"""An item's identity survives shared links.

Each file in tests/data/identity/ is a feed that describes its own expectation in its leading
comment, in feedparser's style: `Expect: items=N` (the items the warehouse holds after one
ingest of it), `Also: FILE` (another feed ingested in the same run) and `Expect:
carried_by_both=N` (items both feeds carried). Adding a case is adding a file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DATA as TEST_DATA
from tests.feeds import rss
from trends.collect.ingest_job import ingest
from trends.collect.normalize import identify_entries, item_key
from trends.collect.sources import get_kind
from trends.config import Config, load_config
from trends.models import FeedItem
from warehouse import collect as ingest_sql
from warehouse.db import migrate, open_warehouse

DATA = TEST_DATA / "identity"
T0 = datetime(2026, 11, 30, 6, tzinfo=UTC)
_FIELD = re.compile(r"^(Description|Expect|Also|Part-of):\s*(.+)$", re.M)


def header(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in _FIELD.findall(path.read_text(encoding="utf-8")):
        out.setdefault(name, []).append(value.strip())
    return out


CASES = sorted(p.name for p in DATA.glob("*.xml") if "Expect" in header(p))


def ingest_files(names: list[str], tmp_path: Path, feed_server: object,
                 text_of: dict[str, bytes] | None = None) -> Path:
    text = '[warehouse]\npath = "trends.duckdb"\n'
    for name in names:
        body = (text_of or {}).get(name) or (DATA / name).read_bytes()
        feed_server.add(f"/{name}", body, content_type="application/rss+xml")  # type: ignore[attr-defined]
        text += (f'\n[[sources]]\nname = "{name}"\nkind = "rss"\n'
                 f'url = "{feed_server.url("/" + name)}"\n')  # type: ignore[attr-defined]
    path = tmp_path / "trends.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    with open_warehouse(config.warehouse.path) as con:
        report = ingest(con, config, force=True)
    assert not report.failed, [r.detail for r in report.failed]
    return config.warehouse.path


@pytest.mark.parametrize("name", CASES)
def test_identity_case(name: str, tmp_path: Path, feed_server: object) -> None:
    meta = header(DATA / name)
    expect = dict(e.split("=", 1) for e in meta["Expect"])
    warehouse = ingest_files([name, *meta.get("Also", [])], tmp_path, feed_server)
    with open_warehouse(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM items").fetchone() == (int(expect["items"]),)
        if "carried_by_both" in expect:
            both = con.execute("""SELECT count(*) FROM (SELECT item_key FROM item_sources
                                  GROUP BY item_key HAVING count(*) > 1)""").fetchone()
            assert both == (int(expect["carried_by_both"]),)


def test_every_case_file_is_used() -> None:
    used = set(CASES) | {a for c in CASES for a in header(DATA / c).get("Also", [])}
    assert used == {p.name for p in DATA.glob("*.xml")}
    assert len(CASES) >= 7


def entries(*specs: tuple[str, str, str]) -> bytes:
    return rss("Live", [{"title": t, "link": link, "guid": g} for t, link, g in specs])


A = ("Babak pertama dimulai", "https://berita.example/live/final", "live-1")
B = ("Gol pertama di menit 12", "https://berita.example/live/final", "live-2")


@pytest.mark.parametrize("order", [["A", "AB", "B", "AB"], ["AB", "A", "B", "A"]])
def test_a_link_that_becomes_shared_or_stops_being_shared_keeps_its_items(
        order: list[str], tmp_path: Path, feed_server: object) -> None:
    """The entry stored while its link identified it (or while the link was shared) is found
    again under the key it was stored with: never a second copy of it."""
    by = {"A": entries(A), "B": entries(B), "AB": entries(A, B)}
    text = '[warehouse]\npath = "trends.duckdb"\n[[sources]]\nname = "Live"\nkind = "rss"\n'
    text += f'url = "{feed_server.url("/live.xml")}"\n'  # type: ignore[attr-defined]
    (tmp_path / "trends.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "trends.toml")
    for step in order:
        feed_server.add("/live.xml", by[step], etag=False)  # type: ignore[attr-defined]
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True)
    with open_warehouse(config.warehouse.path, read_only=True) as con:
        assert sorted(con.execute("SELECT title FROM items").fetchall()) == sorted(
            [(A[0],), (B[0],)])


def test_the_rule_on_plain_objects() -> None:
    def item(link: str | None, guid: str | None, title: str = "t") -> FeedItem:
        key = item_key(url=link, guid=guid, source="s", title=title, published=None)
        return FeedItem(key=key, source="s", url=link, title=title, summary="",
                        published_at=None, guid=guid)

    article = item("https://a.example/x/1?utm_source=rss", "g1")
    front = item("https://www.a.example/", "g2")
    section = item("https://a.example/section", "g3")
    home = item("https://a.example/home", "g4")
    shared = [item("https://a.example/live", "g5"), item("https://a.example/live", "g6")]
    twice = [item("https://a.example/same", "g7"), item("https://a.example/same", "g7")]
    items = [article, front, section, home, *shared, *twice]
    identify_entries(items, home="https://a.example/home")
    by_link = item_key(url="https://a.example/x/1", guid=None, source="s", title="", published=None)
    assert article.key == by_link          # a link that points at its entry identifies it
    for it in (front, home, *shared):      # a front page, the home link, a shared link do not
        assert it.key == item_key(url=None, guid=it.guid, source="s", title="t", published=None)
        assert it.alt_key is not None and it.alt_key != it.key
    assert section.key == item_key(url=section.url, guid=None, source="s", title="",
                                   published=None)
    assert twice[0].key == twice[1].key    # the same entry twice is one item


def test_migration_rekeys_front_page_items_and_the_next_fetch_adds_the_rest(
        tmp_path: Path, feed_server: object) -> None:
    """A warehouse from the release before: the podcast kept one episode, keyed on the home
    page. Migration 0011 re-keys it on its guid; the next ingest stores the other 130 beside
    it, and the stored one is not stored twice."""
    name = "podcast_home_page_links.xml"
    body = (DATA / name).read_bytes()
    source = load_config_for(tmp_path, feed_server, name, body)
    parsed = get_kind("rss").parse(body, source=source.sources[0], content_type="application/xml",
                                   url=source.sources[0].url, fetched_at=T0).items
    kept = parsed[0]
    old_key = item_key(url=kept.url, guid=kept.guid, source=name, title=kept.title,
                       published=kept.published_at)
    with duckdb.connect(str(source.warehouse.path)) as con:
        migrate(con, before=11)          # as the release before migration 0011 left it
        kept.key, kept.alt_key = old_key, None
        ingest_sql.insert_items(con, [(kept, T0)])
        con.execute("INSERT INTO topics VALUES (1, 'kopi', 'kopi', 'phrase', ?, ?)", [T0, T0])
        con.execute("INSERT INTO topic_mentions VALUES (1, ?, ?, ?)", [old_key, name, T0])
    with open_warehouse(source.warehouse.path) as con:      # migrates
        new_key = item_key(url=None, guid=kept.guid, source=name, title=kept.title,
                           published=None)
        assert con.execute("SELECT key, story_key FROM items").fetchall() == [(new_key, new_key)]
        assert con.execute("SELECT item_key FROM item_sources").fetchall() == [(new_key,)]
        assert con.execute("SELECT item_key FROM mentions").fetchall() == [(new_key,)]
        ingest(con, source, force=True)
        assert con.execute("SELECT count(*), count(DISTINCT guid) FROM items").fetchone() == (
            131, 131)


def load_config_for(tmp_path: Path, feed_server: object, name: str, body: bytes) -> Config:
    feed_server.add(f"/{name}", body, content_type="application/rss+xml")  # type: ignore[attr-defined]
    text = (f'[warehouse]\npath = "trends.duckdb"\n[[sources]]\nname = "{name}"\nkind = "rss"\n'
            f'url = "{feed_server.url("/" + name)}"\n')  # type: ignore[attr-defined]
    (tmp_path / "trends.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "trends.toml")
