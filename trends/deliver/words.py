"""The words of every message trends writes for a client, in each language it reads.

An Indonesian-only client (`languages = ["id"]`) reads its digest and alerts in Indonesian
from the first line to the footer, an English-only one in English, and a bilingual one reads
each phrase in both, in its own order ("Sumber / Sources"), as the trend states already do
("naik: posting hari ini / rising: post today"). Dates are written once, in the client's
first language: a date in two languages is noise, not help. "Hook" and "caption" are the
words Indonesian social media teams use themselves, so they stay in both languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

__all__ = ["LANGUAGES", "angle_label", "color_word", "long_date", "phrase", "primary", "say",
           "short_date", "state_word"]

LANGUAGES = ("id", "en")

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
}
_ANGLES = {
    "en": {"soft_sell": "soft sell", "hard_sell": "hard sell",
           "behind_the_scenes": "behind the scenes", "educational": "educational",
           "question": "question", "trust": "trust", "greeting": "greeting"},
    # The words Indonesian marketers use: soft/hard selling are loanwords there too.
    "id": {"soft_sell": "soft selling", "hard_sell": "hard selling",
           "behind_the_scenes": "di balik layar", "educational": "edukasi",
           "question": "pertanyaan", "trust": "kepercayaan", "greeting": "ucapan"},
}
_COLORS = {"id": {"blue": "biru", "orange": "oranye", "green": "hijau", "pink": "merah muda",
                  "yellow": "kuning"}}
_STATES = {"id": {"new": "baru muncul", "rising": "naik", "peaking": "di puncak",
                  "steady": "stabil", "fading": "meredup"}}

# Each phrase with {placeholders}; the same keys in every language.
_PHRASES: dict[str, dict[str, str]] = {
    "ideas": {"en": "{n} post ideas", "id": "{n} ide posting"},
    "ideas_one": {"en": "1 post idea", "id": "1 ide posting"},
    "ideas_none": {"en": "no post ideas", "id": "belum ada ide posting"},
    "empty": {"en": "Nothing fresh and on-brand today for {client}: no topic matched the brief "
                    "strongly enough to suggest a post.",
              "id": "Belum ada yang segar dan cocok untuk {client} hari ini: tidak ada topik "
                    "yang cukup sesuai dengan brief untuk disarankan."},
    "empty_short": {"en": "nothing fresh and on-brand today",
                    "id": "belum ada yang segar dan cocok hari ini"},
    "why": {"en": "Why", "id": "Alasan"},
    "sources": {"en": "Sources", "id": "Sumber"},
    "tags": {"en": "Tags", "id": "Tagar"},
    "warning": {"en": "Warning", "id": "Peringatan"},
    "coming_up": {"en": "Coming up", "id": "Momen mendatang"},
    "react": {"en": "Each idea is its own message in this thread: react on it with "
                    ":white_check_mark: we posted it · :+1: useful · :-1: not for us.",
              "id": "Tiap ide ada di pesannya sendiri di thread ini: beri reaksi "
                    ":white_check_mark: sudah diposting · :+1: berguna · :-1: bukan untuk kami."},
    "failed_today_one": {
        "en": "1 source failed today ({names}): this digest was built without its news.",
        "id": "1 sumber gagal diambil hari ini ({names}): digest ini dibuat tanpa beritanya."},
    "failed_today": {
        "en": "{n} sources failed today ({names}): this digest was built without their news.",
        "id": "{n} sumber gagal diambil hari ini ({names}): digest ini dibuat tanpa berita "
              "dari sumber itu."},
    "failed_short_one": {"en": "1 source failed today", "id": "1 sumber gagal hari ini"},
    "failed_short": {"en": "{n} sources failed today", "id": "{n} sumber gagal hari ini"},
    "failed_footer": {"en": "Sources that failed today: {listed}.",
                      "id": "Sumber yang gagal hari ini: {listed}."},
    "failing_long": {"en": "failing for over a day", "id": "gagal sejak lebih dari sehari"},
    "failing": {"en": "Failing sources: {names}. Their news may be missing from today's ideas.",
                "id": "Sumber bermasalah: {names}. Beritanya mungkin tidak masuk ide hari ini."},
    "failing_label": {"en": "Failing sources", "id": "Sumber bermasalah"},
    "chart_title": {"en": "Mentions per day, last {days} days",
                    "id": "Sebutan per hari, {days} hari terakhir"},
    # Spike alerts
    "spiking": {"en": "Spiking now: {label}", "id": "Sedang melonjak: {label}"},
    "spike_line": {"en": "*{label}* is {state}: {mentions} mentions in 24 h from {breadth} "
                         "sources, {velocity}× its usual rate.",
                   "id": "*{label}* sedang {state}: {mentions} sebutan dalam 24 jam dari "
                         "{breadth} sumber, {velocity}× dari biasanya."},
    "spike_why": {"en": "Why {client}: {reason}", "id": "Kenapa {client}: {reason}"},
    "spike_matches": {"en": "matches {terms}", "id": "cocok dengan {terms}"},
    "spike_text": {"en": "is spiking ({velocity}× its usual rate)",
                   "id": "sedang melonjak ({velocity}× dari biasanya)"},
    "spike_react": {"en": "React :+1: useful · :-1: not for us · :white_check_mark: we posted "
                          "about it. trends learns from it.",
                    "id": "Beri reaksi :+1: berguna · :-1: bukan untuk kami · "
                          ":white_check_mark: sudah kami posting. trends belajar dari situ."},
}


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "en"


def primary(languages: Sequence[str]) -> str:
    """The client's first language: the one its dates are written in."""
    return _lang(languages[0]) if languages else "id"


def _languages(languages: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(_lang(lang) for lang in languages)) or ["id"]


def phrase(key: str, language: str, **values: object) -> str:
    """One phrase in one language, its placeholders filled."""
    return _PHRASES[key][_lang(language)].format(**values)


def say(key: str, languages: Sequence[str], sep: str = " / ", **values: object) -> str:
    """The phrase in each of the client's languages, in its order, joined by `sep`; once when
    the languages say the same."""
    return sep.join(dict.fromkeys(phrase(key, lang, **values) for lang in _languages(languages)))


def long_date(d: date, language: str) -> str:
    """'Sunday 22 November 2026' in English, 'Minggu, 22 November 2026' in Indonesian."""
    lang = _lang(language)
    weekday, month = _WEEKDAYS[lang][d.weekday()], _MONTHS[lang][d.month - 1]
    return f"{weekday}{',' if lang == 'id' else ''} {d.day} {month} {d.year}"


def short_date(d: date, language: str) -> str:
    """'Sat 12 Dec' in English, 'Sab 12 Des' in Indonesian."""
    lang = _lang(language)
    # The first three letters in both languages, as Indonesian calendars print them too
    # (Agu, not Agt; Des, not Dec).
    return f"{_WEEKDAYS[lang][d.weekday()][:3]} {d.day} {_MONTHS[lang][d.month - 1][:3]}"


def angle_label(angle: str, language: str) -> str:
    """An idea's angle as the team says it: "soft sell", "pertanyaan"."""
    return _ANGLES[_lang(language)].get(angle, angle.replace("_", " "))


def state_word(state: str, language: str) -> str:
    """A trend state ("rising") in the language: "naik"."""
    return _STATES.get(_lang(language), {}).get(state, state)


def color_word(color: str, languages: Sequence[str]) -> str:
    """A chart line's colour ("blue") in each of the languages: "biru/blue"."""
    return "/".join(dict.fromkeys(_COLORS.get(lang, {}).get(color, color)
                                  for lang in _languages(languages)))
