"""trends.understand.nlp: tokens, stopwords and boilerplate, slang, stems, language."""

from __future__ import annotations

import random

import pytest

from trends.understand.nlp import (
    BOILERPLATE,
    STOPWORDS_EN,
    STOPWORDS_ID,
    detect_language,
    is_boilerplate,
    is_boilerplate_phrase,
    is_stopword,
    match_form,
    mention_name,
    normalize_slang,
    split_hashtag,
    stem,
    tokenize,
    tokenize_clauses,
)
from trends.understand.nlp.slang import SLANG_ID
from trends.understand.nlp.stem import learn_roots, take_learned_roots
from trends.understand.nlp.tokenize import Token, scan_clauses


@pytest.mark.parametrize(("text", "expected"), [
    ("Promo #Harbolnas1212 mulai 12.12!", ["Promo", "#Harbolnas1212", "mulai", "12.12"]),
    ("Harga Emas Antam Turun Menjadi Rp 1.924.000 per Gram",
     ["Harga", "Emas", "Antam", "Turun", "Menjadi", "Rp", "1.924.000", "per", "Gram"]),
    ("Jaringan 5G untuk iPhone 17 dan Galaxy S26",
     ["Jaringan", "5G", "untuk", "iPhone", "17", "dan", "Galaxy", "S26"]),
    ("Harta Ma'mun, pejabat anti-korupsi?", ["Harta", "Ma'mun", "pejabat", "anti-korupsi"]),
    ("cc @detikcom: pulau-pulau (kecil) dijual...", ["cc", "@detikcom", "pulau-pulau", "kecil",
                                                      "dijual"]),
    ("Pinjaman Rp1,79 triliun", ["Pinjaman", "Rp", "1,79", "triliun"]),
    ("#timnas_indonesia menang 2-1", ["#timnas_indonesia", "menang", "2-1"]),
    ("Cek https://www.kompas.com/read/2025/06/26/harga?x=1 dan www.detik.com sekarang",
     ["Cek", "dan", "sekarang"]),
    ("\"Kami\" — kata dia; selesai.", ["Kami", "kata", "dia", "selesai"]),
    ("Sumber: KOMPAS.com, fi.google.com/about dan Detik.com", ["Sumber", "dan"]),
    ("oleh /u/AngryBob di r/indonesia", ["oleh", "/u/AngryBob", "di", "r/indonesia"]),
    ("Sempat 'Ditahan' Polisi", ["Sempat", "Ditahan", "Polisi"]),
    ("Jual US$ 5 dan Rp1.924.000", ["Jual", "US$", "5", "dan", "Rp", "1.924.000"]),
    ("", []),
])
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_a_number_sign_alone_is_not_a_hashtag() -> None:
    assert tokenize("Nomor #1 di Indonesia") == ["Nomor", "1", "di", "Indonesia"]


def test_clauses_break_at_punctuation_but_not_at_vs() -> None:
    clauses = tokenize_clauses("JAKARTA - Timnas Indonesia vs. Arab Saudi, malam ini #TimnasDay")
    assert [[t.text for t in c] for c in clauses] == [
        ["JAKARTA"], ["Timnas", "Indonesia", "vs", "Arab", "Saudi"], ["malam", "ini"],
        ["#TimnasDay"]]
    assert clauses[-1][0].kind == "hashtag"


def test_quotes_end_clauses_but_inner_apostrophes_do_not() -> None:
    clauses = tokenize_clauses("Ma'mun Sempat 'Ditahan' Polisi Indonesia's")
    assert [[t.text for t in c] for c in clauses] == [
        ["Ma'mun", "Sempat"], ["Ditahan"], ["Polisi", "Indonesia's"]]


def _clauses_by_full_scan(text: str) -> list[list[Token]]:
    """The whole text through the full pattern, as tokenize_clauses did before its whitespace
    fast path: the oracle for test_clauses_equal_a_full_scan."""
    clauses: list[list[Token]] = []
    current, _ = scan_clauses(text, 0, len(text), clauses, [], True)
    if current:
        clauses.append(current)
    return clauses


