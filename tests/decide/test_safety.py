"""Brand safety: the sensitivity classifier, client policies, and the demo's flood reaching no
`avoid` client even when nobody wrote an exclude list."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DATA as TEST_DATA
from trends.config import ClientConfig, load_config
from trends.decide.relevance import score_topic, select_topics
from trends.decide.safety import CATEGORIES, classify_text, classify_topic
from trends.models import Article, TopicContext, TopicSignal

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
FLOOD_PEAK = NOW - timedelta(days=2)    # the demo flood's last day of news
FLOOD_WORDS = re.compile(r"\b(banjir|flood|evakuasi|dievakuasi|evacuated|korban|victims)\b", re.I)


@pytest.mark.parametrize(("text", "category"), [
    ("Banjir Bekasi: Ribuan Warga Dievakuasi", "disaster"),
    ("Gempa M 5,6 guncang Cianjur", "disaster"),
    ("Bekasi flood: thousands evacuated as rivers overflow", "disaster"),
    ("Kecelakaan beruntun di tol Cipularang, dua orang tewas", "accident"),
    ("Three killed as bus crashes in Central Java", "accident"),
    ("KPK tetapkan bupati sebagai tersangka korupsi", "crime"),
    ("Polisi tangkap pelaku pembunuhan di Depok", "crime"),
    ("Police arrest suspect in Jakarta robbery", "crime"),
    ("Polemik penistaan agama memicu bentrokan warga", "sara"),
    ("Riots break out after racist remarks", "sara"),
    ("Koalisi partai umumkan capres untuk pilpres", "politics"),
    ("Opposition party names its presidential candidate", "politics"),
])
def test_sensitive_headlines_in_both_languages(text: str, category: str) -> None:
    assert category in classify_text(text), classify_text(text)


@pytest.mark.parametrize("text", [
    "Pedagang UMKM Kebanjiran Pesanan di Harbolnas 12.12",   # swamped with orders
    "Harbolnas banjir diskon, pembeli serbu flash sale",     # a flood of discounts
    "Tren Kopi Susu Gula Aren Masih Jadi Favorit Anak Muda",
    "Timnas Indonesia vs Arab Saudi: Jay Idzes Cetak Gol Penentu",
    "Tinggal di Jakarta? Ini kedai kopi yang buka 24 jam",   # "tinggal" is not "meninggal"
    "Menteri Resmikan Jalan Tol Baru di Bali",
    "Deadline pre-order Nusaphone 12 diperpanjang",          # "dead" only as a whole word
])
def test_everyday_and_figurative_headlines_are_safe(text: str) -> None:
    assert classify_text(text) == {}


def test_every_category_has_a_word_list_the_team_can_extend() -> None:
    from importlib import resources

    for category in CATEGORIES:
        path = resources.files("trends.decide").joinpath("data", f"sensitive_{category}.txt")
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")]
        assert len(lines) >= 20, category


def test_a_topic_is_sensitive_by_its_label_or_a_share_of_its_stories() -> None:
    one_in_five = ["Harbolnas 12.12 dimulai", "Diskon harbolnas 90 persen", "Tips belanja",
                   "Kurir harbolnas kecelakaan di tol", "Gratis ongkir harbolnas"]
    assert classify_topic("Harbolnas", one_in_five) is None
    flood = classify_topic("Bekasi", ["Banjir Bekasi rendam 12 kelurahan", "Kedai kopi terendam",
                                      "Korban banjir dievakuasi", "Warga bersihkan rumah"])
    assert flood is not None and flood.category == "disaster" and flood.articles == 2
    assert "banjir" in flood.terms
    label = classify_topic("Banjir Bekasi", ["Kedai kopi ramai"])
    assert label is not None and label.in_label


def _context(key: str, texts: list[str]) -> TopicContext:
    sig = TopicSignal(key=key, label=key.title(), kind="phrase", mentions=len(texts), baseline=1,
                      velocity=3.0, breadth=3, volume=0, freshness=0.8,
                      first_seen_at=NOW - timedelta(days=1), state="rising", trend=0.9)
    return TopicContext(signal=sig, articles=[Article(t, None, "s") for t in texts],
                        texts=[t.lower() for t in texts],
                        item_keys=frozenset(f"{key}{i}" for i in range(len(texts))))


def _client(policy: str) -> ClientConfig:
    return ClientConfig(id="kopi", name="Kopi", languages=("id", "en"),
                        keywords=("kopi", "kedai kopi"), policy=policy)


FLOOD = ["Kedai kopi di Bekasi terendam banjir", "Relawan sediakan kopi untuk korban banjir",
         "Banjir Bekasi: 1.200 warga mengungsi, relawan bagikan kopi"]


def test_avoid_policy_never_suggests_a_sensitive_topic() -> None:
    ctx = _context("bekasi", FLOOD)
    topic, blocked = score_topic(_client("avoid"), ctx)
    assert blocked is None                      # no exclude list: the classifier alone holds it
    assert topic.score == 0 and topic.relevance > 0 and topic.sensitivity == "disaster"
    assert topic.reason.startswith("held back: sensitive, disaster")
    assert select_topics([topic], {"bekasi": ctx}, limit=5) == []


def test_flag_policy_suggests_it_with_a_visible_warning() -> None:
    from trends.decide.ideas.writer import write_ideas

    ctx = _context("bekasi", FLOOD)
    topic, _ = score_topic(_client("flag"), ctx)
    assert topic.score > 0 and topic.sensitivity == "disaster"
    assert "flagged: sensitive, disaster" in topic.reason
    ideas = write_ideas(_client("flag"), [topic], NOW.date())
    assert [i.language for i in ideas] == ["id", "en"]
    assert all("banjir" in i.warning for i in ideas)
    assert ideas[0].warning.startswith("Topik sensitif")
    assert ideas[1].warning.startswith("Sensitive")
    assert {i.angle for i in ideas} == {"trust"}   # inform, never sell on bad news
    assert all("Bekasi" in i.caption for i in ideas)      # a fact of its stories


def test_exclude_still_wins_for_a_flag_client() -> None:
    c = dataclasses.replace(_client("flag"), exclude=("banjir",))
    topic, blocked = score_topic(c, _context("bekasi", FLOOD))
    assert blocked == "banjir" and topic.score == 0


def test_policy_is_validated_with_a_precise_error(tmp_path: Path) -> None:
    from trends.errors import ConfigError

    path = tmp_path / "trends.toml"
    path.write_text('[[clients]]\nid = "a"\nkeywords = ["kopi"]\npolicy = "ignore"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "clients[0].policy" in str(err.value) and "flag" in str(err.value)


@pytest.fixture(scope="module")
def demo_without_excludes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo world ingested and scored for its three clients with their exclude lists
    removed, once with policy avoid and once (ids ending in -flag) with policy flag, as of the
    day the flood peaked (two days before the world's end: later it is advised to skip)."""
    from trends.collect.ingest_job import ingest
    from trends.decide.ideas_job import score
    from trends.demo.world import build_world, serve_world
    from warehouse.db import open_warehouse

    directory = tmp_path_factory.mktemp("safety")
    world = build_world(NOW)
    with serve_world(world) as server:
        path = directory / "trends.toml"
        path.write_text(world.config_toml(server.url(""), "trends.duckdb"), encoding="utf-8")
        config = load_config(path)
        clients = [dataclasses.replace(c, exclude=()) for c in config.clients]
        clients += [dataclasses.replace(c, id=f"{c.id}-flag", policy="flag") for c in clients]
        config = dataclasses.replace(config, clients=tuple(clients))
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True, now=NOW)
            score(con, config, as_of=FLOOD_PEAK)
    yield config.warehouse.path


