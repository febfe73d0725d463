"""Post ideas: for each chosen topic, an angle, a platform, and a hook and caption per language.

Every choice is deterministic: a stable hash of (client id, topic key, local date) picks the
angle, the platform's tie-break and the templates, so that re-scoring the same day gives the
same text while the next day reads differently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date

from trends.config import ClientConfig
from trends.models import Idea, ScoredTopic

__all__ = ["ANGLES", "PLATFORMS", "MAX_HASHTAGS", "write_ideas", "label_hashtag", "urgency"]

ANGLES = ("soft_sell", "hard_sell", "question")
PLATFORMS = ("instagram", "tiktok", "x", "facebook")
MAX_HASHTAGS = 6
_LANGUAGE_ORDER = ("id", "en")

# (hook, caption) templates per angle and language. Placeholders: {topic} the topic label,
# {brand} the client's name, {kw} a client keyword (one found in the topic's headlines if any).
# Keywords may be nouns ("kopi") or verbs ("ngopi"), so they only appear after words that fit
# both: "urusan", "doyan", "soal".
_HOOKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("soft_sell", "id"): (
        "Kabar {topic} lagi rame nih, kamu udah ngikutin?",
        "Lagi pada ngomongin {topic}, ya? Sini, ngobrol bareng {brand}.",
        "Hari ini semua orang bahas {topic}. Kita ikut nimbrung, ah.",
        "{topic} lagi jadi obrolan di mana-mana, dan kami ngerti kenapa.",
        "Ngikutin {topic} paling pas sambil santai bareng {brand}.",
    ),
    ("soft_sell", "en"): (
        "Everyone's talking about {topic} today.",
        "{topic} is all over the timeline, and we totally get why.",
        "Catching up on {topic}? Take a moment for yourself too.",
        "Today's mood: {topic}, with a little something from {brand}.",
        "Following {topic}? {brand} is following along with you.",
    ),
    ("hard_sell", "id"): (
        "Mumpung {topic} lagi rame, ada yang spesial dari {brand}!",
        "{topic} lagi panas, promonya juga nggak kalah panas!",
        "Ikutan heboh {topic}? Sekalian cek penawaran {brand}, yuk!",
        "Momen {topic} kayak gini sayang banget kalau dilewatin.",
        "Sambil nungguin kabar {topic}, checkout dulu di {brand}, yuk!",
    ),
    ("hard_sell", "en"): (
        "{topic} is trending, and so is our latest offer.",
        "While everyone's talking {topic}, {brand} has something for you.",
        "Don't just watch {topic}. Treat yourself too!",
        "{topic} is the perfect excuse to treat yourself today.",
        "Big day for {topic}, big deals at {brand}.",
    ),
    ("question", "id"): (
        "Siapa yang udah siap buat {topic}?",
        "Jujur deh, kamu tim mana soal {topic}?",
        "Kalau ngomongin {topic}, yang pertama kepikiran apa?",
        "{topic} lagi rame banget. Menurut kamu gimana?",
        "Satu kata buat {topic}, apa?",
    ),
    ("question", "en"): (
        "Who's ready for {topic}?",
        "Honest question: where do you stand on {topic}?",
        "{topic} in one word. Go!",
        "What's the first thing that comes to mind with {topic}?",
        "Are you keeping up with {topic}?",
    ),
}

_CAPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("soft_sell", "id"): (
        "Kabar {topic} lagi rame nih. Apa pun keseruannya, {brand} siap nemenin hari kamu, "
        "apalagi buat urusan {kw}. Kamu ngikutin dari mana?",
        "Lagi scroll berita {topic}? Jangan lupa ambil jeda sebentar. Momen kecil kayak gini "
        "yang bikin urusan {kw} jadi lebih berasa. Salam hangat dari {brand}.",
        "Semua lagi bahas {topic}, dan kami pun ikut nimbrung. Buat kamu yang ngikutin dari pagi, "
        "{brand} selalu ada buat urusan {kw}. Share cerita kamu di komentar, ya!",
        "{topic} lagi hangat-hangatnya. Pas banget buat berhenti sejenak dan nikmatin hal-hal "
        "kecil bareng {brand}. Kamu sendiri lagi ngapain hari ini?",
        "Hari ini rasanya semua orang ngomongin {topic}. Apa pun yang kamu ikutin, semoga "
        "harimu tetap santai. Kalau butuh teman soal {kw}, {brand} ada di sini.",
    ),
    ("soft_sell", "en"): (
        "{topic} is everywhere today. Whatever you're following, {brand} is here for the small "
        "moments in between, especially when it comes to {kw}. Where are you catching it from?",
        "Scrolling through {topic} updates? Pause for a second. Good days are made of small "
        "moments, and {kw} is one of ours. Love, {brand}.",
        "We're following {topic} too! Tell us how you're spending the day, and {brand} will be "
        "right there with you.",
        "With {topic} trending, it's a good day to slow down and enjoy the little things. "
        "What's your go-to {kw} moment? From all of us at {brand}.",
        "{topic} has everyone talking. Whatever your take, we hope your day has room for a "
        "little {kw}. {brand} is here when you need it.",
    ),
    ("hard_sell", "id"): (
        "Mumpung lagi rame {topic}, {brand} punya penawaran spesial buat kamu yang doyan {kw}. "
        "Cek detailnya di link bio sebelum kehabisan!",
        "Nggak cuma {topic} yang lagi panas, penawaran {brand} hari ini juga! Klik link di bio "
        "dan amankan punyamu sekarang.",
        "Rayain momen {topic} bareng {brand}. Buat kamu yang doyan {kw}, ini waktu yang pas "
        "buat checkout. Jangan sampai kelewatan!",
        "Lagi seru-serunya {topic}? Lengkapi momennya dengan {brand}. Order sekarang lewat link "
        "di bio, biar nggak ketinggalan!",
        "Kabar {topic} boleh bikin deg-degan, tapi urusan {kw} biar {brand} yang beresin. "
        "Pesan sekarang, cek promonya di link bio!",
    ),
    ("hard_sell", "en"): (
        "{topic} has everyone talking, so {brand} has a special offer for anyone who loves "
        "{kw}. Check the link in bio before it's gone!",
        "Celebrate {topic} with {brand}. Your {kw} fix is one tap away: order via the link in "
        "bio today.",
        "It's not just {topic} that's hot right now. {brand}'s deals are too! Shop now via the "
        "link in bio.",
        "Make the most of {topic} with {brand}. Order now and don't miss out!",
        "{topic} today, {kw} all day. Grab yours from {brand} now, link in bio!",
    ),
    ("question", "id"): (
        "Siapa yang udah siap buat {topic}? Tulis jawaban kamu di kolom komentar, jawaban "
        "paling seru bakal di-repost sama {brand}!",
        "{topic} lagi jadi bahan obrolan. Kamu tim setuju atau tim nggak setuju? Ceritain di "
        "komentar, {brand} pengen denger pendapat kamu.",
        "Kalau ngomongin {topic}, hal pertama yang muncul di kepala kamu apa? Kalau kami sih "
        "langsung kepikiran urusan {kw}. Yuk, share di komentar!",
        "Pertanyaan penting hari ini: ngikutin {topic} paling enak sambil ngapain? Jawab di "
        "komentar, tim {brand} baca semuanya!",
        "Gambarin {topic} pakai satu kata aja, bisa? Tulis di komentar, nanti {brand} rangkum "
        "jawaban paling kocak!",
    ),
    ("question", "en"): (
        "Who's ready for {topic}? Drop your answer in the comments, and {brand} will share our "
        "favourites!",
        "{topic} has everyone talking. Are you for it or against it? Tell {brand} in the "
        "comments.",
        "Describe {topic} in one word, go! Bonus points if it involves {kw}. From {brand}.",
        "What's the best way to follow {topic}? Our answer always involves {kw}. What about "
        "you? Tell {brand} below!",
        "Quick poll from {brand}: how are you following {topic} today? Comments are open!",
    ),
}

_URGENCY: dict[str, dict[str, str]] = {
    "rising": {"en": "rising: post today", "id": "naik: posting hari ini"},
    "peaking": {"en": "peaking: post by noon", "id": "puncak: posting sebelum jam 12"},
    "fading": {"en": "fading: only if it fits", "id": "meredup: posting kalau memang nyambung"},
}

# How well each platform carries each angle: offers want visuals and a link in bio, questions
# want a comment thread.
_ANGLE_FIT: dict[str, dict[str, float]] = {
    "soft_sell": {"instagram": 3.0, "tiktok": 2.5, "facebook": 1.0, "x": 0.5},
    "hard_sell": {"instagram": 3.0, "facebook": 2.0, "tiktok": 1.5, "x": 0.5},
    "question": {"x": 3.0, "facebook": 2.0, "instagram": 1.0, "tiktok": 1.0},
}
# Fresh topics live on fast feeds; fading ones still reach Facebook's slower audience.
_STATE_FIT: dict[str, dict[str, float]] = {
    "new": {"x": 1.5, "tiktok": 1.0},
    "rising": {"tiktok": 1.5, "x": 1.0},
    "peaking": {"instagram": 1.0, "tiktok": 0.5},
    "fading": {"facebook": 1.5, "instagram": 0.5},
}
_VIDEO_CUES = frozenset({
    "challenge", "viral", "lagu", "musik", "music", "song", "konser", "concert", "dance",
    "joget", "trailer", "film", "movie", "resep", "recipe", "meme", "tutorial", "fyp", "kuliner",
})
_LIVE_CUES = frozenset({
    "vs", "skor", "score", "live", "debat", "debate", "sidang", "pemilu", "election",
    "breaking", "timnas", "liga", "league", "final", "match", "laga",
})
_WORD = re.compile(r"[^\W_]+")
_TAG_BODY = re.compile(r"\w+")


def write_ideas(client: ClientConfig, topics: list[ScoredTopic], local_date: date) -> list[Idea]:
    """One idea per topic and client language (id before en), in the topics' order.

    The topics are already ranked and filtered by the caller; a topic key seen twice is used
    once. Bilingual ideas share the angle, platform and hashtags of their topic.
    """
    languages = [lang for lang in _LANGUAGE_ORDER if lang in client.languages] or ["id"]
    rotation = _stable_int(client.id, local_date.isoformat(), "rotation")
    unique: dict[str, ScoredTopic] = {}
    for t in topics:
        unique.setdefault(t.key, t)
    ideas: list[Idea] = []
    for rank, topic in enumerate(unique.values()):
        seed = (client.id, topic.key, local_date.isoformat())
        angle = _angle(client.tone, rank, rotation, seed)
        platform = _platform(angle, topic, seed)
        tags = _hashtags(topic, client)
        values = {"topic": topic.label, "brand": client.name, "kw": _keyword(client, topic)}
        for lang in languages:
            hooks, captions = _HOOKS[(angle, lang)], _CAPTIONS[(angle, lang)]
            h = _stable_int(*seed, lang, "hook") % len(hooks)
            # Hooks and captions are written in parallel (same index, same opening line):
            # never pair a hook with its own caption, or the post says the same thing twice.
            c = (h + 1 + _stable_int(*seed, lang, "caption") % (len(captions) - 1)) % len(captions)
            hook, caption = hooks[h], captions[c]
            ideas.append(Idea(
                client_id=client.id,
                topic_key=topic.key,
                topic_label=topic.label,
                language=lang,
                angle=angle,
                platform=platform,
                hook=_sentence_start(hook.format(**values)),
                caption=_sentence_start(caption.format(**values)),
                hashtags=list(tags),
                urgency=urgency(topic.state, lang),
                why=topic.reason,
                stories=list(topic.stories[:3]),
            ))
    return ideas


def urgency(state: str, language: str) -> str:
    """The posting advice for a trend state, e.g. ("rising", "id") -> "naik: posting hari ini".

    New topics count as rising; an unknown state or language falls back to rising / English.
    """
    texts = _URGENCY.get(state, _URGENCY["rising"])
    return texts.get(language, texts["en"])


def label_hashtag(label: str) -> str | None:
    """A hashtag from a topic label: "Timnas Indonesia" -> "#TimnasIndonesia".

    Words keep their own inner capitals ("iPhone"); None when nothing usable is left.
    """
    words = _WORD.findall(label)
    parts = [w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:] for w in words]
    return _tag("".join(parts))


def _stable_int(*parts: str) -> int:
    # Python's hash() is salted per process; ideas must be identical across runs.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _angle(tone: str, rank: int, rotation: int, seed: tuple[str, str, str]) -> str:
    roll = _stable_int(*seed, "angle") % 12
    if tone == "soft_sell":
        return "question" if roll < 4 else "soft_sell"
    if tone == "hard_sell":
        return "question" if roll < 3 else "hard_sell"
    # mixed: consecutive topics take consecutive angles, so one digest shows all three
    return ANGLES[(rank + rotation) % len(ANGLES)]


def _platform(angle: str, topic: ScoredTopic, seed: tuple[str, str, str]) -> str:
    words = {w.lower() for text in [topic.label, *(s.title for s in topic.stories[:5])]
             for w in _WORD.findall(text)}
    scores: dict[str, float] = {}
    for p in PLATFORMS:
        score = _ANGLE_FIT[angle][p] + _STATE_FIT.get(topic.state, {}).get(p, 0.0)
        if p == "tiktok" and words & _VIDEO_CUES:
            score += 2.0
        if p == "x" and words & _LIVE_CUES:
            score += 1.5
        if topic.hashtags and p in ("instagram", "tiktok", "x"):
            score += 0.5
        # under 0.4, below the smallest fit step (0.5): it only breaks ties
        score += (_stable_int(*seed, "platform", p) % 100) / 250
        scores[p] = score
    return max(PLATFORMS, key=lambda p: scores[p])


def _keyword(client: ClientConfig, topic: ScoredTopic) -> str:
    if topic.matched:
        return topic.matched[0]
    return client.keywords[0] if client.keywords else client.name


def _hashtags(topic: ScoredTopic, client: ClientConfig) -> list[str]:
    """Topic tags, then the label's tag, then the client's; deduped case-insensitively.

    The label's tag and two of the client's own are always kept: topic tags give way
    first when there are more than MAX_HASHTAGS.
    """
    topic_tags = _dedup(_tag(t) for t in topic.hashtags)
    client_tags = _dedup(_tag(t) for t in client.hashtags)
    reserved = _dedup([label_hashtag(topic.label), *client_tags])[:3]
    keys = {t.casefold() for t in reserved}
    room = MAX_HASHTAGS - len(reserved)
    kept_topic = [t for t in topic_tags if t.casefold() not in keys][:max(room, 0)]
    return _dedup([*kept_topic, label_hashtag(topic.label), *client_tags])[:MAX_HASHTAGS]


def _tag(raw: str | None) -> str | None:
    if not raw:
        return None
    body = "".join(_TAG_BODY.findall(raw))
    if not body or body.isdigit() or len(body) > 50:   # digit-only tags do not link on IG or X
        return None
    return "#" + body


def _dedup(tags: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


def _sentence_start(text: str) -> str:
    # A template may open with a lowercase label ("harbolnas lagi panas..."); leave "iPhone".
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.islower() else text