def _tricky_texts(n: int, seed: int) -> list[str]:
    """Random texts from pieces that sit on the fast path's edges: currencies, trailing and
    leading marks, "vs.", domains, tags, digits, non-ASCII letters and spaces."""
    rng = random.Random(seed)
    pieces = ["Rp", "rp100", "IDR5", "usd", "US$", "Idul", "ruang", "vs", "v", "V", "Harga",
              "2025", "12.12", "1.924.000", "1,79", "5G", "S26", "iPhone", "www", "kompas.com",
              "http://x.id/a", "#Tag", "#1", "@user", "r/indonesia", "/u/bob", "anti-korupsi",
              "Ma'mun", "café", "Æther", "٣٤", "½", "x_y", "_", "-", "—", "|", "&", "+", "(",
              ")", "\"", "'", "’", ".", ",", ";", ":", "!", "?", "…", "..", ""]
    spaces = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u2003", ""]
    return ["".join(rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.randint(1, 25)))
            for _ in range(n)]


def test_clauses_equal_a_full_scan() -> None:
    texts = _tricky_texts(3000, 7) + [
        "JAKARTA - Timnas Indonesia vs. Arab Saudi, malam ini #TimnasDay",
        "Harga Rp100 naik. v. Jakarta! Lihat www. dan kompas.com.", "vs. vs.. V.", "Rp5.000,-"]
    for text in texts:
        assert tokenize_clauses(text) == _clauses_by_full_scan(text), text


@pytest.mark.fixtures
def test_clauses_equal_a_full_scan_on_real_feeds() -> None:
    from tests.feeds import tempo_entries

    for title, summary in tempo_entries(150):
        for text in (title, summary):
            assert tokenize_clauses(text) == _clauses_by_full_scan(text), text


def test_mention_name() -> None:
    assert [mention_name(t) for t in ("@detikcom", "/u/AngryBob", "r/indonesia")] == [
        "detikcom", "AngryBob", "indonesia"]


def test_clauses_know_where_sentences_start() -> None:
    clauses = tokenize_clauses("Harga naik, kata Bahlil. Pertamina diam.")
    starts = {t.text: t.sentence_start for c in clauses for t in c}
    assert starts == {"Harga": True, "naik": False, "kata": False, "Bahlil": False,
                      "Pertamina": True, "diam": False}


def test_clause_offsets_point_into_the_text() -> None:
    text = "Rp 1.924.000 per gram, kata Ma'mun."
    for clause in tokenize_clauses(text):
        for t in clause:
            assert text[t.start:t.end] == t.text


@pytest.mark.parametrize(("tag", "words"), [
    ("#TimnasIndonesia", ["Timnas", "Indonesia"]),
    ("#timnas_indonesia", ["timnas", "indonesia"]),
    ("#Harbolnas1212", ["Harbolnas", "1212"]),
    ("#KPKTangkapBupati", ["KPK", "Tangkap", "Bupati"]),
    ("#iPhone17", ["iPhone", "17"]),
    ("#kopi", ["kopi"]),
])
def test_split_hashtag(tag: str, words: list[str]) -> None:
    assert split_hashtag(tag) == words


def test_stopwords_cover_both_languages() -> None:
    for word in ("yang", "dan", "untuk", "YANG", "the", "of", "gak", "yg"):
        assert is_stopword(word), word
    for word in ("kopi", "emas", "timnas", "harga", "microsoft", "ai", "bi", "enak"):
        assert not is_stopword(word), word
    assert "dengan" in STOPWORDS_ID and "with" in STOPWORDS_EN


def test_word_lists_are_lowercase_frozensets() -> None:
    for words in (STOPWORDS_ID, STOPWORDS_EN, BOILERPLATE):
        assert isinstance(words, frozenset)
        assert all(w == w.lower() and w == w.strip() and w for w in words)


@pytest.mark.parametrize("word", [
    "kompas", "detikcom", "tempo", "cnbc", "liputan6", "com", "co", "id", "www", "https",
    "selengkapnya", "simak", "berita", "video", "foto", "senin", "Minggu", "monday", "januari",
    "agt", "des", "december", "kemarin", "besok", "wib", "wita", "wit", "rp", "persen", "fyp",
])
def test_boilerplate_words(word: str) -> None:
    assert is_boilerplate(word)


def test_boilerplate_phrases() -> None:
    for key in ("baca juga", "hari ini", "klik di sini", "baca juga harga emas", "kompas",
                "info terkini hari ini"):
        assert is_boilerplate_phrase(key), key
    for key in ("harga emas", "hari raya", "juga harga", "timnas indonesia"):
        assert not is_boilerplate_phrase(key), key