def _ideas(warehouse: Path) -> list[dict[str, object]]:
    from warehouse.db import open_warehouse

    with open_warehouse(warehouse, read_only=True) as con:
        cur = con.execute("SELECT client_id, topic_label, hook, caption, stories, warning "
                          "FROM ideas ORDER BY client_id, rank, language")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def test_the_demo_flood_reaches_no_avoid_client_without_any_exclude_list(
        demo_without_excludes: Path) -> None:
    ideas = _ideas(demo_without_excludes)
    avoid = [i for i in ideas if not str(i["client_id"]).endswith("-flag")]
    assert {i["client_id"] for i in avoid} == {"kopi-nusantara", "layar-emas", "belanja-kilat"}
    for idea in avoid:
        text = " ".join(str(idea[k]) for k in ("topic_label", "hook", "caption", "stories"))
        assert not FLOOD_WORDS.search(text), (idea["client_id"], FLOOD_WORDS.search(text), text)
        assert "/flood/" not in text and not idea["warning"]


def test_flag_clients_see_the_warning_on_every_sensitive_idea(demo_without_excludes: Path) -> None:
    ideas = [i for i in _ideas(demo_without_excludes) if str(i["client_id"]).endswith("-flag")]
    warned = [i for i in ideas if i["warning"]]
    assert warned, "the flood's coffee-shop and live-coverage stories should reach a flag client"
    for idea in ideas:
        headlines = " ".join(s["title"] for s in json.loads(str(idea["stories"])))
        if FLOOD_WORDS.search(str(idea["topic_label"])):
            assert idea["warning"], idea
        if idea["warning"]:
            assert FLOOD_WORDS.search(str(idea["warning"])) or "disaster" in str(idea["warning"]) \
                or "bencana" in str(idea["warning"]), (idea["warning"], headlines)


