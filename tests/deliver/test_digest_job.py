"""Digest delivery through the outbox against the local Slack-compatible server: exactly once
per client and local day under 429s, 500s, lost answers and crashes, on a real DuckDB file."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.slack_server import SlackServer, fast_sender
from trends.config import Config, Env, parse_config
from trends.deliver.charts import png_size
from trends.deliver.digest_job import DIGEST_EVENT, is_due, resend_owed, run_digests
from trends.deliver.slack import SlackSender
from warehouse import decide as decide_sql
from warehouse import deliver as outbox_sql
from warehouse.db import connect

TOKEN = "xoxb-test"
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)          # 10:00 in Jakarta
DAY = date(2026, 11, 22)


class Crash(BaseException):
    """A process dying: not an Exception, so nothing on the way catches it."""


def make_config(tmp_path: Path, clients: int = 3) -> Config:
    data: dict[str, Any] = {"warehouse": {"path": str(tmp_path / "t.duckdb")}, "clients": [
        {"id": f"client-{n}", "name": f"Client {n}", "keywords": ["kopi"],
         "channel": f"#client-{n}", "languages": ["id", "en"], "digest_time": "08:00"}
        for n in range(clients)]}
    return parse_config(data, tmp_path / "trends.toml")


def add_ideas(con: duckdb.DuckDBPyConnection, config: Config, day: date = DAY,
              topics: int = 2) -> None:
    for c in config.clients:
        rows = [{"rank": r + 1, "topic_key": f"topik {r}", "topic_label": f"Topik {r}",
                 "language": lang, "angle": "soft_sell", "platform": "instagram",
                 "hook": "Hook", "caption": "Caption", "hashtags": ["#Kopi"],
                 "urgency": "rising: post today", "why": "matches kopi",
                 "stories": [{"title": "Berita", "url": "https://news.example/a",
                              "source": "detik", "published_at": None}]}
                for r in range(topics) for lang in c.languages]
        decide_sql.save_ideas(con, c.id, day, NOW, rows)


def add_mentions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO candidates VALUES (1, 'topik 0', 'Topik 0', 'phrase',
                   TIMESTAMPTZ '2026-11-17 22:00:00+00', TIMESTAMPTZ '2026-11-22 02:00:00+00')""")
    con.execute("""INSERT INTO mentions
                   SELECT 1, 'item' || i, 'detik', TIMESTAMPTZ '2026-11-22 02:00:00+00'
                          - to_hours(i % 100) FROM range(300) t(i)""")


@pytest.fixture()
def slack(slack_server: SlackServer) -> SlackServer:
    return slack_server


def sender(slack: SlackServer, **kw: Any) -> SlackSender:
    return fast_sender(slack, TOKEN, **kw)  # type: ignore[no-any-return]


def parents(slack: SlackServer) -> list[dict[str, Any]]:
    """Top-level digest messages, as the channel shows them."""
    return [m for m in slack.messages if m["thread_ts"] is None
            and (m.get("metadata") or {}).get("event_type") == DIGEST_EVENT]


def thread(slack: SlackServer, ts: str) -> list[dict[str, Any]]:
    """Our replies in the thread of `ts`, oldest first (file shares and people's left out)."""
    return [m for m in slack.messages if m["thread_ts"] == ts and m.get("metadata")]


def stored_messages(con: duckdb.DuckDBPyConnection,
                    client: str = "client-0") -> list[tuple[int, str | None, str | None]]:
    return [tuple(r) for r in con.execute(
        "SELECT part, topic_key, ts FROM digest_messages WHERE client_id = ? ORDER BY part",
        [client]).fetchall()]


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT client_id, status FROM digests").fetchall())


