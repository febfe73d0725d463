"""The five questions an analyst asks first (docs/sql.md), as named queries over a real
warehouse scored day by day by `trends score --as-of`: what is trending now, what was trending
on a day, what rose fastest this week, how long a trend lasted, and where a topic came from.
`trending_now` is the run that finished last, so re-scoring an earlier day shows that day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from trends.cli import main
from trends.collect.normalize import item_key
from trends.config import SourceConfig
from trends.models import FeedItem
from warehouse import collect as collect_sql
from warehouse.db import open_warehouse

JAKARTA = ZoneInfo("Asia/Jakarta")
DAYS = [date(2025, 11, 10) + timedelta(days=i) for i in range(11)]
SOURCES = ("Warta", "Kabar", "Berita")

# (day index, title): gold prices every day; a match on day 9; a flood on the last day.
HEADLINES = [
    *[(d, f"Harga Emas Antam Hari Ini {t}") for d in range(11)
      for t in ("Naik Rp 5.000", "Stabil di Pasar")],
    (9, "Timnas Indonesia vs Arab Saudi Malam Ini di GBK"),
    (9, "Jadwal Timnas Indonesia vs Arab Saudi, Kick Off 19.30"),
    (9, "Prediksi Timnas Indonesia vs Arab Saudi Jelang Laga"),
    (10, "Banjir Bekasi Rendam 12 Kelurahan"),
    (10, "Banjir Bekasi: Ribuan Warga Dievakuasi"),
    (10, "Korban Banjir Bekasi Terima Bantuan"),
    (10, "Banjir Bekasi Mulai Surut Sore Ini"),
    (10, "Posko Banjir Bekasi Butuh Relawan"),
    (10, "Banjir Bekasi Putus Akses Jalan Tol"),
]
SCORED = DAYS[8:]               # the last three days, at noon


def noon(day: date) -> str:
    return datetime.combine(day, datetime.min.time().replace(hour=12), JAKARTA).isoformat()


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with eleven days of headlines, scored at noon of the last three."""
    directory = tmp_path_factory.mktemp("topics")
    config = directory / "trends.toml"
    config.write_text(f'[warehouse]\npath = "{directory / "t.duckdb"}"\n\n'
                      '[[clients]]\nid = "kopi"\nname = "Kopi"\nkeywords = ["kopi"]\n',
                      encoding="utf-8")
    batch = []
    for n, (d, title) in enumerate(HEADLINES):
        at = datetime.combine(DAYS[d], datetime.min.time().replace(hour=6 + n % 5),
                              JAKARTA).astimezone(UTC)
        source = SOURCES[n % len(SOURCES)]
        key = item_key(url=None, guid=None, source=source, title=title, published=at)
        batch.append((FeedItem(key=key, source=source, url=None, title=title, summary="",
                               published_at=at, language="id"), at))
    with open_warehouse(directory / "t.duckdb") as con:
        collect_sql.sync_sources(con, [SourceConfig(s, "rss", f"https://{s.lower()}.example/rss",
                                                    "id") for s in SOURCES])
        collect_sql.insert_items(con, batch)
    for day in SCORED:
        assert main(["--config", str(config), "score", "--as-of", noon(day)]) == 0
    return config


def query(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["--config", str(config), "query", *args, "--format", "json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_what_is_trending_now(scored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query(scored, capsys, "top_topics")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["label"] == "Banjir Bekasi" and rows[0]["state"] == "new"
    labels = [r["label"] for r in rows]
    assert "Harga Emas Antam" in labels
    # one story, one row: no candidate of the flood or the gold price on a row of its own
    assert not [label for label in labels if label != "Banjir Bekasi" and "Bekasi" in label]
    assert len(query(scored, capsys, "top_topics", "--param", "top=1")) == 1


def test_what_was_trending_on_a_day(scored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query(scored, capsys, "trending_on", "--day", DAYS[9].isoformat())
    labels = [r["label"] for r in rows]
    assert labels[0].endswith("Indonesia vs Arab Saudi") and "Banjir Bekasi" not in labels
    assert {r["as_of"][:10] for r in rows} == {DAYS[9].isoformat()}
    assert query(scored, capsys, "trending_on", "--day", DAYS[0].isoformat()) == []


def test_what_rose_fastest_this_week(scored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query(scored, capsys, "rose_fastest", "--days", "7", "--param", "min_mentions=2")
    assert rows[0]["label"] == "Banjir Bekasi"
    steady = next(r for r in rows if r["label"] == "Harga Emas Antam")
    assert steady["x_usual"] < rows[0]["x_usual"] and steady["runs"] == len(SCORED)


def test_how_long_a_trend_lasted(scored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [gold] = query(scored, capsys, "trend_lifetime", "--topic", "emas antam")
    assert gold["runs"] == len(SCORED) and gold["hours_trending"] == 48.0
    assert gold["first_trending"][:10] == SCORED[0].isoformat()
    assert gold["last_state"] == "steady"       # at its usual level every day


def test_where_a_topic_came_from(scored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = query(scored, capsys, "topic_sources", "--topic", "bekasi")
    assert {r["source"] for r in rows} == set(SOURCES)
    assert sum(r["items"] for r in rows) == 6
    assert all("Banjir Bekasi" in r["first_headline"] for r in rows)
    assert [r["first_item"] for r in rows] == sorted(r["first_item"] for r in rows)


def test_scoring_an_earlier_day_shows_that_day(scored: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(scored), "score", "--as-of", noon(DAYS[9])]) == 0
    rows = query(scored, capsys, "top_topics")
    assert rows[0]["label"].endswith("Indonesia vs Arab Saudi")
    assert {r["as_of"][:10] for r in rows} == {DAYS[9].isoformat()}
    # the later day's run is still there, by its day
    later = query(scored, capsys, "trending_on", "--day", DAYS[10].isoformat())
    assert later[0]["label"] == "Banjir Bekasi"
    assert main(["--config", str(scored), "score", "--as-of", noon(DAYS[10])]) == 0
