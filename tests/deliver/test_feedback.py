"""Feedback: reactions in Slack read back into `feedback`, and the next ranking learns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.slack_server import SlackServer, fast_sender
from trends.collect.ingest_job import ingest
from trends.config import Config, Env, load_config, parse_config
from trends.decide.ideas_job import score
from trends.decide.preferences import Preferences, apply, factor
from trends.deliver.alert_job import run_alerts
from trends.deliver.digest_job import run_digests
from trends.deliver.feedback_job import collect, weekly_summary
from trends.deliver.slack import SlackSender
from trends.demo.world import build_world, serve_world
from trends.models import ScoredTopic
from warehouse import decide as decide_sql
from warehouse import deliver as outbox_sql
from warehouse.db import connect

TOKEN = "xoxb-test"
NOW = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)       # 08:30 in Jakarta


def topic(key: str, score: float = 0.5) -> ScoredTopic:
    return ScoredTopic(key=key, label=key.title(), score=score, trend=0.5, relevance=1.0,
                       freshness=1.0, velocity=2.0, breadth=2, mentions=5, state="rising",
                       matched=[], reason="matches kopi")


def test_similar_topics_move_with_the_verdict() -> None:
    prefs = Preferences({"rejected": [frozenset({"promo", "gajian"})],
                         "used": [frozenset({"es", "kopi", "susu"})]})
    assert factor(prefs, "promo gajian") == (0.5, "the team rejected this topic (×0.50)")
    f, note = factor(prefs, "promo akhir bulan")
    assert 0.5 < f < 1.0 and "similar topic" in note
    assert factor(prefs, "kopi susu gula aren")[0] > 1.0
    assert factor(prefs, "timnas indonesia") == (1.0, "")
    excluded = apply(prefs, topic("promo gajian", score=0.0))
    assert excluded.score == 0.0                       # an avoided topic stays avoided
    t = apply(prefs, topic("es kopi susu"))
    assert t.score == 0.75 and t.reason.endswith("the team used this topic (×1.50)")


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[Config, duckdb.DuckDBPyConnection]]:
    w = build_world(NOW)
    with serve_world(w) as server:
        (tmp_path / "trends.toml").write_text(w.config_toml(server.url(""), "trends.duckdb"),
                                              encoding="utf-8")
        config = load_config(tmp_path / "trends.toml")
        con = connect(config.warehouse.path)
        ingest(con, config, force=True)
        yield config, con
        con.close()


def ranking(con: duckdb.DuckDBPyConnection, client: str, as_of: datetime) -> list[str]:
    return [r[0] for r in con.execute(
        """SELECT topic_key FROM client_topic_scores WHERE client_id = ? AND as_of = ?
           AND score > 0 ORDER BY score DESC, topic_key""", [client, as_of]).fetchall()]


def test_reactions_in_slack_change_the_next_ranking(world: tuple[Config, Any]) -> None:
    config, con = world
    with SlackServer(token=TOKEN) as slack:
        sender = SlackSender(TOKEN, base_url=slack.base_url, min_interval=0, backoff=0)
        score(con, config, as_of=NOW)
        before = ranking(con, "belanja-kilat", NOW)
        top = before[0]
        run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender)
        [alert] = [m for m in slack.posted("#belanja-kilat")
                   if m["metadata"]["event_payload"]["topic"] == top]
        slack.add_reaction("#belanja-kilat", alert["ts"], "-1", "U1")
        slack.add_reaction("#belanja-kilat", alert["ts"], "thumbsdown::skin-tone-3", "U2")
        slack.add_reaction("#belanja-kilat", alert["ts"], "eyes", "U3")      # not a verdict
        report = collect(con, config, sender, now=NOW)
        assert report.reactions == 2
        assert "reactions.get" in [m for m, _ in slack.calls]
        stored = con.execute("SELECT DISTINCT topic_key, verdict, user_id, kind FROM feedback "
                             "ORDER BY user_id").fetchall()
        assert stored == [(top, "rejected", "U1", "alert"), (top, "rejected", "U2", "alert")]

    later = NOW + timedelta(hours=1)
    score(con, config, as_of=later)
    after = ranking(con, "belanja-kilat", later)
    # The topic the team rejected was first; it sank below another, and its reason says why.
    assert after[0] != top and after.index(top) > 0, (before, after)
    reason = con.execute("""SELECT reason FROM client_topic_scores WHERE client_id =
                            'belanja-kilat' AND as_of = ? AND topic_key = ?""",
                         [later, top]).fetchone()[0]
    assert "the team rejected this topic (×0.50)" in reason
    # Other clients are not affected by belanja-kilat's team.
    assert "the team" not in " ".join(r for (r,) in con.execute(
        "SELECT reason FROM client_topic_scores WHERE client_id <> 'belanja-kilat' "
        "AND as_of = ?", [later]).fetchall())


def test_used_reaction_lifts_and_weekly_summary(world: tuple[Config, Any]) -> None:
    config, con = world
    with SlackServer(token=TOKEN) as slack:
        sender = SlackSender(TOKEN, base_url=slack.base_url, min_interval=0, backoff=0)
        score(con, config, as_of=NOW)
        run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender,
                    client_id="kopi-nusantara", charts=False)
        header, first, *_ = slack.posted("#kopi-nusantara")
        assert first["thread_ts"] == header["ts"]
        topic = first["metadata"]["event_payload"]["topic"]
        slack.add_reaction("#kopi-nusantara", first["ts"], "white_check_mark", "U1")
        collect(con, config, sender, now=NOW)
        # Each read replaces what the message had: the new :+1: joins the :white_check_mark:.
        slack.add_reaction("#kopi-nusantara", first["ts"], "+1", "U2")
        collect(con, config, sender, now=NOW)
        assert con.execute("SELECT DISTINCT topic_key, verdict FROM feedback ORDER BY 2"
                           ).fetchall() == [(topic, "liked"), (topic, "used")]
    text = weekly_summary(con, config, today=date(2026, 11, 22))
    lines = text.splitlines()
    assert lines[0] == "Feedback 2026-11-16 to 2026-11-22"
    i = lines.index("Kopi Nusantara (kopi-nusantara)")
    label = con.execute("SELECT label FROM feedback LIMIT 1").fetchone()[0]
    assert lines[i + 1] == f"  used:     {label} (1)"
    assert lines[i + 2] == f"  liked:    {label} (1)"
    assert lines[i + 3].startswith("  total:    1 used, 1 liked, 0 rejected")
    j = lines.index("BelanjaKilat (belanja-kilat)")
    assert "nothing marked" in lines[j + 1]
    later = NOW + timedelta(hours=1)
    score(con, config, as_of=later)
    lifted = con.execute("""SELECT count(*) FROM client_topic_scores
                            WHERE client_id = 'kopi-nusantara' AND as_of = ?
                            AND reason LIKE '%the team used this topic%'""", [later]).fetchone()
    assert lifted[0] >= 1


# Reactions per idea, on a warehouse of our own

DAY = date(2026, 11, 22)


def idea_config(tmp_path: Path) -> Config:
    return parse_config({"warehouse": {"path": str(tmp_path / "t.duckdb")}, "clients": [
        {"id": "kopi", "name": "Kopi", "keywords": ["kopi"], "channel": "#kopi",
         "languages": ["id", "en"]}]}, tmp_path / "trends.toml")


def add_ideas(con: duckdb.DuckDBPyConnection, topics: list[str]) -> None:
    decide_sql.save_ideas(con, "kopi", DAY, NOW, [
        {"rank": r + 1, "topic_key": key, "topic_label": key.title(), "language": lang,
         "angle": "soft_sell", "platform": "instagram", "hook": "Hook", "caption": "Caption",
         "hashtags": [], "urgency": "naik: posting hari ini", "why": "cocok", "stories": []}
        for r, key in enumerate(topics) for lang in ("id", "en")])


def verdicts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in con.execute(
        "SELECT topic_key, verdict, user_id FROM feedback ORDER BY ALL").fetchall()]


def test_a_reaction_on_an_idea_is_about_that_idea_alone(tmp_path: Path) -> None:
    config = idea_config(tmp_path)
    con = connect(config.warehouse.path)
    add_ideas(con, ["es kopi susu", "timnas indonesia", "harbolnas"])
    with SlackServer(token=TOKEN) as slack:
        sender = fast_sender(slack, TOKEN)
        run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender,
                    charts=False)
        header, *ideas = slack.posted("#kopi")
        by_topic = {m["metadata"]["event_payload"]["topic"]: m["ts"] for m in ideas}
        assert list(by_topic) == ["es kopi susu", "timnas indonesia", "harbolnas"]
        slack.add_reaction("#kopi", by_topic["timnas indonesia"], "heart", "U1")
        slack.add_reaction("#kopi", by_topic["timnas indonesia"], "fire", "U2")
        slack.add_reaction("#kopi", by_topic["harbolnas"], "x", "U1")
        slack.add_reaction("#kopi", by_topic["harbolnas"], "heavy_check_mark", "U3")
        slack.add_reaction("#kopi", header["ts"], "-1", "U9")     # on the header: no idea
        report = collect(con, config, sender, now=NOW)
        read = [p["timestamp"] for m, p in slack.calls if m == "reactions.get"]
    assert verdicts(con) == [("harbolnas", "rejected", "U1"), ("harbolnas", "used", "U3"),
                             ("timnas indonesia", "liked", "U1"),
                             ("timnas indonesia", "liked", "U2")]
    assert header["ts"] not in read and sorted(read) == sorted(by_topic.values())
    assert report.messages == 3 and report.reactions == 4
    summary = weekly_summary(con, config, today=DAY).splitlines()
    assert "  liked:    Timnas Indonesia (2)" in summary
    assert "  rejected: Harbolnas (1)" in summary and "  used:     Harbolnas (1)" in summary
    con.close()


def test_a_digest_sent_as_one_message_still_counts_for_every_topic(tmp_path: Path) -> None:
    """Digests sent before migration 0016 showed all their topics in one message, and have
    no digest_messages: a reaction there is about each topic it showed, as it was."""
    config = idea_config(tmp_path)
    con = connect(config.warehouse.path)
    add_ideas(con, ["es kopi susu", "timnas indonesia"])
    with SlackServer(token=TOKEN) as slack:
        sender = fast_sender(slack, TOKEN)
        ts = sender.post("#kopi", [], "Kopi · 22 November: 2 post ideas")
        outbox_sql.put_digest(con, "kopi", DAY, "#kopi", "Kopi", [[]], "pending", NOW)
        outbox_sql.mark_digest_sent(con, "kopi", DAY, ts, NOW)
        slack.add_reaction("#kopi", ts, "+1", "U1")
        collect(con, config, sender, now=NOW)
    assert verdicts(con) == [("es kopi susu", "liked", "U1"), ("timnas indonesia", "liked", "U1")]
    con.close()