def test_digest_is_posted_with_metadata_and_a_chart(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    add_mentions(con)
    report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["client-0/2026-11-22"] and report.charts == ["client-0/2026-11-22"]
    [msg] = parents(slack)
    assert msg["metadata"]["event_payload"] == {
        "id": "client-0/2026-11-22", "client": "client-0", "day": "2026-11-22",
        "topics": ["topik 0", "topik 1"]}
    assert msg["unfurl_links"] is False and msg["text"].startswith("Client 0 · Minggu")
    # Each idea is its own reply in the header's thread, and the outbox knows which is which.
    replies = thread(slack, msg["ts"])
    assert [m["metadata"]["event_payload"] for m in replies] == [
        {"id": f"client-0/2026-11-22#{n + 2}", "part": n + 2, "client": "client-0",
         "day": "2026-11-22", "topic": f"topik {n}", "rank": n + 1} for n in range(2)]
    assert [m["text"] for m in replies] == [
        "1. Topik 0 · rising: post today", "2. Topik 1 · rising: post today"]
    assert stored_messages(con) == [(1, None, msg["ts"])] + [
        (n + 2, f"topik {n}", replies[n]["ts"]) for n in range(2)]
    [upload] = slack.files.values()
    assert upload["thread_ts"] == msg["ts"] and upload["channel"] == msg["channel_id"]
    assert png_size(upload["data"]) == (480, 112)             # two topics, one row each
    assert upload["title"] == ("Sebutan per hari, 7 hari terakhir / Mentions per day, last "
                               "7 days: Topik 0 (biru/blue), Topik 1 (oranye/orange)")
    methods = [m for m, _ in slack.calls]
    assert methods[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    again = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert again.skipped == ["client-0/2026-11-22"] and len(parents(slack)) == 1
    con.close()


def test_crash_after_slack_accepted_is_not_resent(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)

    class CrashAfterHeader(SlackSender):
        def post(self, *args: Any, **kw: Any) -> str:
            super().post(*args, **kw)
            raise Crash()                       # Slack has it; the outbox never hears back

    with pytest.raises(Crash):
        run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW,
                    sender=CrashAfterHeader(TOKEN, base_url=slack.base_url, min_interval=0))
    con.close()
    assert statuses(con := connect(config.warehouse.path)) == {"client-0": "pending"}
    assert stored_messages(con) == [(1, None, None), (2, "topik 0", None), (3, "topik 1", None)]
    report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.recovered == ["client-0/2026-11-22"] and report.sent == []
    [header] = parents(slack)                     # found in the history, not posted again
    assert [m["metadata"]["event_payload"]["topic"] for m in thread(slack, header["ts"])] == [
        "topik 0", "topik 1"]                     # and its ideas added to its thread
    assert statuses(con) == {"client-0": "sent"}
    assert con.execute("SELECT ts FROM digests").fetchone()[0] == header["ts"]
    assert [ts for _, _, ts in stored_messages(con)] == [
        header["ts"], *(m["ts"] for m in thread(slack, header["ts"]))]
    con.close()


def test_lost_answer_is_looked_up_not_reposted(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    slack.lose_answer_next("chat.postMessage")
    report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert report.sent == ["client-0/2026-11-22"]
    assert len(parents(slack)) == 1
    assert ("conversations.history" in [m for m, _ in slack.calls])
    con.close()


def test_failed_digest_is_sent_on_the_next_run(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config, day=date(2026, 11, 21))
    add_ideas(con, config)
    slack.fail_next(50, status=503)
    first = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW,
                        day=date(2026, 11, 21), sender=sender(slack, max_retries=1))
    assert first.failed == ["client-0/2026-11-21"] and parents(slack) == []
    slack.clear_faults()
    second = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    # Yesterday's failed digest goes out first, then today's.
    assert second.sent == ["client-0/2026-11-21", "client-0/2026-11-22"]
    assert [m["metadata"]["event_payload"]["day"] for m in parents(slack)] == [
        "2026-11-21", "2026-11-22"]
    con.close()


@pytest.mark.parametrize("seed", [20261122] + [pytest.param(s, marks=pytest.mark.slow)
                                                for s in range(1, 9)])
def test_exactly_once_under_random_failures_and_crashes(tmp_path: Path, slack: SlackServer,
                                                        seed: int) -> None:
    """Many randomized runs: 429s, 500s, lost answers and crashes at every point of the
    delivery. However often it is retried, each client and day is in its channel once.
    One seed over five days by default; `-m slow` runs eight more over eight days."""
    rng = random.Random(seed)
    config = make_config(tmp_path, clients=4)
    con = connect(config.warehouse.path)
    days = [date(2026, 11, d) for d in range(14, 19 if seed == 20261122 else 22)]
    for d in days:
        add_ideas(con, config, day=d, topics=2)
    con.close()
    # before_post: the attempt is recorded, the process dies before Slack is called;
    # after_post: Slack took a message (the header or a reply), the outbox never heard.
    crash_points = ("before_post", "after_post", None, None)
    recovered = crashes = 0
    for run, d in enumerate(days * 3):
        slack.chaos(seed=seed * 1000 + run, error_rate=0.15, rate_limit_rate=0.1, retry_after=0)
        if rng.random() < 0.3:
            slack.lose_answer_next("chat.postMessage", rng.randint(1, 2))
        point = rng.choice(crash_points)

        class Flaky(SlackSender):
            crash_point = point   # this run's draw, bound when the class is built

            def post(self, *args: Any, **kw: Any) -> str:
                if self.crash_point == "before_post" and rng.random() < 0.2:
                    raise Crash()
                ts = super().post(*args, **kw)
                if self.crash_point == "after_post" and rng.random() < 0.2:
                    raise Crash()
                return ts

        con = connect(config.warehouse.path)
        try:
            report = run_digests(
                con, config, Env(TOKEN, slack.base_url), day=d, now=NOW, charts=False,
                sender=Flaky(TOKEN, base_url=slack.base_url, min_interval=0, backoff=0,
                             max_retries=rng.randint(1, 3)))
            recovered += len(report.recovered)
        except Crash:
            crashes += 1
        finally:
            con.close()
        slack.clear_faults()
    slack.clear_faults()
    con = connect(config.warehouse.path)
    for d in days:        # a calm last run per day delivers whatever is still owed
        recovered += len(run_digests(con, config, Env(TOKEN, slack.base_url), day=d, now=NOW,
                                     charts=False, sender=sender(slack)).recovered)
    # The failures really happened: crashes, and digests found in Slack instead of re-posted.
    assert crashes >= 1 and (recovered > 0 or seed != 20261122)
    assert 429 in slack.statuses and 500 in slack.statuses
    ids = [m["metadata"]["event_payload"]["id"] for m in parents(slack)]
    assert sorted(ids) == sorted(f"{c.id}/{d}" for c in config.clients for d in days)
    assert len(ids) == len(set(ids))
    for header in parents(slack):             # each idea once, in its own digest's thread
        parts = [m["metadata"]["event_payload"]["id"] for m in thread(slack, header["ts"])]
        name = header["metadata"]["event_payload"]["id"]
        assert sorted(parts) == [f"{name}#2", f"{name}#3"], parts
    assert set(con.execute("SELECT status FROM digests").fetchall()) == {("sent",)}
    assert con.execute("SELECT count(*) FROM digest_messages WHERE ts IS NULL").fetchone() == (0,)
    con.close()


def test_due_only_after_local_digest_time(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    client = config.clients[0]
    assert client.digest_time == time(8, 0)
    assert not is_due(client, datetime(2026, 11, 22, 0, 59, tzinfo=UTC))     # 07:59 WIB
    assert is_due(client, datetime(2026, 11, 22, 1, 0, tzinfo=UTC))          # 08:00 WIB
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    early = run_digests(con, config, Env(TOKEN, slack.base_url), only_due=True,
                        now=datetime(2026, 11, 22, 0, 30, tzinfo=UTC), sender=sender(slack))
    assert early.not_due == ["client-0/2026-11-22"] and parents(slack) == []
    # By hand (not only_due) it goes now.
    by_hand = run_digests(con, config, Env(TOKEN, slack.base_url),
                          now=datetime(2026, 11, 22, 0, 30, tzinfo=UTC), sender=sender(slack))
    assert by_hand.sent == ["client-0/2026-11-22"]
    con.close()


def test_dry_run_formats_show_what_would_be_sent(tmp_path: Path) -> None:
    import json

    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    out: list[str] = []
    for fmt in ("text", "markdown", "blocks"):
        run_digests(con, config, Env(TOKEN, "http://unused/"), dry_run=True, fmt=fmt, now=NOW,
                    out=out.append)
    text, md, blocks = out
    assert text.startswith("Client 0 — Minggu, 22 November 2026")
    assert md.startswith("# Client 0 — Minggu, 22 November 2026")
    assert json.loads(blocks)[0][0]["type"] == "header"
    assert con.execute("SELECT count(*) FROM digests").fetchone()[0] == 0   # nothing recorded
    con.close()


def test_owed_digest_goes_out_with_the_next_cycle(tmp_path: Path, slack: SlackServer) -> None:
    from trends.deliver.digest_job import resend_owed

    config = make_config(tmp_path, clients=2)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    slack.fail_next(100, status=503)
    first = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW,
                        sender=sender(slack, max_retries=0))
    assert len(first.failed) == 2 and parents(slack) == []
    slack.clear_faults()
    again = resend_owed(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert again.sent == ["client-0/2026-11-22", "client-1/2026-11-22"]
    assert resend_owed(con, config, Env(TOKEN, slack.base_url), now=NOW,
                       sender=sender(slack)).sent == []
    assert len(parents(slack)) == 2
    con.close()


def test_crash_mid_thread_completes_the_thread_once(tmp_path: Path, slack: SlackServer) -> None:
    """A digest (header + one reply per idea) interrupted after its second message: the next
    run finds the header and its own replies by metadata and posts only the missing ones,
    even when people have replied in the thread meanwhile."""
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config, topics=6)

    class CrashAfterTwo(SlackSender):
        posted = 0

        def post(self, *args: Any, **kw: Any) -> str:
            if self.posted == 2:
                raise Crash()
            ts = super().post(*args, **kw)
            self.posted += 1
            return ts

    with pytest.raises(Crash):
        run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                    sender=CrashAfterTwo(TOKEN, base_url=slack.base_url, min_interval=0))
    [parent] = parents(slack)
    slack.messages.append({**slack.messages[-1], "ts": "9999999999.000001",
                           "text": "a person's reply", "metadata": None, "user": "U1"})
    total = len(json_messages(con))
    assert total >= 4
    report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                         sender=sender(slack))
    assert report.recovered == ["client-0/2026-11-22"]
    ours = [m for m in slack.messages if m["thread_ts"] == parent["ts"] and m.get("metadata")]
    parts = [m["metadata"]["event_payload"]["part"] for m in ours]
    assert sorted(parts) == list(range(2, total + 1))          # every reply once
    assert len(parents(slack)) == 1
    con.close()


