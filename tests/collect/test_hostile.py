"""Hostile inputs that must keep failing safely (the rest of the list in docs/security.md has
its tests beside the code it guards): a 200 MB body, a 1 GiB gzip bomb, and secrets that never
reach the warehouse, its snapshot, the logs or Prefect's home."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.collect.test_http import RawServer
from tests.feeds import news_entries, rss, sources_toml
from tests.slack_server import SlackServer
from trends import runs
from trends.collect import http
from trends.config import Env, load_config
from trends.errors import PermanentFetchError

MiB = 1 << 20


def test_a_200_mb_body_without_a_length_stops_at_the_cap() -> None:
    sent = [0]

    def endless(conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                     b"Connection: close\r\n\r\n")
        chunk = b"<" * (64 * 1024)
        try:
            while sent[0] < 200 * MiB:
                conn.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass            # the client hung up at the cap

    err, peak = refused_fetch(endless)
    assert err.reason == "too_large"
    assert peak < 3 * http.MAX_BYTES and sent[0] < 200 * MiB


def refused_fetch(handler: Callable[[socket.socket, str], None]) -> tuple[PermanentFetchError, int]:
    """The error fetching from `handler` raised, and the peak memory it took."""
    tracemalloc.start()
    try:
        with RawServer(handler) as srv, http.make_client(timeout=5) as client:
            with pytest.raises(PermanentFetchError) as err:
                http.fetch(client, srv.url("/hostile"), retries=0)
            return err.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def gzip_bomb(size: int) -> bytes:
    """A valid gzip stream of `size` zero bytes in about a thousandth of that: the deflate of
    one MiB of zeros, flushed so that every further MiB compresses to the same bytes."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = b"\0" * MiB
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(zeros, crc)
    body = first + repeat * (size // MiB - 1) + deflate.flush()
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body
            + struct.pack("<II", crc, size & 0xFFFFFFFF))


@pytest.mark.slow      # the default run has a 64 MB bomb in test_http.py
def test_a_1_gib_gzip_bomb_stops_at_the_cap_on_decoded_bytes() -> None:
    bomb = gzip_bomb(1024 * MiB)
    assert len(bomb) < 2 * MiB
    assert len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bomb[:200_000])) > 100 * MiB

    def serve(conn: socket.socket, path: str) -> None:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip"
                f"\r\nContent-Length: {len(bomb)}\r\nConnection: close\r\n\r\n").encode()
        try:
            conn.sendall(head + bomb)
        except OSError:
            pass

    err, peak = refused_fetch(serve)
    assert err.reason == "too_large" and "decoded" in err.detail
    assert peak < 3 * http.MAX_BYTES


SLACK_SECRET = "xoxb-0000-SECRET-slack-token-never-stored"
LLM_SECRET = "sk-SECRET-llm-key-never-stored"


@pytest.mark.slow       # a real Prefect server: the slow suite pays its start-up once
def test_no_secret_reaches_the_warehouse_the_snapshot_the_logs_or_prefects_home(
        tmp_path: Path, feed_server: object, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
        prefect_api: str) -> None:
    from prefect.settings import PREFECT_HOME

    from flows.pipeline import digest as digest_flow

    feed_server.add("/a.xml", rss("A", news_entries("a.example", 8)))  # type: ignore[attr-defined]
    path = tmp_path / "trends.toml"
    path.write_text(sources_toml(feed_server, {"A": "/a.xml"}, warehouse="data/trends.duckdb")
                    + '\n[[clients]]\nid = "kopi"\nkeywords = ["kopi"]\nchannel = "#kopi"\n',
                    encoding="utf-8")
    config = load_config(path)
    caplog.set_level(logging.DEBUG)
    with SlackServer(token=SLACK_SECRET) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_SECRET)
        monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
        # an LLM that does not answer: the key is offered in a header, and must go nowhere else
        monkeypatch.setenv("TRENDS_LLM_BASE_URL", "http://127.0.0.1:9/v1")
        monkeypatch.setenv("TRENDS_LLM_MODEL", "m")
        monkeypatch.setenv("TRENDS_LLM_API_KEY", LLM_SECRET)
        env = Env.from_environ()
        runs.ingest(config)
        runs.score(config)
        runs.digest(config, env)
        digest_flow(str(path))                 # a real Prefect flow run too
        threading.Event().wait(0.2)            # let Prefect's log writer flush
        assert slack.posted("#kopi")
    out = capsys.readouterr()
    texts = [out.out, out.err, caplog.text]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    home = Path(PREFECT_HOME.value())
    files += [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert any(p.name == "trends.duckdb" for p in files)
    for secret in (SLACK_SECRET, LLM_SECRET):
        for text in texts:
            assert secret not in text
        for p in files:
            assert secret.encode() not in p.read_bytes(), p
