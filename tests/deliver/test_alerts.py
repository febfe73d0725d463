"""Spike alerts against the local Slack-compatible server on a real DuckDB file: cooldown per
topic, daily cap per client, never an avoided topic, exactly once under failures."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from tests.slack_server import SlackServer, fast_sender
from trends.config import Config, Env, parse_config
from trends.deliver.alert_job import ALERT_EVENT, run_alerts
from trends.deliver.slack import SlackSender
from trends.models import TopicSignal
from warehouse import decide as decide_sql
from warehouse import understand as topics_sql
from warehouse.db import connect

TOKEN = "xoxb-test"
NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)           # 14:00 in Jakarta
HOSTILE = "<!channel> promo <https://evil|klik>"


def make_config(tmp_path: Path, **alerts: Any) -> Config:
    return parse_config({
        "warehouse": {"path": str(tmp_path / "t.duckdb")},
        "alerts": alerts,
        "clients": [{"id": "kopi", "name": "Kopi Nusantara", "keywords": ["kopi"],
                     "channel": "#kopi"},
                    {"id": "tv", "name": "Layar Emas", "keywords": ["timnas"],
                     "channel": "#tv"}]}, tmp_path / "trends.toml")


def topic(key: str, client: str = "kopi", *, velocity: float = 6.0, spike: bool | None = None,
          state: str = "rising", score: float = 0.6, excluded_by: str | None = None,
          mentions: int = 12, label: str | None = None) -> dict[str, Any]:
    return {"client_id": client, "topic_key": key, "label": label or key.title(),
            "score": 0.0 if excluded_by else score, "trend": 0.7, "relevance": 0.8,
            "freshness": 0.9, "velocity": velocity, "breadth": 4, "mentions": mentions,
            "state": state, "matched": ["kopi"], "excluded_by": excluded_by, "selected": True,
            "reason": "matches kopi in 4 headlines", "sensitivity": None, "moment": None,
            "_spike": spike}


def score_run(con: duckdb.DuckDBPyConnection, as_of: datetime,
              topics: list[dict[str, Any]]) -> None:
    """Write one scoring run's signals, topics and client scores, as `trends score` would. A
    topic whose `_spike` is None has a candidate signal but no topic row, as runs scored before
    topics were stored (migration 0014) have none."""
    signals = {}
    named = {}
    for t in topics:
        signals[t["topic_key"]] = {
            "candidate_key": t["topic_key"], "label": t["label"], "mentions": t["mentions"],
            "baseline": 1.0, "velocity": t["velocity"], "breadth": t["breadth"],
            "volume": 0.0, "freshness": t["freshness"], "first_seen_at": as_of,
            "state": t["state"], "trend": t["trend"]}
        if t["_spike"] is not None:
            named[t["topic_key"]] = TopicSignal(
                key=t["topic_key"], label=t["label"], kind="phrase", mentions=t["mentions"],
                baseline=1.0, velocity=t["velocity"], breadth=t["breadth"], volume=0.0,
                freshness=t["freshness"], first_seen_at=as_of, state=t["state"],
                trend=t["trend"], spike=t["_spike"])
    topics_sql.save_signals(con, as_of, pa.Table.from_pylist(list(signals.values())), as_of)
    topics_sql.save_topics(con, as_of, [(s, [s]) for s in named.values()])
    for client in {t["client_id"] for t in topics}:
        decide_sql.save_client_scores(con, as_of, client, [
            {k: v for k, v in t.items() if not k.startswith("_")}
            for t in topics if t["client_id"] == client])


@pytest.fixture()
def slack(slack_server: SlackServer) -> SlackServer:
    return slack_server


def sender(slack: SlackServer, **kw: Any) -> SlackSender:
    return fast_sender(slack, TOKEN, **kw)  # type: ignore[no-any-return]


def alerts_in(slack: SlackServer, channel: str | None = None) -> list[dict[str, Any]]:
    return [m for m in slack.messages if (m.get("metadata") or {}).get("event_type") == ALERT_EVENT
            and (channel is None or m["channel_id"] == slack.channel_id(channel))]


def test_spike_reaches_the_channel_and_cooldown_holds(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path)
    con = connect(config.warehouse.path)
    score_run(con, NOW, [topic("es kopi susu", velocity=6.0),
                         topic("cuaca", velocity=1.1, state="fading")])
    report = run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["kopi/es kopi susu"]
    [msg] = alerts_in(slack, "#kopi")
    assert msg["blocks"][0]["text"]["text"] == "Sedang melonjak: Es Kopi Susu"   # an ID client
    assert msg["metadata"]["event_payload"]["topic"] == "es kopi susu"
    assert msg["unfurl_links"] is False
    # The next cycle, an hour later, still spiking: within the cooldown, no second alert.
    later = NOW + timedelta(hours=1)
    score_run(con, later, [topic("es kopi susu", velocity=8.0)])
    again = run_alerts(con, config, Env(TOKEN, slack.base_url), now=later, sender=sender(slack))
    assert again.sent == [] and again.cooling == ["kopi/es kopi susu"]
    # After the cooldown (24 h) it may alert again.
    next_day = NOW + timedelta(hours=25)
    score_run(con, next_day, [topic("es kopi susu", velocity=8.0)])
    third = run_alerts(con, config, Env(TOKEN, slack.base_url), now=next_day,
                       sender=sender(slack))
    assert third.sent == ["kopi/es kopi susu"] and len(alerts_in(slack)) == 2
    con.close()


def test_daily_cap_per_client(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, daily_cap=2)
    con = connect(config.warehouse.path)
    score_run(con, NOW, [topic(f"topik {n}", score=0.9 - n / 10) for n in range(4)]
              + [topic("timnas", client="tv")])
    report = run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["kopi/topik 0", "kopi/topik 1", "tv/timnas"]    # best first
    assert report.capped == ["kopi/topik 2", "kopi/topik 3"]
    later = NOW + timedelta(hours=2)                 # same local day: the cap still holds
    score_run(con, later, [topic("topik 9")])
    assert run_alerts(con, config, Env(TOKEN, slack.base_url), now=later,
                      sender=sender(slack)).capped == ["kopi/topik 9"]
    assert len(alerts_in(slack, "#kopi")) == 2
    con.close()


def test_never_for_an_avoided_topic(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path)
    con = connect(config.warehouse.path)
    score_run(con, NOW, [topic("banjir bekasi", velocity=20.0, spike=True, excluded_by="banjir"),
                         topic("gempa", velocity=9.0, spike=True, score=0.0),
                         topic("kopi viral", spike=True)])
    report = run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["kopi/kopi viral"]
    assert "banjir" not in json.dumps(slack.messages) and "gempa" not in json.dumps(slack.messages)
    con.close()


def test_the_spike_flag_wins_over_velocity(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path)
    con = connect(config.warehouse.path)
    score_run(con, NOW, [topic("fast but no spike", velocity=9.0, spike=False),
                         topic("slow spike", velocity=1.6, state="peaking", spike=True)])
    report = run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["kopi/slow spike"]
    con.close()


def test_hostile_topic_text_is_escaped(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path)
    con = connect(config.warehouse.path)
    t = topic("hostile", label=HOSTILE)
    t["reason"] = HOSTILE
    score_run(con, NOW, [t])
    run_alerts(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    [msg] = alerts_in(slack)
    raw = json.dumps(msg["blocks"]) + msg["text"]
    assert "<!" not in raw and "<https://evil" not in raw
    con.close()


def test_without_a_token_alerts_are_printed_not_sent(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    con = connect(config.warehouse.path)
    score_run(con, NOW, [topic("es kopi susu")])
    out: list[str] = []
    report = run_alerts(con, config, Env(None, None), now=NOW, out=out.append)
    assert report.printed == ["kopi/es kopi susu"]
    assert out == ["[alert] #kopi: Kopi Nusantara: Es Kopi Susu sedang melonjak "
                   "(6.0× dari biasanya)"]
    con.close()


@pytest.mark.parametrize(("languages", "lines"), [
    (["id"], ["Sedang melonjak: Es Kopi Susu",
              "*Es Kopi Susu* sedang naik: 12 sebutan dalam 24 jam dari 4 sumber, 6.0× dari "
              "biasanya.\nKenapa Kopi Nusantara: cocok dengan kopi",
              "Sumber: <https://news.example/a|Es kopi susu laris> (detik)",
              "Beri reaksi :+1: berguna · :-1: bukan untuk kami · :white_check_mark: sudah "
              "kami posting. trends belajar dari situ."]),
    (["en"], ["Spiking now: Es Kopi Susu",
              "*Es Kopi Susu* is rising: 12 mentions in 24 h from 4 sources, 6.0× its usual "
              "rate.\nWhy Kopi Nusantara: matches kopi in 4 headlines",
              "Sources: <https://news.example/a|Es kopi susu laris> (detik)",
              "React :+1: useful · :-1: not for us · :white_check_mark: we posted about it. "
              "trends learns from it."]),
])
def test_an_alert_speaks_the_clients_languages(languages: list[str], lines: list[str]) -> None:
    from trends.config import ClientConfig
    from trends.deliver.alert_job import alert_text, render_alert
    from trends.models import Article

    client = ClientConfig(id="kopi", name="Kopi Nusantara", languages=tuple(languages),
                          keywords=("kopi",))
    t = topic("es kopi susu")
    blocks = render_alert(client, t, [Article("Es kopi susu laris", "https://news.example/a",
                                              "detik")])
    assert [b["text"]["text"] if "text" in b else b["elements"][0]["text"]
            for b in blocks] == lines
    both = ClientConfig(id="kopi", name="Kopi Nusantara", languages=("id", "en"),
                        keywords=("kopi",))
    assert alert_text(both, t) == ("Kopi Nusantara: Es Kopi Susu sedang melonjak (6.0× dari "
                                   "biasanya) / is spiking (6.0× its usual rate)")


@pytest.mark.parametrize("seed", [7] + [pytest.param(s, marks=pytest.mark.slow)
                                       for s in range(100, 108)])
def test_alerts_exactly_once_under_failures(tmp_path: Path, slack: SlackServer,
                                            seed: int) -> None:
    """Randomized cycles with 429s, 500s, lost answers and crashes: every queued alert reaches
    its channel once. One seed by default; `-m slow` runs eight more."""

    class Crash(BaseException):
        pass

    rng = random.Random(seed)
    config = make_config(tmp_path, daily_cap=50, cooldown="1h")
    for cycle in range(14):
        at = NOW + timedelta(hours=cycle * 2)
        slack.chaos(seed=seed * 1000 + cycle, error_rate=0.2, rate_limit_rate=0.1)
        if rng.random() < 0.4:
            slack.lose_answer_next("chat.postMessage")
        crash = rng.random() < 0.3

        class Flaky(SlackSender):
            crash_now = crash   # this cycle's draw, bound when the class is built

            def post(self, *args: Any, **kw: Any) -> str:
                ts = super().post(*args, **kw)
                if self.crash_now and rng.random() < 0.5:
                    raise Crash()
                return ts

        con = connect(config.warehouse.path)
        try:
            score_run(con, at, [topic(f"t{cycle}-{n}") for n in range(2)])
            run_alerts(con, config, Env(TOKEN, slack.base_url), now=at,
                       sender=Flaky(TOKEN, base_url=slack.base_url, min_interval=0, backoff=0,
                                    max_retries=rng.randint(1, 3)))
        except Crash:
            pass
        finally:
            con.close()
        slack.clear_faults()
    slack.clear_faults()
    con = connect(config.warehouse.path)
    # A calm last run (no new spikes) delivers whatever is still owed.
    run_alerts(con, dataclasses.replace(config, clients=()), Env(TOKEN, slack.base_url),
               now=NOW + timedelta(days=3), sender=sender(slack))
    queued = [r[0] for r in con.execute("SELECT id FROM alerts ORDER BY id").fetchall()]
    posted = [m["metadata"]["event_payload"]["id"] for m in alerts_in(slack)]
    assert len(queued) >= 16          # a crash mid-cycle leaves that cycle's later spikes unqueued
    assert sorted(posted) == queued                   # each once, none lost
    assert {s for (s,) in con.execute("SELECT DISTINCT status FROM alerts").fetchall()} == {"sent"}
    con.close()


def test_alerts_cli(tmp_path: Path, slack: SlackServer, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    """`trends alerts` (feedback, then alerts) with a token, and `trends feedback`."""
    from trends.cli import main

    path = tmp_path / "trends.toml"
    path.write_text('[warehouse]\npath = "t.duckdb"\n\n[[clients]]\nid = "kopi"\n'
                    'name = "Kopi Nusantara"\nkeywords = ["kopi"]\nchannel = "#kopi"\n',
                    encoding="utf-8")
    con = connect(tmp_path / "t.duckdb")
    score_run(con, NOW, [topic("es kopi susu")])
    con.close()
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
    assert main(["--config", str(path), "alerts"]) == 0
    out = capsys.readouterr().out
    assert "feedback: 0 reactions on 0 messages" in out
    assert "alerts: 1 sent" in out and len(alerts_in(slack, "#kopi")) == 1
    assert main(["--config", str(path), "alerts"]) == 0          # cooldown: nothing new
    assert len(alerts_in(slack, "#kopi")) == 1
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["--config", str(path), "feedback"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
    assert main(["--config", str(path), "feedback", "--weekly"]) == 0
    assert "Kopi Nusantara (kopi)" in capsys.readouterr().out


@pytest.mark.parametrize("table, message", [
    ({"velocity": 0.5}, "alerts.velocity: bad velocity 0.5; use a number above 1"),
    ({"cooldown": "soon"}, "alerts.cooldown: bad duration 'soon'"),
    ({"daily_cap": -1}, "alerts.daily_cap: bad count -1; use a whole number, 0 or more"),
    ({"often": True}, "alerts.often: unknown key"),
])
def test_alert_settings_errors_name_the_key(tmp_path: Path, table: dict[str, Any],
                                            message: str) -> None:
    from trends.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        parse_config({"alerts": table}, tmp_path / "trends.toml")
    assert message in info.value.one_line()
