"""`trends report --html`: static pages per client, checked as HTML and in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from trends.cli import main
from trends.collect.ingest_job import ingest
from trends.config import Config, load_config
from trends.decide.ideas_job import score
from trends.deliver.charts import png_size, sparkline_png, sparkline_svg
from trends.demo.world import build_world, serve_world
from warehouse import decide as decide_sql
from warehouse.db import connect

NOW = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" & <!channel>'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Config]:
    tmp = tmp_path_factory.mktemp("report")
    w = build_world(NOW)
    with serve_world(w) as server:
        (tmp / "trends.toml").write_text(w.config_toml(server.url(""), "trends.duckdb"),
                                         encoding="utf-8")
        config = load_config(tmp / "trends.toml")
        con = connect(config.warehouse.path)
        ingest(con, config, force=True)
        score(con, config, as_of=NOW)
        # A hostile idea: feed text that would be markup if it were not escaped.
        rows = [{"rank": 9, "topic_key": "hostile", "topic_label": HOSTILE, "language": "id",
                 "angle": "soft_sell", "platform": "instagram", "hook": HOSTILE,
                 "caption": HOSTILE, "hashtags": [HOSTILE], "urgency": HOSTILE, "why": HOSTILE,
                 "stories": [{"title": HOSTILE, "url": "javascript:alert(3)", "source": HOSTILE,
                              "published_at": None},
                             {"title": "ok", "url": 'https://news.example/a"onmouseover="x',
                              "source": "s", "published_at": None}]}]
        existing = decide_sql.load_ideas(con, "kopi-nusantara", NOW.date())
        keep = [{k: (json.loads(v) if k == "stories" else v) for k, v in r.items()}
                for r in existing]
        decide_sql.save_ideas(con, "kopi-nusantara", NOW.date(), NOW, keep + rows)
        con.close()
        yield config


def write(config: Config, out: Path, *extra: str) -> None:
    assert main(["--config", str(config.file), "report", "--html", str(out), "--date",
                 "2026-11-22", *extra]) == 0


def test_pages_per_client_with_charts_and_ideas(scored: Config, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    write(scored, tmp_path)
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == [
        "belanja-kilat.html", "index.html", "kopi-nusantara.html", "layar-emas.html"]
    page = (tmp_path / "belanja-kilat.html").read_text(encoding="utf-8")
    assert "<h1>BelanjaKilat</h1>" in page and "Sunday 22 November 2026" in page
    assert "Harbolnas 12.12" in page and page.count("<svg") >= 2
    assert "Today&#x27;s ideas" in page or "Today's ideas" in page
    # Nothing on the page loads from anywhere: it works offline from the file system.
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "link", "iframe", "img"), tag
        if tag == "a":
            assert re.fullmatch(r"https?://\S+", attrs["href"] or "")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="kopi-nusantara.html"' in index


def test_hostile_feed_text_is_inert(scored: Config, tmp_path: Path) -> None:
    write(scored, tmp_path, "--client", "kopi-nusantara")
    page = (tmp_path / "kopi-nusantara.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onmouseover="x' not in page                 # the quote stays inside the href
    parser = _Tags()
    parser.feed(page)
    assert not any(k.startswith("on") for _, attrs in parser.tags for k in attrs)


def test_charts_are_valid_pictures() -> None:
    png = sparkline_png([[1, 2, 3], [0, 0, 9], [5, 5, 5]], width=300, row_height=40)
    assert png_size(png) == (300, 120)
    svg = sparkline_svg([0, 3, 1], label='<b>"x"</b>')
    assert svg.startswith("<svg") and 'aria-label="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in svg


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                                             "(Debian: apt-get install -y chromium)")
def test_page_renders_in_headless_chromium(scored: Config, tmp_path: Path) -> None:
    write(scored, tmp_path, "--client", "belanja-kilat")
    url = (tmp_path / "belanja-kilat.html").resolve().as_uri()
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        flags = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
        subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1200,1600", url],
                       check=True, capture_output=True, timeout=120)
        dom = subprocess.run(flags + ["--dump-dom", url], check=True, capture_output=True,
                             timeout=120, text=True).stdout
    assert png_size(shot.read_bytes()) == (1200, 1600)
    # A blank or error page compresses to a few kilobytes; charts and text do not.
    assert shot.stat().st_size > 30_000
    # The browser parsed what we meant: the table of topics with one chart per row.
    assert dom.count("<svg") >= 2 and "Harbolnas 12.12" in dom and "<polyline" in dom