@pytest.mark.parametrize(("informal", "standard"), [
    ("gak", "tidak"), ("nggak", "tidak"), ("ga", "tidak"), ("enggak", "tidak"),
    ("ngga", "tidak"), ("gk", "tidak"), ("tak", "tidak"), ("tdk", "tidak"),
    ("yg", "yang"), ("bgt", "banget"), ("banget", "banget"), ("udah", "sudah"), ("udh", "sudah"),
    ("sdh", "sudah"), ("aja", "saja"), ("aj", "saja"), ("dgn", "dengan"), ("utk", "untuk"),
    ("untuk", "untuk"), ("krn", "karena"), ("blm", "belum"), ("bkn", "bukan"), ("lg", "lagi"),
    ("sm", "sama"), ("kalo", "kalau"), ("klo", "kalau"), ("gimana", "bagaimana"),
    ("kayak", "seperti"), ("kyk", "seperti"), ("emang", "memang"),
    ("Gak", "tidak"), ("YG", "yang"),
    ("bangettt", "banget"), ("gakkk", "tidak"), ("hati2", "hati-hati"), ("org2", "orang-orang"),
])
def test_normalize_slang(informal: str, standard: str) -> None:
    assert normalize_slang(informal) == standard


def test_normalize_slang_leaves_other_words_alone() -> None:
    for word in ("Kopi", "harga", "anti-korupsi", "12.12", "S26"):
        assert normalize_slang(word) == word


def test_slang_file_is_large_enough_and_maps_to_words() -> None:
    assert len(SLANG_ID) >= 60
    assert all(k and v and " " not in v for k, v in SLANG_ID.items())


@pytest.mark.parametrize(("word", "root"), [
    ("minuman", "minum"), ("perjalanan", "jalan"), ("makanan", "makan"),
    ("memberantas", "berantas"), ("pencairan", "cair"), ("kopinya", "kopi"),
    ("Pulau-pulau", "pulau"),
    # Colloquial forms Sastrawi leaves alone, handled on top of it:
    ("promonya", "promo"), ("ngopi", "kopi"), ("nonton", "tonton"), ("nyobain", "coba"),
    ("beliin", "beli"),
    # Left as they are: English, names, codes, short words.
    ("meeting", "meeting"), ("iPhone", "iphone"), ("S26", "s26"), ("bitcoin", "bitcoin"),
    ("sekolah", "sekolah"), ("yg", "yg"),
])
def test_stem(word: str, root: str) -> None:
    assert stem(word) == root


def test_stem_remembers_roots_and_hands_over_the_new_ones() -> None:
    take_learned_roots()
    assert stem("Perusahaannya") == "usaha"
    assert take_learned_roots() == {"perusahaannya": "usaha"}
    assert stem("perusahaannya") == "usaha" and take_learned_roots() == {}   # remembered
    # Roots learned elsewhere are taken as given: nothing is stemmed again.
    learn_roots({"xqzpenjualan": "jual"})
    assert stem("XQZpenjualan") == "jual" and take_learned_roots() == {}


def test_match_form() -> None:
    assert match_form("Ngopi dulu yg enak, promonya gede") == [
        "kopi", "dulu", "yang", "enak", "promo", "besar"]
    assert match_form("#NgopiSantai @kopikenangan") == ["kopi", "santai", "kopikenangan"]
    assert set(match_form("kopi")) <= set(match_form("Yuk ngopi bareng, gak pake gula"))
    assert "minum" in match_form("Minuman kekinian")


@pytest.mark.parametrize("text", [
    "Bahlil Lahadalia meminta pimpinan di Ditjen Gakkum ESDM tidak pandang bulu memberantas "
    "tambang ilegal dan perizinan yang tumpang tindih.",
    "Pertumbuhan uang beredar luas pada Mei 2025 melambat. Apa yang terjadi?",
    "gak nyangka promonya gede bgt yg ini",
])
def test_detect_indonesian(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize("text", [
    "Apple unveils the iPhone 17 with a new camera and longer battery life",
    "Indonesia's president said on Monday that the central bank would keep supporting growth.",
])
def test_detect_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", [
    "", "Prabowo Meresmikan Bali International Hospital", "12.12 #Harbolnas1212",
    "the promo yang dan the",     # as much English as Indonesian
])
def test_detect_language_needs_evidence(text: str) -> None:
    assert detect_language(text) is None
