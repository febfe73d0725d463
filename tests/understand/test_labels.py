"""The label rules of docs/labels.md, on the rubric's own examples: what an officer could type
into a search box passes; generic words, too-broad names, fragments and foreign filler do not."""

from __future__ import annotations

import pytest

from trends.understand.labels import (
    FOREIGN,
    FRAGMENT,
    GENERIC,
    TOO_BROAD_LABEL,
    is_match,
    label_problem,
    specific_words,
)


@pytest.mark.parametrize("label", [
    "Prabowo", "Sri Mulyani", "Frankie Dettori", "Pakubuwono XIII", "Banjir Sumatera",
    "Indonesia vs Arab Saudi", "AZ Alkmaar vs NAC Breda", "Piala Dunia 2026", "iPhone 17",
    "Airbus A400M", "BetMGM", "Danantara", "Wizz Air", "Harga Emas Antam", "UMP 2026",
    "Harbolnas 12.12", "Van Dijk", "Los Angeles Lakers", "Tarif AS", "Timnas U17",
])
def test_names_people_search_for_pass(label: str) -> None:
    assert label_problem(label, "phrase") is None


@pytest.mark.parametrize(("label", "problem"), [
    ("Mitigasi", GENERIC), ("Lalin", GENERIC), ("Aktivitas Tambang", GENERIC),
    ("masyarakat sipil", GENERIC), ("Penyaluran Bantuan", GENERIC), ("Korban Banjir", GENERIC),
    ("Bantuan Bencana", GENERIC), ("review", GENERIC), ("odds", GENERIC), ("lineups", GENERIC),
    ("Watch", GENERIC), ("road", GENERIC), ("harassing athletes", GENERIC),
    ("China", TOO_BROAD_LABEL), ("AS", TOO_BROAD_LABEL), ("DPR", TOO_BROAD_LABEL),
    ("Jakarta", TOO_BROAD_LABEL), ("Sumut", TOO_BROAD_LABEL), ("DPR RI", TOO_BROAD_LABEL),
    ("Gubernur Papua", TOO_BROAD_LABEL), ("Komisi III DPR", TOO_BROAD_LABEL),
    ("Prabowo panggil", FRAGMENT), ("Michael Carrick Resmi", FRAGMENT),
    ("Catat Kinerja", FRAGMENT), ("tinjau lokasi", FRAGMENT), ("mengunjungi korban", FRAGMENT),
    ("Bangun 30 Fakultas Kedokteran", FRAGMENT), ("Terdampak Bencana", FRAGMENT),
    ("Polri kirim bantuan", FRAGMENT), ("Resmi di Indonesia", FRAGMENT),
    ("da Série", FOREIGN), ("en vivo", FOREIGN), ("tegen", FOREIGN), ("veja", FOREIGN),
])
def test_junk_is_named_for_what_it_is(label: str, problem: str) -> None:
    assert label_problem(label, "phrase") == problem


def test_what_people_typed_is_taken_as_it_is() -> None:
    assert label_problem("china", "query") is None
    assert label_problem("#Harbolnas1212", "hashtag") is None
    assert label_problem("2026", "query") == GENERIC


def test_capitals_in_running_text_make_a_name_of_ordinary_words_but_not_of_roles() -> None:
    assert label_problem("Piala Dunia", "name") is None
    assert label_problem("Piala Dunia", "phrase") == GENERIC
    assert label_problem("Putusan MK", "name") == GENERIC


def test_a_name_the_stemmer_misreads_is_a_name_where_sources_capitalize_it() -> None:
    # Sastrawi reads "Semeru" as se- + "meru" and "Merapi" as me- + "rapi".
    assert label_problem("erupsi Semeru", "phrase") == GENERIC
    assert label_problem("erupsi Semeru", "phrase", names={"semeru"}) is None
    assert label_problem("Gunung Merapi", "phrase", names={"merapi"}) is None


def test_matches_and_specificity() -> None:
    assert is_match("Indonesia vs Arab Saudi") and is_match("AZ Alkmaar v NAC Breda")
    assert not is_match("vs Arab") and not is_match("Indonesia vs")
    assert specific_words("Frankie Dettori") == 2 > specific_words("Dettori")
