"""Throughput of `extract_candidates` on synthetic Indonesian and English items.

Items are built in code from seeded templates: a ~15-word title and a
~40-word summary, two thirds Indonesian, one third English, with names,
numbers, dates, hashtags and boilerplate mixed in.

    python bench/bench_topics.py [--items N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import time

from trends.understand.candidates import extract_candidates

NAMES = ["Prabowo Subianto", "Sri Mulyani", "Timnas Indonesia", "Arab Saudi", "Bank Indonesia",
         "Kopi Kenangan", "Bali International Hospital", "Purbaya Yudhi Sadewa", "Polda Metro Jaya",
         "iPhone 17", "Galaxy S26", "Erick Thohir", "Shin Tae-yong", "Gibran Rakabuming"]
ACRONYMS = ["KAI", "OJK", "BI", "KPK", "BPJS", "DPR", "BUMN", "IHSG", "PLN", "TNI", "ESDM"]
HASHTAGS = ["#Harbolnas1212", "#TimnasIndonesia", "#kopi_susu", "#PromoAkhirTahun", "#fyp"]
ID_WORDS = """harga emas antam turun naik promo diskon kopi susu gula aren pemerintah kebijakan
    tarif listrik pajak rumah subsidi banjir jakarta mudik lebaran kereta tiket pesawat saham
    kredit bank investasi korupsi tersangka sidang putusan pertandingan gol pelatih pemain
    konser festival kuliner makanan minuman belanja online ojek kendaraan listrik baterai""".split()
ID_FUNCTION = "yang dan di ke dari untuk dengan ini itu akan tidak ada pada juga oleh".split()
EN_WORDS = """gold prices fall rise sale discount coffee government policy tax housing flood
    travel ticket airline stocks credit bank investment corruption suspect trial verdict match
    goal coach player concert festival food drinks shopping online electric battery""".split()
EN_FUNCTION = "the and of to in is for on with that this it at by from as".split()
FILLER = ["Baca juga:", "Selengkapnya di kompas.com.", "Senin (26/6/2025).", "hari ini",
          "Rp 1.924.000", "per 12 Juni 2025", "pukul 10.30 WIB", "(foto: detikcom)"]


def _sentence(rng: random.Random, words: list[str], function: list[str], n: int,
              capitalize: bool) -> str:
    out: list[str] = []
    while len(out) < n:
        r = rng.random()
        if r < 0.12:
            out.extend(rng.choice(NAMES).split())
        elif r < 0.18:
            out.append(rng.choice(ACRONYMS))
        elif r < 0.22:
            out.append(rng.choice(FILLER))
        elif r < 0.24:
            out.append(rng.choice(HASHTAGS))
        elif r < 0.27:
            out.append(str(rng.randint(2, 2030)))
        elif r < 0.55:
            out.append(rng.choice(function))
        else:
            out.append(rng.choice(words))
    if capitalize:
        out = [w[:1].upper() + w[1:] if w not in function else w for w in out]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def make_items(count: int, seed: int) -> list[tuple[str, str]]:
    """Synthetic (title, summary) pairs: two thirds Indonesian, Title Case titles half the time."""
    rng = random.Random(seed)
    items: list[tuple[str, str]] = []
    for _ in range(count):
        if rng.random() < 2 / 3:
            words, function = ID_WORDS, ID_FUNCTION
        else:
            words, function = EN_WORDS, EN_FUNCTION
        title = _sentence(rng, words, function, 15, capitalize=rng.random() < 0.5)
        summary = ". ".join(_sentence(rng, words, function, 20, capitalize=False)
                            for _ in range(2)) + "."
        items.append((title, summary))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20250626)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    args = parser.parse_args()

    items = make_items(args.items, args.seed)
    words = sum(len(t.split()) + len(s.split()) for t, s in items) / len(items)
    runs: list[float] = []
    candidates = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        candidates = sum(len(extract_candidates(t, s)) for t, s in items)
        runs.append(time.perf_counter() - start)
    # The first run fills the per-word cache; later runs show the steady state
    # of a long-running pipeline.
    print(f"extract_candidates: {len(items) / min(runs):,.0f} items/s "
          f"(first run {len(items) / runs[0]:,.0f}; {len(items)} items, {words:.0f} words/item, "
          f"{candidates / len(items):.1f} candidates/item, best of {args.repeat})")


if __name__ == "__main__":
    main()
