"""The whole pipeline on the demo world: real local feed server, real DuckDB, real Prefect flows,
and a local Slack-compatible server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.feeds import rss, sources_toml
from trends.cli import main
from trends.config import Config, load_config
from trends.demo.world import build_world, serve_world

# Whole words: "kebanjiran pesanan" (swamped with orders) is a shopping story, not a flood.
FLOOD_WORDS = re.compile(r"\b(banjir|flood|evakuasi|evacuated|korban|victims)\b", re.I)
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """`trends demo` once, as the README runs it: its printed digests and its directory."""
    import contextlib
    import io

    from trends.demo.runner import run_demo

    directory = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_demo(directory) == 0
    return out.getvalue(), directory


def digest_sections(text: str) -> dict[str, str]:
    """Split the demo's printed output into each client's digest."""
    names = {"kopi-nusantara": "Kopi Nusantara —", "layar-emas": "Layar Emas TV —",
             "belanja-kilat": "BelanjaKilat —"}
    starts = sorted((text.index(marker), cid) for cid, marker in names.items())
    ends = [s for s, _ in starts[1:]] + [text.index("\ningest:")]
    return {cid: text[s:e] for (s, cid), e in zip(starts, ends)}


def test_demo_prints_three_digests_with_ideas(demo_output: tuple[str, Path]) -> None:
    text, _ = demo_output
    sections = digest_sections(text)
    for cid, section in sections.items():
        assert "Hook:" in section and "Caption:" in section, (cid, section[:500])
    assert "ingest: 8 sources fetched: 8 ok" in text


def test_the_flood_reaches_no_digest(demo_output: tuple[str, Path]) -> None:
    text, _ = demo_output
    for cid, section in digest_sections(text).items():
        assert not FLOOD_WORDS.search(section), (cid, FLOOD_WORDS.search(section), section)
        assert "/flood/" not in section, (cid, section)   # the demo's flood stories' links


def test_languages_follow_each_client(demo_output: tuple[str, Path]) -> None:
    sections = digest_sections(demo_output[0])
    assert "[ID]" in sections["kopi-nusantara"] and "[EN]" not in sections["kopi-nusantara"]
    assert "[ID]" in sections["layar-emas"] and "[EN]" in sections["layar-emas"]
    assert sections["layar-emas"].count("[ID]") == sections["layar-emas"].count("[EN]")


def test_each_client_gets_its_own_stories(demo_output: tuple[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _, directory = demo_output
    config = str(directory / "trends.toml")
    assert main(["--config", config, "sql", """
        select client_id, string_agg(topic_key, ' | ' order by rank) as topics
        from ideas where language = 'id' group by 1 order by 1""", "--format", "json"]) == 0
    topics = {r["client_id"]: r["topics"] for r in json.loads(capsys.readouterr().out)}
    assert "harbolnas" in topics["belanja-kilat"], topics
    assert "timnas" in topics["layar-emas"], topics
    assert any(w in topics["kopi-nusantara"] for w in ("kopi", "nobar", "timnas")), topics
    # why each score is what it is can be asked of the warehouse
    assert main(["--config", config, "sql", """
        select count(*) filter (where excluded_by is not null) as excluded,
               count(*) filter (where selected and reason like 'matches %') as explained
        from client_topic_scores""", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["excluded"] > 0 and row["explained"] >= 3


def test_sql_answers_on_the_demo_warehouse(demo_output: tuple[str, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, directory = demo_output
    assert main(["--config", str(directory / "trends.toml"), "sql",
                 "select count(*) as n from items", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["n"] > 100


@pytest.fixture
def world_config(tmp_path: Path) -> Iterator[Config]:
    """The demo world served locally, with its config, and a hostile headline added."""
    world = build_world(NOW)
    with serve_world(world) as server:
        # Markup in feed text is stripped at ingest, but double-escaped text decodes into
        # Slack's control sequences: exactly what the digest must escape.
        hostile = [{"title": "Harbolnas &lt;!channel&gt; promo &lt;https://evil.example|klik&gt;"
                             " diskon flash sale",
                    "link": "https://evil.example/promo", "date": NOW,
                    "description": "Flash sale harbolnas &lt;@U123&gt; &lt;!here&gt; diskon"},
                   {"title": "Harbolnas &lt;!everyone&gt; flash sale gratis ongkir diskon",
                    "link": "https://evil.example/promo2", "date": NOW,
                    "description": "diskon harbolnas"}]
        server.add("/hostile.xml", rss("Hostile", hostile))
        text = world.config_toml(server.url(""), "trends.duckdb") + (
            '\n[[sources]]\nname = "Hostile"\nkind = "rss"\n'
            f'url = "{server.url("/hostile.xml")}"\n')
        path = tmp_path / "trends.toml"
        path.write_text(text, encoding="utf-8")
        yield load_config(path)


@pytest.mark.slow       # a real Prefect server: the slow suite pays its start-up once
def test_digest_is_sent_once_per_client_and_day(world_config: Config, prefect_api: str,
                                                 slack_server, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    from flows.pipeline import digest, ingest, score

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_BASE_URL", slack_server.base_url)
    path = str(world_config.file)
    ingest(path)
    score(path, as_of=NOW)
    [first] = digest(path)
    [second] = digest(path)
    assert "3 sent" in first.text and "3 already sent" in second.text
    posts = [p for m, p in slack_server.calls if m == "chat.postMessage" and not p.get("thread_ts")]
    assert sorted(p["channel"] for p in posts) == sorted(c.channel for c in world_config.clients)
    from warehouse.db import open_warehouse

    with open_warehouse(world_config.warehouse.path, read_only=True) as con:
        rows = con.execute("SELECT status, ts FROM digests").fetchall()
    assert len(rows) == 3 and all(s == "sent" and ts for s, ts in rows)
    # hostile feed text can never ping a channel or forge a link
    payload = json.dumps([p for m, p in slack_server.calls if m == "chat.postMessage"])
    assert "harbolnas" in payload.lower()
    for bad in ("<!channel>", "<!everyone>", "<!here>", "<@U123>", "<https://evil.example|klik>"):
        assert bad not in payload
    assert "&lt;!channel&gt;" in payload


def test_dry_run_previews_from_the_snapshot(demo_output: tuple[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, directory = demo_output
    config = str(directory / "trends.toml")
    assert main(["--config", config, "digest", "--dry-run", "--client", "layar-emas",
                 "--format", "blocks"]) == 0
    messages = json.loads(capsys.readouterr().out)
    assert messages and messages[0][0]["type"] == "header"
    assert "Layar Emas TV" in messages[0][0]["text"]["text"]
    assert main(["--config", config, "digest", "--dry-run", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "Kopi Nusantara" in out and "BelanjaKilat" in out


def _api(url: str, path: str, body: dict[str, object]) -> Any:
    import urllib.request

    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _flushed_logs(url: str, flow_run_id: str, wanted: str) -> list[dict[str, Any]]:
    """The flow run's log lines once `wanted` is among them (Prefect ships logs in batches)."""
    import time

    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    deadline = time.monotonic() + 30
    while True:
        logs = _api(url, "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}},
                                          "limit": 200})
        if any(wanted in line["message"] for line in logs) or time.monotonic() > deadline:
            return list(logs)
        time.sleep(0.5)


