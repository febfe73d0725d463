"""Facts and questions from headlines (trends/decide/ideas/facts.py), on plain Articles."""

from __future__ import annotations

from datetime import UTC, date, datetime

from trends.decide.ideas.facts import find_facts, find_questions
from trends.models import Article

NOW = datetime(2026, 12, 2, 1, tzinfo=UTC)          # 08:00 in Jakarta


def story(title: str, summary: str = "", at: datetime = NOW) -> Article:
    return Article(title=title, url="https://example.test/x", source="Test", published_at=at,
                   summary=summary)


def facts(*titles: str, label: str = "", today: date | None = None) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_facts([story(t) for t in titles],
                                                 topic_label=label, today=today)]


def test_a_number_keeps_the_words_that_say_what_it_measures() -> None:
    found = facts("Tiket Timnas Indonesia vs Arab Saudi Ludes dalam 7 Menit")
    assert ("number", "ludes dalam 7 menit") in found


def test_a_price_from_keeps_its_qualifier() -> None:
    # "mulai Rp 6 juta" is a starting price: an idea that says "Rp 6 juta" over-promises.
    found = facts("Nusaphone 12 Resmi Meluncur di Indonesia, Harga Mulai Rp 6 Juta")
    assert [t for k, t in found if k == "money"] == ["mulai Rp 6 Juta"]


def test_a_date_written_like_a_time_is_not_a_time() -> None:
    found = facts("Harbolnas 12.12 Dimulai Pukul 00.00 WIB")
    times = [t for k, t in found if k == "time"]
    assert "12.12" not in times and any("00.00" in t for t in times)


def test_relative_times_count_only_on_the_day_the_story_ran() -> None:
    title = "Timnas Main di GBK Malam Ini"
    assert ("time", "malam ini") in facts(title, today=date(2026, 12, 2))
    assert ("time", "malam ini") not in facts(title, today=date(2026, 12, 3))


def test_a_name_ends_where_the_verb_or_the_topic_begins() -> None:
    found = facts("Pelatih Patrick Kluivert Puji Timnas Indonesia", label="Timnas Indonesia")
    assert [t for k, t in found if k == "name"] == ["Patrick Kluivert"]
    found = facts("Penampilan Timnas Indonesia Dipuji Erick Thohir", label="Timnas Indonesia")
    assert [t for k, t in found if k == "name"] == ["Erick Thohir"]


def test_questions_come_from_queries_first_and_once_per_cue() -> None:
    asked = find_questions([story("Kapan Harbolnas 12.12 Dimulai? Ini Jadwalnya"),
                            story("Kapan Promo Berakhir?")],
                           queries=["cara dapat voucher harbolnas"])
    assert [(q.cue, q.article is None) for q in asked][:2] == [("cara", True), ("kapan", False)]
    assert [q.cue for q in asked].count("kapan") == 1


def test_a_fact_tells_more_than_the_label() -> None:
    # the label's own place, a countdown read as a name, a bare "3,7 juta" of nobody knows what
    assert ("place", "Bekasi") not in facts("Banjir di Bekasi Meluas", label="Bekasi")
    assert not [t for k, t in facts("Arus Mudik H-3 Idul Fitri Memuncak") if k == "name"]
    found = facts("Penjualan Capai 3,7 Juta, KAI Siapkan 3,7 Juta Tiket Lebaran")
    assert ("number", "3,7 Juta Tiket") in found and ("number", "3,7 Juta") not in found
