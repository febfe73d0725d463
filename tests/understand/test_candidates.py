"""trends.understand.candidates: merge keys and topic candidates, on made-up and real headlines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.feeds import tempo_entries
from trends.models import Candidate
from trends.understand.candidates import MAX_CANDIDATES, extract_candidates, topic_key
from trends.understand.nlp import is_boilerplate_phrase, is_stopword

JUNK = ("com", "kompas", "hari ini", "baca juga", "2025", "selengkapnya", "senin", "juni",
        "26 juni", "juni 2025", "26 juni 2025", "rp", "wib", "detik", "www", "fyp")
DATE_WORDS = frozenset("""senin selasa rabu kamis jumat sabtu minggu januari februari maret april
    mei juni juli agustus september oktober november desember wib""".split())


def keys(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {c.key: c for c in candidates}


def assert_no_junk(candidates: list[Candidate]) -> None:
    """What must never be a topic, whatever the text."""
    seen: set[str] = set()
    for c in candidates:
        words = c.key.split()
        assert c.key not in seen, f"duplicate key {c.key!r}"
        seen.add(c.key)
        assert c.key == " ".join(words) and c.key == c.key.lower(), c
        assert c.kind in ("hashtag", "name", "phrase"), c
        assert c.key not in JUNK, c
        assert not is_stopword(c.key) or c.label.isupper(), c
        assert not is_boilerplate_phrase(c.key), c
        assert not all(w in DATE_WORDS or re.fullmatch(r"[\d.,/:-]+", w) for w in words), c
        if len(words) == 1 and len(c.key) < 3:
            assert c.kind == "hashtag" or c.label.isupper() or any(ch.isdigit() for ch in c.key), c
        # The label is the text as written, and keys back to the same topic.
        assert topic_key(c.label) == c.key, c


@pytest.mark.parametrize("text", [
    "Timnas Indonesia", "timnas indonesia", "TIMNAS  INDONESIA", "#TimnasIndonesia",
    "#timnas_indonesia", "#Timnas_Indonesia", "Timnas Indonesia!",
])
def test_variants_share_one_key(text: str) -> None:
    assert topic_key(text) == "timnas indonesia"


@pytest.mark.parametrize(("text", "key"), [
    ("#Harbolnas1212", "harbolnas 1212"),
    ("#iPhone17", "iphone 17"),
    ("iPhone 17", "iphone 17"),
    ("#KPKTangkapBupati", "kpk tangkap bupati"),
    ("Harga Emas Antam Turun Menjadi Rp 1.924.000", "harga emas antam turun menjadi rp 1.924.000"),
    ("Ma’mun", "ma'mun"),
    ("Indonesia's Pokémon", "indonesia pokemon"),
    ("", ""),
])
def test_topic_key(text: str, key: str) -> None:
    assert topic_key(text) == key


def test_no_junk_from_boilerplate_dates_and_sources() -> None:
    title = "Senin, 26 Juni 2025: Baca Juga Berita Kompas.com Hari Ini"
    summary = ("JAKARTA, KOMPAS.com - Baca juga: harga emas hari ini, Senin (26/6/2025) pukul "
               "10.30 WIB. Selengkapnya di www.kompas.com dan detik.com. #fyp")
    found = extract_candidates(title, summary)
    assert_no_junk(found)
    assert set(keys(found)) <= {"jakarta", "harga", "harga emas", "emas"}
    assert "harga emas" in keys(found)


def test_hashtags_are_candidates() -> None:
    found = keys(extract_candidates("Promo #Harbolnas1212 dan #kopi_susu #fyp #1"))
    assert found["harbolnas 1212"] == Candidate("harbolnas 1212", "#Harbolnas1212", "hashtag")
    assert found["kopi susu"].kind == "hashtag"
    assert "fyp" not in found and "1" not in found


def test_names_in_sentence_case() -> None:
    found = keys(extract_candidates(
        "Presiden Prabowo Subianto menonton Timnas Indonesia vs Arab Saudi di Jeddah",
        "Pertumbuhan penonton naik. Lalu Samsung merilis Galaxy S26 dan Apple merilis iPhone 17 "
        "bersama Bank of America."))
    for key in ("presiden prabowo subianto", "timnas indonesia vs arab saudi", "jeddah",
                "galaxy s26", "iphone 17", "samsung", "apple", "bank of america"):
        assert found[key].kind == "name", key
    assert found["iphone 17"].label == "iPhone 17"
    # A capital at the start of a sentence says nothing.
    assert "pertumbuhan" not in found      # an ordinary word alone is no topic
    assert "pertumbuhan penonton" in found


def test_acronyms_survive_stopword_lists() -> None:
    found = keys(extract_candidates("KAI, PLN dan IHSG bahas tarif DI",
                                    "Kereta api KAI siap. PLN dan IHSG rapat."))
    for key in ("kai", "pln", "ihsg", "di"):
        assert key in found and found[key].label.isupper(), key
    assert "ka" not in found


def test_too_broad_names_are_no_candidates_alone() -> None:
    found = keys(extract_candidates("BI dan OJK bahas tarif AS di Jakarta",
                                    "Rapat Paripurna DPR digelar di Bandung."))
    for key in ("bi", "ojk", "as", "jakarta", "dpr", "bandung"):
        assert key not in found, key
    assert "rapat paripurna dpr" in found


def test_title_case_headline() -> None:
    title = "Harga Emas Antam Turun Menjadi Rp 1.924.000 per Gram"
    summary = "Harga emas batangan keluaran Antam turun Rp 8.000 hari ini."
    found = keys(extract_candidates(title, summary))
    assert found["harga emas antam"] == Candidate("harga emas antam", "Harga Emas Antam", "phrase")
    assert "emas antam" in found
    # In Title Case every word is capitalized: capitals alone make no name.
    assert not [c for c in found.values() if c.kind == "name" and c.key != "antam"]
    assert found["antam"].kind == "name"   # the summary writes it capitalized mid-sentence
    for junk in ("rp 1.924.000", "1.924.000", "per gram", "gram", "menjadi", "rp 8.000", "8.000"):
        assert junk not in found, junk


def test_summary_names_promote_title_phrases() -> None:
    found = keys(extract_candidates(
        "Prabowo Meresmikan Bali International Hospital",
        "Presiden Prabowo Subianto meresmikan Bali International Hospital (BIH) di Denpasar."))
    assert found["bali international hospital"].kind == "name"
    assert found["bali international hospital"].label == "Bali International Hospital"
    assert found["international"].kind == "phrase"
    assert found["bih"].kind == "name"


def test_phrases_do_not_cross_punctuation_or_edge_on_stopwords() -> None:
    found = keys(extract_candidates("Kopi mahal, gula langka. Harga beras di pasar yang sepi"))
    assert "kopi mahal" in found and "gula langka" in found and "harga beras" in found
    assert "mahal gula" not in found and "langka harga" not in found
    assert not [k for k in found if {k.split()[0], k.split()[-1]} & {"di", "yang"}]
    assert "beras di pasar" in found     # a stopword inside is fine


def test_numbers_end_phrases_only_as_editions() -> None:
    found = keys(extract_candidates("Mudik Lebaran 2026, polisi tangkap 5 pelaku di SMAN 72"))
    assert "mudik lebaran 2026" in found and "sman 72" in found
    assert "tangkap 5" not in found and "polisi tangkap 5" not in found
    assert "2026" not in found and "5" not in found


def test_label_is_first_occurrence_and_kind_the_strongest() -> None:
    found = keys(extract_candidates("Timnas Indonesia menang lagi",
                                    "Dukung terus #TimnasIndonesia di Jakarta."))
    assert found["timnas indonesia"] == Candidate("timnas indonesia", "Timnas Indonesia", "hashtag")


def test_order_title_names_summary_names_title_phrases_summary_phrases() -> None:
    found = extract_candidates("Pameran kopi KAI di Stasiun Gambir",
                               "Ribuan pengunjung datang ke Garut.")
    order = [c.key for c in found]
    assert order[:3] == ["kai", "stasiun gambir", "garut"]
    assert "pameran" not in order        # an ordinary word alone is no topic
    assert order.index("pameran kopi") < order.index("pengunjung datang ke garut")


def test_candidates_are_capped() -> None:
    words = ("kopi susu gula aren teh hijau roti bakar nasi goreng mie ayam sate kambing "
             "soto betawi bakso urat es campur").split()
    summary = ". ".join(" ".join(words[i:] + words[:i]) for i in range(len(words)))
    found = extract_candidates("Kuliner malam Bandung", summary)
    assert len(found) == MAX_CANDIDATES
    assert found[0].key in ("kuliner", "kuliner malam", "kuliner malam bandung", "bandung")


def test_language_chooses_stopwords() -> None:
    # Indonesian text: English function words still end phrases (code-mixing).
    found = keys(extract_candidates("Diskon kopi for the weekend", language="id"))
    assert "diskon kopi" in found and "the" not in found and "kopi for" not in found
    assert extract_candidates("Diskon kopi for the weekend", language="ID") == list(found.values())
    # English text: Indonesian function words still end phrases.
    found = keys(extract_candidates("Coffee sale yang besar", language="en"))
    assert "coffee sale" in found and "sale yang" not in found


def test_shouting_makes_no_names() -> None:
    found = extract_candidates("PROMO BESAR DISKON KOPI SUSU HARI INI")
    assert found and not [c for c in found if c.kind == "name"]
    assert "kopi susu" in keys(found)
    assert_no_junk(found)


def test_a_summary_that_repeats_the_title_adds_nothing() -> None:
    title = "Sembunyi di Kebun Sawit, Buron Kasus Pembunuhan di Rohil Ditangkap Polisi"
    assert extract_candidates(title, title) == extract_candidates(title)
    assert not [c for c in extract_candidates(title, title) if c.kind == "name"]


def test_mentions_and_domains_are_not_topics() -> None:
    found = keys(extract_candidates("Video lucu kucing oleh @kucinglucu",
                                    "submitted by /u/AngryBob to r/aww [link] [12 comments] "
                                    "via fi.google.com"))
    assert not [k for k in found if "angrybob" in k or "kucinglucu" in k or "google" in k]
    assert "lucu kucing" in found and "submitted" not in found and "comments" not in found


def test_empty_text() -> None:
    assert extract_candidates("") == []
    assert extract_candidates("", "") == []
    assert extract_candidates("!!! ... 2025") == []


# Real headlines: tempo.co RSS snapshots.

@pytest.mark.fixtures
def test_real_headlines_yield_their_topics() -> None:
    by_title = {t: keys(extract_candidates(t, s)) for t, s in tempo_entries(3)}
    gold = by_title["Harga Emas Antam Turun Menjadi Rp 1.924.000 per Gram"]
    assert "harga emas antam" in gold and "emas antam" in gold
    kai = by_title["Libur Sekolah, KAI Sumut Sediakan 8.674 Kursi dengan 20 Perjalanan Setiap Hari"]
    assert kai["kai"].kind == "name" and "libur sekolah" in kai
    assert "8.674" not in kai and "20 perjalanan" not in kai and "setiap hari" not in kai
    mamun = by_title["Harta Ma'mun, Pejabat Polri yang jadi Anak Buah Bahlil di ESDM"]
    assert mamun["ma'mun"].label == "Ma'mun" and "esdm" in mamun and "bahlil" in mamun
    bih = by_title["Prabowo Meresmikan Bali International Hospital"]
    assert bih["bali international hospital"].kind == "name"
    assert bih["presiden prabowo subianto"].kind == "name"


@pytest.mark.fixtures
def test_real_headlines_yield_no_junk() -> None:
    entries = tempo_entries(10)
    assert len(entries) >= 50
    for title, summary in entries:
        found = extract_candidates(title, summary)
        assert found, title
        assert len(found) <= MAX_CANDIDATES
        assert_no_junk(found)


def test_parallel_extraction_stores_the_same_mentions(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from trends.understand import extract_job as extract
    from warehouse.db import open_warehouse

    titles = ["Harga Emas Antam Naik Lagi", "Timnas Indonesia vs Arab Saudi Malam Ini",
              "KAI Tambah Kereta Mudik Lebaran 2026", "#Harbolnas1212 diskon gede bgt"]
    found = {}
    # Chunks of 3 items: this process and the workers each take some (14 chunks).
    monkeypatch.setattr(extract, "PARALLEL_MIN_ITEMS", 2)
    monkeypatch.setattr(extract, "CHUNK_ITEMS", 3)
    for workers in (1, 2, 3):
        with open_warehouse(tmp_path / f"w{workers}.duckdb") as con:
            for i in range(40):
                at = datetime(2026, 11, 22, tzinfo=UTC) - timedelta(minutes=i)
                con.execute("""INSERT INTO items (key, source, title, summary, language,
                                                  fetched_at, event_at)
                               VALUES (?, 's', ?, '', 'id', ?, ?)""",
                            [f"k{i}", f"{titles[i % 4]} {i}", at, at])
            assert extract.extract_pending(con, workers=workers) == 40
            found[workers] = (
                con.execute("SELECT candidate_key, item_key FROM candidate_mentions "
                            "ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM candidates ORDER BY key").fetchall())
    assert found[1] == found[2] == found[3] and len(found[1][0]) > 80


def test_a_chunk_whose_worker_died_is_extracted_here(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from trends.understand import extract_job as extract
    from trends.understand.candidates import items_candidates

    class DyingWorkers(ProcessPoolExecutor):
        """Every chunk sent to a worker comes back as a dead worker's."""

        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            future: Future[object] = Future()
            future.set_exception(BrokenProcessPool("killed"))
            return future

    monkeypatch.setattr(extract, "PARALLEL_MIN_ITEMS", 2)
    monkeypatch.setattr(extract, "CHUNK_ITEMS", 2)
    monkeypatch.setattr(extract, "ProcessPoolExecutor", DyingWorkers)
    rows = [(f"k{i}", f"Harga Emas Antam Naik Lagi {i}", "", "id", "s", None, None)
            for i in range(9)]
    found, _ = extract.extract_all(rows, workers=2)
    assert found == items_candidates([(r[1], r[2], r[3], r[6]) for r in rows])
    assert found.keys


