"""The optional LLM writer against a local OpenAI-compatible fake: success, HTTP 500, timeout,
garbage, answers that fail the checks; the template fallback that follows every failure; and
the rewrite made after the scoring run, with no writer lock held during the HTTP calls."""

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
    check_answer,
    parse_answer,
)
from trends.decide.ideas.writer import write_ideas
from trends.decide.ideas_job import Draft, rewrite
from trends.models import Article, ScoredTopic

DAY = date(2026, 11, 22)


class FakeLLM:
    """POST /<mode>/v1/chat/completions, mode: ok | fenced | error | slow | garbage | notjson |
    hostile | nofact | wronglang | invented. A good answer uses the first fact of the brief."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.lock_path: Path | None = None      # a writer lock to test from inside a request
        self.lock_free: list[bool] = []
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
                brief = body["messages"][1]["content"]
                facts = [line[2:] for line in brief.splitlines()[brief.splitlines().index(
                    "Facts from the stories (use at least one):") + 1:] if line.startswith("- ")]
                fact = facts[0] if facts else ""
                lang = "en" if "Language: English" in brief else "id"
                if lock_path := fake.lock_path:
                    fake.lock_free.append(_lock_is_free(lock_path))
                if mode == "notjson":
                    content = "Sure! Here is a caption: Ngopi dulu, bestie."
                elif mode == "hostile":
                    content = json.dumps({"hook": "<!channel> promo <https://evil.example|klik>",
                                          "caption": f"<@U123> & <!here> {fact} beli sekarang"})
                elif mode == "nofact":
                    content = json.dumps({"hook": "Seru banget", "caption": "Ayo ikutan, ya."})
                elif mode == "wronglang":
                    content = json.dumps({"hook": "Big news", "caption":
                                          f"Everyone is talking about it: {fact}. Join us "
                                          "and share your thoughts with your friends today."})
                elif mode == "invented":
                    content = json.dumps({"hook": "Diskon 90%", "caption":
                                          f"{fact}, dan diskon 90 persen buat kamu."})
                else:
                    caption = (f"LLM caption ({lang}): {fact}." if lang == "en" else
                               f"LLM caption ({lang}): {fact}.")
                    content = json.dumps({"hook": f"LLM hook ({lang})", "caption": caption})
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


def _lock_is_free(path: Path) -> bool:
    """Whether the writer lock of the warehouse at `path` can be taken now (from the fake's
    thread, while the scoring run waits for its answer)."""
    from warehouse.writer import writer_lock

    try:
        with writer_lock(path, wait=0.0):
            return True
    except Exception:
        return False


def client() -> ClientConfig:
    return ClientConfig(id="layar-emas", name="Layar Emas TV", languages=("id", "en"),
                        keywords=("nonton", "siaran langsung"), tone="mixed",
                        hashtags=("#LayarEmas",))


TITLES = {"timnas indonesia": ["Timnas Indonesia Main di GBK, Tiket Ludes dalam 7 Menit",
                               "Siaran Langsung Timnas Indonesia Pukul 19.30 WIB"],
          "harbolnas": ["Transaksi Harbolnas Diprediksi Tembus Rp 31 Triliun",
                        "Harbolnas: 60 Juta Pembeli Serbu Toko Online"]}


def topics() -> list[ScoredTopic]:
    return [ScoredTopic(key=k, label=k.title(), score=0.8, trend=0.8, relevance=0.6,
                        freshness=0.9, velocity=3.0, breadth=4, mentions=10, state="rising",
                        matched=["nonton"], reason="matches nonton in 3 stories",
                        articles=[Article(t, f"https://x.example/{i}", "detik")
                                  for i, t in enumerate(TITLES[k])],
                        link="field", link_terms=["nonton"], matching=2, stories=2)
            for k in ("timnas indonesia", "harbolnas")]


def drafts() -> list[Draft]:
    from datetime import UTC, datetime

    ts = topics()
    return [Draft(client=client(), day=DAY, as_of=datetime(2026, 11, 22, 1, tzinfo=UTC),
                  ideas=write_ideas(client(), ts, DAY), topics={t.key: t for t in ts})]


def env(url: str) -> Env:
    return Env.from_environ({"TRENDS_LLM_BASE_URL": url, "TRENDS_LLM_MODEL": "tiny-model",
                             "TRENDS_LLM_API_KEY": "sekret"})


def test_unset_means_no_writer() -> None:
    assert LLMWriter.from_env(Env.from_environ({})) is None
    assert LLMWriter.from_env(Env.from_environ({"TRENDS_LLM_BASE_URL": "http://x/v1"})) is None
    w = LLMWriter.from_env(Env.from_environ({"TRENDS_LLM_BASE_URL": "http://x/v1/",
                                             "TRENDS_LLM_MODEL": "m", "TRENDS_LLM_API_KEY": "k"}))
    assert w is not None and (w.base_url, w.model, w.api_key) == ("http://x/v1", "m", "k")
    assert rewrite(drafts(), Env.from_environ({})) == ([], "")


def test_the_brief_is_the_templates_brief() -> None:
    msgs = build_messages(WriteRequest(
        topic="Timnas Indonesia", headlines=["Nobar Timnas di kedai kopi"], brand="Kopi Nusantara",
        keywords=["kopi", "nobar"], tone="soft_sell", angle="soft_sell", platform="x",
        language="id", link="audience", facts=["GBK", "19.30 WIB"], max_caption=280))
    user = msgs[1]["content"]
    for part in ("Timnas Indonesia", "Nobar Timnas di kedai kopi", "Kopi Nusantara", "kopi, nobar",
                 "audience cares", "- GBK", "- 19.30 WIB", "at most 280 characters",
                 "Indonesian"):
        assert part in user
    assert '"hook"' in msgs[0]["content"]


def test_success_rewrites_every_idea_with_the_model(fake: FakeLLM) -> None:
    d = drafts()
    done, note = rewrite(d, env(fake.url("ok")))
    ideas = d[0].ideas
    assert len(done) == len(ideas) == 4 and {i.writer for i in ideas} == {"llm"}
    assert ideas[0].hook == "LLM hook (id)" and ideas[1].hook == "LLM hook (en)"
    assert all(any(f in i.caption for f in i.facts) for i in ideas)
    assert "written by the LLM" in note
    req = fake.requests[0]
    assert req["path"] == "/ok/v1/chat/completions" and req["auth"] == "Bearer sekret"
    assert req["body"]["model"] == "tiny-model"
    assert all(i.hashtags for i in ideas)       # hashtags stay ours, not the model's


def test_code_fenced_json_is_accepted(fake: FakeLLM) -> None:
    d = drafts()
    rewrite(d, env(fake.url("fenced")))
    assert {i.writer for i in d[0].ideas} == {"llm"}


@pytest.mark.parametrize("mode", ["error", "garbage", "notjson"])
def test_failures_fall_back_to_templates_and_say_so(fake: FakeLLM, mode: str) -> None:
    d = drafts()
    before = [(i.hook, i.caption) for i in d[0].ideas]
    done, note = rewrite(d, env(fake.url(mode)))
    assert done == [] and [(i.hook, i.caption) for i in d[0].ideas] == before
    assert {i.writer for i in d[0].ideas} == {"template-fallback"}
    assert "did not answer usefully" in note
    # a broken endpoint is asked a few times per run, not once per idea
    assert len(fake.requests) == MAX_FAILURES


@pytest.mark.parametrize(("mode", "problem"), [
    ("hostile", "mention syntax"), ("nofact", "none of the facts"),
    ("wronglang", "written in en"), ("invented", "a number the stories do not give")])
def test_answers_that_fail_a_check_keep_the_template(fake: FakeLLM, mode: str,
                                                     problem: str) -> None:
    d = drafts()
    before = [(i.hook, i.caption) for i in d[0].ideas if i.language == "id"]
    done, note = rewrite(d, env(fake.url(mode)))
    kept = [(i.hook, i.caption) for i in d[0].ideas if i.language == "id"]
    assert kept == before and problem in note
    # a working endpoint whose answers fail the checks is still asked for every idea
    assert len(fake.requests) == 4


def test_timeout_falls_back_without_waiting_for_the_model(fake: FakeLLM) -> None:
    writer = LLMWriter(fake.url("slow"), "m", timeout=0.2)
    started = time.monotonic()
    assert writer.write(WriteRequest(topic="t", headlines=[], brand="b", keywords=[],
                                     tone="mixed", angle="question", platform="x",
                                     language="en")) is None
    fake.release.set()
    assert "Timeout" in str(writer.last_error)
    assert time.monotonic() - started < 5      # bounded by the timeout, not the server's wait


def test_connection_refused_falls_back() -> None:
    d = drafts()
    rewrite(d, env("http://127.0.0.1:9/v1"))
    assert {i.writer for i in d[0].ideas} == {"template-fallback"}


@pytest.mark.parametrize("body", [
    None, {}, {"choices": []}, {"choices": [{"message": {"content": 3}}]},
    {"choices": [{"message": {"content": '{"hook": "", "caption": "x"}'}}]},
    {"choices": [{"message": {"content": '["hook", "caption"]'}}]},
    {"choices": [{"message": {"content": json.dumps({"hook": "h", "caption": "c" * 5000})}}]},
])
def test_unusable_answers_are_rejected(body: object) -> None:
    assert parse_answer(body) is None


def test_checks_one_by_one() -> None:
    r = WriteRequest(topic="Harbolnas", headlines=["Transaksi Tembus Rp 31 Triliun"],
                     brand="b", keywords=[], tone="mixed", angle="soft_sell", platform="x",
                     language="id", facts=["Rp 31 triliun"], max_caption=280)
    ok = "Transaksi Harbolnas diprediksi tembus Rp 31 triliun, kamu sudah siap belanja hemat?"
    assert check_answer(r, "Siap?", ok) is None
    assert "longer than 280" in str(check_answer(r, "h", ok + " x" * 200))
    assert "mention" in str(check_answer(r, "@here", ok))
    assert "number" in str(check_answer(r, "h", ok + " Diskon 70 persen."))


def test_the_digest_says_who_wrote_the_text(fake: FakeLLM) -> None:
    from trends.deliver.render import render_blocks, render_markdown, render_text
    from trends.models import Digest

    def digest(url: str | None) -> Digest:
        d = drafts()
        if url:
            rewrite(d, env(url))
        return Digest(client_id="layar-emas", client_name="Layar Emas TV", channel="#le",
                      local_date=DAY, languages=["id", "en"], ideas=d[0].ideas)

    assert "written from templates (no LLM configured)" in render_text(digest(None))
    assert "written by the LLM" in render_text(digest(fake.url("ok")))
    failed = digest(fake.url("error"))
    assert "4 of 4 ideas written from templates: the LLM endpoint did not answer" \
        in render_text(failed)
    assert "did not answer" in render_markdown(failed)
    assert "did not answer" in json.dumps(render_blocks(failed))


def test_scoring_with_an_endpoint_rewrites_after_releasing_the_warehouse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeLLM) -> None:
    from datetime import UTC, datetime

    from trends import runs
    from trends.collect.ingest_job import ingest
    from trends.config import load_config
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
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True, now=now)
        fake.lock_path = config.warehouse.path
        outcome = runs.score(config, as_of=now, env=env(fake.url("ok")))
    assert fake.requests and fake.lock_free and all(fake.lock_free)   # no HTTP under the lock
    assert "written by the LLM" in outcome.text and outcome.details["llm"] in outcome.text
    with open_warehouse(config.warehouse.path, read_only=True) as con:
        writers = con.execute("SELECT DISTINCT writer FROM ideas").fetchall()
        layar = config.client("layar-emas")
        text = render_text(build_digest(con, layar, now.astimezone(layar.tz).date(), now))
    assert writers == [("llm",)]
    assert "LLM hook (id)" in text and "LLM hook (en)" in text
    assert "written by the LLM" in text
    assert all(r["body"]["model"] == "tiny-model" for r in fake.requests)


def test_mention_and_link_syntax_cannot_ping_or_link_even_in_template_text() -> None:
    from trends.deliver.render import render_blocks
    from trends.models import Digest

    d = drafts()
    for i in d[0].ideas:
        i.hook = "<!channel> promo <https://evil.example|klik>"
        i.caption = "<@U123> & <!here> beli sekarang"
    blocks = json.dumps(render_blocks(Digest(client_id="layar-emas", client_name="Layar Emas TV",
                                             channel="#le", local_date=DAY,
                                             languages=["id", "en"], ideas=d[0].ideas)))
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example|klik>"):
        assert raw not in blocks
