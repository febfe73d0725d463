"""Exit codes and words that tell the truth (trends/outcome.py), driven through the CLI as a
user or cron runs it: 0 when the job did what it exists for, 1 when it did not, a warning on
stderr per failing source with its reason, and the run recorded in `runs`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.feeds import news_entries, rss
from trends.cli import main
from trends.config import ClientConfig, load_config
from trends.outcome import Outcome, markdown
from warehouse.writer import open_writer

NOW = datetime.now(UTC).replace(microsecond=0)


def write(write_config, feed_server, feeds: dict[str, str],  # type: ignore[no-untyped-def]
          every: str = "15m") -> Path:
    text = '[warehouse]\npath = "data/trends.duckdb"\n'
    for name, url in feeds.items():
        full = url if url.startswith("http") else feed_server.url(url)
        text += (f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{full}"\n'
                 f'every = "{every}"\n')
    text += ('\n[[clients]]\nid = "kopi"\nname = "Kopi"\nkeywords = ["kopi"]\n'
             'channel = "#kopi"\n')
    return write_config(text)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(write_config, feed_server) -> Path:  # type: ignore[no-untyped-def]
    feed_server.add("/gone.xml", b"not here", status=404)
    feed_server.add("/page.html", b"<html><body>Welcome</body></html>",
                    content_type="text/html")
    return write(write_config, feed_server, {"Gone": "/gone.xml", "Page": "/page.html"})


def test_every_source_failing_is_exit_1_with_a_reason_per_source(
        broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--config", str(broken), "ingest")
    assert code == 1
    assert "2 sources fetched: 0 ok, 0 not modified, 2 failed" in out
    lines = err.strip().splitlines()
    assert lines[0] == "trends: warning: source 'Gone' failed: http_404: Not Found"
    assert lines[1].startswith("trends: warning: source 'Page' failed: not_a_feed")
    assert lines[2].startswith("trends: ingest failed: every source it tried failed (2 of 2)")
    assert len(lines) == 3
    # the run is in the warehouse's own record, with its reasons
    assert main(["--config", str(broken), "sql", "select job, outcome, details from runs",
                 "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["job"], row["outcome"]) == ("ingest", "failed")
    details = json.loads(row["details"])
    assert details["failed"][0] == ["Gone", "http_404: Not Found"]
    assert details["failure"].startswith("every source it tried failed")


def test_some_sources_failing_is_exit_0_with_warnings(
        write_config, feed_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 3)))
    feed_server.add("/gone.xml", b"", status=404)
    path = write(write_config, feed_server, {"A": "/a.xml", "Gone": "/gone.xml"})
    code, out, err = cli(capsys, "--config", str(path), "ingest")
    assert code == 0
    assert "1 ok" in out and "1 failed; 3 new items" in out
    assert err.strip().splitlines() == ["trends: warning: source 'Gone' failed: http_404: "
                                        "Not Found"]


def test_run_with_no_network_fails_and_the_digest_knows_it_was_blind(
        write_config, feed_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on port 9: every source is refused, as with no network at all.
    path = write(write_config, feed_server, {"Antara": "http://127.0.0.1:9/antara.xml",
                                             "Tempo": "http://127.0.0.1:9/tempo.xml"})
    code, out, err = cli(capsys, "--config", str(path), "run")
    assert code == 1
    assert "ingest: 2 sources fetched: 0 ok, 0 not modified, 2 failed" in out
    assert "digest: digests: 0 sent, 1 printed" in out
    assert "trends: warning: source 'Antara' failed: connection_error" in err
    assert "trends: ingest failed: every source it tried failed (2 of 2)" in err
    # what the digest was built on: the other engineer's renderer words it per language
    from trends.deliver.digest_job import build_digest
    from warehouse.snapshot import open_reader

    config = load_config(path)
    with open_reader(config.warehouse) as (con, _):
        digest = build_digest(con, config.clients[0], NOW.date(), NOW,
                              [s.name for s in config.sources])
    assert [name for name, _ in digest.failed_today] == ["Antara", "Tempo"]
    assert all(reason.startswith("connection_error") for _, reason in digest.failed_today)
    # The next run a moment later does not skip them for their whole interval in silence.
    # Within the back-off nothing is tried, and the run is no quieter than the one before.
    code, out, err = cli(capsys, "--config", str(path), "ingest")
    assert code == 1
    assert "2 not due yet (2 failing, tried again from " in out and "--force tries now" in out
    assert "trends: ingest failed: every source is failing (2 of 2)" in err
    assert "trends: warning: source 'Antara' is failing, tried again from " in err
    assert err.count("connection_error") == 2


def test_a_source_that_recovers_leaves_failed_today(
        write_config, feed_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    feed_server.add("/a.xml", b"", status=404)
    path = write(write_config, feed_server, {"A": "/a.xml"})
    assert cli(capsys, "--config", str(path), "ingest")[0] == 1
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 2)))
    assert cli(capsys, "--config", str(path), "ingest", "--force")[0] == 0
    from trends.deliver.digest_job import build_digest
    from warehouse.snapshot import open_reader

    config = load_config(path)
    with open_reader(config.warehouse) as (con, _):
        assert build_digest(con, config.clients[0], NOW.date(), NOW).failed_today == []


def test_digest_with_an_invalid_token_is_exit_1_and_says_why(
        broken: Path, slack_server, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-one")
    monkeypatch.setenv("SLACK_API_BASE_URL", slack_server.base_url)
    code, out, err = cli(capsys, "--config", str(broken), "digest")
    assert code == 1
    assert "0 sent, 0 printed, 0 already sent, 1 failed" in out
    day = datetime.now(UTC).astimezone(load_config(broken).clients[0].tz).date()
    assert f"trends: warning: digest kopi/{day} not delivered: " in err
    assert "invalid_auth" in err
    assert "trends: digest failed: 1 digest not delivered" in err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's warehouse: topics that spike, so that there are alerts to send."""
    import contextlib
    import io

    from trends.demo.runner import run_demo

    directory = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_demo(directory) == 0
    return directory / "trends.toml"


