"""Post ideas: for each chosen topic, an angle, a platform, and a hook and caption per language.

Every choice is deterministic: a stable hash of (client id, topic key, local date) picks the
angle, the platform's tie-break and the templates, so that re-scoring the same day gives the
same text while the next day reads differently.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from datetime import date
from importlib import resources

from trends.config import ClientConfig
from trends.decide.ideas.llm import LLMWriter, WriteRequest
from trends.decide.safety import Sensitivity, warning_text
from trends.models import Idea, ScoredTopic

__all__ = ["ANGLES", "PLATFORMS", "MAX_HASHTAGS", "write_ideas", "label_hashtag", "urgency",
           "writer_note"]

ANGLES = ("soft_sell", "hard_sell", "question", "educational", "behind_the_scenes", "trust")
# How often each angle comes up for a tone, out of 12: mostly the tone the client approved,
# sometimes a question, a tip, a look behind the scenes, or an honest word about limits.
_TONE_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "soft_sell": (("soft_sell", 6), ("question", 2), ("behind_the_scenes", 2),
                  ("educational", 1), ("trust", 1)),
    "hard_sell": (("hard_sell", 7), ("question", 2), ("trust", 2), ("educational", 1)),
}
# A sensitive topic shown to a `flag` client: inform, never sell.
_SENSITIVE_ANGLE = "educational"
PLATFORMS = ("instagram", "tiktok", "x", "facebook")
MAX_HASHTAGS = 6
_LANGUAGE_ORDER = ("id", "en")

# Hook and caption templates live in trends/decide/ideas/templates.toml (the team extends them
# without touching code): at least ROTATION entries per angle and language.
ROTATION = 7


def _load_templates() -> dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    raw = tomllib.loads(resources.files("trends.decide.ideas").joinpath("templates.toml")
                        .read_text(encoding="utf-8"))
    out = {}
    for angle, langs in raw.items():
        for lang, t in langs.items():
            out[(angle, lang)] = (tuple(t["hooks"]), tuple(t["captions"]))
    return out


TEMPLATES = _load_templates()

_URGENCY: dict[str, dict[str, str]] = {
    "rising": {"en": "rising: post today", "id": "naik: posting hari ini"},
    "peaking": {"en": "peaking: post by noon", "id": "puncak: posting sebelum jam 12"},
    "fading": {"en": "fading: only if it fits", "id": "meredup: posting kalau memang nyambung"},
    "steady": {"en": "steady: post if it fits", "id": "stabil: posting kalau nyambung"},
}

# How well each platform carries each angle: offers want visuals and a link in bio, questions
# want a comment thread.
_ANGLE_FIT: dict[str, dict[str, float]] = {
    "soft_sell": {"instagram": 3.0, "tiktok": 2.5, "facebook": 1.0, "x": 0.5},
    "hard_sell": {"instagram": 3.0, "facebook": 2.0, "tiktok": 1.5, "x": 0.5},
    "question": {"x": 3.0, "facebook": 2.0, "instagram": 1.0, "tiktok": 1.0},
    # tips read best as an Instagram carousel; backstage clips are made for TikTok
    "educational": {"instagram": 3.0, "facebook": 2.0, "x": 1.0, "tiktok": 1.0},
    "behind_the_scenes": {"tiktok": 3.0, "instagram": 2.5, "facebook": 1.0, "x": 0.5},
    "trust": {"instagram": 2.0, "x": 2.0, "facebook": 2.0, "tiktok": 1.0},
}
# Fresh topics live on fast feeds; fading ones still reach Facebook's slower audience.
_STATE_FIT: dict[str, dict[str, float]] = {
    "new": {"x": 1.5, "tiktok": 1.0},
    "rising": {"tiktok": 1.5, "x": 1.0},
    "peaking": {"instagram": 1.0, "tiktok": 0.5},
    "fading": {"facebook": 1.5, "instagram": 0.5},
    "steady": {"facebook": 1.0, "instagram": 1.0},
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


def write_ideas(client: ClientConfig, topics: list[ScoredTopic], local_date: date, *,
                writer: LLMWriter | None = None) -> list[Idea]:
    """One idea per topic and client language (id before en), in the topics' order.

    The topics are already ranked and filtered by the caller; a topic key seen twice is used
    once. Bilingual ideas share the angle, platform and hashtags of their topic. With a
    `writer` (trends/decide/ideas/llm.py), hook and caption come from the model; whenever it
    fails, the templates write them and the idea says so (`writer` = "template-fallback").
    """
    languages = [lang for lang in _LANGUAGE_ORDER if lang in client.languages] or ["id"]
    rotation = _stable_int(client.id, local_date.isoformat(), "rotation")
    unique: dict[str, ScoredTopic] = {}
    for t in topics:
        unique.setdefault(t.key, t)
    ideas: list[Idea] = []
    for rank, topic in enumerate(unique.values()):
        seed = (client.id, topic.key, local_date.isoformat())
        angle = _SENSITIVE_ANGLE if topic.warning else _angle(client.tone, rank, rotation, seed)
        platform = _platform(angle, topic, seed)
        tags = _hashtags(topic, client)
        values = {"topic": topic.label, "brand": client.name, "kw": _keyword(client, topic)}
        for lang in languages:
            hooks, captions = TEMPLATES[(angle, lang)]
            # Consecutive days take consecutive templates (from a per-topic starting point), so
            # a topic that trends all week never gets the same text twice in ROTATION days.
            topic_seed = (client.id, topic.key, lang)
            h = (local_date.toordinal() + _stable_int(*topic_seed, "hook")) % len(hooks)
            # Hooks and captions are written in parallel (same index, same opening line):
            # never pair a hook with its own caption, or the post says the same thing twice.
            c = (h + 1 + _stable_int(*topic_seed, "caption") % (len(captions) - 1)) % len(captions)
            hook = _sentence_start(hooks[h].format(**values))
            caption = _sentence_start(captions[c].format(**values))
            warning = _warning(topic, lang)
            written = "template"
            if writer is not None:
                answer = writer.write(_request(client, topic, angle, platform, lang, tags, warning))
                if answer is not None:
                    hook, caption = answer
                    written = "llm"
                else:
                    written = "template-fallback"
            ideas.append(Idea(
                client_id=client.id,
                topic_key=topic.key,
                topic_label=topic.label,
                language=lang,
                angle=angle,
                platform=platform,
                hook=hook,
                caption=caption,
                hashtags=list(tags),
                urgency=urgency(topic.state, lang, topic.posting_window),
                why=topic.reason,
                articles=list(topic.articles[:3]),
                warning=warning,
                writer=written,
            ))
    return ideas


def _warning(topic: ScoredTopic, lang: str) -> str:
    """The topic's brand-safety warning in the idea's language (set only for `flag` clients)."""
    if not topic.warning or not topic.sensitivity:
        return ""
    verdict = Sensitivity(topic.sensitivity, 0.0, 0, tuple(topic.sensitive_terms))
    return warning_text(verdict, lang)


def _request(client: ClientConfig, topic: ScoredTopic, angle: str, platform: str, lang: str,
             tags: list[str], warning: str) -> WriteRequest:
    return WriteRequest(topic=topic.label, headlines=[s.title for s in topic.articles[:5]],
                        brand=client.name, keywords=list(client.keywords), tone=client.tone,
                        angle=angle, platform=platform, language=lang, hashtags=tags,
                        warning=warning)


def writer_note(ideas: Iterable[Idea]) -> str:
    """One line for the digest saying who wrote the hooks and captions."""
    writers = [i.writer for i in ideas]
    if not writers:
        return ""
    llm = writers.count("llm")
    if llm == len(writers):
        return "Hooks and captions written by the LLM: check them against the sources."
    if "template-fallback" in writers:
        return (f"{len(writers) - llm} of {len(writers)} ideas written from templates: "
                "the LLM endpoint did not answer usefully.")
    if llm:
        return f"{llm} of {len(writers)} ideas written by the LLM, the rest from templates."
    return "Hooks and captions written from templates (no LLM configured)."


def urgency(state: str, language: str, window: str = "") -> str:
    """The posting advice for a trend state, e.g. ("rising", "id") -> "naik: posting hari ini".

    With the signal's posting `window` ("peaked yesterday: skip"), that advice, translated for
    Indonesian. New topics count as rising; an unknown state or language falls back to rising /
    English.
    """
    if window:
        return window if language != "id" else _window_id(window)
    texts = _URGENCY.get(state, _URGENCY["rising"])
    return texts.get(language, texts["en"])


_WINDOW_ID = (
    (re.compile(r"^new: post today$"), "baru: posting hari ini"),
    (re.compile(r"^rising: post today$"), "naik: posting hari ini"),
    (re.compile(r"^peaking: post by noon$"), "puncak: posting sebelum jam 12"),
    (re.compile(r"^fading: skip unless it fits$"), "meredup: lewati kecuali memang nyambung"),
    (re.compile(r"^steady: post if it fits$"), "stabil: posting kalau nyambung"),
    (re.compile(r"^peaked (.+): post early or skip$"),
     r"sudah puncak \1: posting pagi atau lewati"),
    (re.compile(r"^peaked (.+): skip$"), r"sudah puncak \1: lewati"),
)
_WHEN_ID = ((re.compile(r"\btoday\b"), "hari ini"), (re.compile(r"\byesterday\b"), "kemarin"),
            (re.compile(r"\b(\d+) h ago\b"), r"\1 jam lalu"),
            (re.compile(r"\b(\d+) days ago\b"), r"\1 hari lalu"))


def _window_id(window: str) -> str:
    for pattern, text in _WINDOW_ID:
        if pattern.match(window):
            out = pattern.sub(text, window)
            for when, id_ in _WHEN_ID:
                out = when.sub(id_, out)
            return out
    return window   # advice we have no translation for: better in English than missing


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
    mix = _TONE_MIX.get(tone)
    if mix is None:
        # mixed: consecutive topics take consecutive angles, so a week shows them all
        return ANGLES[(rank + rotation) % len(ANGLES)]
    roll = _stable_int(*seed, "angle") % sum(w for _, w in mix)
    for angle, weight in mix:
        if roll < weight:
            return angle
        roll -= weight
    return mix[0][0]


def _platform(angle: str, topic: ScoredTopic, seed: tuple[str, str, str]) -> str:
    words = {w.lower() for text in [topic.label, *(s.title for s in topic.articles[:5])]
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
    # A keyword the label already says reads twice ("Timnas Indonesia ... urusan timnas"):
    # prefer one that adds something, found in the headlines if possible.
    label = topic.label.lower()
    for kw in [*topic.matched, *client.keywords]:
        if kw.lower() not in label:
            return kw
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