def json_messages(con: duckdb.DuckDBPyConnection) -> list[Any]:
    import json

    return list(json.loads(con.execute("SELECT messages FROM digests").fetchone()[0]))


class _DiesAfterUpload(SlackSender):
    """A sender whose process dies right after Slack took the chart, before it is recorded."""

    def upload_png(self, *args: Any, **kwargs: Any) -> str | None:
        super().upload_png(*args, **kwargs)
        raise Crash


class _DiesBeforeUpload(SlackSender):
    """A sender whose process dies between the digest and its chart."""

    def upload_png(self, *args: Any, **kwargs: Any) -> str | None:
        raise Crash


@pytest.mark.parametrize("dies", [_DiesBeforeUpload, _DiesAfterUpload])
def test_a_chart_lost_in_a_crash_is_sent_once_on_the_next_run(
        dies: type[SlackSender], tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    add_mentions(con)
    with pytest.raises(Crash):
        run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW,
                    sender=dies(TOKEN, base_url=slack.base_url, min_interval=0, backoff=0))
    assert statuses(con) == {"client-0": "sent"}            # the digest itself is out
    report = resend_owed(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    [msg] = parents(slack)
    shared = [m for m in slack.shared_files("#client-0") if m["thread_ts"] == msg["ts"]]
    assert len(shared) == 1                                   # never lost, never twice
    assert report.charts == ([] if dies is _DiesAfterUpload else ["client-0/2026-11-22"])
    assert con.execute("SELECT chart_status FROM digests").fetchall() == [("sent",)]
    # and nothing is owed any more
    again = resend_owed(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert again.charts == [] and len(slack.shared_files("#client-0")) == 1


def test_sent_at_is_when_slack_took_it(tmp_path: Path, slack: SlackServer) -> None:
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config)
    run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    attempted, sent = con.execute("SELECT attempted_at, sent_at FROM digests").fetchone()
    assert sent >= attempted > NOW        # the run's `now` is a fixed past time here


@pytest.mark.parametrize("recorded", [True, False], ids=["reply-recorded",
                                                         "reply-taken-not-recorded"])
def test_crash_between_replies_resumes_in_the_same_thread(
        tmp_path: Path, slack: SlackServer, recorded: bool) -> None:
    """The process dies after the header and two replies: either just after the outbox
    recorded the second reply, or after Slack took it and before the outbox heard. The next
    run posts the missing replies, once each, into the same thread; never a second header."""
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config, topics=5)

    class DiesAfterSecondReply(SlackSender):
        def post(self, *args: Any, **kw: Any) -> str:
            ts = super().post(*args, **kw)
            if len(thread(slack, parents(slack)[0]["ts"])) == 2 and not recorded:
                raise Crash()              # Slack has reply 2; the outbox does not
            return ts

    if recorded:
        real = outbox_sql.mark_part_posted

        def dies_after_recording(con: Any, client: str, day: Any, part: int, *a: Any) -> None:
            real(con, client, day, part, *a)
            if part == 3:
                raise Crash()

        mp = pytest.MonkeyPatch()
        mp.setattr(outbox_sql, "mark_part_posted", dies_after_recording)
    try:
        with pytest.raises(Crash):
            run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                        sender=DiesAfterSecondReply(TOKEN, base_url=slack.base_url,
                                                    min_interval=0))
    finally:
        if recorded:
            mp.undo()
    con.close()
    con = connect(config.warehouse.path)
    [header] = parents(slack)
    known = [ts for _, _, ts in stored_messages(con)]
    assert known[0] == header["ts"] and known[3:] == [None, None, None]
    assert (known[2] is not None) is recorded
    before = len(slack.calls)
    report = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                         sender=sender(slack))
    assert report.recovered == ["client-0/2026-11-22"] and not report.failed
    assert parents(slack) == [header]                        # the header, once
    replies = thread(slack, header["ts"])
    assert [m["metadata"]["event_payload"]["topic"] for m in replies] == [
        f"topik {n}" for n in range(5)]                      # each idea once, in order
    assert [ts for _, _, ts in stored_messages(con)] == [header["ts"], *(m["ts"] for m in replies)]
    # The header's ts was known to the outbox: no history search, only the thread's.
    methods = [m for m, _ in slack.calls[before:]]
    assert "conversations.history" not in methods and "conversations.replies" in methods
    assert methods.count("chat.postMessage") == 3
    con.close()


