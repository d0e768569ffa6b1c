"""LLMClient through a real local HTTP server: modes, the mode ladder, usage, configuration, secrets.

Every test drives the real `openai` SDK against `tests/fake_openai.py`; retries
and typed errors are in test_llm_errors.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from summarizer.config import Settings
from summarizer.engines.llm.cache import Cache
from summarizer.engines.llm.client import CAPABILITIES_NAMESPACE, LLMClient, LLMReply, LLMUsage
from summarizer.engines.llm.presets import PRESETS, presets_markdown
from summarizer.errors import ConfigError, LLMError, LLMRefused, LLMTruncated
from tests.fake_openai import (
    FAKE_MODEL,
    FakeLLM,
    FakeResponse,
    content_answer,
    error,
    json_answer,
    tool_call_answer,
)
from tests.llm_session import ANSWER, MESSAGES, SCHEMA, SECRET, ask, ask_once, settings_for, with_client

# ---------------------------------------------------------------- happy paths, one per mode


@pytest.mark.parametrize(
    ("mode", "answer"),
    [
        pytest.param("json_schema", json_answer(ANSWER), id="json_schema"),
        pytest.param("json_object", json_answer(ANSWER), id="json_object"),
        pytest.param("tools", tool_call_answer("summary", ANSWER), id="tools"),
    ],
)
def test_each_fixed_mode_sends_its_request_shape_and_parses_the_answer(
    fake_llm: FakeLLM, mode: str, answer: dict[str, Any]
) -> None:
    fake_llm.script(answer)
    reply, client = ask_once(fake_llm, json_mode=mode)

    assert isinstance(reply, LLMReply)
    assert reply.data == ANSWER and reply.mode == mode
    assert json.loads(reply.raw) == ANSWER
    (request,) = fake_llm.chat_requests
    body = request.json
    assert body["model"] == FAKE_MODEL and body["max_tokens"] == 321
    if mode == "json_schema":
        assert body["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "summary", "schema": SCHEMA, "strict": True},
        }
        assert body["messages"] == MESSAGES
    elif mode == "json_object":
        assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
        last = body["messages"][-1]["content"]  # the schema goes last: the system part stays a shared prefix
        assert last.startswith(MESSAGES[-1]["content"]) and '"additionalProperties":false' in last
        assert body["messages"][:-1] == MESSAGES[:-1]
    else:
        assert "response_format" not in body
        assert body["tools"][0]["function"]["name"] == "summary"
        assert body["tools"][0]["function"]["parameters"] == SCHEMA
        assert body["tool_choice"] == {"type": "function", "function": {"name": "summary"}}
    assert client.usage == LLMUsage(calls=1, prompt_tokens=10, completion_tokens=5)


def test_auto_mode_starts_with_strict_json_schema(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer(ANSWER))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMReply) and reply.mode == "json_schema"
    assert fake_llm.chat_requests[0].json["response_format"]["type"] == "json_schema"
    assert client.known_mode == "json_schema"


def test_json_object_mode_puts_the_schema_after_the_user_message(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer(ANSWER))
    settings = settings_for(fake_llm, json_mode="json_object")
    user_only = [{"role": "user", "content": "请总结。"}]
    reply, _ = with_client(
        settings, lambda c: c.chat_json(user_only, schema=SCHEMA, schema_name="summary", max_tokens=50)
    )
    assert isinstance(reply, LLMReply)
    sent = fake_llm.chat_requests[0].json["messages"]
    assert [m["role"] for m in sent] == ["user"] and "JSON Schema" in sent[0]["content"]
    assert sent[0]["content"].startswith("请总结。")


def test_tools_mode_reads_content_when_the_server_ignores_tool_choice(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer(ANSWER))
    reply, _ = ask_once(fake_llm, json_mode="tools")
    assert isinstance(reply, LLMReply) and reply.data == ANSWER and reply.mode == "tools"


# ---------------------------------------------------------------- the mode ladder

LLAMA_CPP_500 = error(500, "JSON schema conversion failed: unsupported keyword in response_format")


@pytest.mark.parametrize(
    "rejection",
    [
        pytest.param(error(400, "response_format type json_schema is not supported"), id="400"),
        pytest.param(LLAMA_CPP_500, id="llama.cpp-500"),
        pytest.param(
            FakeResponse(status=422, body={"detail": "unknown field json_schema"}), id="422-vllm-old"
        ),
    ],
)
def test_rejected_json_schema_falls_back_to_json_object_and_is_remembered(
    fake_llm: FakeLLM, rejection: FakeResponse, tmp_path: Path
) -> None:
    fake_llm.script(rejection, json_answer(ANSWER), json_answer({"title": "二", "count": 2}))
    cache = Cache.open(str(tmp_path / "c.sqlite3"))

    async def two_calls(client: LLMClient) -> list[LLMReply]:
        return [await ask(client), await ask(client)]

    replies, client = with_client(settings_for(fake_llm), two_calls, cache=cache)
    assert isinstance(replies, list)
    assert [r.mode for r in replies] == ["json_object", "json_object"]
    kinds = [r.json["response_format"]["type"] for r in fake_llm.chat_requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # the second call skips the probe
    assert client.usage.calls == 3

    # A new client (a new run) learns the mode from the cache and starts there.
    fake_llm.script(json_answer(ANSWER))
    reply, _ = with_client(settings_for(fake_llm), ask, cache=cache)
    assert isinstance(reply, LLMReply) and reply.mode == "json_object"
    assert fake_llm.chat_requests[-1].json["response_format"]["type"] == "json_object"
    assert len(fake_llm.chat_requests) == 4
    cache.close()


def test_remembered_mode_is_per_model(fake_llm: FakeLLM, tmp_path: Path) -> None:
    cache = Cache.open(str(tmp_path / "c.sqlite3"))
    cache.put(CAPABILITIES_NAMESPACE, Cache.key(fake_llm.base_url, FAKE_MODEL), "tools")
    fake_llm.script(json_answer(ANSWER), json_answer(ANSWER))
    other, _ = ask_once(fake_llm, cache=cache, model="another-model")
    same, _ = ask_once(fake_llm, cache=cache)
    assert isinstance(other, LLMReply) and other.mode == "json_schema"
    assert isinstance(same, LLMReply) and same.mode == "tools"
    cache.close()


def test_both_response_formats_rejected_falls_back_to_tools(fake_llm: FakeLLM) -> None:
    fake_llm.script(
        error(400, "response_format json_schema unsupported"),
        error(400, "response_format json_object unsupported"),
        error(400, "response_format json_object unsupported"),
        tool_call_answer("summary", ANSWER),
    )
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMReply) and reply.mode == "tools" and reply.data == ANSWER
    assert client.known_mode == "tools" and client.usage.calls == 4


def test_endpoint_accepting_no_mode_is_refused_after_three_calls(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=error(400, "unsupported parameter"))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMRefused) and "structured-output" in str(reply)
    # json_schema, json_object with and without response_format.schema, tools
    assert client.usage.calls == 4 and client.known_mode is None


def test_json_object_drops_the_schema_field_a_strict_server_refuses(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    def strict_server(request: dict[str, Any]) -> FakeResponse | dict[str, Any]:
        if "schema" in request.get("response_format", {}):
            return error(400, "Additional properties are not allowed ('schema' was unexpected)")
        return json_answer(ANSWER)

    fake_llm.script(handler=strict_server)
    cache = Cache.open(str(tmp_path / "c.sqlite3"))

    async def two_calls(client: LLMClient) -> list[LLMReply]:
        return [await ask(client), await ask(client)]

    replies, _ = with_client(settings_for(fake_llm, json_mode="json_object"), two_calls, cache=cache)
    assert isinstance(replies, list) and [r.mode for r in replies] == ["json_object", "json_object"]
    sent = [r.json["response_format"] for r in fake_llm.chat_requests]
    assert sent == [
        {"type": "json_object", "schema": SCHEMA},
        {"type": "json_object"},
        {"type": "json_object"},
    ]
    assert "JSON Schema" in fake_llm.chat_requests[-1].json["messages"][-1]["content"]  # still in the prompt

    reply, _ = with_client(settings_for(fake_llm, json_mode="json_object"), ask, cache=cache)  # a new run
    assert isinstance(reply, LLMReply) and len(fake_llm.chat_requests) == 4
    assert fake_llm.chat_requests[-1].json["response_format"] == {"type": "json_object"}
    cache.close()


def sent_mode(request: dict[str, Any]) -> str:
    return "tools" if "tools" in request else str(request["response_format"]["type"])


@pytest.mark.parametrize(
    ("mode", "calls"),
    [
        pytest.param("json_schema", 1, id="json_schema"),
        pytest.param("json_object", 2, id="json_object"),  # also tried without response_format.schema
        pytest.param("tools", 1, id="tools"),
    ],
)
def test_a_fixed_mode_never_falls_back(fake_llm: FakeLLM, mode: str, calls: int) -> None:
    fake_llm.script(handler=error(400, f"{mode} not supported"))
    reply, client = ask_once(fake_llm, json_mode=mode)
    assert isinstance(reply, LLMRefused) and mode in str(reply)
    assert client.usage.calls == calls
    assert {sent_mode(r.json) for r in fake_llm.chat_requests} == {mode}


def test_concurrent_first_calls_probe_the_ladder_once(fake_llm: FakeLLM) -> None:
    def answer(request: dict[str, Any]) -> FakeResponse | dict[str, Any]:
        if request.get("response_format", {}).get("type") == "json_schema":
            return LLAMA_CPP_500
        return json_answer(ANSWER)

    fake_llm.script(handler=answer)

    async def four_at_once(client: LLMClient) -> list[LLMReply]:
        return list(await asyncio.gather(*(ask(client) for _ in range(4))))

    replies, client = with_client(settings_for(fake_llm), four_at_once)
    assert isinstance(replies, list) and all(r.mode == "json_object" for r in replies)
    kinds = [r.json["response_format"]["type"] for r in fake_llm.chat_requests]
    assert kinds.count("json_schema") == 1 and kinds.count("json_object") == 4
    assert client.usage.calls == 5


# ---------------------------------------------------------------- usage and configuration


def test_usage_sums_every_attempt(fake_llm: FakeLLM) -> None:
    fake_llm.script(
        error(503, "busy"),
        content_answer("", prompt_tokens=100, completion_tokens=1),
        json_answer(ANSWER, prompt_tokens=120, completion_tokens=30),
        content_answer("{", finish_reason="length", prompt_tokens=50, completion_tokens=321),
    )

    async def two_calls(client: LLMClient) -> LLMUsage:
        await ask(client)
        with contextlib.suppress(LLMTruncated):
            await ask(client)
        return client.usage

    usage, _ = with_client(settings_for(fake_llm), two_calls)
    assert usage == LLMUsage(calls=4, prompt_tokens=270, completion_tokens=352)
    total = LLMUsage()
    total.add(LLMUsage(calls=4, prompt_tokens=270, completion_tokens=352))
    total.add(LLMUsage(calls=1, prompt_tokens=1, completion_tokens=1))
    assert total == LLMUsage(calls=5, prompt_tokens=271, completion_tokens=353)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(Settings(base_url="http://127.0.0.1:9/v1"), id="no-model"),
        pytest.param(Settings(model="m"), id="no-endpoint"),
    ],
)
def test_missing_configuration_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError):
        LLMClient(settings)


def test_local_endpoint_without_key_gets_a_placeholder(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer(ANSWER))
    reply, _ = ask_once(fake_llm, api_key=None)
    assert isinstance(reply, LLMReply)
    assert fake_llm.chat_requests[0].headers["authorization"] == "Bearer not-needed"


# ---------------------------------------------------------------- the key never leaks


def test_api_key_appears_nowhere(fake_llm: FakeLLM, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK and HTTP libraries too, at their most verbose
    cache_path = tmp_path / "secret-check.sqlite3"
    cache = Cache.open(str(cache_path))
    fake_llm.script(
        error(401, f"Incorrect API key provided: {SECRET}"),  # a server that echoes the key
        error(403, f"key {SECRET} may not use this model"),
        error(500, "busy"),
        error(400, "response_format unsupported"),
        json_answer(ANSWER),
    )

    async def calls(client: LLMClient) -> list[Any]:
        outcomes: list[Any] = []
        for _ in range(3):
            try:
                outcomes.append(await ask(client))
            except (LLMError, ConfigError) as e:
                outcomes.append(e)
        outcomes.append(repr(client))
        return outcomes

    outcomes, client = with_client(settings_for(fake_llm), calls, cache=cache)
    cache.close()
    assert isinstance(outcomes, list)
    unauthorized, bad_request, success, client_repr = outcomes
    assert isinstance(unauthorized, ConfigError) and isinstance(bad_request, LLMRefused)
    assert isinstance(success, LLMReply) and success.mode == "json_object"

    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in fake_llm.chat_requests)
    texts = [caplog.text, client_repr, repr(client.settings), str(client.usage)]
    for e in (unauthorized, bad_request):
        texts += [str(e), repr(e), e.line]
    texts.append(repr(unauthorized.__cause__))  # a 401 drops the SDK error: its message may quote the key
    assert caplog.records, "the scenario should have logged something"
    for text in texts:
        assert SECRET not in text and "TESTKEY" not in text
    for stored in tmp_path.glob("secret-check.sqlite3*"):  # the database, its WAL and shm
        assert SECRET.encode() not in stored.read_bytes()
    with Cache.open(str(cache_path)) as reopened:  # the run did write to the cache
        assert reopened.get(CAPABILITIES_NAMESPACE, Cache.key(fake_llm.base_url, FAKE_MODEL)) == "json_object"


# ---------------------------------------------------------------- presets


def test_presets_are_valid_settings_and_fill_the_readme_table() -> None:
    table = presets_markdown()
    assert table.count("\n") == len(PRESETS) + 2
    for preset in PRESETS.values():
        settings = Settings(base_url=preset.base_url, model=preset.example_model, json_mode=preset.json_mode)
        assert settings.base_url == preset.base_url
        assert preset.label in table and preset.base_url in table
