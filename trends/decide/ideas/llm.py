"""An optional LLM writer for hooks and captions, over any OpenAI-compatible endpoint.

Configured from the environment only: `TRENDS_LLM_BASE_URL` (e.g. "http://127.0.0.1:8000/v1"),
`TRENDS_LLM_MODEL`, and `TRENDS_LLM_API_KEY` (sent as a bearer token when set). Nothing set
means no writer: the templates in trends/decide/ideas/writer.py write everything.

The model gets the same structured brief the templates work from (brand and tone, why the
topic fits the brand, the facts from the stories, the platform and its length limit, the
language), and its answer is checked before use (`check_answer`): written in the language
asked, within the platform's limit, no Slack mention syntax, at least one of the facts in it,
and no number the stories do not give. It is asked after the scoring run has committed and
released the warehouse (trends/decide/ideas_job.py), so no HTTP call is made while the
writer lock is held.

The writer never fails a scoring run: any error (timeout, HTTP error, an answer that is not the
JSON we asked for, or one that fails the checks) returns None and the idea keeps its template
text, marked as such. After `MAX_FAILURES` errors in one run it stops asking, so a dead
endpoint costs a few timeouts, not one per idea.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trends.config import Env
from trends.understand.nlp.language import identify_language

if TYPE_CHECKING:
    import httpx  # imported when a model is asked: scoring without one never pays it

__all__ = ["LLMWriter", "WriteRequest", "build_messages", "check_answer", "parse_answer"]

TIMEOUT_S = 8.0
MAX_FAILURES = 2
MAX_HOOK = 200
MAX_CAPTION = 1200
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

_ANGLE_BRIEFS = {
    "soft_sell": "soft sell: join the conversation warmly; the brand is present but does not push",
    "hard_sell": "hard sell: a clear offer and a call to action (link in bio, order now)",
    "question": "a question to followers that invites comments",
    "educational": "educational: one useful, accurate tip or fact linked to the topic",
    "behind_the_scenes": "behind the scenes: how the team or the product lives this moment",
    "trust": "trust: honest about what the product can and cannot do; no overclaiming",
}
_LINK_BRIEFS = {
    "field": "the brand's own field is in the story: speak as the expert it is",
    "audience": "the brand's audience cares about it: join as a friend, sell lightly",
    "moment": "a calendar moment is coming: help followers prepare",
    "buzz": "general buzz: join lightly with a question, do not sell",
}
_LANGUAGES = {"id": "Indonesian (natural, casual social-media Indonesian, not stiff or translated)",
              "en": "English"}


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """Everything the model needs for one idea."""

    topic: str
    headlines: Sequence[str]
    brand: str
    keywords: Sequence[str]
    tone: str
    angle: str
    platform: str
    language: str
    hashtags: Sequence[str] = ()
    warning: str = ""
    link: str = "field"                  # why the topic fits the brand
    facts: Sequence[str] = ()            # facts from the stories; the answer must use one
    max_caption: int | None = None       # the platform's limit (X: 280), else MAX_CAPTION


def build_messages(r: WriteRequest) -> list[dict[str, str]]:
    """The chat messages: a system brief and the topic's context."""
    system = (
        "You write social media posts for brands in Indonesia. Answer with one JSON object "
        'and nothing else: {"hook": "...", "caption": "..."}. The hook is one short line that '
        "stops the scroll; the caption is 1 to 3 sentences. No hashtags (they are added later), "
        "no @-mentions, no invented facts, prices or promises beyond the headlines given. "
        "Use at least one of the facts given, word for word.")
    lines = [
        f"Brand: {r.brand} (tone: {r.tone.replace('_', ' ')}; cares about: "
        f"{', '.join(r.keywords[:8])})",
        f"Trending topic: {r.topic}",
        "Recent headlines:",
        *[f"- {h}" for h in r.headlines[:5]],
        f"Why it fits the brand: {_LINK_BRIEFS.get(r.link, r.link)}",
        "Facts from the stories (use at least one):",
        *[f"- {f}" for f in r.facts[:5]],
        f"Angle: {_ANGLE_BRIEFS.get(r.angle, r.angle)}",
        f"Platform: {r.platform}"
        + (f" (the caption is one post of at most {r.max_caption} characters)"
           if r.max_caption else ""),
        f"Language: {_LANGUAGES.get(r.language, r.language)}",
    ]
    if r.warning:
        lines.append(f"Careful: {r.warning} Be respectful; do not sell on bad news.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


_MENTION = re.compile(r"<[!@#][^>]*>|(?<!\w)@(?:here|channel|everyone)\b|(?<!\w)@\w+")
_NUMBER = re.compile(r"\d[\d.,]*")


def check_answer(request: WriteRequest, hook: str, caption: str) -> str | None:
    """Why a model's answer cannot be used, or None: the checks of the module's doc."""
    text = f"{hook} {caption}"
    limit = request.max_caption or MAX_CAPTION
    if len(caption) > limit:
        return f"caption longer than {limit} characters"
    if _MENTION.search(text):
        return "mention syntax in the answer"
    if request.facts and not any(f.lower() in text.lower() for f in request.facts):
        return "none of the facts in the answer"
    given = " ".join([*request.facts, *request.headlines, request.topic])
    known = {n.strip(".,") for n in _NUMBER.findall(given)}
    invented = [n for n in (m.strip(".,") for m in _NUMBER.findall(text)) if n not in known]
    if invented:
        return f"a number the stories do not give: {invented[0]}"
    found = identify_language(caption)
    if found is not None and found != request.language:
        return f"written in {found}, not {request.language}"
    return None


def parse_answer(body: Any) -> tuple[str, str] | None:
    """(hook, caption) from a chat completions response body, or None if it is not usable."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(content, str):
        return None
    try:
        data = json.loads(_FENCE.sub("", content.strip()))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    hook, caption = data.get("hook"), data.get("caption")
    if not (isinstance(hook, str) and isinstance(caption, str)):
        return None
    hook, caption = " ".join(hook.split()), " ".join(caption.split())
    if not hook or not caption or len(hook) > MAX_HOOK or len(caption) > MAX_CAPTION:
        return None
    return hook, caption


@dataclass
class LLMWriter:
    """Writes hook and caption through POST {base_url}/chat/completions."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = TIMEOUT_S
    failures: int = 0
    rejected: int = 0                    # answers that failed check_answer
    last_error: str | None = None
    _client: httpx.Client | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Env) -> LLMWriter | None:
        """The writer the environment configures (TRENDS_LLM_BASE_URL and TRENDS_LLM_MODEL),
        or None."""
        if not env.llm_base_url or not env.llm_model:
            return None
        return cls(base_url=env.llm_base_url.rstrip("/"), model=env.llm_model,
                   api_key=env.llm_api_key)

    @property
    def available(self) -> bool:
        return self.failures < MAX_FAILURES

    def write(self, request: WriteRequest) -> tuple[str, str] | None:
        """(hook, caption), or None on any failure: the caller keeps its template text."""
        if not self.available:
            return None
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        import httpx

        payload = {"model": self.model, "messages": build_messages(request),
                   "temperature": 0.7, "max_tokens": 400}
        try:
            response = self._http().post(f"{self.base_url}/chat/completions", json=payload,
                                         headers=headers)
            response.raise_for_status()
            answer = parse_answer(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            self._fail(f"{type(exc).__name__}: {str(exc)[:200]}")
            return None
        if answer is None:
            self._fail("the answer was not the JSON object asked for")
            return None
        problem = check_answer(request, *answer)
        if problem is not None:
            # The endpoint works; this answer does not. The idea keeps its template text.
            self.rejected += 1
            self.last_error = f"the answer failed a check: {problem}"
            return None
        return answer

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=3.0),
                                        trust_env=False)
        return self._client

    def _fail(self, error: str) -> None:
        self.failures += 1
        self.last_error = error