def test_a_refused_reply_leaves_the_rest_owed_not_a_second_header(
        tmp_path: Path, slack: SlackServer) -> None:
    """Slack refuses a reply: the header is out, so the digest is not posted again; it stays
    owed, says why, and the next cycle adds the missing ideas to the same thread."""
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config, topics=3)

    class RefusesSecondReply(SlackSender):
        def post(self, channel: str, blocks: Any, text: str, thread_ts: str | None = None,
                 metadata: Any = None) -> str:
            if thread_ts and text.startswith("2. "):
                slack.fail_next(1, status=503)
            return super().post(channel, blocks, text, thread_ts=thread_ts, metadata=metadata)

    first = run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                        sender=RefusesSecondReply(TOKEN, base_url=slack.base_url,
                                                  min_interval=0, backoff=0, max_retries=0))
    assert first.failed == ["client-0/2026-11-22"] and first.sent == []
    assert "thread reply 3/4" in first.errors["client-0/2026-11-22"]
    [header] = parents(slack)
    assert len(thread(slack, header["ts"])) == 1
    row = con.execute("SELECT status, ts, last_error FROM digests").fetchone()
    assert row[:2] == ("failed", header["ts"]) and "2 of 3 replies not yet" in row[2]
    again = resend_owed(con, config, Env(TOKEN, slack.base_url), now=NOW, sender=sender(slack))
    assert again.recovered == ["client-0/2026-11-22"] and not again.failed
    assert parents(slack) == [header]
    assert [m["text"][:2] for m in thread(slack, header["ts"])] == ["1.", "2.", "3."]
    assert statuses(con) == {"client-0": "sent"}
    con.close()


def test_an_attempted_digest_keeps_what_it_attempted(tmp_path: Path, slack: SlackServer) -> None:
    """Once an attempt started, the outbox row is what may be in Slack: a later rendering
    (the ideas scored again) never replaces it, so a resumed thread matches its header."""
    config = make_config(tmp_path, clients=1)
    con = connect(config.warehouse.path)
    add_ideas(con, config, topics=2)
    slack.fail_next(10, status=503)
    run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                sender=sender(slack, max_retries=0))
    slack.clear_faults()
    add_ideas(con, config, topics=4)                 # a later scoring run of the same day
    run_digests(con, config, Env(TOKEN, slack.base_url), now=NOW, charts=False,
                sender=sender(slack))
    [header] = parents(slack)
    assert len(thread(slack, header["ts"])) == 2
    assert header["metadata"]["event_payload"]["topics"] == ["topik 0", "topik 1"]
    con.close()
