"""A local Slack-compatible Web API server for tests.

    with SlackServer(token="xoxb-test") as slack:
        sender = SlackSender("xoxb-test", base_url=slack.base_url, min_interval=0)
        ...
        assert slack.messages[0]["channel"] == "#kopi-nusantara"

It implements what trends uses (auth.test, chat.postMessage with message metadata,
conversations.history with include_all_metadata/oldest/cursor, conversations.replies,
conversations.list, reactions.get, and files_upload_v2's three steps:
files.getUploadURLExternal, the upload URL, files.completeUploadExternal), checks the bearer
token, enforces Slack's documented Block Kit limits, and can inject 5xx answers, 429s with
Retry-After, random faults (`chaos`) and lost answers (`lose_answer_next`: the message is
posted but the client sees a 500, as when a connection drops after Slack accepted it).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_TEXT = 40_000

_REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}


class SlackServer:
    """A threaded HTTP server on 127.0.0.1 speaking enough of Slack's Web API for tests."""

    def __init__(self, token: str = "xoxb-test-token",
                 channels: Iterable[str] | None = None) -> None:
        """`channels`: if given, only these exist (others answer channel_not_found)."""
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: list[dict[str, Any]] = []
        self.statuses: list[int] = []          # HTTP status of each call, parallel to .calls
        self._known = None if channels is None else {self.channel_id(c) for c in channels}
        self._faults: list[tuple[int, dict[str, str]]] = []
        self._lost: dict[str, int] = {}         # method -> answers to lose after doing the work
        self._chaos: tuple[random.Random, float, float, int] | None = None
        self.names: dict[str, str] = {}         # channel ID -> name, as posted to
        self.files: dict[str, dict[str, Any]] = {}   # file ID -> {filename, data, channel, ...}
        self._file_ids = itertools.count(1)
        self._last_ts_us = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> SlackServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SlackServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # fault injection and helpers

    def fail_next(self, n: int, status: int = 500) -> None:
        """Answer the next `n` API calls with HTTP `status`."""
        with self._lock:
            self._faults += [(status, {})] * n

    def rate_limit_next(self, n: int, retry_after: int = 1) -> None:
        """Answer the next `n` API calls with 429 and a Retry-After header."""
        with self._lock:
            self._faults += [(429, {"Retry-After": str(retry_after)})] * n

    def chaos(self, seed: int, error_rate: float = 0.1, rate_limit_rate: float = 0.1,
              retry_after: int = 0) -> None:
        """Answer API calls at random with a 500 (`error_rate`) or a 429 with Retry-After
        (`rate_limit_rate`), reproducibly from `seed`. chaos(0, 0, 0) turns it off."""
        with self._lock:
            self._chaos = (random.Random(seed), error_rate, rate_limit_rate, retry_after)

    def clear_faults(self) -> None:
        """Forget every fault still queued: no more 500s, 429s, lost answers or chaos."""
        with self._lock:
            self._faults.clear()
            self._lost.clear()
            self._chaos = None

    def lose_answer_next(self, method: str = "chat.postMessage", n: int = 1) -> None:
        """Do the next `n` calls of `method` but answer 500: the client cannot know it worked."""
        with self._lock:
            self._lost[method] = self._lost.get(method, 0) + n

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """Record that `user` reacted with :name: to the message `ts` (what reactions.get shows)."""
        with self._lock:
            msg = self._find(channel, ts)
            if msg is None:
                raise KeyError(f"no message {ts} in {channel}")
            reactions: list[dict[str, Any]] = msg.setdefault("reactions", [])
            for r in reactions:
                if r["name"] == name:
                    if user not in r["users"]:
                        r["users"].append(user)
                        r["count"] = len(r["users"])
                    return
            reactions.append({"name": name, "users": [user], "count": 1})

    def channel_id(self, channel: str) -> str:
        """The stable fake ID ("C...") that this server answers for a channel name."""
        if channel.startswith("C") and channel.isupper() and channel.isalnum():
            return channel
        return "C" + hashlib.sha1(_name(channel).encode()).hexdigest()[:10].upper()

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to a channel (name or ID), oldest first, thread replies included;
        file shares are `shared_files`."""
        cid = self.channel_id(channel)
        return [m for m in self.messages if m["channel_id"] == cid and "subtype" not in m]

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """The file-share messages of a channel (name or ID), oldest first."""
        cid = self.channel_id(channel)
        return [m for m in self.messages if m["channel_id"] == cid and "subtype" in m]

    # request handling (called from the handler's thread)

    def _handle(self, method: str, params: dict[str, Any],
                auth: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            self.calls.append((method, params))
            if not self._faults and self._chaos is not None:
                rng, err, limit, after = self._chaos
                roll = rng.random()
                if roll < err:
                    self._faults.append((500, {}))
                elif roll < err + limit:
                    self._faults.append((429, {"Retry-After": str(after)}))
            if self._faults:
                status, headers = self._faults.pop(0)
                self.statuses.append(status)
                error = "ratelimited" if status == 429 else "fatal_error"
                return status, headers, {"ok": False, "error": error}
            token = auth[7:].strip() if auth and auth.startswith("Bearer ") else params.get("token")
            if not token:
                self.statuses.append(200)
                return 200, {}, {"ok": False, "error": "not_authed"}
            if token != self.token:
                self.statuses.append(200)
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            api = self._methods().get(method)
            if api is None:
                self.statuses.append(200)
                return 200, {}, {"ok": False, "error": "unknown_method"}
            answer = api(params)
            if self._lost.get(method):
                self._lost[method] -= 1
                self.statuses.append(500)
                return 500, {}, {"ok": False, "error": "fatal_error"}
            self.statuses.append(200)
            return 200, {}, answer

    def _upload(self, file_id: str, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The upload URL of files_upload_v2's second step: raw bytes, answered 200 'OK'."""
        with self._lock:
            self.calls.append(("upload", {"file_id": file_id, "bytes": len(body)}))
            f = self.files.get(file_id)
            if f is None:
                self.statuses.append(404)
                return 404, {}, {"ok": False, "error": "file_not_found"}
            if len(body) != f["length"]:
                self.statuses.append(400)
                return 400, {}, {"ok": False, "error": "length_mismatch"}
            f["data"] = body
            self.statuses.append(200)
            return 200, {}, {"ok": True}

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.list": self._list,
            "reactions.get": self._reactions_get,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _list(self, params: dict[str, Any]) -> dict[str, Any]:
        known = set(self._known or ()) | set(self.names)
        channels = [{"id": cid, "name": self.names.get(cid, cid), "is_channel": True}
                    for cid in sorted(known)]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):09d}"
        self.files[file_id] = {"id": file_id, "filename": filename, "length": int(length),
                               "alt_txt": params.get("alt_txt"), "data": None,
                               "channel": None, "thread_ts": None, "title": None}
        return {"ok": True, "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}"}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id")
        if channel and self._known is not None and self.channel_id(channel) not in self._known:
            return {"ok": False, "error": "channel_not_found"}
        out = []
        for f in files:
            stored = self.files.get(str(f.get("id")))
            if stored is None or stored["data"] is None:
                return {"ok": False, "error": "file_not_found"}
            stored.update(title=f.get("title"), thread_ts=params.get("thread_ts") or None,
                          channel=self.channel_id(channel) if channel else None)
            out.append({"id": stored["id"], "name": stored["filename"], "title": f.get("title")})
        if channel:
            # Like Slack: the share is a message of the channel (or the thread) carrying the files.
            self.messages.append({
                "type": "message", "subtype": "file_share", "channel": channel,
                "channel_id": self.channel_id(channel), "ts": self._new_ts(), "text": "",
                "blocks": [], "thread_ts": params.get("thread_ts") or None,
                "unfurl_links": None, "unfurl_media": None, "bot_id": "B0TRENDS",
                "user": "U0TRENDS", "metadata": None, "files": out})
        return {"ok": True, "files": out}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://trends-test.slack.com/", "team": "Trends Test",
                "user": "trends-bot", "team_id": "T0TRENDS", "user_id": "U0TRENDS",
                "bot_id": "B0TRENDS"}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel.strip():
            return {"ok": False, "error": "channel_not_found"}
        if self._known is not None and self.channel_id(channel) not in self._known:
            return {"ok": False, "error": "channel_not_found"}
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return {"ok": False, "error": "invalid_blocks"}
        text = params.get("text")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None:
            problem = _check_blocks(blocks)
            if problem:
                return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except json.JSONDecodeError:
                return {"ok": False, "error": "invalid_metadata_format"}
        if metadata is not None and (not isinstance(metadata, dict)
                                     or not metadata.get("event_type")
                                     or not isinstance(metadata.get("event_payload"), dict)):
            return {"ok": False, "error": "invalid_metadata_format"}
        ts = self._new_ts()
        thread_ts = params.get("thread_ts") or None
        cid = self.channel_id(channel)
        if not channel.startswith("C"):
            self.names.setdefault(cid, _name(channel))
        message = {
            "type": "message", "channel": channel, "channel_id": self.channel_id(channel),
            "ts": ts, "text": text or "", "blocks": blocks or [], "thread_ts": thread_ts,
            "unfurl_links": _flag(params.get("unfurl_links")),
            "unfurl_media": _flag(params.get("unfurl_media")),
            "bot_id": "B0TRENDS", "user": "U0TRENDS", "metadata": metadata,
        }
        self.messages.append(message)
        return {"ok": True, "channel": message["channel_id"], "ts": ts,
                "message": _public(message)}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel:
            return {"ok": False, "error": "channel_not_found"}
        cid = self.channel_id(channel)
        # Like Slack: top-level messages only, newest first.
        oldest = float(params.get("oldest") or 0)
        top = [m for m in self.messages if m["channel_id"] == cid
               and m["thread_ts"] in (None, m["ts"]) and float(m["ts"]) > oldest]
        newest_first = list(reversed(top))
        # The cursor is the offset into the newest-first list, like Slack's opaque cursor.
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = newest_first[start:start + limit]
        more = start + limit < len(newest_first)
        with_meta = bool(_flag(params.get("include_all_metadata")))
        return {"ok": True, "messages": [_public(m, self.messages, with_meta) for m in page],
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        parent = self._find(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [parent] + [m for m in self.messages
                             if m["channel_id"] == parent["channel_id"] and m["thread_ts"] == ts
                             and m["ts"] != ts]
        return {"ok": True, "messages": [_public(m, self.messages) for m in thread],
                "has_more": False}

    def _reactions_get(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        msg = self._find(channel, str(params.get("timestamp") or ""))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "type": "message", "channel": msg["channel_id"],
                "message": _public(msg, self.messages)}

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        cid = self.channel_id(channel)
        return next((m for m in self.messages if m["channel_id"] == cid and m["ts"] == ts), None)

    def _new_ts(self) -> str:
        # Slack ts: seconds.microseconds, unique and increasing per channel (here: globally).
        us = max(int(time.time() * 1_000_000), self._last_ts_us + 100)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def _check_blocks(blocks: Any) -> str | None:
    """The first violated limit of a blocks array, or None."""
    if not isinstance(blocks, list):
        return "blocks must be an array"
    if len(blocks) > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks"
    for i, b in enumerate(blocks):
        if not isinstance(b, dict) or not isinstance(b.get("type"), str):
            return f"/{i}: a block must be an object with a type"
        kind = b["type"]
        if kind == "header":
            t = b.get("text")
            if not isinstance(t, dict) or t.get("type") != "plain_text":
                return f"/{i}/text: header text must be plain_text"
            if len(str(t.get("text", ""))) > MAX_HEADER_TEXT:
                return f"/{i}/text: header longer than {MAX_HEADER_TEXT}"
        elif kind == "section":
            t, fields = b.get("text"), b.get("fields")
            if t is None and not fields:
                return f"/{i}: section needs text or fields"
            if t is not None:
                if not isinstance(t, dict) or t.get("type") not in ("mrkdwn", "plain_text"):
                    return f"/{i}/text: must be a text object"
                if not 1 <= len(str(t.get("text", ""))) <= MAX_SECTION_TEXT:
                    return f"/{i}/text: section text must be 1..{MAX_SECTION_TEXT} characters"
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
                    return f"/{i}/fields: at most {MAX_SECTION_FIELDS}"
                if any(len(str(f.get("text", ""))) > MAX_FIELD_TEXT for f in fields):
                    return f"/{i}/fields: field longer than {MAX_FIELD_TEXT}"
        elif kind == "context":
            elements = b.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS:
                return f"/{i}/elements: 1..{MAX_CONTEXT_ELEMENTS} elements"
            if any(len(str(e.get("text", ""))) > MAX_SECTION_TEXT for e in elements):
                return f"/{i}/elements: text longer than {MAX_SECTION_TEXT}"
        elif kind not in ("divider", "image", "actions", "rich_text", "markdown"):
            return f"/{i}: unknown block type {kind!r}"
    return None


def _public(message: dict[str, Any], everything: list[dict[str, Any]] | None = None,
            with_metadata: bool = True) -> dict[str, Any]:
    hidden = ("channel", "channel_id", "unfurl_links", "unfurl_media")
    if not with_metadata:       # like Slack: history shows metadata only when asked for it
        hidden += ("metadata",)
    out = {k: v for k, v in message.items() if k not in hidden and v is not None}
    if everything is not None and message["thread_ts"] is None:
        replies = [m for m in everything if m["thread_ts"] == message["ts"]]
        if replies:
            out["thread_ts"] = message["ts"]
            out["reply_count"] = len(replies)
    return out


def _name(channel: str) -> str:
    return channel.strip().lstrip("#")


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true")


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8")
    if kind == "application/json":
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(text, keep_blank_values=True))
    return {}


def _handler_for(server: SlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Small responses sent while the client waits would otherwise sit in Nagle's buffer
        # until the client's delayed ACK (~40 ms per call).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if parts.path.startswith("/upload/v1/"):
                self._send(*server._upload(parts.path.rsplit("/", 1)[-1], body))
                return
            if not parts.path.startswith("/api/"):
                self._send(404, {}, {"ok": False, "error": "not_found"})
                return
            try:
                params: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
                params.update(_parse_body(self.headers.get("Content-Type", ""), body))
            except (ValueError, UnicodeDecodeError):
                self._send(200, {}, {"ok": False, "error": "invalid_form_data"})
                return
            method = parts.path[len("/api/"):]
            status, headers, payload = server._handle(method, params,
                                                      self.headers.get("Authorization"))
            self._send(status, headers, payload)

        def _send(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode("utf-8")
            head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                    "Content-Type: application/json; charset=utf-8",
                    f"Content-Length: {len(body)}"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            if self.close_connection:
                head.append("Connection: close")
            # One write for headers and body: a split write plus Nagle stalls each response.
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def fast_sender(server: SlackServer, token: str = "xoxb-test", **kw: Any) -> Any:
    """A real SlackSender pointed at `server`, without Slack's pacing or backoff waits."""
    from trends.deliver.slack import SlackSender

    kw.setdefault("min_interval", 0)
    kw.setdefault("backoff", 0)
    return SlackSender(token, base_url=server.base_url, **kw)
