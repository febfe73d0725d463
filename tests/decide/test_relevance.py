"""Per-client relevance: weighted keywords with synonyms, stemmed and slang-aware matching in a
topic's stories, and a reason a person can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trends.config import ClientConfig, Keyword, load_config
from trends.decide.relevance import keyword_hits, score_topic
from trends.errors import ConfigError
from trends.models import Article, TopicContext, TopicSignal

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)


def ctx(label: str, texts: list[str], velocity: float = 4.2, breadth: int = 5) -> TopicContext:
    sig = TopicSignal(key=label.lower(), label=label, kind="phrase", mentions=len(texts),
                      baseline=1, velocity=velocity, breadth=breadth, volume=0, freshness=0.8,
                      first_seen_at=NOW - timedelta(days=1), state="rising", trend=0.8)
    return TopicContext(signal=sig, articles=[Article(t, None, "s") for t in texts],
                        texts=[t.lower() for t in texts],
                        item_keys=frozenset(f"{label}{i}" for i in range(len(texts))))


def client(*specs: Keyword | str, **kw: object) -> ClientConfig:
    keywords = tuple(s if isinstance(s, Keyword) else Keyword(s) for s in specs)
    return ClientConfig(id="c", name="C", languages=("id",),
                        keywords=tuple(k.term for k in keywords), keyword_specs=keywords,
                        **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "Ngopi dulu sebelum kerja",                  # informal nasal prefix: ngopi -> kopi
    "Kopinya enak banget",                       # clitic
    "Weekend vibes #NgopiSantai",                # hashtag split into words
    "Minum KOPI pagi-pagi",
])
def test_stemmed_slang_aware_matching(text: str) -> None:
    assert [k.term for k in keyword_hits([Keyword("kopi")], text)] == ["kopi"]


def test_phrases_match_in_order_and_not_by_accident() -> None:
    k = [Keyword("kedai kopi")]
    assert keyword_hits(k, "Kedai-kopi lokal tumbuh") and keyword_hits(k, "kedai kopinya ramai")
    assert not keyword_hits(k, "kopi dari kedai sebelah")
    assert not keyword_hits([Keyword("kopi")], "Kopiah baru untuk Lebaran")


def test_synonyms_in_both_languages_count_for_their_keyword() -> None:
    k = [Keyword("kedai kopi", synonyms=("coffee shop", "warkop", "kafe"))]
    assert [h.term for h in keyword_hits(k, "Fans pack coffee shops in Bandung")] == ["kedai kopi"]
    assert keyword_hits(k, "Nongkrong di warkop sampai pagi")


def test_matches_are_counted_in_the_stories_and_explained() -> None:
    c = client("kopi", "nobar")
    t, _ = score_topic(c, ctx("Timnas Indonesia", [
        "Nobar Timnas di kedai kopi ramai", "Suporter ngopi sebelum laga", "Timnas latihan",
        "Jadwal Timnas", "Kopi gratis buat yang nobar"]))
    assert t.matched == ["kopi", "nobar"]
    assert t.reason.startswith(
        "matches kopi, nobar in 3 of 5 stories; rising, +320% vs its usual day")
    assert "5 sources" in t.reason
    assert t.relevance == pytest.approx(0.6)


def test_weights_rank_a_strong_keyword_above_a_weak_one() -> None:
    texts = ["Live streaming konser malam ini", "Konser live dari GBK", "Konser ditunda"]
    weak, _ = score_topic(client(Keyword("live", weight=0.5), "nonton"), ctx("Konser", texts))
    strong, _ = score_topic(client(Keyword("live", weight=2.0), "nonton"), ctx("Konser", texts))
    assert 0 < weak.relevance < strong.relevance
    assert weak.score < strong.score


def test_one_story_of_several_is_a_passing_mention() -> None:
    texts = ["Promo kopi pagi di kedai baru", "Harga cabai naik", "Cuaca panas hari ini"]
    t, _ = score_topic(client("promo"), ctx("Pasar Pagi", texts))
    assert t.relevance > 0 and t.score == 0 and t.link == "buzz"
    t, _ = score_topic(client("promo"), ctx("Pasar Pagi", texts[:1] + ["Promo akhir pekan"]
                                            + texts[1:]))
    assert t.score > 0 and t.link == "field"


def test_a_topic_the_audience_names_is_the_field_only_in_most_of_its_stories() -> None:
    texts = ["Nobar Timnas di kedai kopi ramai", "Suporter ngopi sebelum laga", "Timnas latihan",
             "Jadwal Timnas", "Tiket Timnas ludes"]
    cafe = client("kopi", audience=(Keyword("timnas"),))
    t, _ = score_topic(cafe, ctx("Timnas Indonesia", texts))
    assert t.link == "audience"                  # the fans, not the coffee, are in the story
    t, _ = score_topic(cafe, ctx("Timnas Indonesia", [f"{x}, sambil ngopi" for x in texts]))
    assert t.link == "field"
    broadcaster = client("timnas", audience=(Keyword("timnas"),))
    assert score_topic(broadcaster, ctx("Timnas Indonesia", texts))[0].link == "field"


def test_a_derived_noun_never_matches_its_bare_root() -> None:
    savings = [Keyword("tabungan")]
    assert keyword_hits(savings, "Tabungan emas makin diminati")
    assert keyword_hits(savings, "Tabungannya aman di bank")
    assert not keyword_hits(savings, "Pertamina Tambah 1,1 Juta Tabung LPG 3 Kg")
    trip = [Keyword("liburan")]
    assert keyword_hits(trip, "Liburan akhir tahun ke Labuan Bajo")
    assert not keyword_hits(trip, "Ganjil Genap Ditiadakan Saat Libur Tahun Baru")
    assert keyword_hits([Keyword("nonton")], "Menonton timnas bareng")   # a root keeps its forms


def test_a_keyword_in_another_sense_does_not_count() -> None:
    gold = [Keyword("emas")]
    assert keyword_hits(gold, "Harga Emas Antam Hari Ini Naik Rp 6.000 per Gram")
    # the shipped senses (trends/decide/data/senses.toml): a gold medal is not gold to save in
    assert not keyword_hits(gold, "Taekwondo sumbang emas untuk Indonesia pada SEA Games 2025")
    bank = client("tabungan", audience=(Keyword("emas"),))
    medals = ["Tim tenis putri Indonesia pertahankan medali emas SEA Games",
              "Dua emas SEA Games untuk petembak Dewi Laila"]
    t, _ = score_topic(bank, ctx("emas SEA Games", medals))
    assert t.score == 0 and t.matched == []
    # a client's own `unless` adds to the shipped ones
    bar = [Keyword("bar", unless=("sinyal",))]
    assert keyword_hits(bar, "Bar baru di Kemang")
    assert not keyword_hits(bar, "Sinyal tinggal satu bar")


def test_flag_keeps_a_sensitive_story_of_the_field_and_holds_back_one_of_the_audience() -> None:
    sinking = ["Kapal wisata tenggelam di Labuan Bajo, empat turis dicari",
               "Tujuh korban kapal wisata tenggelam di Labuan Bajo dievakuasi"]
    airline = client("maskapai", audience=(Keyword("Labuan Bajo"),), policy="flag")
    t, _ = score_topic(airline, ctx("Labuan Bajo", sinking))
    assert t.link == "audience" and t.score == 0 and "held back: sensitive" in t.reason
    delays = ["Maskapai tunda penerbangan, penumpang terlantar setelah kecelakaan di landasan",
              "Kecelakaan di bandara: maskapai alihkan rute"]
    t, _ = score_topic(airline, ctx("Kecelakaan di bandara", delays))
    assert t.link == "field" and t.score > 0 and t.warning and "flagged: sensitive" in t.reason


def test_label_match_counts_even_when_stories_are_few() -> None:
    t, _ = score_topic(client("harbolnas"), ctx("Harbolnas 12.12", ["Belanja akhir tahun"]))
    assert t.matched == ["harbolnas"] and t.score > 0


def test_config_accepts_plain_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "trends.toml"
    path.write_text('''
[[clients]]
id = "kopi"
keywords = ["kopi", {term = "kedai kopi", weight = 2, synonyms = ["coffee shop", "warkop"]},
            {term = "emas", unless = ["medali"]}]
policy = "flag"
''', encoding="utf-8")
    c = load_config(path).clients[0]
    assert c.keywords == ("kopi", "kedai kopi", "emas")  # plain terms, as before
    assert c.keyword_specs == (Keyword("kopi"), Keyword("kedai kopi", 2.0,
                                                        ("coffee shop", "warkop")),
                               Keyword("emas", unless=("medali",)))
    assert c.policy == "flag"
    plain = tmp_path / "plain.toml"
    plain.write_text('[[clients]]\nid = "a"\nkeywords = ["kopi", "ngopi"]\n', encoding="utf-8")
    a = load_config(plain).clients[0]
    assert a.keywords == ("kopi", "ngopi") and a.policy == "avoid"


@pytest.mark.parametrize(("keywords", "key"), [
    ('[{term = "kopi", weight = -1}]', "clients[0].keywords[0].weight"),
    ('[{term = "kopi", weight = "high"}]', "clients[0].keywords[0].weight"),
    ('[{term = "kopi", colour = "red"}]', "clients[0].keywords[0].colour"),
    ('[{term = "emas", unless = "medali"}]', "clients[0].keywords[0].unless"),
    ('[{weight = 2}]', "clients[0].keywords[0].term"),
    ('[3]', "clients[0].keywords[0]"),
    ('[]', "clients[0].keywords"),
])
def test_bad_keywords_name_the_key_and_the_fix(tmp_path: Path, keywords: str, key: str) -> None:
    path = tmp_path / "trends.toml"
    path.write_text(f'[[clients]]\nid = "a"\nkeywords = {keywords}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert key in str(err.value) and "trends.toml" in str(err.value)
