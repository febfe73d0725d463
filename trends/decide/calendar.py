"""Calendar moments: Indonesian public holidays, shopping days and seasons, and each client's
own dates, so that a digest can show what is coming (as far ahead as each moment needs: a
week for most, two weeks for 12.12 or Christmas, three for Ramadan and Lebaran) and scoring
can favour topics that tie in with a near moment. `countdown` says where today stands
relative to a moment the way Indonesian marketers write it: H-10, hari H, H+1.

Public holidays come from the `holidays` package (Islamic dates are its estimates until the
government fixes them). Commercial dates are the ones Indonesian marketers plan around.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import holidays

from trends.config import ClientConfig
from trends.models import Moment

__all__ = ["LEAD_DAYS", "countdown", "days_until", "moment_name", "moments_between",
           "upcoming_moments"]

LEAD_DAYS = 7            # how far ahead the digest looks by default: a week to plan a post
# Moments that need more preparation, by a fragment of their English name.
_LONG_LEAD = {"Christmas": 14, "New Year's Day": 10, "Eid al-Fitr": 21, "Independence Day": 14}
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
        lead = max([LEAD_DAYS, *(d for f, d in _LONG_LEAD.items() if f.lower() in en.lower())])
        out.append(Moment(day, label, "holiday", tuple(dict.fromkeys(words)), lead))
    return tuple(out)


def _eid(year: int) -> date | None:
    names_en = holidays.country_holidays("ID", years=year, language="en_US")
    days = [d for d, n in names_en.items() if n.startswith("Eid al-Fitr") and "Second" not in n]
    return min(days) if days else None


@lru_cache(maxsize=16)
def _commercial(year: int) -> tuple[Moment, ...]:
    out = [
        Moment(date(year, 11, 11), "11.11 (Singles' Day sale)", "sale",
               ("11.11", "singles day", *_SHOPPING), 14),
        Moment(date(year, 12, 12), "Harbolnas 12.12 (national online shopping day)",
               "sale", ("harbolnas", "12.12", *_SHOPPING), 14),
        Moment(_school_year(year), "Tahun ajaran baru (the new school year)", "season",
               ("sekolah", "back to school", "tahun ajaran baru", "seragam", "siswa",
                "perlengkapan sekolah"), 14),
        Moment(date(year, 12, 20), "Liburan akhir tahun (the year-end holiday season)", "season",
               ("liburan", "akhir tahun", "year-end", "year end", "libur nataru", "nataru",
                "tahun baru"), 14),
    ]
    # Payday (tanggal gajian): salaries land around the 25th and spending runs to the 1st.
    for month in range(1, 13):
        out.append(Moment(date(year, month, 25), "Tanggal gajian (payday)",
                          "commercial", ("gajian", "gaji", "payday", "tanggal tua",
                                         "tanggal muda", *_SHOPPING), 3))
    eid = _eid(year)
    if eid is not None:
        out.append(Moment(eid - timedelta(days=RAMADAN_DAYS), "Awal Ramadan (the start of Ramadan)",
                          "season", ("ramadan", "ramadhan", "puasa", "bukber", "buka puasa",
                                     "ngabuburit", "takjil", "sahur"), 21))
        out.append(Moment(eid - timedelta(days=10), "Musim mudik & THR (the Lebaran season)",
                          "season", ("mudik", "thr", "lebaran", "baju lebaran", "arus mudik",
                                     "parsel", "hampers"), 21))
    return tuple(out)


def _school_year(year: int) -> date:
    """The first school day: the Monday of the week of 13 July (14 July 2025, 13 July 2026)."""
    day = date(year, 7, 13)
    return day + timedelta(days=(7 - day.weekday()) % 7)


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
        out.append(Moment(day, d.name, "client", d.keywords, d.lead_days))
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
    kinds = {"client": 0, "holiday": 1, "sale": 2, "commercial": 2, "season": 3}
    said = _said(client) if client is not None else ""
    chosen = [m for m in found if start <= m.day <= end
              and (client is None or _concerns(client, said, m))]
    # One line per day and name: Good Friday's and Easter's shared words are not a duplicate.
    unique = {(m.day, m.name): m for m in chosen}
    return sorted(unique.values(), key=lambda m: (m.day, kinds.get(m.kind, 9), m.name))


def _said(client: ClientConfig) -> str:
    """Everything the client's brief names: its name, keywords, synonyms and audience."""
    words = [client.name, *client.keywords,
             *(w for k in (*client.keyword_specs, *client.audience) for w in (k.term, *k.synonyms))]
    return " | ".join(words).lower()


def _concerns(client: ClientConfig, said: str, m: Moment) -> bool:
    """Whether a moment is one of the client's. Holidays (greeted) and its own dates always
    are. A shopping festival is when its field or audience names selling ("promo", "diskon",
    "belanja online") or the festival: a broadcaster or an airline that runs a 12.12 promo
    says so with a keyword. A season or payday is when they name it ("bukber" for Ramadan,
    "gajian" for payday), or when the brand sells hard: it has offers to announce."""
    if m.kind in ("holiday", "client"):
        return True
    named = any(k in said for k in m.keywords)
    return named if m.kind == "sale" else named or client.tone == "hard_sell"


def upcoming_moments(client: ClientConfig | None, today: date,
                     lead_days: int | None = None, *, reach: int = 1) -> list[Moment]:
    """The moments worth preparing for from today on: each as far ahead as it needs (its
    `lead_days`, times `reach`), or all of the next `lead_days` days when given. What the
    digest shows (reach 1)."""
    horizon = lead_days if lead_days is not None else _MAX_LEAD * reach
    return [m for m in moments_between(today, today + timedelta(days=horizon), client)
            if lead_days is not None or (m.day - today).days <= m.lead_days * reach]


_MAX_LEAD = 90


def days_until(m: Moment, today: date) -> int:
    return (m.day - today).days


def countdown(day: date, today: date, language: str) -> str:
    """Where today stands relative to a moment's day: "H-10", "hari H", "H+1" in Indonesian;
    "in 10 days", "today", "yesterday" in English."""
    n = (day - today).days
    if language == "id":
        return "hari H" if n == 0 else f"H-{n}" if n > 0 else f"H+{-n}"
    if n == 0:
        return "today"
    if n == 1:
        return "tomorrow"
    if n == -1:
        return "yesterday"
    return f"in {n} days" if n > 0 else f"{-n} days ago"


def moment_name(m: Moment, language: str) -> str:
    """A moment's name in one language: "Harbolnas 12.12 (national online shopping day)" is
    "Harbolnas 12.12" in Indonesian and "national online shopping day" in English, where the
    name carries both."""
    if m.name.endswith(")") and " (" in m.name:
        own, other = m.name[:-1].split(" (", 1)
        # A day named by its date (11.11, 12.12) keeps that name in English, explained.
        if language == "en" and m.kind in ("sale", "commercial") and re.search(r"\d", own):
            return f"{own} ({other})"
        return own if language == "id" else other
    return m.name
