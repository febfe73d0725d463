"""Calendar moments: Indonesian public holidays, shopping days and seasons, and each client's
own dates, so that a digest can show what is coming (a week ahead, for planning) and scoring
can favour topics that tie in with a near moment.

Public holidays come from the `holidays` package (Islamic dates are its estimates until the
government fixes them). Commercial dates are the ones Indonesian marketers plan around.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from trends.config import ClientConfig
from trends.models import Moment

__all__ = ["LEAD_DAYS", "moments_between", "upcoming_moments", "days_until"]

LEAD_DAYS = 7            # how far ahead the digest looks: a week to plan a post
RAMADAN_DAYS = 30        # Ramadan ends the day before Idul Fitri; it starts ~30 days earlier

# Words that tie a topic to a holiday, keyed on a fragment of the package's English name.
_HOLIDAY_WORDS: dict[str, tuple[str, ...]] = {
    "Eid al-Fitr": ("lebaran", "idul fitri", "idulfitri", "mudik", "thr", "hari raya",
                    "eid", "ketupat", "halalbihalal"),
    "Eid al-Adha": ("idul adha", "iduladha", "kurban", "qurban", "eid al-adha"),
    "Christmas": ("natal", "christmas", "nataru"),
    "Lunar New Year": ("imlek", "chinese new year", "lunar new year", "angpao"),
    "New Year's Day": ("tahun baru", "new year", "malam tahun baru"),
    "Independence Day": ("17 agustus", "agustusan", "kemerdekaan", "hut ri",
                         "independence day", "lomba 17"),
    "Day of Silence": ("nyepi",),
    "Vesak": ("waisak", "vesak"),
    "Islamic New Year": ("tahun baru islam", "1 muharram", "muharram"),
    "Prophet's Birthday": ("maulid",),
    "Isra' and Mi'raj": ("isra miraj", "isra mikraj"),
    "Labor Day": ("hari buruh", "may day"),
    "Pancasila": ("pancasila",),
    "Good Friday": ("paskah", "jumat agung", "easter"),
    "Easter": ("paskah", "easter"),
    "Ascension": ("kenaikan",),
}
_SHOPPING = ("promo", "diskon", "flash sale", "belanja online", "checkout", "gratis ongkir",
             "voucher", "sale")


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> tuple[Moment, ...]:
    names_id = holidays.country_holidays("ID", years=year, language="id")
    names_en = holidays.country_holidays("ID", years=year, language="en_US")
    out = []
    for day, name in sorted(names_id.items()):
        en = names_en.get(day, "")
        words: list[str] = []
        for fragment, ws in _HOLIDAY_WORDS.items():
            if fragment.lower() in en.lower():
                words += ws
        label = f"{name} ({en})" if en and en.lower() != name.lower() else name
        out.append(Moment(day, label, "holiday", tuple(dict.fromkeys(words))))
    return tuple(out)


def _eid(year: int) -> date | None:
    names_en = holidays.country_holidays("ID", years=year, language="en_US")
    days = [d for d, n in names_en.items() if n.startswith("Eid al-Fitr") and "Second" not in n]
    return min(days) if days else None


@lru_cache(maxsize=16)
def _commercial(year: int) -> tuple[Moment, ...]:
    out = [
        Moment(date(year, 11, 11), "11.11 (Singles' Day sale)", "commercial",
               ("11.11", "singles day", *_SHOPPING)),
        Moment(date(year, 12, 12), "Harbolnas 12.12 (national online shopping day)",
               "commercial", ("harbolnas", "12.12", *_SHOPPING)),
        Moment(date(year, 7, 13), "Back to school: tahun ajaran baru", "season",
               ("sekolah", "back to school", "tahun ajaran baru", "seragam", "siswa",
                "perlengkapan sekolah")),
        Moment(date(year, 12, 20), "Liburan akhir tahun (year-end holidays)", "season",
               ("liburan", "akhir tahun", "year-end", "year end", "libur nataru", "nataru",
                "tahun baru")),
    ]
    # Payday (tanggal gajian): salaries land around the 25th and spending runs to the 1st.
    for month in range(1, 13):
        out.append(Moment(date(year, month, 25), "Tanggal gajian (payday week, 25th to 1st)",
                          "commercial", ("gajian", "gaji", "payday", "tanggal tua",
                                         "tanggal muda", *_SHOPPING)))
    eid = _eid(year)
    if eid is not None:
        out.append(Moment(eid - timedelta(days=RAMADAN_DAYS), "Awal Ramadan (Ramadan begins)",
                          "season", ("ramadan", "ramadhan", "puasa", "bukber", "buka puasa",
                                     "ngabuburit", "takjil", "sahur")))
        out.append(Moment(eid - timedelta(days=10), "Musim mudik & THR (Lebaran season)",
                          "season", ("mudik", "thr", "lebaran", "baju lebaran", "arus mudik",
                                     "parsel", "hampers")))
    return tuple(out)


def _client_moments(client: ClientConfig, year: int) -> list[Moment]:
    out = []
    for d in client.dates:
        if len(d.when) == 10:
            day = date.fromisoformat(d.when)
            if day.year != year:
                continue
        else:
            month, dom = int(d.when[:2]), int(d.when[3:])
            if (month, dom) == (2, 29) and not _leap(year):
                dom = 28
            day = date(year, month, dom)
        out.append(Moment(day, d.name, "client", d.keywords))
    return out


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def moments_between(start: date, end: date, client: ClientConfig | None = None) -> list[Moment]:
    """Every moment from `start` to `end` inclusive, soonest first (client dates first on a tie)."""
    found: list[Moment] = []
    for year in range(start.year, end.year + 1):
        found += _public_holidays(year)
        found += _commercial(year)
        if client is not None:
            found += _client_moments(client, year)
    kinds = {"client": 0, "holiday": 1, "commercial": 2, "season": 3}
    chosen = [m for m in found if start <= m.day <= end]
    # One line per day and name: Good Friday's and Easter's shared words are not a duplicate.
    unique = {(m.day, m.name): m for m in chosen}
    return sorted(unique.values(), key=lambda m: (m.day, kinds.get(m.kind, 9), m.name))


def upcoming_moments(client: ClientConfig | None, today: date,
                     lead_days: int = LEAD_DAYS) -> list[Moment]:
    """The moments of the next `lead_days` days, today included: what the digest shows."""
    return moments_between(today, today + timedelta(days=lead_days), client)


def days_until(m: Moment, today: date) -> int:
    return (m.day - today).days
