"""The optional LLM writer against a local OpenAI-compatible fake: success, HTTP 500, timeout,
garbage; and the template fallback that follows every failure."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from trends.config import ClientConfig, Env
from trends.decide.ideas.llm import (
    MAX_FAILURES,
    LLMWriter,
    WriteRequest,
    build_messages,
    parse_answer,
)
from trends.decide.ideas.writer import write_ideas
from trends.models import Article, ScoredTopic

DAY = date(2026, 11, 22)


class FakeLLM:
    """POST /<mode>/v1/chat/completions, mode: ok | error | slow | garbage | notjson | hostile."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                mode = self.path.strip("/").split("/")[0]
                fake.requests.append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                if mode == "slow":
                    fake.release.wait(5)
                if mode == "error":
                    return self._send(500, b'{"error": {"message": "overloaded"}}')
                if mode == "garbage":
                    return self._send(200, b"<html>not json at all")
                if mode == "notjson":
                    content = "Sure! Here is a caption: Ngopi dulu, bestie."
                elif mode == "hostile":
                    content = json.dumps({"hook": "<!channel> promo <https://evil.example|klik>",
                                          "caption": "<@U123> & <!here> beli sekarang"})
                else:
                    lang = "en" if "Language: English" in body["messages"][1]["content"] else "id"
                    content = json.dumps({"hook": f"LLM hook ({lang})",
                                          "caption": f"LLM caption ({lang}) for the topic."})
                    content = f"```json\n{content}\n```" if mode == "fenced" else content
                payload = {"id": "x", "object": "chat.completion", "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": content}}]}
                self._send(200, json.dumps(payload).encode())

            def _send(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as f:
        yield f


def client() -> ClientConfig:
    return ClientConfig(id="layar-emas", name="Layar Emas TV", languages=("id", "en"),
                        keywords=("nonton", "siaran langsung"), tone="mixed",
                        hashtags=("#LayarEmas",))


def topics() -> list[ScoredTopic]:
    return [ScoredTopic(key=k, label=k.title(), score=0.8, trend=0.8, relevance=0.6,
                        freshness=0.9, velocity=3.0, breadth=4, mentions=10, state="rising",
                        matched=["nonton"], reason="matches nonton in 3 stories",
                        articles=[Article(f"{k} headline {i}", None, "detik") for i in range(3)])
            for k in ("timnas indonesia", "harbolnas")]


def test_unset_means_no_writer() -> None:
    assert LLMWriter.from_env(Env.from_environ({})) is None
    assert LLMWriter.from_env(Env.from_environ({"TRENDS_LLM_BASE_URL": "http://x/v1"})) is None
    w = LLMWriter.from_env(Env.from_environ({"TRENDS_LLM_BASE_URL": "http://x/v1/",
                                             "TRENDS_LLM_MODEL": "m", "TRENDS_LLM_API_KEY": "k"}))
    assert w is not None and (w.base_url, w.model, w.api_key) == ("http://x/v1", "m", "k")


def test_prompt_carries_topic_client_angle_and_language() -> None:
    msgs = build_messages(WriteRequest(
        topic="Timnas Indonesia", headlines=["Nobar Timnas di kedai kopi"], brand="Kopi Nusantara",
        keywords=["kopi", "nobar"], tone="soft_sell", angle="trust", platform="instagram",
        language="id", warning=""))
    user = msgs[1]["content"]
    for part in ("Timnas Indonesia", "Nobar Timnas di kedai kopi", "Kopi Nusantara", "kopi, nobar",
                 "honest about what the product can and cannot do", "instagram", "Indonesian"):
        assert part in user
    assert '"hook"' in msgs[0]["content"]


def test_success_writes_every_idea_with_the_model(fake: FakeLLM) -> None:
    writer = LLMWriter(fake.url("ok"), "tiny-model", api_key="sekret")
    ideas = write_ideas(client(), topics(), DAY, writer=writer)
    assert [(i.language, i.writer) for i in ideas] == [("id", "llm"), ("en", "llm")] * 2
    assert ideas[0].hook == "LLM hook (id)"
    assert ideas[1].caption == "LLM caption (en) for the topic."
    assert len(fake.requests) == 4
    req = fake.requests[0]
    assert req["path"] == "/ok/v1/chat/completions" and req["auth"] == "Bearer sekret"
    assert req["body"]["model"] == "tiny-model"
    assert "Timnas Indonesia" in req["body"]["messages"][1]["content"]
    assert all(i.hashtags for i in ideas)       # hashtags stay ours, not the model's


def test_code_fenced_json_is_accepted(fake: FakeLLM) -> None:
    ideas = write_ideas(client(), topics()[:1], DAY, writer=LLMWriter(fake.url("fenced"), "m"))
    assert {i.writer for i in ideas} == {"llm"}


@pytest.mark.parametrize("mode", ["error", "garbage", "notjson"])
def test_failures_fall_back_to_templates_and_say_so(fake: FakeLLM, mode: str) -> None:
    writer = LLMWriter(fake.url(mode), "m")
    ideas = write_ideas(client(), topics(), DAY, writer=writer)
    templates = write_ideas(client(), topics(), DAY)
    assert [(i.hook, i.caption) for i in ideas] == [(i.hook, i.caption) for i in templates]
    assert {i.writer for i in ideas} == {"template-fallback"}
    # a broken endpoint is asked a few times per run, not once per idea
    assert len(fake.requests) == MAX_FAILURES and writer.last_error


def test_timeout_falls_back_without_waiting_for_the_model(fake: FakeLLM) -> None:
    writer = LLMWriter(fake.url("slow"), "m", timeout=0.2)
    started = time.monotonic()
    ideas = write_ideas(client(), topics(), DAY, writer=writer)
    fake.release.set()
    assert {i.writer for i in ideas} == {"template-fallback"}
    assert "Timeout" in str(writer.last_error)
    assert time.monotonic() - started < 5      # bounded by the timeout, not the server's wait


def test_connection_refused_falls_back() -> None:
    writer = LLMWriter("http://127.0.0.1:9/v1", "m", timeout=0.5)
    assert write_ideas(client(), topics()[:1], DAY, writer=writer)[0].writer == "template-fallback"


@pytest.mark.parametrize("body", [
    None, {}, {"choices": []}, {"choices": [{"message": {"content": 3}}]},
    {"choices": [{"message": {"content": '{"hook": "", "caption": "x"}'}}]},
    {"choices": [{"message": {"content": '["hook", "caption"]'}}]},
    {"choices": [{"message": {"content": json.dumps({"hook": "h", "caption": "c" * 5000})}}]},
])
def test_unusable_answers_are_rejected(body: object) -> None:
    assert parse_answer(body) is None


def test_score_uses_the_writer_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                    fake: FakeLLM) -> None:
    monkeypatch.setenv("TRENDS_LLM_BASE_URL", fake.url("ok"))
    monkeypatch.setenv("TRENDS_LLM_MODEL", "m")
    w = LLMWriter.from_env(Env.from_environ())
    assert w is not None and w.write(WriteRequest(
        topic="t", headlines=[], brand="b", keywords=[], tone="mixed", angle="question",
        platform="x", language="en")) == ("LLM hook (en)", "LLM caption (en) for the topic.")