def test_sensitivity_is_stored_with_every_client_score(demo_without_excludes: Path) -> None:
    from warehouse.db import open_warehouse

    with open_warehouse(demo_without_excludes, read_only=True) as con:
        rows = con.execute("""
            SELECT client_id, count(*) FILTER (WHERE sensitivity = 'disaster'),
                   count(*) FILTER (WHERE sensitivity IS NOT NULL AND selected)
            FROM client_topic_scores GROUP BY 1 ORDER BY 1""").fetchall()
    by = {r[0]: r[1:] for r in rows}
    for cid in ("kopi-nusantara", "layar-emas", "belanja-kilat"):
        assert by[cid][0] > 0 and by[cid][1] == 0, (cid, by[cid])


def test_the_labelled_set_is_complete_and_the_classifier_keeps_its_recall() -> None:
    """tests/data/labels/: hand labels on real tempo.co headlines (bench/relevance_quality.py
    prints the full figures). Guard the floor, not the exact number."""
    import csv
    from collections import Counter

    labels = TEST_DATA / "labels"
    rel = list(csv.DictReader((labels / "relevance.csv").open(encoding="utf-8")))
    per_client = Counter(r["client"] for r in rel)
    assert set(per_client) == {"kopi-nusantara", "layar-emas", "belanja-kilat"}
    assert min(per_client.values()) >= 50
    assert all(r["label"] in ("relevant", "not_relevant") and r["reason"] and
               r["link"].startswith("https://") for r in rel)
    sens = list(csv.DictReader((labels / "sensitive.csv").open(encoding="utf-8")))
    flagged = [r for r in sens if r["sensitive"] == "yes"]
    assert all(r["category"] in CATEGORIES for r in flagged)
    recall = sum(bool(classify_text(r["headline"])) for r in flagged) / len(flagged)
    false_alarms = sum(bool(classify_text(r["headline"])) for r in sens if r["sensitive"] == "no")
    assert recall >= 0.65 and false_alarms <= 3, (recall, false_alarms)


def test_a_flag_clients_digest_shows_the_warning(demo_without_excludes: Path) -> None:
    from trends.deliver.digest_job import build_digest
    from trends.deliver.render import render_blocks, render_text
    from warehouse.db import open_warehouse

    warned = {str(i["client_id"]) for i in _ideas(demo_without_excludes) if i["warning"]}
    assert warned
    cid = sorted(warned)[0]
    c = ClientConfig(id=cid, name=cid, languages=("id", "en"), keywords=("kopi",), policy="flag")
    with open_warehouse(demo_without_excludes, read_only=True) as con:
        digest = build_digest(con, c, FLOOD_PEAK.date(), FLOOD_PEAK)
    assert any(i.warning for i in digest.ideas)
    assert "Topik sensitif" in render_text(digest) or "Sensitive topic" in render_text(digest)
    assert "Sensitive topic" in json.dumps(render_blocks(digest)) or \
        "Topik sensitif" in json.dumps(render_blocks(digest))


@pytest.mark.parametrize(("label", "titles", "ok"), [
    ("Timnas Indonesia", ["Timnas Menang 2-0", "Jadwal Timnas"], True),
    ("Kopi Susu Gula Aren", ["Resep Kopi Susu Gula Aren"], True),
    ("Megawati", ["Megawati Rayakan Ulang Tahun ke-70", "Megawati Hadiri Acara"], False),
    ("Prabowo", ["Presiden Prabowo Kunjungi Polda", "Prabowo di Istana"], False),
    ("Final Liga 1", ["Final Liga 1: Dua Suporter Tewas", "Final Liga 1 Digelar"], False),
])
def test_a_light_question_needs_small_talk_and_nothing_hard(label: str, titles: list[str],
                                                            ok: bool) -> None:
    from trends.decide.safety import light_enough

    assert light_enough(label, titles) is ok
