"""LLMClient through a real local HTTP server: network retries and the typed errors.

Delays and timeouts are a fraction of a second so the file runs in a few seconds.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from summarizer.config import Settings
from summarizer.engines.llm.client import LLMReply, RetryPolicy
from summarizer.errors import (
    ConfigError,
    LLMBadOutput,
    LLMError,
    LLMRefused,
    LLMTransient,
    LLMTruncated,
    SummarizerError,
)
from tests.fake_openai import (
    FAKE_MODEL,
    FakeLLM,
    FakeResponse,
    content_answer,
    error,
    json_answer,
    tool_call_answer,
)
from tests.llm_session import ANSWER, FAST, ask, ask_once, with_client

# ---------------------------------------------------------------- network retries


def test_429_waits_for_retry_after_then_succeeds(fake_llm: FakeLLM) -> None:
    fake_llm.script(error(429, "rate limited", headers={"Retry-After": "1"}), json_answer(ANSWER))
    reply, client = ask_once(fake_llm, timeout=0.5, retry=RetryPolicy(max_attempts=3, deadline=5.0))
    assert isinstance(reply, LLMReply) and reply.data == ANSWER
    first, second = fake_llm.chat_requests
    assert second.received_at - first.received_at >= 1.0
    assert client.usage.calls == 2


def test_500_then_success(fake_llm: FakeLLM) -> None:
    fake_llm.script(error(500, "internal error"), json_answer(ANSWER))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMReply) and reply.data == ANSWER and reply.mode == "json_schema"
    assert client.usage.calls == 2


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(error(500, "internal error"), id="500"),
        pytest.param(error(503, "overloaded"), id="503"),
        pytest.param(error(429, "rate limited"), id="429-no-retry-after"),
    ],
)
def test_persistent_server_failure_gives_transient_after_bounded_attempts(
    fake_llm: FakeLLM, failure: FakeResponse
) -> None:
    fake_llm.script(handler=failure)
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMTransient) and str(failure.status) in str(reply)
    assert client.usage.calls == FAST.max_attempts == len(fake_llm.chat_requests)


def test_retry_after_beyond_the_deadline_stops_at_once(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=error(429, "rate limited", headers={"Retry-After": "30"}))
    reply, client = ask_once(fake_llm, retry=RetryPolicy(max_attempts=5, deadline=2.0))
    assert isinstance(reply, LLMTransient) and client.usage.calls == 1


# The server answers 5 s late, 25 times the 0.2 s timeout: every attempt times out, however slow the machine.
NEVER_IN_TIME = FakeResponse(body=json_answer(ANSWER), delay=5.0)


def test_timeout_is_retried_then_transient(fake_llm: FakeLLM) -> None:
    # The attempt cap, not the clock, ends this loop: 3 attempts take ~0.7 s, the deadline is 60 s.
    fake_llm.script(handler=NEVER_IN_TIME)
    policy = RetryPolicy(max_attempts=3, backoff_initial=0.02, backoff_max=0.05, deadline=60.0)
    reply, client = ask_once(fake_llm, timeout=0.2, retry=policy)
    assert isinstance(reply, LLMTransient) and "timed out" in str(reply)
    assert client.usage.calls == 3, "a timeout is retried up to the attempt cap"
    assert "3 attempts" in str(reply)


def test_the_default_deadline_ends_timeouts_long_before_the_attempt_cap(fake_llm: FakeLLM) -> None:
    # No deadline given: it is 3 x the 0.2 s timeout. Every attempt lasts at least the timeout, so at
    # most 4 can start within 0.6 s (a slow machine only makes fewer); the 40 allowed would take 8 s.
    fake_llm.script(handler=NEVER_IN_TIME)
    policy = RetryPolicy(max_attempts=40, backoff_initial=0.02, backoff_max=0.05)
    reply, client = ask_once(fake_llm, timeout=0.2, retry=policy)
    assert isinstance(reply, LLMTransient) and "timed out" in str(reply)
    assert 1 <= client.usage.calls <= 8, "the deadline, not the attempt cap, stopped the retries"


def test_slow_answer_within_the_timeout_succeeds(fake_llm: FakeLLM) -> None:
    fake_llm.script(FakeResponse(body=json_answer(ANSWER), delay=0.1))
    reply, client = ask_once(fake_llm, timeout=1.0)
    assert isinstance(reply, LLMReply) and client.usage.calls == 1


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(base_url=f"http://127.0.0.1:{port}/v1", model=FAKE_MODEL, timeout=0.5)
    reply, client = with_client(settings, ask)
    assert isinstance(reply, LLMTransient) and "connect" in str(reply)
    assert client.usage.calls == FAST.max_attempts


# ---------------------------------------------------------------- errors that are not retried


@pytest.mark.parametrize(
    ("response", "json_mode", "expected"),
    [
        pytest.param(error(401, "Incorrect API key provided"), "auto", ConfigError, id="401"),
        pytest.param(error(403, "forbidden"), "auto", LLMRefused, id="403"),
        pytest.param(error(404, "model not found"), "auto", LLMRefused, id="404"),
        pytest.param(error(400, "invalid messages"), "json_schema", LLMRefused, id="400-fixed-mode"),
        pytest.param(
            error(400, "This model's maximum context length is 8192 tokens"),
            "auto",
            LLMRefused,
            id="context-length",
        ),
        pytest.param(
            error(400, "Input data may contain inappropriate content.", code="data_inspection_failed"),
            "auto",
            LLMRefused,
            id="dashscope-inspection",
        ),
        pytest.param(
            error(500, "系统检测到输入内容可能包含敏感内容"), "auto", LLMRefused, id="sensitive-500"
        ),
        pytest.param(
            error(429, "You exceeded your current quota", code="insufficient_quota"),
            "auto",
            LLMRefused,
            id="no-quota",
        ),
    ],
)
def test_client_errors_are_typed_and_never_retried(
    fake_llm: FakeLLM, response: FakeResponse, json_mode: str, expected: type[SummarizerError]
) -> None:
    fake_llm.script(handler=response)
    reply, client = ask_once(fake_llm, json_mode=json_mode)
    assert type(reply) is expected
    assert client.usage.calls == 1
    assert " / " in str(reply)  # Chinese / English


def test_context_length_error_has_its_own_code(fake_llm: FakeLLM) -> None:
    fake_llm.script(error(400, "This model's maximum context length is 8192 tokens"))
    reply, _ = ask_once(fake_llm)
    assert isinstance(reply, LLMRefused) and reply.code == "llm_context_length"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(content_answer("", finish_reason="content_filter"), LLMRefused, id="content_filter"),
        pytest.param(content_answer('{"title": "2024年', finish_reason="length"), LLMTruncated, id="length"),
    ],
)
def test_finish_reasons_that_end_the_call(
    fake_llm: FakeLLM, answer: dict[str, Any], expected: type[LLMError]
) -> None:
    fake_llm.script(answer, json_answer(ANSWER))
    reply, client = ask_once(fake_llm)
    assert type(reply) is expected
    assert reply.raw_output == answer["choices"][0]["message"]["content"]
    assert client.usage.calls == 1


def test_openai_refusal_field_is_a_refusal(fake_llm: FakeLLM) -> None:
    answer = content_answer(None)
    answer["choices"][0]["message"]["refusal"] = "I can't help with that."
    fake_llm.script(answer)
    reply, _ = ask_once(fake_llm)
    assert isinstance(reply, LLMRefused) and reply.raw_output == "I can't help with that."


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("这不是 JSON", id="prose"),
        pytest.param('{"title": "2024年", "count": ', id="cut"),
        pytest.param("[1, 2, 3]", id="array"),
        pytest.param('"just a string"', id="string"),
    ],
)
def test_malformed_json_is_bad_output_with_raw(fake_llm: FakeLLM, content: str) -> None:
    fake_llm.script(content_answer(content))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMBadOutput) and reply.raw_output == content
    assert client.usage.calls == 1


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(FakeResponse(body="<html><body>Welcome to nginx!</body></html>"), id="web-page"),
        pytest.param(FakeResponse(body="OK"), id="plain-text"),
    ],
)
def test_an_answer_that_is_not_a_chat_completion_is_bad_output(
    fake_llm: FakeLLM, response: FakeResponse
) -> None:
    fake_llm.script(response)
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMBadOutput) and "OPENAI_BASE_URL" in str(reply)
    assert reply.raw_output == response.body and client.usage.calls == 1


def test_truncated_tool_call_is_truncated(fake_llm: FakeLLM) -> None:
    fake_llm.script(tool_call_answer("summary", '{"title": "2024', finish_reason="length"))
    reply, _ = ask_once(fake_llm, json_mode="tools")
    assert isinstance(reply, LLMTruncated) and reply.raw_output == '{"title": "2024'


@pytest.mark.parametrize("blank", [pytest.param("", id="empty"), pytest.param(" \n ", id="whitespace")])
def test_blank_answer_is_asked_once_more(fake_llm: FakeLLM, blank: str) -> None:
    fake_llm.script(content_answer(blank), json_answer(ANSWER))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMReply) and reply.data == ANSWER
    assert client.usage.calls == 2


def test_blank_answer_twice_is_bad_output(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=content_answer(None))
    reply, client = ask_once(fake_llm)
    assert isinstance(reply, LLMBadOutput) and client.usage.calls == 2
