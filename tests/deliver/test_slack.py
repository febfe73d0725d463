from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.slack_server import SlackServer
from trends.deliver.render import fallback_text, render_blocks
from trends.deliver.slack import SlackSender
from trends.errors import DeliveryError
from trends.models import Digest, Idea

TOKEN = "xoxb-test-token"
CHANNEL = "#kopi-nusantara"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "halo"}}]


@pytest.fixture()
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


def sender(slack: SlackServer, token: str = TOKEN, **kw: Any) -> SlackSender:
    kw.setdefault("min_interval", 0)
    kw.setdefault("backoff", 0)
    return SlackSender(token, base_url=slack.base_url, **kw)


def big_digest(topics: int) -> Digest:
    ideas = [Idea(client_id="kopi-nusantara", topic_key=f"t{n}", topic_label=f"Topik {n}",
                  language=lang, angle="soft_sell", platform="instagram", hook="Hook",
                  caption="Caption", hashtags=["#Kopi"], urgency="rising: post today", why="why")
             for n in range(topics) for lang in ("id", "en")]
    return Digest(client_id="kopi-nusantara", client_name="Kopi Nusantara", channel=CHANNEL,
                  local_date=date(2026, 11, 22), languages=["id", "en"], ideas=ideas)


def test_post_returns_ts_and_turns_unfurls_off(slack: SlackServer) -> None:
    s = sender(slack)
    ts = s.post(CHANNEL, BLOCKS, "halo")
    [msg] = slack.messages
    assert msg["ts"] == ts and msg["channel"] == CHANNEL
    assert msg["blocks"] == BLOCKS and msg["text"] == "halo" and msg["thread_ts"] is None
    assert msg["unfurl_links"] is False and msg["unfurl_media"] is False
    assert s.channel_ids[CHANNEL] == slack.channel_id(CHANNEL)
    assert float(s.post(CHANNEL, BLOCKS, "lagi")) > float(ts)


def test_replies_stay_in_the_thread(slack: SlackServer) -> None:
    d = big_digest(3)
    messages = render_blocks(d)
    assert len(messages) == 4                        # the header and one reply per topic
    s = sender(slack)
    parent = s.post(CHANNEL, messages[0], fallback_text(d))
    for blocks in messages[1:]:
        s.post(CHANNEL, blocks, "reply", thread_ts=parent)
    posted = slack.messages
    assert posted[0]["ts"] == parent and posted[0]["thread_ts"] is None
    assert all(m["thread_ts"] == parent for m in posted[1:])
    assert [m["blocks"] for m in posted] == messages
    history = [m["ts"] for m in _api(slack, "conversations.history", channel=CHANNEL)["messages"]]
    assert history == [parent]                      # replies stay in the thread
    replies = _api(slack, "conversations.replies", channel=CHANNEL, ts=parent)["messages"]
    assert len(replies) == len(messages)
    assert [m["ts"] for m in s.replies(CHANNEL, parent)] == [m["ts"] for m in posted[1:]]


def test_rate_limit_honours_retry_after(slack: SlackServer) -> None:
    slack.rate_limit_next(1, retry_after=1)
    start = time.monotonic()
    ts = sender(slack).post(CHANNEL, BLOCKS, "halo")
    assert time.monotonic() - start >= 1.0
    assert slack.statuses == [429, 200]
    assert [m["ts"] for m in slack.messages] == [ts]


def test_server_error_is_retried(slack: SlackServer) -> None:
    slack.fail_next(1, status=500)
    ts = sender(slack).post(CHANNEL, BLOCKS, "halo")
    assert slack.statuses == [500, 200]
    assert slack.messages[0]["ts"] == ts


def test_persistent_server_error_becomes_delivery_error(slack: SlackServer) -> None:
    slack.fail_next(10, status=503)
    with pytest.raises(DeliveryError, match=r"HTTP 503") as info:
        sender(slack, max_retries=2).post(CHANNEL, BLOCKS, "halo")
    assert "\n" not in str(info.value)
    assert slack.statuses == [503, 503, 503]