def test_the_digest_says_who_wrote_the_text(fake: FakeLLM) -> None:
    from trends.deliver.render import render_blocks, render_markdown, render_text
    from trends.models import Digest

    def digest(writer: LLMWriter | None) -> Digest:
        return Digest(client_id="layar-emas", client_name="Layar Emas TV", channel="#le",
                      local_date=DAY, languages=["id", "en"],
                      ideas=write_ideas(client(), topics(), DAY, writer=writer))

    assert "written from templates (no LLM configured)" in render_text(digest(None))
    assert "written by the LLM" in render_text(digest(LLMWriter(fake.url("ok"), "m")))
    failed = digest(LLMWriter(fake.url("error"), "m"))
    assert "4 of 4 ideas written from templates: the LLM endpoint did not answer" \
        in render_text(failed)
    assert "did not answer" in render_markdown(failed)
    assert "did not answer" in json.dumps(render_blocks(failed))


def test_scoring_with_an_endpoint_stores_llm_ideas_and_the_digest_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeLLM) -> None:
    from datetime import UTC, datetime

    from trends.collect.ingest_job import ingest
    from trends.config import load_config
    from trends.decide.ideas_job import score
    from trends.deliver.digest_job import build_digest
    from trends.deliver.render import render_text
    from trends.demo.world import build_world, serve_world
    from warehouse.db import open_warehouse

    now = datetime(2026, 11, 22, 8, tzinfo=UTC)
    world = build_world(now)
    with serve_world(world) as server:
        path = tmp_path / "trends.toml"
        path.write_text(world.config_toml(server.url(""), "trends.duckdb"), encoding="utf-8")
        config = load_config(path)
        monkeypatch.setenv("TRENDS_LLM_BASE_URL", fake.url("ok"))
        monkeypatch.setenv("TRENDS_LLM_MODEL", "tiny")
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True, now=now)
            score(con, config, as_of=now)
            writers = con.execute("SELECT DISTINCT writer FROM ideas").fetchall()
            layar = config.client("layar-emas")
            text = render_text(build_digest(con, layar, now.astimezone(layar.tz).date(), now))
    assert writers == [("llm",)]
    assert "LLM hook (id)" in text and "LLM hook (en)" in text
    assert "written by the LLM" in text
    assert all(r["body"]["model"] == "tiny" for r in fake.requests)


def test_mention_and_link_syntax_from_the_model_cannot_ping_or_link(fake: FakeLLM) -> None:
    from trends.deliver.render import render_blocks
    from trends.models import Digest

    ideas = write_ideas(client(), topics(), DAY, writer=LLMWriter(fake.url("hostile"), "m"))
    blocks = json.dumps(render_blocks(Digest(client_id="layar-emas", client_name="Layar Emas TV",
                                             channel="#le", local_date=DAY,
                                             languages=["id", "en"], ideas=ideas)))
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example|klik>"):
        assert raw not in blocks