@pytest.mark.slow       # a real Prefect server: the slow suite pays its start-up once
def test_a_cycle_with_a_broken_source_warns_and_a_blind_one_fails(
        write_config, feed_server, prefect_api: str) -> None:  # type: ignore[no-untyped-def]
    from flows.pipeline import cycle, ingest
    from trends.outcome import JobFailed

    feed_server.add("/a.xml", rss("A", [{"title": "Promo kopi susu", "link": "https://a.ex/1",
                                         "date": NOW, "description": "kopi"}]))
    feed_server.add("/gone.xml", b"", status=404)
    path = write_config(sources_toml(feed_server, {"A": "/a.xml", "Gone": "/gone.xml"},
                                     warehouse="data/trends.duckdb")
                        + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\n')
    state = cycle(str(path), return_state=True)
    assert state.is_completed()                     # one source failed: a warning, not red
    run_id = str(state.state_details.flow_run_id)
    logs = _flushed_logs(prefect_api, run_id, "source 'Gone' failed")
    warnings = [line["message"] for line in logs if line["level"] == 30]
    assert warnings == ["source 'Gone' failed: http_404: Not Found"]
    infos = " ".join(line["message"] for line in logs if line["level"] == 20)
    assert "ingest: 2 sources fetched: 1 ok, 0 not modified, 1 failed; 1 new items" in infos
    assert "score: scored " in infos and "alerts: 0 sent" in infos
    [artifact] = _api(prefect_api, "/artifacts/filter",
                      {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    assert artifact["key"] == "ingest-cycle" and artifact["type"] == "markdown"
    assert artifact["data"].startswith("# Ingest cycle: partial")
    assert "| Gone | http_404: Not Found |" in artifact["data"]
    assert "| A | 1 |" in artifact["data"] and "## Ideas per client" in artifact["data"]
    assert "| not yet (due 08:00 Asia/Jakarta) |" in artifact["data"]

    feed_server.add("/a.xml", b"", status=404)
    failed = ingest(str(path), force=True, return_state=True)
    assert failed.is_failed()                       # every source failed: red in the UI
    error = failed.result(raise_on_failure=False)
    assert isinstance(error, JobFailed)
    assert error.outcomes[0].failure is not None
    assert error.outcomes[0].failure.startswith("every source it tried failed (2 of 2)")
    assert "every source it tried failed" in (failed.message or "")


@pytest.mark.slow       # a real Prefect server: the slow suite pays its start-up once
def test_the_cli_on_a_prefect_server_says_the_same_words(
        world_config: Config, prefect_api: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from trends import runs

    runs.ingest(world_config)
    runs.score(world_config, as_of=NOW)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    assert main(["--config", str(world_config.file), "alerts"]) == 0
    out = capsys.readouterr().out
    printed = [line for line in out.splitlines() if line.startswith("[alert] #")]
    assert printed and f"{len(printed)} printed" in out     # it prints what it counts
    broken = world_config.file.read_text().replace("/hostile.xml", "/missing.xml")
    gone = world_config.file.with_name("broken.toml")
    gone.write_text(broken.replace('path = "trends.duckdb"', 'path = "other.duckdb"'))
    code = main(["--config", str(gone), "ingest", "--source", "Hostile"])
    err = capsys.readouterr().err
    assert code == 1
    assert "trends: warning: source 'Hostile' failed: http_404" in err
    assert "trends: ingest failed: every source it tried failed (1 of 1)" in err