def test_invalid_token_is_a_delivery_error(slack: SlackServer) -> None:
    with pytest.raises(DeliveryError, match="invalid_auth") as info:
        sender(slack, token="xoxb-wrong").post(CHANNEL, BLOCKS, "halo")
    assert "\n" not in str(info.value)
    assert info.value.__cause__ is not None
    assert slack.messages == []


def test_unreachable_slack_is_a_delivery_error() -> None:
    with SlackServer() as gone:
        url = gone.base_url
    s = SlackSender(TOKEN, base_url=url, min_interval=0, backoff=0, max_retries=1, timeout=2)
    with pytest.raises(DeliveryError, match="cannot reach"):
        s.post(CHANNEL, BLOCKS, "halo")


def test_pacing_between_messages_to_one_channel(slack: SlackServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import time as real_time

    from trends.deliver import slack as slack_module

    waits: list[tuple[float, int]] = []      # (seconds, messages posted before the wait)

    class Clock:
        monotonic = staticmethod(real_time.monotonic)
        time = staticmethod(real_time.time)

        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append((seconds, len(slack.messages)))
            real_time.sleep(seconds)

    monkeypatch.setattr(slack_module, "time", Clock)
    s = sender(slack, min_interval=1.0)          # Slack's one message per second per channel
    s.post(CHANNEL, BLOCKS, "satu")
    s.post("#lain", BLOCKS, "channel lain: tidak menunggu")
    s.post(CHANNEL, BLOCKS, "dua")
    # one wait, for the second message to the first channel; none for the other channel
    [(seconds, posted)] = waits
    assert posted == 2 and 0 < seconds <= 1.0
    ts = [float(m["ts"]) for m in slack.messages]
    assert ts[2] - ts[0] >= 0.95                 # Slack saw them a second apart


def test_rate_limit_without_retries_left(slack: SlackServer) -> None:
    slack.rate_limit_next(1, retry_after=7)
    with pytest.raises(DeliveryError, match=r"rate limited \(HTTP 429, retry after 7 s\)"):
        sender(slack, max_retries=0).post(CHANNEL, BLOCKS, "halo")


def test_server_enforces_slack_limits(slack: SlackServer) -> None:
    def post(**params: Any) -> dict[str, Any]:
        return _api(slack, "chat.postMessage", **params)

    assert post(channel=CHANNEL, blocks=[{"type": "divider"}] * 51)["error"] == "invalid_blocks"
    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    assert post(channel=CHANNEL, blocks=long_header)["error"] == "invalid_blocks"
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert post(channel=CHANNEL, blocks=long_section)["error"] == "invalid_blocks"
    assert post(text="halo")["error"] == "channel_not_found"
    assert post(channel=CHANNEL, text="halo")["ok"] is True
    assert _api(slack, "auth.test", token=None)["error"] == "not_authed"


def test_reactions_roundtrip(slack: SlackServer) -> None:
    ts = sender(slack).post(CHANNEL, BLOCKS, "halo")
    slack.add_reaction(CHANNEL, ts, "+1", "U1")
    slack.add_reaction(CHANNEL, ts, "+1", "U2")
    got = _api(slack, "reactions.get", channel=slack.channel_id(CHANNEL), timestamp=ts)
    assert got["message"]["reactions"] == [{"name": "+1", "users": ["U1", "U2"], "count": 2}]
    assert ("reactions.get", {"channel": slack.channel_id(CHANNEL), "timestamp": ts}) in slack.calls


def _api(slack: SlackServer, method: str, token: str | None = TOKEN,
         **params: Any) -> dict[str, Any]:
    """Call the server form-encoded, as a plain HTTP client would."""
    from urllib.parse import urlencode

    body = urlencode({k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()})
    req = urllib.request.Request(slack.base_url + method, data=body.encode(), method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=5) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


META = {"event_type": "trends_digest", "event_payload": {"id": "kopi/2026-11-22"}}


def test_lost_answer_is_found_in_history_not_posted_twice(slack: SlackServer) -> None:
    slack.lose_answer_next("chat.postMessage")          # posted, but the client sees a 500
    ts = sender(slack).post(CHANNEL, BLOCKS, "halo", metadata=META)
    assert [m["ts"] for m in slack.messages] == [ts]
    assert [m for m, _ in slack.calls] == ["chat.postMessage", "conversations.list",
                                           "conversations.history"]
    history = [p for m, p in slack.calls if m == "conversations.history"][0]
    assert history["include_all_metadata"] in ("1", "true", True)


def test_plain_500_with_metadata_is_retried_after_a_lookup(slack: SlackServer) -> None:
    slack.fail_next(1, status=500)                       # refused before any work was done
    ts = sender(slack).post(CHANNEL, BLOCKS, "halo", metadata=META)
    assert [m["ts"] for m in slack.messages] == [ts]
    assert slack.messages[0]["metadata"] == META


def test_find_posted_pages_through_history(slack: SlackServer) -> None:
    s = sender(slack)
    first = s.post(CHANNEL, BLOCKS, "target", metadata=META)
    for n in range(5):
        s.post(CHANNEL, BLOCKS, f"later {n}")
    msgs = s.history(CHANNEL, limit=2)                  # three pages of two
    assert len(msgs) == 6 and msgs[-1]["ts"] == first
    found = s.find_posted(CHANNEL, "trends_digest", "kopi/2026-11-22")
    assert found is not None and found["ts"] == first
    assert s.find_posted(CHANNEL, "trends_digest", "kopi/2026-11-23") is None
    assert s.find_posted(CHANNEL, "trends_digest", "kopi/2026-11-22",
                         oldest=float(first) + 0.000001) is None
    # Without include_all_metadata, history hides metadata, as Slack does.
    plain = _api(slack, "conversations.history", channel=CHANNEL)["messages"]
    assert all("metadata" not in m for m in plain)


def test_upload_png_in_three_steps(slack: SlackServer) -> None:
    from trends.deliver.charts import sparkline_png

    s = sender(slack)
    parent = s.post(CHANNEL, BLOCKS, "halo")
    png = sparkline_png([[1, 2, 3]])
    file_id = s.upload_png(CHANNEL, png, "spark.png", "Mentions", "Mentions per day",
                           thread_ts=parent)
    f = slack.files[file_id]
    assert f["data"] == png and f["thread_ts"] == parent and f["alt_txt"] == "Mentions per day"
    assert f["channel"] == slack.channel_id(CHANNEL) and f["title"] == "Mentions"
    assert [m for m, _ in slack.calls][1:] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def test_chaos_is_reproducible_and_survivable(slack: SlackServer) -> None:
    slack.chaos(seed=3, error_rate=0.3, rate_limit_rate=0.2, retry_after=0)
    s = sender(slack, max_retries=10)
    for n in range(10):
        s.post(CHANNEL, BLOCKS, f"halo {n}")
    assert len(slack.messages) == 10
    assert 429 in slack.statuses and 500 in slack.statuses


def test_lost_answer_on_a_thread_reply_is_not_posted_twice(slack: SlackServer) -> None:
    s = sender(slack)
    parent = s.post(CHANNEL, BLOCKS, "halo", metadata=META)
    slack.lose_answer_next("chat.postMessage")
    reply = {"event_type": "trends_digest",
             "event_payload": {"id": "kopi/2026-11-22#2", "part": 2, "topic": "timnas"}}
    ts = s.post(CHANNEL, BLOCKS, "1. Timnas", thread_ts=parent, metadata=reply)
    [posted] = [m for m in slack.messages if m["thread_ts"] == parent]
    assert posted["ts"] == ts and posted["metadata"] == reply
    assert "conversations.replies" in [m for m, _ in slack.calls]
