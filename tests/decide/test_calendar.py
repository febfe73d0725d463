"""Calendar moments: Indonesian holidays, shopping days, seasons, client dates, and the boost."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from trends.config import ClientConfig, ClientDate, Keyword, load_config
from trends.decide.calendar import countdown, moment_name, moments_between, upcoming_moments
from trends.decide.relevance import score_topic
from trends.errors import ConfigError
from trends.models import Article, TopicContext, TopicSignal


def client(**kw: object) -> ClientConfig:
    base: dict[str, object] = dict(id="belanja", name="BelanjaKilat", languages=("id",),
                                   keywords=("diskon", "promo"))
    base.update(kw)
    return ClientConfig(**base)  # type: ignore[arg-type]


def names(ms: list) -> list[str]:  # type: ignore[type-arg]
    return [m.name for m in ms]


def test_public_holidays_come_from_the_holidays_package_in_indonesian() -> None:
    august = moments_between(date(2026, 8, 10), date(2026, 8, 20))
    independence = [m for m in august if m.day == date(2026, 8, 17)]
    assert independence and independence[0].kind == "holiday"
    assert "Kemerdekaan" in independence[0].name and "17 agustus" in independence[0].keywords
    christmas = [m for m in moments_between(date(2026, 12, 24), date(2026, 12, 26))
                 if m.kind == "holiday"]
    assert [m.day for m in christmas] == [date(2026, 12, 25)]


def test_commercial_dates_and_seasons() -> None:
    year = moments_between(date(2026, 1, 1), date(2026, 12, 31))
    by_name = {m.name: m for m in year}
    assert by_name["Harbolnas 12.12 (national online shopping day)"].day == date(2026, 12, 12)
    assert by_name["11.11 (Singles' Day sale)"].day == date(2026, 11, 11)
    paydays = [m.day for m in year if m.name.startswith("Tanggal gajian")]
    assert len(paydays) == 12 and all(d.day == 25 for d in paydays)
    assert any(m.name.startswith("Tahun ajaran baru") and m.day.month == 7 for m in year)
    assert any(m.name.startswith("Liburan akhir tahun") for m in year)
    # Ramadan and the Lebaran season hang off the package's Idul Fitri date
    eid = next(m.day for m in year if "Eid al-Fitr" in m.name and "kedua" not in m.name.lower())
    ramadan = next(m for m in year if m.name.startswith("Awal Ramadan"))
    assert ramadan.day == eid - timedelta(days=30) and "bukber" in ramadan.keywords
    assert any(m.name.startswith("Musim mudik") and m.day < eid for m in year)


def test_upcoming_moments_each_as_far_ahead_as_it_needs_with_client_dates_first() -> None:
    c = client(dates=(ClientDate("Ulang tahun BelanjaKilat", "12-10", ("ulang tahun",)),
                      ClientDate("Peluncuran app baru", "2027-01-03"),
                      ClientDate("Pameran tahunan", "12-30", lead_days=30)))
    week = upcoming_moments(c, date(2026, 12, 6))
    assert names(week)[:2] == ["Ulang tahun BelanjaKilat",
                               "Harbolnas 12.12 (national online shopping day)"]
    assert all(0 <= (m.day - date(2026, 12, 6)).days <= m.lead_days for m in week)
    # 12.12 wants two weeks; a client's own date a week unless it says more; payday 3 days
    assert "Harbolnas 12.12 (national online shopping day)" in names(
        upcoming_moments(c, date(2026, 11, 28)))
    assert "Ulang tahun BelanjaKilat" not in names(upcoming_moments(c, date(2026, 12, 1)))
    assert "Pameran tahunan" in names(upcoming_moments(c, date(2026, 12, 1)))
    assert not any(m.name.startswith("Tanggal gajian")
                   for m in upcoming_moments(c, date(2026, 12, 20)))
    assert any(m.name.startswith("Tanggal gajian") for m in upcoming_moments(c, date(2026, 12, 22)))
    # a fixed horizon still answers "the next N days"
    assert all(m.day <= date(2026, 12, 13) for m in upcoming_moments(c, date(2026, 12, 6), 7))
    assert "Peluncuran app baru" in names(upcoming_moments(c, date(2026, 12, 30)))
    assert "Peluncuran app baru" not in names(upcoming_moments(c, date(2027, 12, 30)))
    assert upcoming_moments(c, date(2026, 12, 14)) == [] or all(
        m.day >= date(2026, 12, 14) for m in upcoming_moments(c, date(2026, 12, 14)))


def test_client_dates_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "trends.toml"
    path.write_text('[[clients]]\nid = "a"\nkeywords = ["kopi"]\n'
                    'dates = [{name = "Ultah", date = "13-40"}]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "clients[0].dates[0].date" in str(err.value) and "MM-DD" in str(err.value)
    path.write_text('[[clients]]\nid = "a"\nkeywords = ["kopi"]\n'
                    'dates = [{name = "Ultah", date = "02-29", keywords = ["ultah"]}]\n',
                    encoding="utf-8")
    c = load_config(path).clients[0]
    assert c.dates == (ClientDate("Ultah", "02-29", ("ultah",)),)
    assert [m.day for m in upcoming_moments(c, date(2027, 2, 25)) if m.kind == "client"] == \
        [date(2027, 2, 28)]


def _ctx(texts: list[str]) -> TopicContext:
    now = datetime(2026, 12, 8, tzinfo=UTC)
    sig = TopicSignal(key="harbolnas", label="Harbolnas", kind="phrase", mentions=len(texts),
                      baseline=1, velocity=3.0, breadth=3, volume=0, freshness=0.8,
                      first_seen_at=now - timedelta(days=1), state="rising", trend=0.5)
    return TopicContext(signal=sig, articles=[Article(t, None, "s") for t in texts],
                        texts=[t.lower() for t in texts],
                        item_keys=frozenset(str(i) for i in range(len(texts))))


def test_a_topic_that_ties_in_with_a_near_moment_is_boosted_and_says_why() -> None:
    c = client()
    ctx = _ctx(["Promo Harbolnas 12.12 dimulai", "Diskon harbolnas 90 persen", "Tips belanja"])
    plain, _ = score_topic(c, ctx)
    soon, _ = score_topic(c, ctx, upcoming_moments(c, date(2026, 12, 9)), date(2026, 12, 9))
    later, _ = score_topic(c, ctx, upcoming_moments(c, date(2026, 12, 5)), date(2026, 12, 5))
    assert soon.moment == "Harbolnas 12.12 (national online shopping day)"
    assert "ties in with Harbolnas 12.12" in soon.reason and "in 3 days" in soon.reason
    assert soon.score > later.score > plain.score > 0
    # no boost for a topic the client does not care about, however near the moment
    other, _ = score_topic(dataclasses.replace(c, keywords=("kopi",)), ctx,
                           upcoming_moments(c, date(2026, 12, 9)), date(2026, 12, 9))
    assert other.score == 0 and other.moment is None


def test_countdown_and_names_say_where_today_stands() -> None:
    day = date(2026, 12, 12)
    assert [countdown(day, date(2026, 12, d), "id") for d in (2, 12, 13)] == [
        "H-10", "hari H", "H+1"]
    assert [countdown(day, date(2026, 12, d), "en") for d in (2, 11, 12, 13)] == [
        "in 10 days", "tomorrow", "today", "yesterday"]
    harbolnas = next(m for m in moments_between(day, day) if m.name.startswith("Harbolnas"))
    assert moment_name(harbolnas, "id") == "Harbolnas 12.12"
    assert moment_name(harbolnas, "en") == "Harbolnas 12.12 (national online shopping day)"
    christmas = next(m for m in moments_between(date(2026, 12, 25), date(2026, 12, 25))
                     if m.kind == "holiday")
    assert "Natal" in moment_name(christmas, "id") and "Christmas" in moment_name(christmas, "en")


def test_a_shopping_festival_is_a_moment_only_for_a_brand_that_sells() -> None:
    broadcaster = client(id="tv", name="Layar Emas TV", keywords=("siaran langsung", "film"))
    shop = client()
    day = date(2026, 12, 2)
    assert "Harbolnas 12.12 (national online shopping day)" in names(upcoming_moments(shop, day))
    assert not any(m.kind == "sale" for m in upcoming_moments(broadcaster, day))
    # a broadcaster that runs a 12.12 promo says so with a keyword
    promo = dataclasses.replace(broadcaster, keywords=("siaran langsung", "promo"))
    assert any(m.kind == "sale" for m in upcoming_moments(promo, day))
    # payday is a brand's when its audience names it or it sells hard; holidays are everyone's
    payday = date(2026, 12, 23)
    assert not any(m.name.startswith("Tanggal gajian")
                   for m in upcoming_moments(broadcaster, payday))
    for c in (dataclasses.replace(broadcaster, tone="hard_sell"),
              dataclasses.replace(broadcaster, audience=(Keyword("gajian"),))):
        assert any(m.name.startswith("Tanggal gajian") for m in upcoming_moments(c, payday))
    assert any(m.kind == "holiday" for m in upcoming_moments(broadcaster, date(2026, 12, 20)))


def test_the_school_year_starts_on_a_monday_and_english_names_read_as_names() -> None:
    first = [m for m in moments_between(date(2025, 7, 1), date(2025, 7, 31))
             if m.name.startswith("Tahun ajaran baru")]
    assert [m.day for m in first] == [date(2025, 7, 14)]          # 13 July 2025 is a Sunday
    assert first[0].day.weekday() == 0
    payday = next(m for m in moments_between(date(2026, 1, 25), date(2026, 1, 25))
                  if m.name.startswith("Tanggal gajian"))
    assert moment_name(payday, "en") == "payday" and moment_name(payday, "id") == "Tanggal gajian"