def test_extraction_goes_on_here_when_no_worker_starts(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ProcessPoolExecutor
    from datetime import UTC, datetime

    from trends.understand import extract_job as extract
    from warehouse.db import open_warehouse

    class NoWorkers(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise OSError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(extract, "PARALLEL_MIN_ITEMS", 2)
    monkeypatch.setattr(extract, "CHUNK_ITEMS", 2)
    found = {}
    for name, workers in (("alone", 1), ("no worker", 2)):
        if workers > 1:
            monkeypatch.setattr(extract, "ProcessPoolExecutor", NoWorkers)
        with open_warehouse(tmp_path / f"{workers}.duckdb") as con:
            for i in range(9):
                at = datetime(2026, 11, 22, i, tzinfo=UTC)
                con.execute("""INSERT INTO items (key, source, title, summary, language,
                                                  fetched_at, event_at)
                               VALUES (?, 's', ?, '', 'id', ?, ?)""",
                            [f"k{i}", f"Harga Emas Antam Naik Lagi {i}", at, at])
            assert extract.extract_pending(con, workers=workers) == 9
            found[name] = con.execute("SELECT candidate_key, item_key FROM candidate_mentions "
                                      "ORDER BY ALL"
                                      ).fetchall()
    assert found["alone"] == found["no worker"] and len(found["alone"]) > 9


def test_word_roots_are_stored_and_reach_every_worker(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from trends.understand import extract_job as extract
    from warehouse.db import open_warehouse

    monkeypatch.setattr(extract, "PARALLEL_MIN_ITEMS", 2)
    monkeypatch.setattr(extract, "CHUNK_ITEMS", 2)
    at = datetime(2026, 11, 22, tzinfo=UTC)

    def add(con, tag: str, title: str, last: str = "") -> None:  # type: ignore[no-untyped-def]
        for i in range(12):
            con.execute("""INSERT INTO items (key, source, title, summary, language,
                                              fetched_at, event_at)
                           VALUES (?, 's', ?, '', 'id', ?, ?)""",
                        [f"{tag}{i}", f"{last if i >= 10 and last else title} {i}", at,
                         at + timedelta(minutes=i)])

    with open_warehouse(tmp_path / "w.duckdb") as con:
        # Roots computed during extraction, here or in a worker, are stored once each (words
        # no other test stems: this process may know the others already). The newest items
        # make the last chunk, which the worker takes first: only it meets "kepemimpinannya".
        add(con, "a", "Keberangkatannya tertunda lagi", last="Kepemimpinannya diuji")
        assert extract.extract_pending(con, workers=2) == 12
        roots = dict(con.execute("SELECT word, root FROM word_roots").fetchall())
        assert roots["keberangkatannya"] == "berangkat"
        assert roots["kepemimpinannya"] == "pimpin"
        assert con.execute("SELECT count(*) - count(DISTINCT word) FROM word_roots"
                           ).fetchone() == (0,)
        # A stored root is used as given, in this process and in every worker: with
        # "makan" as its root, an unknown word becomes an ordinary one, never a topic alone.
        con.execute("INSERT INTO word_roots VALUES ('zqxmakanan', 'makan')")
        add(con, "b", "Zqxmakanan")
        assert extract.extract_pending(con, workers=2) == 12
        alone = con.execute("SELECT count(*) FROM candidate_mentions "
                            "WHERE candidate_key = 'zqxmakanan'"
                            ).fetchone()
        assert alone == (0,)
        add(con, "c", "Zqxminuman")     # no root stored: a name-like word, a topic alone
        assert extract.extract_pending(con, workers=2) == 12
        assert con.execute("SELECT count(*) FROM candidate_mentions "
                           "WHERE candidate_key = 'zqxminuman'"
                           ).fetchone() == (12,)
