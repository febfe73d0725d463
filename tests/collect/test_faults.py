"""The fault suite: one ingest run over every kind of broken source, on local servers.

For each fault the run completes, the good sources land, the reason is recorded in fetch_log,
memory stays bounded, and no local file content reaches the warehouse. Timeouts are tiny
(`make_client(timeout=0.25)`, one retry), so the whole suite takes a few seconds.
"""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.collect.test_http import RawServer, drip, respond
from tests.feeds import news_entries, rss
from trends.collect import http
from trends.collect.ingest_job import ingest
from trends.config import Config, load_config
from trends.deliver.digest_job import build_digest
from trends.deliver.render import render_text
from warehouse.db import open_warehouse

NOW = datetime.now(UTC)
LOL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0" xmlns:ht="https://trends.google.com/trending/rss"><channel><title>t</title>
<item><title>laughs &lol9;</title><link>https://laughs.example/a</link>
<ht:approx_traffic>100+</ht:approx_traffic></item></channel></rss>"""


def xxe(path: Path) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{path.as_uri()}">]>
<rss version="2.0" xmlns:ht="https://trends.google.com/trending/rss"><channel><title>t</title>
<item><title>leak &xxe; end</title><link>https://xxe.example/a</link>
<description>&xxe;</description><ht:approx_traffic>100+</ht:approx_traffic></item>
</channel></rss>""".encode()


UTF8_FEED = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>c</title>'
             '<item><title>Kopi café — enak ☕ di Bandung</title>'
             '<link>https://charset.example/a</link></item></channel></rss>').encode()


def entries_xml(items: list[str]) -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
            + "".join(items).encode() + b"</channel></rss>")


