"""Ideas from plain topics: the link decides the angle, every caption carries a fact of its
stories and links one, dates are true, each platform gets its shape, every line is in the
client's languages."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, timedelta

import pytest

from trends.config import ClientConfig, Keyword
from trends.decide.calendar import moments_between
from trends.decide.ideas.writer import (
    FACT_SLOTS,
    MAX_HASHTAGS,
    X_LIMIT,
    label_hashtag,
    light_ideas,
    prepare_ideas,
    templates,
    urgency,
    write_ideas,
)
from trends.decide.ideas_job import skip_advised
from trends.models import Article, ScoredTopic

DAY = date(2026, 12, 2)
NOON = datetime(2026, 12, 2, 5, tzinfo=UTC)       # 12:00 in Jakarta


def client(**kw: object) -> ClientConfig:
    base: dict[str, object] = dict(id="kopi-nusantara", name="Kopi Nusantara", languages=("id",),
                                   keywords=("kopi", "ngopi"), tone="soft_sell",
                                   hashtags=("#KopiNusantara",))
    base.update(kw)
    return ClientConfig(**base)  # type: ignore[arg-type]


def topic(key: str, label: str, titles: list[str], *, link: str = "field", state: str = "rising",
          **kw: object) -> ScoredTopic:
    base: dict[str, object] = dict(
        key=key, label=label, score=0.8, trend=0.7, relevance=0.6, freshness=0.9, velocity=3.2,
        breadth=4, mentions=12, state=state, matched=["kopi"], reason="matches kopi",
        articles=[Article(t, f"https://news.example/{i}", "Warta", NOON - timedelta(hours=i))
                  for i, t in enumerate(titles)],
        hashtags=[], link=link, link_terms=["kopi"], matching=3, stories=len(titles))
    base.update(kw)
    return ScoredTopic(**base)  # type: ignore[arg-type]


MATCH = topic("indonesia vs arab saudi", "Indonesia vs Arab Saudi", [
    "Jadwal Indonesia vs Arab Saudi, Kick Off 19.30 WIB di GBK",
    "Tiket Indonesia vs Arab Saudi Ludes dalam 7 Menit"], hashtags=["#TimnasDay"])
SALE = topic("harbolnas 12.12", "Harbolnas 12.12", [
    "Transaksi Harbolnas 12.12 Diprediksi Tembus Rp 31 Triliun",
    "Gratis Ongkir dan Voucher Cashback Warnai Harbolnas 12.12"],
    moment="Harbolnas 12.12 (national online shopping day)", moment_day=date(2026, 12, 12))
COFFEE = topic("kopi susu gula aren", "kopi susu gula aren", [
    "Kopi Susu Gula Aren Masih Jadi Favorit, Terjual 50 Ribu Gelas Sehari",
    "Barista di Malang bilang kopi susu gula aren tetap laris"], hashtags=["#KopiSusuGulaAren"])
BARE = topic("hujan deras", "Hujan Deras", ["Hujan Deras Hari Ini", "Waspada Hujan Deras"])


def test_bilingual_client_gets_id_then_en_with_shared_angle_platform_and_facts() -> None:
    ideas = write_ideas(client(languages=("en", "id")), [MATCH, SALE], DAY)
    assert [(i.topic_key, i.language) for i in ideas] == [
        ("indonesia vs arab saudi", "id"), ("indonesia vs arab saudi", "en"),
        ("harbolnas 12.12", "id"), ("harbolnas 12.12", "en")]
    for a, b in zip(ideas[::2], ideas[1::2]):
        assert (a.angle, a.platform, a.link) == (b.angle, b.platform, b.link)


def test_every_caption_carries_a_fact_of_its_stories_and_links_one() -> None:
    ideas = write_ideas(client(languages=("id", "en")), [MATCH, SALE, COFFEE], DAY)
    assert ideas
    for i in ideas:
        assert i.facts and any(f.lower() in f"{i.hook} {i.caption}".lower() for f in i.facts), i
        assert i.source_url and i.source_url.startswith("https://news.example/")
        assert i.caption.strip().lower() != i.topic_label.lower()


def test_a_topic_whose_stories_give_no_fact_gets_no_idea() -> None:
    # "hari ini" from a story of today is a fact, but alone it says nothing the label does not
    assert write_ideas(client(), [BARE], DAY) == []


def test_the_angle_follows_the_link_and_the_tone_and_never_disclaims_the_field() -> None:
    for tone in ("soft_sell", "hard_sell", "mixed"):
        c = client(tone=tone, id=f"c-{tone}")
        for t in (MATCH, SALE, COFFEE):
            for i in write_ideas(c, [t], DAY, questions_per_day=0):
                assert i.link == "field"
                assert i.angle in {"soft_sell": {"soft_sell"}, "hard_sell": {"hard_sell"},
                                   "mixed": {"behind_the_scenes", "soft_sell"}}[tone], (tone, i)
                text = f"{i.hook} {i.caption}".lower()
                assert "bukan ahlinya" not in text and "isn't our field" not in text
    buzz = topic(MATCH.key, MATCH.label, [a.title for a in MATCH.articles], link="buzz")
    assert {i.angle for i in write_ideas(client(), [buzz], DAY, questions_per_day=0)} == {
        "question"}


def test_only_a_brand_people_go_to_offers_itself_as_the_place_to_meet() -> None:
    fans = topic(MATCH.key, MATCH.label, [a.title for a in MATCH.articles], link="audience",
                 link_terms=["timnas"], matched=["timnas"])
    cafe = client(keywords=("kedai kopi", "kopi"))
    bank = client(id="bank", name="Bank Sentosa", keywords=("tabungan", "kredit"))
    seen = {c.id: " ".join(f"{i.caption} {i.outline}" for d in range(14)
                           for i in write_ideas(c, [fans], DAY + timedelta(days=d),
                                                questions_per_day=0))
            for c in (cafe, bank)}
    assert "kedai kopi Kopi Nusantara siap jadi tempat kumpul" in seen[cafe.id]
    assert "tempat kumpul" not in seen[bank.id] and "soal timnas" in seen[bank.id]
    assert "tabungan" not in seen[bank.id]     # the fans' story, not the bank's field


def test_an_english_idea_says_an_indonesian_number_in_english() -> None:
    ideas = [i for d in range(7) for i in write_ideas(client(languages=("id", "en")), [MATCH],
                                                     DAY + timedelta(days=d), questions_per_day=0)]
    english = " ".join(i.caption for i in ideas if i.language == "en")
    assert "sold out in 7 minutes" in english and "ludes" not in english
    assert "is on 19.30" not in english           # "is on at 19.30 WIB"
    # the two languages of one idea say the same fact
    for a, b in zip(ideas[::2], ideas[1::2], strict=True):
        assert (a.language, b.language) == ("id", "en") and len(a.facts) == len(b.facts)


def test_a_crime_shown_to_a_flag_client_gets_no_idea_a_disaster_is_informed_about() -> None:
    titles = ["Polisi Bongkar Sindikat, 17 Orang Ditangkap di Bali",
              "17 Orang Ditangkap dalam Penggerebekan di Bali"]
    crime = topic("sindikat", "Sindikat Narkoba", titles, warning="sensitive: crime",
                  sensitivity="crime")
    assert write_ideas(client(policy="flag"), [crime], DAY) == []
    flood = topic("banjir", "Banjir Bekasi", ["1.200 Warga Bekasi Mengungsi"],
                  warning="sensitive: disaster", sensitivity="disaster")
    assert {i.angle for i in write_ideas(client(policy="flag"), [flood], DAY)} == {"trust"}


def test_a_question_never_says_a_word_twice() -> None:
    gold = topic("harga emas antam", "Harga Emas Antam", [
        "Berapa Harga Emas Antam Hari Ini? Naik Rp 6.000 per Gram"])
    qa = [i for i in write_ideas(client(), [gold], DAY) if i.angle == "educational"]
    assert qa and "harga Harga" not in qa[0].hook and "Harga Emas Antam" in qa[0].hook


def test_one_idea_a_day_answers_a_question_people_ask() -> None:
    ideas = write_ideas(client(), [MATCH, SALE], DAY)
    qa = [i for i in ideas if i.angle == "educational"]
    assert len(qa) == 1 and qa[0].topic_key == MATCH.key
    assert "Jam berapa" in qa[0].hook and "19.30 WIB" in qa[0].caption


def test_dates_are_true_relative_to_the_day() -> None:
    c = client(id="belanja-kilat", name="BelanjaKilat", keywords=("promo", "diskon"),
               tone="hard_sell", hashtags=("#BelanjaKilat",))
    harbolnas = next(m for m in moments_between(date(2026, 12, 12), date(2026, 12, 12))
                     if m.name.startswith("Harbolnas"))
    prepared = prepare_ideas(c, harbolnas, DAY)
    assert prepared and prepared[0].kind == "prepare" and prepared[0].link == "moment"
    assert "H-10" in f"{prepared[0].hook} {prepared[0].caption}"
    for i in write_ideas(c, [SALE], DAY) + prepared:
        text = f"{i.hook} {i.caption}".lower()
        # nothing is "today" unless a story of today or the calendar says so
        assert not re.search(r"\bhari ini\b", text) or "hari ini" in " ".join(i.facts)


def test_each_platform_gets_its_shape() -> None:
    seen = {}
    for n in range(40):
        c = client(id=f"c{n}", tone=("soft_sell", "hard_sell", "mixed")[n % 3])
        for i in write_ideas(c, [MATCH, SALE, COFFEE], DAY + timedelta(days=n % 7)):
            seen.setdefault(i.platform, i)
            if i.platform == "x":
                assert len(i.caption) + sum(len(t) + 1 for t in i.hashtags) <= X_LIMIT
                assert i.outline == []
            if i.platform == "instagram":
                assert i.outline[0] == i.hook and 3 <= len(i.outline) <= 4
            if i.platform == "tiktok":
                assert i.outline[0].startswith("Detik 0-3") and 3 <= len(i.outline) <= 4
    assert {"instagram", "x"} <= seen.keys()


def test_hashtags_are_the_trends_own_then_the_brands() -> None:
    [i] = write_ideas(client(), [COFFEE], DAY, questions_per_day=0)
    assert i.hashtags[0] == "#KopiSusuGulaAren" and "#KopiNusantara" in i.hashtags
    assert len(i.hashtags) <= MAX_HASHTAGS
    [j] = write_ideas(client(), [SALE], DAY, questions_per_day=0)
    assert j.hashtags == ["#KopiNusantara"]          # no tag made up from the label


def test_an_indonesian_only_client_reads_every_line_in_indonesian() -> None:
    ideas = write_ideas(client(), [MATCH, SALE], DAY)
    assert {i.language for i in ideas} == {"id"}
    for i in ideas:
        assert "bidang brand" in i.why and "sebutan" in i.why
        assert i.urgency.startswith(("naik", "baru", "puncak", "stabil", "meredup", "sudah"))


def test_a_flagged_sensitive_story_is_informed_about_never_sold() -> None:
    flood = topic("banjir bekasi", "Banjir Bekasi", ["Banjir Bekasi Rendam 12 Kelurahan"],
                  sensitivity="disaster", warning="Sensitive: disaster",
                  sensitive_terms=["banjir"])
    [i] = write_ideas(client(policy="flag"), [flood], DAY)
    assert i.angle == "trust" and i.warning and "12 kelurahan" in i.caption.lower()


def test_light_ideas_are_questions_labelled_as_such() -> None:
    ideas = light_ideas(client(), MATCH, DAY)
    assert ideas and {(i.kind, i.link, i.angle) for i in ideas} == {("light", "buzz",
                                                                     "question")}


def test_skip_advice_is_never_offered() -> None:
    assert skip_advised(topic("a", "A", [], posting_window="peaked 2 days ago: skip"))
    assert skip_advised(topic("a", "A", [], posting_window="fading: skip unless it fits"))
    assert not skip_advised(topic("a", "A", [], posting_window="peaked yesterday: post early "
                                                               "or skip"))
    assert not skip_advised(topic("a", "A", [], posting_window="rising: post today"))


def test_same_inputs_same_text_and_days_vary() -> None:
    c = client(tone="mixed")
    a = write_ideas(c, [MATCH, COFFEE], DAY)
    assert a == write_ideas(c, [MATCH, COFFEE], DAY)
    week = {i.caption for n in range(7) for i in write_ideas(c, [COFFEE], DAY + timedelta(n))}
    assert len(week) >= 2


def test_templates_name_only_known_slots_and_ground_every_caption() -> None:
    known = FACT_SLOTS | {"topic", "brand", "kw", "question", "moment", "when", "venue"}
    for t in templates():
        names = {n for text in (t.hook, t.caption, t.tie_in)
                 for _, n, _, _ in string.Formatter().parse(text) if n}
        assert names <= known, t
        caption = {n for _, n, _, _ in string.Formatter().parse(t.caption) if n}
        if t.links in (("moment",), ("own",)):
            assert {"moment", "when"} <= caption, t
        elif t.links in (("holiday",), ("independence",)):   # greeted on the day: no countdown
            assert "moment" in caption and "when" not in names, t
        else:
            assert caption & FACT_SLOTS, t
    pairs = {(t.angle, t.language, link) for t in templates() for link in t.links}
    for angle, lang, link in pairs:
        assert (angle, "en" if lang == "id" else "id", link) in pairs


def test_urgency_and_label_hashtag() -> None:
    assert urgency("rising", "id") == "naik: posting hari ini"
    assert urgency("fading", "en", "peaked 3 days ago: skip") == "peaked 3 days ago: skip"
    assert urgency("fading", "id", "peaked yesterday: post early or skip") == \
        "sudah puncak kemarin: posting pagi atau lewati"
    assert label_hashtag("Timnas Indonesia") == "#TimnasIndonesia"
    assert label_hashtag("iPhone 17") == "#iPhone17"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_leftover_placeholders(lang: str) -> None:
    for n in range(14):
        for i in write_ideas(client(languages=(lang,), id=f"c{n}", tone="mixed"),
                             [MATCH, SALE, COFFEE], DAY + timedelta(days=n)):
            for text in (i.hook, i.caption, *i.outline):
                assert "{" not in text and "}" not in text, text


def test_a_holiday_is_greeted_never_sold_on() -> None:
    nyepi = next(m for m in moments_between(date(2026, 3, 19), date(2026, 3, 19))
                 if m.kind == "holiday")
    for tone in ("hard_sell", "soft_sell"):
        ideas = prepare_ideas(client(tone=tone, languages=("id", "en")), nyepi, date(2026, 3, 16))
        assert [i.angle for i in ideas] == ["greeting", "greeting"]
        text = " ".join(f"{i.hook} {i.caption}" for i in ideas).lower()
        assert "penawaran" not in text and "offer" not in text and "?" not in text
        assert "hari suci nyepi" in text and "day of silence" in text


def test_a_question_is_answered_only_by_a_fact_that_answers_it() -> None:
    tonight = topic("konser", "Konser Dewa 19", ["Jam Berapa Konser Dewa 19 Malam Ini?",
                                                  "Konser Dewa 19 di GBK Malam Ini"])
    qa = [i for i in write_ideas(client(), [tonight], DAY) if i.angle == "educational"]
    assert not qa or "Jawabannya: malam ini" not in qa[0].caption
    rise = topic("harga emas antam", "Harga Emas Antam", [
        "Berapa Harga Emas Antam? Naik Rp 6.000 per Gram"])
    qa = [i for i in write_ideas(client(), [rise], DAY) if i.angle == "educational"]
    # a rise is not a price: at most "the numbers behind it", never "how much is it"
    assert qa and "angka di balik" in qa[0].hook and "Berapa Harga" not in qa[0].hook


def test_an_english_idea_says_a_keyword_that_has_an_english_form() -> None:
    tv = client(id="tv", name="Layar Emas TV", languages=("en",),
                keywords=("nonton", "siaran langsung"),
                keyword_specs=(Keyword("nonton"),
                               Keyword("siaran langsung", synonyms=("live broadcast",))))
    match = topic(MATCH.key, MATCH.label, [a.title for a in MATCH.articles],
                  link_terms=["nonton", "siaran langsung"], matched=["nonton", "siaran langsung"])
    text = " ".join(i.caption for d in range(7)
                    for i in write_ideas(tv, [match], DAY + timedelta(days=d),
                                         questions_per_day=0))
    assert "nonton" not in text and "live broadcast" in text


def test_independence_day_is_festive_and_a_forecast_stays_a_forecast() -> None:
    merdeka = next(m for m in moments_between(date(2026, 8, 17), date(2026, 8, 17))
                   if m.kind == "holiday")
    [idea] = prepare_ideas(client(), merdeka, date(2026, 8, 10))
    assert idea.angle == "greeting" and idea.hook.startswith("Dirgahayu")
    sale = [i for i in write_ideas(client(languages=("id", "en"), keywords=("harbolnas",)),
                                   [SALE], DAY) if "31" in i.caption]
    assert sale and all("diprediksi tembus Rp 31 triliun" in i.caption for i in sale
                        if i.language == "id")


def test_the_score_line_counts_the_ideas_a_digest_shows() -> None:
    from trends.decide.ideas_job import Draft, ScoreSummary

    nyepi = next(m for m in moments_between(date(2026, 3, 19), date(2026, 3, 19))
                 if m.kind == "holiday")
    c = client(languages=("id", "en"))
    ideas = write_ideas(c, [MATCH], DAY, questions_per_day=0) + prepare_ideas(c, nyepi, DAY)
    summary = ScoreSummary(as_of=NOON, extracted=0, candidates=3, topics=1, drafts=[
        Draft(client=c, day=DAY, as_of=NOON, ideas=ideas, topics={})])
    # two languages of one topic are one idea; a prepared greeting is said apart
    assert summary.text().endswith("ideas per client: kopi-nusantara: 2 (1 to prepare)")
