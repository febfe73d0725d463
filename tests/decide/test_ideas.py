from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from trends.config import ClientConfig
from trends.decide.ideas.writer import (
    ANGLES,
    MAX_HASHTAGS,
    PLATFORMS,
    label_hashtag,
    urgency,
    write_ideas,
)
from trends.models import Article, ScoredTopic

DAY = date(2026, 11, 22)


def client(**kw: object) -> ClientConfig:
    base: dict[str, object] = dict(id="kopi-nusantara", name="Kopi Nusantara", languages=("id",),
                                   keywords=("kopi", "ngopi"), tone="soft_sell",
                                   hashtags=("#KopiNusantara",))
    base.update(kw)
    return ClientConfig(**base)  # type: ignore[arg-type]


def topic(key: str = "timnas indonesia", label: str = "Timnas Indonesia", state: str = "rising",
          **kw: object) -> ScoredTopic:
    base: dict[str, object] = dict(
        key=key, label=label, score=0.8, trend=0.7, relevance=0.6, freshness=0.9, velocity=3.2,
        breadth=4, mentions=12, state=state, matched=["kopi"],
        reason="matches kopi in 4 headlines; rising 220% in 6h",
        articles=[Article(f"{label} headline {i}", f"https://news.example/{i}", "detik")
                 for i in range(5)],
        hashtags=["#Timnas", "#GarudaMuda"])
    base.update(kw)
    return ScoredTopic(**base)  # type: ignore[arg-type]


TOPICS = [topic(), topic("harbolnas", "Harbolnas", "peaking"),
          topic("hujan", "Hujan Deras", "fading"), topic("konser", "Konser Dewa 19", "new"),
          topic("ihsg", "IHSG", "rising")]


def test_bilingual_client_gets_id_then_en_with_shared_angle_and_platform() -> None:
    ideas = write_ideas(client(languages=("en", "id")), TOPICS[:3], DAY)
    assert [(i.topic_key, i.language) for i in ideas] == [
        ("timnas indonesia", "id"), ("timnas indonesia", "en"),
        ("harbolnas", "id"), ("harbolnas", "en"), ("hujan", "id"), ("hujan", "en")]
    for id_idea, en_idea in zip(ideas[::2], ideas[1::2]):
        assert (id_idea.angle, id_idea.platform) == (en_idea.angle, en_idea.platform)
        assert id_idea.hook != en_idea.hook
        assert id_idea.hashtags == en_idea.hashtags


def test_indonesian_only_client_gets_only_indonesian() -> None:
    ideas = write_ideas(client(languages=("id",)), TOPICS, DAY)
    assert len(ideas) == len(TOPICS)
    assert {i.language for i in ideas} == {"id"}


def test_idea_carries_topic_context() -> None:
    t = TOPICS[0]
    idea = write_ideas(client(), [t], DAY)[0]
    assert idea.client_id == "kopi-nusantara"
    assert (idea.topic_key, idea.topic_label, idea.why) == (t.key, t.label, t.reason)
    assert idea.articles == t.articles[:3]
    assert idea.platform in PLATFORMS
    assert "Timnas Indonesia" in idea.caption
    assert "Kopi Nusantara" in idea.caption or "kopi" in idea.caption


@pytest.mark.parametrize(("tone", "allowed"), [
    ("soft_sell", {"soft_sell", "question", "educational", "behind_the_scenes", "trust"}),
    ("hard_sell", {"hard_sell", "question", "educational", "trust"}),
])
def test_angle_follows_tone(tone: str, allowed: set[str]) -> None:
    angles = Counter(
        i.angle for d in range(30)
        for i in write_ideas(client(tone=tone), TOPICS, DAY + timedelta(days=d)))
    assert set(angles) <= allowed
    main = tone
    assert angles[main] > angles["question"] > 0   # mostly the tone, sometimes a question
    assert angles[main] > sum(angles.values()) / 2
    assert angles["trust"] > 0                     # and sometimes an honest word on limits


def test_mixed_tone_rotates_angles() -> None:
    ideas = write_ideas(client(tone="mixed"), TOPICS[:3], DAY)
    assert len({i.angle for i in ideas}) == 3
    week = {i.angle for d in range(7)
            for i in write_ideas(client(tone="mixed"), TOPICS[:3], DAY + timedelta(days=d))}
    assert week == set(ANGLES)


def test_same_inputs_same_text_and_days_vary() -> None:
    c = client(languages=("id", "en"))
    assert write_ideas(c, TOPICS, DAY) == write_ideas(c, TOPICS, DAY)
    hooks = {write_ideas(c, [TOPICS[0]], DAY + timedelta(days=d))[0].hook for d in range(14)}
    captions = {write_ideas(c, [TOPICS[0]], DAY + timedelta(days=d))[0].caption for d in range(14)}
    assert len(hooks) >= 3 and len(captions) >= 3


def test_templates_differ_between_clients() -> None:
    a = [i.hook for d in range(7) for i in write_ideas(client(), TOPICS, DAY + timedelta(days=d))]
    b = [i.hook for d in range(7)
         for i in write_ideas(client(id="other", name="Kopi Nusantara"), TOPICS,
                              DAY + timedelta(days=d))]
    assert a != b


