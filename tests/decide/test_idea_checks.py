"""The automatic idea checks (trends/decide/ideas/checks.py): each catches a crafted bad idea
and passes a good one the writer made; and the demo week's ideas pass them all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.decide.test_ideas import COFFEE, DAY, MATCH, NOON, SALE, client, topic
from trends.config import ClientConfig
from trends.decide.calendar import moments_between
from trends.decide.ideas.checks import (
    CHECKS,
    ClientDay,
    advises_skip,
    check_brand,
    check_date,
    check_grounded,
    check_ideas,
    check_label,
    check_mentions,
    check_platform,
    check_skip,
    label_kind,
    says_something,
)
from trends.decide.ideas.writer import light_ideas, prepare_ideas, write_ideas
from trends.models import Idea, ScoredTopic

SHOP = client(id="belanja-kilat", name="BelanjaKilat", keywords=("promo", "diskon"),
              tone="hard_sell", hashtags=("#BelanjaKilat",))
TV = client(id="layar-emas", name="Layar Emas TV", languages=("id", "en"),
            keywords=("timnas", "siaran langsung"), tone="mixed", hashtags=("#LayarEmas",))


def day_of(c: ClientConfig, *topics: ScoredTopic, on: date = DAY,
           now: datetime = NOON) -> ClientDay:
    return ClientDay(client=c, local_date=on, now=now, topics={t.key: t for t in topics})


def first(c: ClientConfig, t: ScoredTopic, **kw: object) -> Idea:
    ideas = write_ideas(c, [t], DAY, questions_per_day=0)
    assert ideas, t
    return dataclasses.replace(ideas[0], **kw)  # type: ignore[arg-type]


def harbolnas_prepare(c: ClientConfig, on: date = DAY) -> list[Idea]:
    [m] = [m for m in moments_between(date(2026, 12, 12), date(2026, 12, 12))
           if m.name.startswith("Harbolnas")]
    return prepare_ideas(c, m, on)


def test_the_writers_own_ideas_pass_every_check() -> None:
    for c in (client(), SHOP, TV):
        for t in (MATCH, SALE, COFFEE):
            ideas = write_ideas(c, [t], DAY)
            assert ideas
            assert check_ideas(ideas, c, DAY, NOON, topics={t.key: t}) == [], ideas
        assert check_ideas(harbolnas_prepare(c), c, DAY, NOON) == []
        assert check_ideas(light_ideas(c, MATCH, DAY), c, DAY, NOON,
                           topics={MATCH.key: MATCH}) == []


def test_brand_an_angle_that_disclaims_the_field_is_caught() -> None:
    good = first(client(), COFFEE)
    assert check_brand(good, day_of(client(), COFFEE)) == []
    bad = dataclasses.replace(good, angle="trust",
                              caption="Soal kopi susu gula aren, kami bukan ahlinya.")
    problems = check_brand(bad, day_of(client(), COFFEE))
    assert any("disclaims the brand's own field" in p for p in problems), problems
    assert any("trust angle" in p for p in problems), problems
    honest = first(TV, MATCH, language="en",
                   hook="We'd rather be honest: Timnas Indonesia isn't our field")
    assert check_brand(honest, day_of(TV, MATCH))[0].startswith("brand: disclaims")


def test_brand_no_sale_on_a_sensitive_story_nor_on_buzz() -> None:
    flood = topic("banjir bekasi", "Banjir Bekasi", ["Banjir Bekasi Rendam 12 Kelurahan"],
                  sensitivity="disaster", warning="Sensitive: disaster")
    [informed] = write_ideas(client(policy="flag"), [flood], DAY)
    assert check_brand(informed, day_of(client(policy="flag"), flood)) == []
    sold = dataclasses.replace(informed, angle="hard_sell")
    assert check_brand(sold, day_of(client(policy="flag"), flood)) == [
        "brand: hard_sell on a sensitive story"]
    [light] = light_ideas(client(), MATCH, DAY)
    assert check_brand(light, day_of(client(), MATCH)) == []
    assert check_brand(dataclasses.replace(light, angle="hard_sell"),
                       day_of(client(), MATCH))[0].startswith("brand: hard_sell on the day's buzz")


def test_date_countdowns_agree_with_the_calendar() -> None:
    prepared = harbolnas_prepare(SHOP)
    assert prepared and "H-10" in prepared[0].hook + prepared[0].caption
    assert check_date(prepared[0], day_of(SHOP)) == []
    # the same idea shown a day late: Harbolnas is H-9 by then
    later = day_of(SHOP, on=DAY + timedelta(days=1), now=NOON + timedelta(days=1))
    assert check_date(prepared[0], later) == [
        "date: 'H-10' but Harbolnas 12.12 is H-9 on 2026-12-03"]
    [english] = harbolnas_prepare(dataclasses.replace(TV, languages=("en",)))
    assert "in 10 days" in english.caption and check_date(english, day_of(TV)) == []
    assert check_date(english, dataclasses.replace(day_of(TV), local_date=DAY - timedelta(1)))


def test_date_hari_ini_harbolnas_ten_days_early_is_caught() -> None:
    idea = first(SHOP, SALE, caption="Hari ini Harbolnas 12.12, hari ini juga waktunya belanja "
                                     "hemat: tembus Rp 31 triliun.")
    problems = check_date(idea, day_of(SHOP, SALE))
    assert "date: 'Hari ini' beside Harbolnas 12.12, which is H-10 on 2026-12-02" in problems
    assert any(p.startswith("date: 'Hari ini' but") for p in problems), problems
    on_the_day = dataclasses.replace(day_of(SHOP, SALE), local_date=date(2026, 12, 12))
    assert check_date(idea, on_the_day) == []


def test_date_malam_ini_only_from_a_story_of_that_day() -> None:
    def tonight(published: datetime) -> tuple[Idea, ScoredTopic]:
        t = topic("indonesia vs arab saudi", "Indonesia vs Arab Saudi",
                  ["Indonesia vs Arab Saudi Main Malam Ini di GBK"])
        t.articles = [dataclasses.replace(t.articles[0], published_at=published)]
        return first(TV, t, caption="Indonesia vs Arab Saudi malam ini di GBK.",
                     facts=["malam ini", "GBK"], articles=t.articles), t

    idea, t = tonight(NOON - timedelta(hours=2))
    assert check_date(idea, day_of(TV, t)) == []
    idea, t = tonight(NOON - timedelta(days=1))
    assert check_date(idea, day_of(TV, t)) == [
        "date: 'malam ini' but no calendar moment is named and no story of 2026-12-02 says it"]
    idea, t = tonight(NOON + timedelta(hours=1))
    assert "date: a story published after now" in check_date(idea, day_of(TV, t))[-1]


def test_label_a_fragment_read_as_a_topic_is_caught() -> None:
    good = first(client(), MATCH)
    assert check_label(good, day_of(client(), MATCH)) == []
    for fragment in ("bersaing lewat menu kopi", "Barista di Malang bilang"):
        bad = dataclasses.replace(good, topic_label=fragment)
        [problem] = check_label(bad, day_of(client(), MATCH))
        assert problem.startswith(f"label: {fragment!r} is fragment"), problem
    # what people typed is taken as it is: a hashtag's label passes as a hashtag
    coffee = first(client(), COFFEE)
    tagged = dataclasses.replace(day_of(client(), COFFEE), kinds={COFFEE.key: "hashtag"})
    assert check_label(coffee, tagged) == []
    phrased = dataclasses.replace(tagged, kinds={COFFEE.key: "phrase"})
    assert check_label(coffee, phrased) == [
        "label: 'kopi susu gula aren' is generic (as a phrase)"]
    assert label_kind("kopi susu gula aren", COFFEE) == "hashtag"
    assert label_kind("Timnas Indonesia") == "name" and label_kind("#Harbolnas") == "hashtag"
    assert check_label(harbolnas_prepare(SHOP)[0], day_of(SHOP)) == []


def test_skip_advice_is_never_offered() -> None:
    good = first(client(), MATCH)
    assert check_skip(good, day_of(client(), MATCH)) == []
    peaked = dataclasses.replace(MATCH, posting_window="peaked 2 days ago: skip")
    assert check_skip(good, day_of(client(), peaked)) == [
        "skip: offered although the signal says 'peaked 2 days ago: skip'"]
    assert check_skip(dataclasses.replace(good, urgency="sudah puncak 2 hari lalu: lewati"),
                      day_of(client())) != []
    assert advises_skip("fading: skip unless it fits")
    assert advises_skip("meredup: lewati kecuali memang nyambung")
    assert not advises_skip("peaked yesterday: post early or skip")
    assert not advises_skip("sudah puncak kemarin: posting pagi atau lewati")


def test_grounded_a_caption_without_a_fact_of_its_stories_is_caught() -> None:
    good = first(SHOP, SALE)
    d = day_of(SHOP, SALE)
    assert check_grounded(good, d) == []
    assert check_grounded(dataclasses.replace(good, caption="Harbolnas 12.12 lagi ramai."), d) \
        == ["grounded: the caption carries none of its facts ('diprediksi tembus Rp 31 triliun')"]
    assert check_grounded(dataclasses.replace(good, facts=[]), d)[0] == \
        "grounded: no fact from the stories"
    assert check_grounded(dataclasses.replace(good, source_url=None), d) == [
        "grounded: links no story"]
    invented = dataclasses.replace(good, caption=good.caption + " Diskon 90 persen!")
    assert check_grounded(invented, d) == ["grounded: 90 is no number of the stories"]
    # the label itself is no fact: "Dari balik layar Dudung Abdurachman di Dudung Abdurachman"
    echo = dataclasses.replace(good, facts=["Harbolnas"], caption="Harbolnas di mana-mana.")
    assert check_grounded(echo, d) == [
        "grounded: the caption's only fact says nothing concrete ('Harbolnas')"]
    assert not says_something("Rp", "Nusaphone") and not says_something("3,7 juta", "Lebaran")
    assert says_something("tembus Rp 31 triliun", "Harbolnas 12.12")
    # a prepare idea stands on the calendar
    assert check_grounded(harbolnas_prepare(SHOP)[0], day_of(SHOP)) == []


def test_platform_x_length_and_leftover_slots_are_caught() -> None:
    x = first(client(), MATCH, platform="x", outline=[])
    assert check_platform(x, day_of(client())) == []
    long = dataclasses.replace(x, caption="a" * 270, hashtags=["#KopiNusantara"])
    assert check_platform(long, day_of(client())) == [
        "platform: X post of 285 characters with its hashtags (limit 280)"]
    slot = dataclasses.replace(x, caption="Buat {brand}: ludes dalam 7 menit.")
    assert check_platform(slot, day_of(client()))[0].startswith("platform: a template slot")
    bare = dataclasses.replace(x, platform="instagram")
    assert check_platform(bare, day_of(client())) == [
        "platform: instagram idea without its carousel outline (0 lines)"]


def test_mentions_slack_syntax_is_caught() -> None:
    good = first(client(), MATCH)
    assert check_mentions(good, day_of(client())) == []
    for raw in ("<!channel> promo", "<@U123> beli", "cc @here", "<https://evil.example|klik>"):
        bad = dataclasses.replace(good, caption=f"{good.caption} {raw}")
        assert check_mentions(bad, day_of(client()))[0].startswith("mentions: "), raw


def test_check_ideas_names_the_check_and_the_idea() -> None:
    bad = first(SHOP, SALE, caption="Hari ini Harbolnas 12.12! <!channel>")
    problems = check_ideas([bad], SHOP, DAY, NOON, topics={SALE.key: SALE})
    names = {p.split(":", 1)[0] for p in problems}
    assert names == {"date", "grounded", "mentions"} and names <= CHECKS.keys()
    assert all(p.endswith(f"[belanja-kilat 2026-12-02 'Harbolnas 12.12' id/{bad.platform}]")
               for p in problems), problems
    assert "mentions: '<!channel>' in" in problems[-1]


# --- the demo week -------------------------------------------------------------------------

DEMO_END = datetime(2026, 12, 2, 1, tzinfo=UTC)        # 08:00 in Jakarta


def demo_week_problems(directory: Path) -> Iterator[str]:
    """The demo world of 2026-12-02 08:00 WIB ingested once and scored as of 08:00 WIB on
    each of its seven mornings, as `trends score --as-of` scores it, for the demo's three
    clients; every problem the checks find in their ideas."""
    from trends.collect.ingest_job import ingest
    from trends.config import load_config
    from trends.decide.calendar import upcoming_moments
    from trends.decide.ideas_job import score_clients
    from trends.decide.relevance import score_topic
    from trends.demo.world import build_world, serve_world
    from trends.understand.labels import label_words
    from trends.understand.signals_job import update_trends
    from warehouse.db import open_warehouse

    world = build_world(DEMO_END)
    with serve_world(world) as server:
        path = directory / "trends.toml"
        path.write_text(world.config_toml(server.url(""), "trends.duckdb"), encoding="utf-8")
        config = load_config(path)
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True, now=DEMO_END)
            for n in range(6, -1, -1):
                found = update_trends(con, config.signals, as_of=DEMO_END - timedelta(days=n))
                kinds = {k: ctx.signal.kind for k, ctx in found.topics.items()}
                names = {w for ctx in found.topics.values() if ctx.signal.kind == "name"
                         for w in label_words(ctx.signal.label)}
                for draft in score_clients(con, config, found.topics, found.as_of):
                    moments = upcoming_moments(draft.client, draft.day)
                    # light ideas come from topics the job scored but did not choose
                    scored = {k: score_topic(draft.client, ctx, moments, draft.day)[0]
                              for k, ctx in found.topics.items()}
                    yield from check_ideas(draft.ideas, draft.client, draft.day, found.as_of,
                                           topics={**scored, **draft.topics}, kinds=kinds,
                                           names=names)


def test_the_demo_weeks_ideas_pass_every_check(tmp_path: Path) -> None:
    problems = list(demo_week_problems(tmp_path))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_is_exported_and_named_after_itself(name: str) -> None:
    assert CHECKS[name].__name__ == f"check_{name}"
