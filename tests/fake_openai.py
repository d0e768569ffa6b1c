"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

It is a real HTTP server (stdlib `ThreadingHTTPServer`), so the real `openai`
client, its timeouts and our retry loop are exercised end to end.  Each test
scripts the answers it needs:

    def test_something(fake_llm: FakeLLM) -> None:
        fake_llm.script(
            FakeResponse(status=429, headers={"Retry-After": "1"}, body=error_body("slow down")),
            json_answer({"ok": True}),                       # a dict is a 200 body
            lambda request: json_answer({"echo": request["model"]}),  # or a function of the request
        )
        settings = Settings(base_url=fake_llm.base_url, model=FAKE_MODEL, api_key="sk-test")
        ...
        assert fake_llm.requests[0].json["max_tokens"] == 100

Queued items are consumed one per request, in order.  When the queue is empty
the `handler` given to `script(..., handler=fn)` answers; without one the
server answers 418, so a test that makes more calls than it scripted fails
loudly instead of hanging.  Every request is recorded (headers, JSON body,
arrival time) for assertions.  `GET /v1/models` lists one model.

Routes outside the chat API (a llama.cpp server's `/tokenize` and `/props`)
answer 404 unless a test adds them: `fake_llm.route("POST", "/tokenize", fn)`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from summarizer.facts.numbers import find_figures

FAKE_MODEL = "fake-model"


@dataclass(frozen=True)
class FakeResponse:
    """One scripted answer: status, headers, body (dict -> JSON, str -> as is), delay before answering."""

    status: int = 200
    body: dict[str, Any] | str = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


# What a script item or handler may be: a full response, a 200 body, or a function of the request JSON.
ScriptItem = FakeResponse | dict[str, Any] | Callable[[dict[str, Any]], "FakeResponse | dict[str, Any]"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    json: dict[str, Any]  # {} for a body that is not JSON (or GET)
    received_at: float  # time.monotonic() when the request arrived


# ---------------------------------------------------------------- response builders


def usage_body(prompt_tokens: int = 10, completion_tokens: int = 5) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _completion(
    message: dict[str, Any], finish_reason: str | None, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": FAKE_MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": usage_body(prompt_tokens, completion_tokens),
    }


def content_answer(
    content: str | None,
    *,
    finish_reason: str | None = "stop",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> dict[str, Any]:
    """A chat completion whose message content is `content` (any text, JSON or not)."""
    return _completion(
        {"role": "assistant", "content": content}, finish_reason, prompt_tokens, completion_tokens
    )


def json_answer(
    data: Any, *, finish_reason: str | None = "stop", prompt_tokens: int = 10, completion_tokens: int = 5
) -> dict[str, Any]:
    """A chat completion whose content is `data` serialized as JSON."""
    return content_answer(
        json.dumps(data, ensure_ascii=False),
        finish_reason=finish_reason,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def tool_call_answer(
    name: str,
    arguments: dict[str, Any] | str,
    *,
    finish_reason: str | None = "tool_calls",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> dict[str, Any]:
    """A chat completion calling function `name` with `arguments` (a dict is serialized to JSON)."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_fake", "type": "function", "function": {"name": name, "arguments": args}}
        ],
    }
    return _completion(message, finish_reason, prompt_tokens, completion_tokens)


def error_body(
    message: str, *, type: str = "invalid_request_error", code: str | None = None
) -> dict[str, Any]:
    """The OpenAI error envelope: {"error": {"message", "type", "code", "param"}}."""
    return {"error": {"message": message, "type": type, "code": code, "param": None}}


def error(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> FakeResponse:
    return FakeResponse(status=status, body=error_body(message, code=code), headers=headers or {})


# ---------------------------------------------------------------- the server


class FakeLLM:
    """The running server: `base_url`, `script(...)`, `requests`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[ScriptItem] = deque()
        self._handler: ScriptItem | None = None
        self._requests: list[RecordedRequest] = []
        self._routes: dict[tuple[str, str], ScriptItem] = {}
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        # A short poll interval: `shutdown()` waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a scripted delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, *items: ScriptItem, handler: ScriptItem | None = None) -> None:
        """Replace the script: `items` answer the next requests in order, then `handler` answers the rest."""
        with self._lock:
            self._queue = deque(items)
            self._handler = handler

    def route(self, method: str, path: str, item: ScriptItem) -> None:
        """Answer `method path` (exact, e.g. "POST", "/tokenize") with `item` every time; the script is untouched."""
        with self._lock:
            self._routes[(method, path)] = item

    def _routed(self, method: str, path: str) -> ScriptItem | None:
        with self._lock:
            return self._routes.get((method, path.rstrip("/") or "/"))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _receive(self, request: RecordedRequest) -> ScriptItem | None:
        """Record a request and pick its scripted answer, atomically so concurrent requests pair up."""
        with self._lock:
            self._requests.append(request)
            if self._queue:
                return self._queue.popleft()
            return self._handler

    def _sleep(self, seconds: float) -> bool:
        """Sleep for a scripted delay; False when the server is stopping meanwhile."""
        return not self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler sleeping in a scripted delay must not block shutdown
    request_queue_size = 128  # bursts of concurrent calls must not be refused by a short listen backlog


def _resolve(item: ScriptItem | None, request_json: dict[str, Any]) -> FakeResponse:
    if item is None:
        return error(418, "fake_openai: no scripted response left for this request")
    if callable(item):
        item = item(request_json)
    if isinstance(item, FakeResponse):
        return item
    return FakeResponse(body=item)


def _make_handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like real endpoints
        # Headers and body go out in separate writes; without TCP_NODELAY the client's delayed ACK
        # adds ~40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            request = self._parse(b"")
            fake._record(request)  # GETs never consume the script
            routed = fake._routed("GET", self.path)
            if routed is not None:
                self._send_after_delay(_resolve(routed, request.json))
            elif self.path.rstrip("/").endswith("/models"):
                body = {"object": "list", "data": [{"id": FAKE_MODEL, "object": "model", "owned_by": "fake"}]}
                self._send(FakeResponse(body=body))
            else:
                self._send(error(404, f"fake_openai: no route {self.path}"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = self._parse(self.rfile.read(length) if length else b"")
            routed = fake._routed("POST", self.path)
            if routed is not None:
                fake._record(request)
                self._send_after_delay(_resolve(routed, request.json))
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                fake._record(request)
                self._send(error(404, f"fake_openai: no route {self.path}"))
                return
            self._send_after_delay(_resolve(fake._receive(request), request.json))

        def _send_after_delay(self, response: FakeResponse) -> None:
            if response.delay and not fake._sleep(response.delay):
                return
            self._send(response)

        def _parse(self, raw: bytes) -> RecordedRequest:
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {}
            return RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                json=parsed if isinstance(parsed, dict) else {},
                received_at=time.monotonic(),
            )

        def _send(self, response: FakeResponse) -> None:
            if isinstance(response.body, str):
                payload = response.body.encode("utf-8")
                content_type = "text/plain; charset=utf-8"
            else:
                payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
                content_type = "application/json"
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

    return Handler


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A fresh scripted server for one test."""
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- a model that follows the prompt

REDUCE_MARKER = "【目录】"  # only the reduce prompt's material carries the report's table of contents
META_FIELDS = ("title", "place", "admin_level", "meeting", "date", "speaker", "review_period", "plan_period")


def is_fix(request: dict[str, Any]) -> bool:
    """Whether a request is a re-ask of failed sentences (its data block lists them under 【待改的句子】)."""
    return "【待改的句子】" in str(request["messages"][-1]["content"])


def report_material(request: dict[str, Any]) -> str:
    """The report material of a request: what stands between the <<<REPORT delimiters."""
    user = str(request["messages"][1]["content"])
    if "<<<REPORT\n" not in user:
        return user
    return user.split("<<<REPORT\n", 1)[1].split("\nREPORT>>>", 1)[0]


def a_quote(material: str, length: int = 18) -> str:
    """A verbatim quote of the material: the start of the longest sentence of its longest line (headers
    left out; a run-in heading before the sentence is no summary)."""
    lines = [line.strip() for line in material.splitlines() if line.strip() and line.strip()[0] not in "【["]
    if not lines:
        return ""
    sentences = [s.strip() for s in re.split(r"(?<=[。！？；])", max(lines, key=len)) if s.strip()]
    sentence = max(sentences, key=len)
    clause = re.search(r"[，,；;。、]", sentence[10:])  # whole clauses, when they are short
    if clause is not None and 10 + clause.start() <= 30:
        return sentence[: 10 + clause.start()]
    for figure in find_figures(sentence):  # a figure is never cut in two: "6%左" is no figure of the text
        if figure.start < length < figure.end:
            length = figure.end
    return sentence[:length]


def request_schema(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema a request asks its answer to follow, in whichever mode it was sent."""
    if request.get("tools"):
        return dict(request["tools"][0]["function"]["parameters"])
    response_format = request.get("response_format") or {}
    if "json_schema" in response_format:
        return dict(response_format["json_schema"]["schema"])
    if "schema" in response_format:
        return dict(response_format["schema"])
    text = str(request["messages"][-1]["content"])  # json_object without it: the schema in the prompt
    return dict(json.loads(text[text.index("{", text.rindex("JSON Schema")) :]))


def section_quotes(request: dict[str, Any]) -> dict[str, str]:
    """For each section key of a chunk call, a verbatim quote of that section's own text."""
    user = str(request["messages"][1]["content"])
    material = report_material(request)
    outline = re.findall(r'^- "([^"]+)"：(.+?)（\d+ 句）$', user, re.M)
    found: list[tuple[int, str]] = []
    for n, (key, title) in enumerate(outline):  # in report order: each title after the one before
        pos = material.find(title.strip()[:12], found[-1][0] + 1 if found else 0)
        if pos < 0 and n == 0:  # the chunk starts inside this section: its heading is in an earlier chunk
            pos = 0
        elif pos < 0 and n == len(outline) - 1:  # a closing section without a heading: the last paragraph
            pos = material.rstrip().rfind("\n") + 1
        if (pos >= 0 and (not found or pos > found[-1][0])) or (pos == 0 and not found):
            found.append((pos, key))
    quotes: dict[str, str] = {}
    for n, (pos, key) in enumerate(found):
        end = found[n + 1][0] if n + 1 < len(found) else len(material)
        quotes[key] = a_quote(material[pos:end])
    return quotes


_REVIEW_TITLE = re.compile(r"回顾|过去|一年来|五年来|工作总结|主要工作")
_PLAN_TITLE = re.compile(r"安排|计划|目标|任务|思路|打算|展望")
_FACT_LINE = re.compile(r"^\[(i\d+)\] (.+?) \((?:\d{4}|\?), (target|actual)\)$", re.M)


def compress(sentence: str) -> str:
    """What a model asked to compress a sentence writes: its clauses from the first with a figure, at least
    12 characters, never every clause of a sentence that has more than one."""
    clauses = [c.strip() for c in re.split(r"[，,；;。]", sentence.strip()) if c.strip()]
    start = next((i for i, c in enumerate(clauses) if re.search(r"\d", c)), 0)
    kept: list[str] = []
    for clause in clauses[start:]:
        if kept and len(kept) + start + 1 == len(clauses) and start == 0:
            break  # the last clause would make it the whole sentence
        kept.append(clause)
        if len("".join(kept)) >= 12:
            break
    return "，".join(kept)


def compressed_answer(request: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The compress design's answer: for each key, the compression of the sentence listed under it
    ("[s3] …" in a first call, a 【"s3"】 block in a re-ask)."""
    material = report_material(request)
    listed = dict(re.findall(r"^\[(s\d+)\] (.+)$", material, re.M))
    listed |= dict(re.findall(r'^【"([^"]+)"】\n(.*?)(?=\n\n【|\Z)', material, re.S | re.M))
    fixes = dict(re.findall(r'^(f\d+)（写给 "([^"]+)"', str(request["messages"][-1]["content"]), re.M))
    return {key: compress(listed.get(fixes.get(key, key), "")) for key in schema.get("properties", {})}


def cooperative_answer(
    request: dict[str, Any], *, sentences: int = 1, text: str | None = None
) -> dict[str, Any]:
    """The data a model that follows the prompt returns: sentences citing a verbatim quote.

    The answer follows the request's schema: every array of sentences gets `sentences`
    of them (within its minItems/maxItems; an overview at least three), each sentence `text`
    (by default its own quote: a sentence the verifier supports) quoting the text of the section
    its key names (or the material's longest line),
    nullable fields (meta) are null, and keywords quote the material.
    """
    schema = request_schema(request)
    if all(v.get("type") == "string" for v in schema.get("properties", {}).values()):
        return compressed_answer(request, schema)
    fallback = a_quote(report_material(request))
    quotes = section_quotes(request)
    # A re-ask of failed sentences names the key each was written for: "f2（写给 "1.2"，原句：…）".
    fixes = re.findall(r'^(f\d+)（写给 "([^"]+)"', str(request["messages"][-1]["content"]), re.M)
    # Its material is one block per key, headed 【"key"】: a fix quotes its own key's block.
    blocks = dict(re.findall(r'^【"([^"]+)"】\n(.*?)(?=\n\n【|\Z)', report_material(request), re.S | re.M))
    quotes |= {fix: quotes.get(key) or a_quote(blocks.get(key, "")) or fallback for fix, key in fixes}

    # The reduce cites its fact list: a plan states a target, an achievement an actual, as listed.
    listed = dict(
        (kind, (fact_id, said.replace(" ", "")))
        for fact_id, said, kind in reversed(_FACT_LINE.findall(report_material(request)))
    )
    cited = {"plans": listed.get("target"), "achievements": listed.get("actual")}
    # A one-pass call quotes its sections: achievements from the part reviewing the year, plans from
    # the part planning the next one (by their titles in the outline).
    outline = re.findall(r'^- "([^"]+)"：(.+?)（\d+ 句）$', str(request["messages"][1]["content"]), re.M)
    # A digest quotes the section summaries, listed under their sections' titles.
    summaries: list[tuple[str, str]] = []
    title = ""
    for line in report_material(request).splitlines():
        written = re.match(r"^\s+- .*（(.+)）$", line)
        if written:
            summaries.append((title, written.group(1)))
        elif line.strip():
            title = line
    for name, cue in (("achievements", _REVIEW_TITLE), ("plans", _PLAN_TITLE)):
        part = next((key for key, title in outline if cue.search(title) and key in quotes), None)
        if part is not None:
            quotes.setdefault(name, quotes[part])
        summary = next((quote for title, quote in summaries if cue.search(title)), None)
        if summary is not None:
            quotes.setdefault(name, summary)

    def sentence(item: dict[str, Any], key: str) -> dict[str, Any]:
        fact = cited.get(key)
        if text is None and fact is not None and "fact_ids" in item.get("properties", {}):
            return {"text": fact[1], "quotes": [], "fact_ids": [fact[0]]}
        quote = quotes.get(key, fallback)
        said = quote if text is None else text
        if "quote" in item.get("properties", {}):
            return {"text": said, "quote": quote}
        return {"text": said, "quotes": [quote], "fact_ids": []}

    def fill(node: dict[str, Any], key: str) -> Any:
        if "anyOf" in node:
            return None
        if node.get("type") == "object":
            if "text" in node.get("properties", {}):
                return sentence(node, key)
            return {k: fill(v, k) for k, v in node.get("properties", {}).items()}
        if node.get("type") == "array":
            item = node.get("items", {})
            if item.get("type") == "string":
                return [fallback[:2]]
            wanted = 3 if key == "overview" else sentences
            n = max(node.get("minItems", 0), min(wanted, node.get("maxItems", wanted)))
            return [sentence(item, key) for _ in range(n)]
        return fallback

    data: dict[str, Any] = fill(schema, "")
    return data