def test_alerts_print_what_they_count_then_fail_when_slack_refuses(
        demo: Path, slack_server, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = cli(capsys, "--config", str(demo), "alerts")
    assert (code, err) == (0, "")
    printed = [line for line in out.splitlines() if line.startswith("[alert] #")]
    assert len(printed) >= 2 and f"{len(printed)} printed" in out
    # the same spikes an hour later, to a Slack that refuses the token
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-one")
    monkeypatch.setenv("SLACK_API_BASE_URL", slack_server.base_url)
    with open_writer(load_config(demo).warehouse) as con:
        con.execute("DELETE FROM alerts")
    code, out, err = cli(capsys, "--config", str(demo), "alerts")
    assert code == 1
    assert "0 sent, 0 printed, " in out and " failed," in out
    assert "trends: warning: alert " in err and "not delivered: " in err
    assert "invalid_auth" in err
    assert "trends: alerts failed: " in err and "alerts not delivered" in err


def test_scoring_that_raises_is_exit_1_in_one_line_and_recorded(
        broken: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import trends.decide.ideas_job as ideas_job

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the NLP stack fell over")

    monkeypatch.setattr(ideas_job, "score", boom)
    code, out, err = cli(capsys, "--config", str(broken), "score")
    assert code == 1
    assert err.strip() == ("trends: score failed: RuntimeError: the NLP stack fell over")
    assert out.strip() == "score failed: RuntimeError: the NLP stack fell over"
    assert main(["--config", str(broken), "sql", "select outcome, details from runs "
                 "where job = 'score'", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["outcome"] == "failed"
    assert "the NLP stack fell over" in json.loads(row["details"])["traceback"]


def test_nothing_due_is_exit_0(write_config, feed_server,  # type: ignore[no-untyped-def]
                               capsys: pytest.CaptureFixture[str]) -> None:
    feed_server.add("/a.xml", rss("A", news_entries("a.example", 1)))
    path = write(write_config, feed_server, {"A": "/a.xml"}, every="1h")
    assert cli(capsys, "--config", str(path), "ingest")[0] == 0
    code, out, err = cli(capsys, "--config", str(path), "ingest")
    assert (code, err) == (0, "")
    assert out.strip().endswith("0 new items; 1 not due yet")


def test_the_cycle_markdown_names_sources_topics_ideas_and_digests() -> None:
    ingest = Outcome("ingest", "2 sources fetched: 1 ok, 0 not modified, 1 failed; 4 new items",
                     warnings=["source 'Gone' failed: http_404: Not Found"], details={
                         "ok": 1, "not_modified": 0, "failed": [["Gone", "http_404: Not Found"]],
                         "new_items": 4, "new_by_source": [["A | B", 4]], "not_due": 0})
    score = Outcome("score", "scored 3 trending topics", details={
        "as_of": "2026-11-22T01:00:00+00:00",
        "trending": [{"rank": 1, "label": "Harbolnas <12.12>", "state": "rising",
                      "mentions": 14}], "ideas": {"kopi": ["Harbolnas 12.12"], "tv": []}})
    digest = Outcome("digest", "digests: 0 sent, 1 printed", details={
        "digests": [{"digest": "kopi/2026-11-22", "status": "printed"}]})
    owed = Outcome("owed_digests", "digests: 0 sent, 0 printed, 0 already sent, 0 failed",
                   details={"digests": [], "today": [
                       {"digest": "tv/2026-11-22", "status": "not yet (due 09:00 Asia/Hong_Kong)"},
                       {"digest": "kopi/2026-11-22", "status": "failed", "error": "invalid_auth"}]})
    text = markdown([ingest, score, digest, owed], "Ingest cycle")
    assert text.startswith("# Ingest cycle: partial\n")
    assert "| Gone | http_404: Not Found |" in text
    assert "| A \\| B | 4 |" in text                      # feed text cannot break the table
    assert "| 1 | Harbolnas &lt;12.12&gt; | rising | 14 |" in text
    assert "- kopi: 1 (Harbolnas 12.12)" in text and "- tv: 0" in text
    assert "| kopi/2026-11-22 | printed |" in text
    assert "## Digests of today" in text and "## Digests sent again" not in text
    assert "| tv/2026-11-22 | not yet (due 09:00 Asia/Hong_Kong) |" in text
    assert "| kopi/2026-11-22 | failed: invalid_auth |" in text
    assert "- owed_digests: digests: 0 sent" in text and "- ingest: 2 sources" in text
    assert "(as of 2026-11-22 01:00 UTC)" in text
    failed = Outcome("ingest", "x", failure="every source it tried failed (1 of 1)")
    assert markdown([failed], "Ingest").startswith("# Ingest: failed\n\n**ingest failed:**")


def test_a_failure_blocks_nothing_after_it(broken: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    # ingest fails, score and digest still run: the digest is printed
    code, out, _ = cli(capsys, "--config", str(broken), "run")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines() if line[:7] in (
        "ingest:", "score: ", "digest:")] == ["ingest", "score", "digest"]


def test_back_off_is_short_and_capped_by_every() -> None:
    from trends.collect.ingest_job import due_sources, retry_interval
    from trends.config import SourceConfig
    from trends.models import SourceState

    hourly = SourceConfig("A", "rss", "http://a", every=timedelta(hours=1))
    assert [retry_interval(hourly, n).total_seconds() / 60 for n in range(0, 9)] == [
        60, 1, 2, 4, 8, 16, 32, 60, 60]
    fast = SourceConfig("B", "rss", "http://b", every=timedelta(seconds=30))
    assert retry_interval(fast, 1) == timedelta(seconds=30)
    failed = {"A": SourceState("A", None, None, NOW - timedelta(seconds=70), 1)}
    assert due_sources([hourly], failed, NOW) == ([hourly], [])
    failed["A"].consecutive_failures = 2
    assert due_sources([hourly], failed, NOW) == ([], ["A"])
    ok = {"A": SourceState("A", None, None, NOW - timedelta(minutes=59), 0)}
    assert due_sources([hourly], ok, NOW) == ([], ["A"])


def test_the_score_outcome_lists_the_ideas_each_digest_shows() -> None:
    from trends.decide.calendar import moments_between
    from trends.decide.ideas.writer import prepare_ideas
    from trends.decide.ideas_job import Draft, ScoreSummary
    from trends.outcome import score_outcome

    at = datetime(2026, 3, 10, 5, tzinfo=UTC)
    eid = next(m for m in moments_between(date(2026, 3, 21), date(2026, 3, 21))
               if m.kind == "holiday")
    kopi = ClientConfig(id="kopi", name="Kopi", languages=("id", "en"), keywords=("kopi",))
    ideas = prepare_ideas(kopi, eid, at.date())
    summary = ScoreSummary(as_of=at, extracted=0, candidates=0, topics=0,
                           drafts=[Draft(client=kopi, day=at.date(), as_of=at, ideas=ideas,
                                         topics={})])
    assert score_outcome(summary, []).details["ideas"] == {
        "kopi": ["Hari Raya Idul Fitri (to prepare)"]}