FUTURE = (NOW + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
RAW_ROUTES: dict[str, tuple[str, bytes, dict[str, str | None]]] = {
    # path: (status, body, headers)
    "/http500": ("500 Internal Server Error", b"oops", {}),
    "/http503": ("503 Service Unavailable", b"busy", {"Retry-After": "0"}),
    "/http429": ("429 Too Many Requests", b"slow down", {"Retry-After": "1"}),
    "/loop": ("302 Found", b"", {"Location": "/loop2"}),
    "/loop2": ("302 Found", b"", {"Location": "/loop"}),
    "/too-large": ("200 OK", b"<" * (http.MAX_BYTES + 10), {"Content-Length": None}),
    "/bomb": ("200 OK", b"", {"Content-Encoding": "gzip"}),  # body filled in below
    "/empty": ("200 OK", b"", {}),
    "/html": ("200 OK", b"<!doctype html><html><head><title>Welcome</title></head>"
              b"<body><h1>Welcome</h1><p>No feed here</p></body></html>",
              {"Content-Type": "text/html; charset=utf-8"}),
    "/truncated": ("200 OK", entries_xml([
        "<item><title>Satu berita utuh</title><link>https://trunc.example/1</link></item>"])[:-30]
        + b"<item><title>Dua terpot", {}),
    "/invalid-utf8": ("200 OK", UTF8_FEED.replace("café".encode(), b"caf\xe9\xff"), {}),
    "/wrong-charset": ("200 OK", UTF8_FEED.replace(b"charset.example", b"wrongcs.example"),
                       {"Content-Type": "application/rss+xml; charset=windows-1252"}),
    "/dup-guids": ("200 OK", entries_xml(
        [f"<item><title>Sama {i}</title><guid isPermaLink='false'>same-guid</guid></item>"
         for i in range(3)]
        + [f"<item><title>Beda {i}</title><guid>same-guid-2</guid>"
           f"<link>https://dups.example/{i}</link></item>" for i in range(2)]), {}),
    "/dates": ("200 OK", entries_xml([
        "<item><title>Tanpa tanggal sama sekali</title><link>https://dates.example/none</link>"
        "</item>",
        f"<item><title>Dari masa depan</title><link>https://dates.example/future</link>"
        f"<pubDate>{FUTURE}</pubDate></item>",
        "<item><title>Tanggal rusak</title><link>https://dates.example/bad</link>"
        "<pubDate>kemarin sore</pubDate></item>"]), {}),
    "/links": ("200 OK", entries_xml([
        "<item><title>Link javascript</title><link>javascript:alert(document.cookie)</link>"
        "</item>",
        "<item><title>Link data</title><link>data:text/html;base64,PHNjcmlwdD4=</link></item>",
        "<item><title>Link file</title><link>file:///etc/passwd</link></item>",
        "<item><title>Link biasa</title><link>https://links.example/ok</link></item>"]), {}),
}


@pytest.fixture
def faults(tmp_path: Path) -> Iterator[tuple[RawServer, Path]]:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7f3a", encoding="utf-8")
    routes = dict(RAW_ROUTES)
    routes["/bomb"] = ("200 OK", gzip.compress(b"\0" * (96 * 1024 * 1024), compresslevel=9),
                       {"Content-Encoding": "gzip"})
    routes["/laughs"] = ("200 OK", LOL, {})
    routes["/xxe"] = ("200 OK", xxe(secret), {})
    stop = threading.Event()

    def handler(conn: socket.socket, path: str) -> None:
        if path == "/silent":
            stop.wait(5)
        elif path == "/drip":
            drip(conn, stop)
        else:
            status, body, headers = routes[path]
            respond(conn, body, status, headers)

    with RawServer(handler) as srv:
        yield srv, secret
        stop.set()


def fault_config(write_config, good, raw: RawServer,  # type: ignore[no-untyped-def]
                 refused_port: int) -> Path:
    sources = {"good-a": ("rss", good.url("/a.xml")), "good-b": ("rss", good.url("/b.xml")),
               "connect-timeout": ("rss", f"http://127.0.0.1:{refused_port}/"),
               "read-timeout": ("rss", raw.url("/silent")), "drip": ("rss", raw.url("/drip"))}
    for path in list(RAW_ROUTES) + ["/laughs", "/xxe"]:
        if path != "/loop2":
            sources[path.strip("/")] = ("rss", raw.url(path))
    sources["trends-laughs"] = ("google_trends", raw.url("/laughs"))
    sources["trends-xxe"] = ("google_trends", raw.url("/xxe"))
    text = '[warehouse]\npath = "trends.duckdb"\n'
    for name, (kind, url) in sources.items():
        text += f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
    return write_config(text)


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port whose listening socket never accepts, its backlog full: connecting times out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = sock.getsockname()[1]
        fillers = []
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        yield port
        for f in fillers:
            f.close()


def con_attempts(config: Config) -> list[tuple[str, int]]:
    with open_warehouse(config.warehouse.path) as con:
        return con.execute("SELECT source, attempts FROM fetch_log").fetchall()


def test_every_fault_is_recorded_and_the_good_sources_land(
        write_config, feed_server, faults, blackhole) -> None:  # type: ignore[no-untyped-def]
    raw, secret = faults
    feed_server.add("/a.xml", rss("A", news_entries("good-a.example", 5)))
    feed_server.add("/b.xml", rss("B", news_entries("good-b.example", 4, words="Banjir Bekasi")))
    config = load_config(fault_config(write_config, feed_server, raw, blackhole))
    tracemalloc.start()
    try:
        with open_warehouse(config.warehouse.path) as con, http.make_client(timeout=0.25) as client:
            report = ingest(con, config, client=client, workers=32, retries=1)
            peak = tracemalloc.get_traced_memory()[1]
            log = {r[0]: r[1:] for r in con.execute(
                "SELECT source, outcome, reason, detail, entries, new_items FROM fetch_log"
            ).fetchall()}
            items = con.execute("""SELECT source, title, summary, url, published_at, event_at,
                                          fetched_at, extra::VARCHAR FROM items""").fetchall()
            health = dict(con.execute("SELECT name, consecutive_failures FROM sources").fetchall())
    finally:
        tracemalloc.stop()
    assert len(report.records) == len(config.sources) == len(log)
    outcome = {name: (row[0], row[1]) for name, row in log.items()}
    assert outcome == {
        "good-a": ("ok", None), "good-b": ("ok", None),
        "connect-timeout": ("error", "timeout"), "read-timeout": ("error", "timeout"),
        "drip": ("error", "timeout"),
        "http500": ("error", "http_500"), "http503": ("error", "http_503"),
        "http429": ("error", "http_429"), "loop": ("error", "too_many_redirects"),
        "too-large": ("error", "too_large"), "bomb": ("error", "too_large"),
        "empty": ("error", "empty_body"), "html": ("error", "not_a_feed"),
        "truncated": ("ok", None), "invalid-utf8": ("ok", None), "wrong-charset": ("ok", None),
        "dup-guids": ("ok", None), "dates": ("ok", None), "links": ("ok", None),
        # feedparser never expands entities (expat refuses, the loose parser leaves them)
        "laughs": ("ok", None), "xxe": ("ok", None),
        # defusedxml refuses entity declarations outright
        "trends-laughs": ("error", "not_a_feed"), "trends-xxe": ("error", "not_a_feed"),
    }
    attempts = dict(con_attempts(config))
    # one deadline per source, retries included: the drip is cut once, never tried again
    assert attempts["drip"] == 1 and attempts["http500"] == 2
    assert "ConnectTimeout" in log["connect-timeout"][2]
    assert "ReadTimeout" in log["read-timeout"][2] and "deadline" in log["drip"][2]
    assert "decoded" in log["bomb"][2]
    assert {n for n, f in health.items() if f} == {n for n, o in outcome.items() if o[0] == "error"}

    by_source: dict[str, list[tuple[object, ...]]] = {}
    for row in items:
        by_source.setdefault(str(row[0]), []).append(row[1:])
    assert len(by_source["good-a"]) == 5 and len(by_source["good-b"]) == 4
    # the unresolved entity is not text: no "xxe" to become a topic or a hashtag
    assert [r[:2] for r in by_source["xxe"]] == [("leak end", "")]
    # the entry before the cut survives a truncated document, and the warning is kept; the
    # cut one is an entry to feedparser too (its title unclosed, so empty), and it is kept
    assert sorted(r[0] for r in by_source["truncated"]) == ["", "Satu berita utuh"]
    assert log["truncated"][2]
    # charset: a wrong header and a few invalid bytes do not garble the rest of the text
    assert [r[0] for r in by_source["wrong-charset"]] == ["Kopi café — enak ☕ di Bandung"]
    assert [r[0] for r in by_source["invalid-utf8"]] == [
        "Kopi caf\ufffd\ufffd — enak ☕ di Bandung"]
    assert "header" in log["wrong-charset"][2] and "invalid UTF-8" in log["invalid-utf8"][2]
    # duplicate guids without links are one item; with distinct links they stay apart
    assert log["dup-guids"][3:] == (5, 3)
    assert sorted(r[0] for r in by_source["dup-guids"]) == ["Beda 0", "Beda 1", "Sama 0"]
    # missing, future and unreadable dates: the item counts at its fetch time, never later
    dates = {r[0]: r for r in by_source["dates"]}
    assert len(dates) == 3
    for _, _, _, _, event_at, fetched_at, _ in dates.values():
        assert event_at == fetched_at
    assert dates["Dari masa depan"][3] > NOW + timedelta(days=29)
    assert dates["Tanpa tanggal sama sekali"][3] is None and dates["Tanggal rusak"][3] is None
    # javascript:, data: and file: links are never stored; the items are, without a url
    links = {r[0]: r[2] for r in by_source["links"]}
    assert links == {"Link javascript": None, "Link data": None, "Link file": None,
                     "Link biasa": "https://links.example/ok"}
    # no entity expansion, no local file read
    text = "\n".join(str(v) for row in items for v in row)
    assert "SECRET-MARKER" not in text and "lollol" not in text
    assert secret.read_text(encoding="utf-8") == "SECRET-MARKER-7f3a"
    # memory: a 96 MB gzip bomb and a body over the 10 MB cap, read at once
    assert peak < 80 * 1024 * 1024, peak


def test_failing_source_reaches_the_digest_footer_after_a_day(
        write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.add("/ok.xml", rss("OK", news_entries("ok.example", 2)))
    feed_server.add("/down.xml", b"gone", status=404)
    text = (f'[warehouse]\npath = "trends.duckdb"\n'
            f'[[sources]]\nname = "Tempo"\nkind = "rss"\nurl = "{feed_server.url("/down.xml")}"\n'
            f'[[sources]]\nname = "Antara"\nkind = "rss"\nurl = "{feed_server.url("/ok.xml")}"\n'
            '[[clients]]\nid = "kopi"\nname = "Kopi"\nlanguages = ["id"]\n'
            'keywords = ["kopi"]\nchannel = "#kopi"\n')
    config = load_config(write_config(text))
    client = config.clients[0]
    with open_warehouse(config.warehouse.path) as con:
        ingest(con, config)
        ingest(con, config, force=True)
        state = con.execute("""SELECT consecutive_failures, last_error, last_success_at
                               FROM sources WHERE name = 'Tempo'""").fetchone()
        assert state[0] == 2 and state[1].startswith("http_404") and state[2] is None
        now = datetime.now(UTC)
        soon = build_digest(con, client, now.date(), now + timedelta(hours=2))
        later = build_digest(con, client, now.date(), now + timedelta(hours=25))
        assert soon.failing_sources == [] and later.failing_sources == ["Tempo"]
        assert "Sumber yang gagal hari ini: Tempo (http_404" in render_text(later)   # id client
        # it heals: one success clears the failure streak and the footer
        feed_server.add("/down.xml", rss("Tempo", news_entries("tempo.example", 1)))
        ingest(con, config, force=True)
        healed = build_digest(con, client, now.date(), now + timedelta(hours=25))
        row = con.execute("""SELECT consecutive_failures, first_failure_at, last_success_at
                             FROM sources WHERE name = 'Tempo'""").fetchone()
    assert healed.failing_sources == [] and row[0] == 0 and row[1] is None and row[2] is not None


def test_an_unchanged_body_without_validators_is_not_parsed_again(
        write_config, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.add("/cms.xml", rss("CMS", news_entries("cms.example", 3)), etag=False)
    text = (f'[warehouse]\npath = "trends.duckdb"\n[[sources]]\nname = "CMS"\nkind = "rss"\n'
            f'url = "{feed_server.url("/cms.xml")}"\n')
    config = load_config(write_config(text))
    with open_warehouse(config.warehouse.path) as con:
        assert ingest(con, config).new_items == 3
        [again] = ingest(con, config, force=True).records
        assert (again.outcome, again.http_status, again.entries) == ("not_modified", 200, None)
        assert again.detail == "same body as the last fetch"
        feed_server.add("/cms.xml", rss("CMS", news_entries("cms.example", 4)), etag=False)
        [changed] = ingest(con, config, force=True).records
        assert (changed.outcome, changed.entries, changed.new_items) == ("ok", 4, 1)


@pytest.mark.slow       # a real Prefect server: the slow suite pays its start-up once
def test_parsing_in_processes_inside_a_prefect_flow(
        write_config, feed_server, prefect_api) -> None:  # type: ignore[no-untyped-def]
    from flows.pipeline import ingest as ingest_flow
    from trends.collect.ingest_job import PROCESS_POOL_MIN

    n = PROCESS_POOL_MIN + 4     # enough sources for the process pool
    text = '[warehouse]\npath = "trends.duckdb"\n'
    for i in range(n):
        feed_server.add(f"/f{i}.xml", rss(f"F{i}", news_entries(f"site{i}.example", 3)))
        text += (f'\n[[sources]]\nname = "F{i}"\nkind = "rss"\n'
                 f'url = "{feed_server.url(f"/f{i}.xml")}"\n')
    path = write_config(text)
    [outcome] = ingest_flow(str(path), force=True)
    assert f"{n} ok" in outcome.text and f"{3 * n} new items" in outcome.text
    with open_warehouse(load_config(path).warehouse.path) as con:
        assert con.execute("SELECT count(*) FROM items").fetchone() == (3 * n,)