def test_hashtags_dedup_and_cap() -> None:
    t = topic(hashtags=["#Timnas", "timnas", "#TIMNAS", "#TimnasIndonesia", "#Garuda", "#Bola",
                        "#PialaAFF", "#2026", "#Sepakbola"])
    c = client(hashtags=("#KopiNusantara", "#timnasindonesia", "NgopiBareng"))
    tags = write_ideas(c, [t], DAY)[0].hashtags
    assert len(tags) <= MAX_HASHTAGS
    assert len({x.casefold() for x in tags}) == len(tags)
    assert tags[0] == "#Timnas"
    assert "#TimnasIndonesia" in tags           # from the label (and the topic, once)
    assert "#KopiNusantara" in tags and "#NgopiBareng" in tags   # the client's own survive
    assert "#2026" not in tags                  # digit-only tags do not link
    assert all(x.startswith("#") and " " not in x for x in tags)


def test_label_hashtag() -> None:
    assert label_hashtag("Timnas Indonesia") == "#TimnasIndonesia"
    assert label_hashtag("harga BBM naik!") == "#HargaBBMNaik"
    assert label_hashtag("iPhone 17") == "#iPhone17"
    assert label_hashtag("2026") is None


def test_urgency_by_state_and_language() -> None:
    assert urgency("rising", "en") == "rising: post today"
    assert urgency("new", "id") == "naik: posting hari ini"
    assert urgency("peaking", "en") == "peaking: post by noon"
    assert urgency("fading", "en") == "fading: only if it fits"
    ideas = write_ideas(client(languages=("id", "en")), [TOPICS[1]], DAY)
    assert [i.urgency for i in ideas] == [urgency("peaking", "id"), "peaking: post by noon"]


def test_duplicate_topic_keys_give_one_idea_each() -> None:
    ideas = write_ideas(client(), [TOPICS[0], TOPICS[1], TOPICS[0]], DAY)
    assert [i.topic_key for i in ideas] == ["timnas indonesia", "harbolnas"]


def test_no_leftover_placeholders() -> None:
    for tone in ("soft_sell", "hard_sell", "mixed"):
        for d in range(20):
            for i in write_ideas(client(tone=tone, languages=("id", "en")), TOPICS,
                                 DAY + timedelta(days=d)):
                assert "{" not in i.hook + i.caption and "}" not in i.hook + i.caption


@pytest.mark.parametrize("tone", ["soft_sell", "hard_sell", "mixed"])
def test_a_week_of_digests_never_repeats_a_caption_or_hook(tone: str) -> None:
    c = client(tone=tone, languages=("id", "en"))
    week = [i for d in range(7) for i in write_ideas(c, TOPICS, DAY + timedelta(days=d))]
    assert len(week) == 7 * len(TOPICS) * 2
    captions = Counter(i.caption for i in week)
    hooks = Counter(i.hook for i in week)
    assert captions.most_common(1)[0][1] == 1, captions.most_common(3)
    assert hooks.most_common(1)[0][1] == 1, hooks.most_common(3)


def test_every_angle_has_templates_for_a_week_in_both_languages() -> None:
    from trends.decide.ideas.writer import ROTATION, TEMPLATES

    for angle in ANGLES:
        for lang in ("id", "en"):
            hooks, captions = TEMPLATES[(angle, lang)]
            assert len(set(hooks)) >= ROTATION and len(set(captions)) >= ROTATION, (angle, lang)


def test_flagged_sensitive_topic_is_informative_and_carries_the_warning() -> None:
    t = topic(sensitivity="disaster", sensitive_terms=["banjir"],
              warning="Sensitive topic (disaster: banjir). Check tone and context before posting;"
                      " never sell on top of bad news.")
    for d in range(7):
        for i in write_ideas(client(tone="hard_sell", languages=("id", "en")), [t],
                             DAY + timedelta(days=d)):
            assert i.angle == "educational"
            assert "banjir" in i.warning
            assert ("Topik sensitif" in i.warning) == (i.language == "id")
    safe = write_ideas(client(), [topic()], DAY)[0]
    assert safe.warning == "" and safe.writer == "template"


def test_urgency_follows_the_signal_posting_window_in_both_languages() -> None:
    assert urgency("fading", "en", "peaked yesterday: skip") == "peaked yesterday: skip"
    assert urgency("fading", "id", "peaked yesterday: skip") == "sudah puncak kemarin: lewati"
    assert urgency("peaking", "id", "peaked 14 h ago: post early or skip") == \
        "sudah puncak 14 jam lalu: posting pagi atau lewati"
    t = topic(state="peaking", posting_window="peaking: post by noon")
    ideas = write_ideas(client(languages=("id", "en")), [t], DAY)
    assert [i.urgency for i in ideas] == ["puncak: posting sebelum jam 12", "peaking: post by noon"]


def test_keyword_in_the_caption_adds_to_the_label_rather_than_repeating_it() -> None:
    t = topic(matched=["timnas", "nonton"])
    c = client(keywords=("timnas", "nonton"), languages=("id",))
    for d in range(7):
        idea = write_ideas(c, [t], DAY + timedelta(days=d))[0]
        assert "urusan timnas" not in idea.caption.lower()
