"""Feedback: reactions in Slack read back into `feedback`, and the next ranking learns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.slack_server import SlackServer
from trends.collect.ingest_job import ingest
from trends.config import Config, Env, load_config
from trends.decide.ideas_job import score
from trends.decide.preferences import Preferences, apply, factor
from trends.deliver.alert_job import run_alerts
from trends.deliver.digest_job import run_digests
from trends.deliver.feedback_job import collect, weekly_summary
from trends.deliver.slack import SlackSender
from trends.demo.world import build_world, serve_world
from trends.models import ScoredTopic
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
        [digest] = slack.posted("#kopi-nusantara")
        slack.add_reaction("#kopi-nusantara", digest["ts"], "white_check_mark", "U1")
        collect(con, config, sender, now=NOW)
        # Each read replaces what the message had: the new :+1: joins the :white_check_mark:.
        slack.add_reaction("#kopi-nusantara", digest["ts"], "+1", "U2")
        collect(con, config, sender, now=NOW)
        assert {v for (v,) in con.execute("SELECT verdict FROM feedback").fetchall()} == {
            "used", "liked"}
    text = weekly_summary(con, config, today=date(2026, 11, 22))
    lines = text.splitlines()
    assert lines[0] == "Feedback 2026-11-16 to 2026-11-22"
    i = lines.index("Kopi Nusantara (kopi-nusantara)")
    assert lines[i + 1].startswith("  used:     ") and "Timnas" in lines[i + 1]
    j = lines.index("BelanjaKilat (belanja-kilat)")
    assert "nothing marked" in lines[j + 1]
    later = NOW + timedelta(hours=1)
    score(con, config, as_of=later)
    lifted = con.execute("""SELECT count(*) FROM client_topic_scores
                            WHERE client_id = 'kopi-nusantara' AND as_of = ?
                            AND reason LIKE '%the team used this topic%'""", [later]).fetchone()
    assert lifted[0] >= 1
