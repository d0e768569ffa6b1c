"""What an endpoint's HTTP error means: the decision table, message extraction, redaction, Retry-After."""

from __future__ import annotations

import pytest

from summarizer.engines.llm.failures import (
    FailureKind,
    HTTPFailure,
    classify,
    error_code,
    parse_retry_after,
    redact,
    server_message,
)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        pytest.param(429, None, "Rate limit reached", "transient", id="429"),
        pytest.param(
            429, "insufficient_quota", "You exceeded your current quota", "no_quota", id="429-quota"
        ),
        pytest.param(500, None, "internal error", "transient", id="500"),
        pytest.param(502, None, "<html>bad gateway</html>", "transient", id="502-html"),
        pytest.param(503, None, "overloaded", "transient", id="503"),
        pytest.param(408, None, "request timeout", "transient", id="408"),
        pytest.param(400, None, "response_format json_schema is not supported", "mode_rejected", id="400"),
        pytest.param(422, None, "unknown field tools", "mode_rejected", id="422"),
        pytest.param(500, "500", "JSON schema conversion failed", "mode_rejected", id="llama.cpp-500-schema"),
        pytest.param(
            500, None, "tools param requires --jinja flag", "mode_rejected", id="llama.cpp-500-tools"
        ),
        pytest.param(
            400, None, "This model's maximum context length is 8192 tokens", "context_length", id="context"
        ),
        pytest.param(400, None, "输入长度超过模型最大长度限制", "context_length", id="context-zh"),
        pytest.param(
            400,
            "data_inspection_failed",
            "Input data may contain inappropriate content.",
            "refused",
            id="dashscope",
        ),
        pytest.param(400, "1301", "系统检测到输入或生成内容可能包含不安全或敏感内容", "refused", id="zhipu"),
        pytest.param(
            400, None, "The request was rejected because it was considered high risk", "refused", id="kimi"
        ),
        pytest.param(500, None, "output contains sensitive words", "refused", id="sensitive-500"),
        pytest.param(
            404, None, "model names are case-sensitive", "not_found", id="case-sensitive-is-not-moderation"
        ),
        pytest.param(401, None, "Incorrect API key provided", "unauthorized", id="401"),
        pytest.param(403, None, "forbidden", "rejected", id="403"),
        pytest.param(404, None, "The model `x` does not exist", "not_found", id="404"),
        pytest.param(413, None, "payload too large", "rejected", id="413"),
    ],
)
def test_classify(status: int, code: str | None, message: str, expected: FailureKind) -> None:
    failure = HTTPFailure(status=status, code=code, message=message)
    assert classify(failure) == expected == failure.kind


def test_moderation_words_echoed_late_in_a_message_are_not_a_refusal() -> None:
    # A server that quotes the request after its reason: a report's own wording must not count.
    echoed = "invalid value for response_format; request was: " + "严肃查处违规行为，保护敏感信息。" * 30
    failure = HTTPFailure(status=400, code=None, message=echoed)
    assert classify(failure) == "mode_rejected"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"error": {"message": "bad", "code": "x"}}, "bad", id="openai-envelope"),
        pytest.param({"message": "bad", "code": 400}, "bad", id="inner-already"),
        pytest.param({"detail": "unknown field"}, "unknown field", id="fastapi-detail"),
        pytest.param({"detail": [{"loc": ["body"]}]}, '{"detail": [{"loc": ["body"]}]}', id="detail-list"),
        pytest.param("plain text", "plain text", id="text"),
        pytest.param(None, "fallback", id="none"),
        pytest.param("   ", "fallback", id="blank"),
    ],
)
def test_server_message(body: object, expected: str) -> None:
    assert server_message(body, "fallback") == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"error": {"code": "data_inspection_failed"}}, "data_inspection_failed", id="envelope"),
        pytest.param({"code": 1301, "message": "x"}, "1301", id="numeric"),
        pytest.param({"message": "x"}, None, id="absent"),
        pytest.param("text", None, id="text"),
    ],
)
def test_error_code(body: object, expected: str | None) -> None:
    assert error_code(body) == expected


@pytest.mark.parametrize(
    ("message", "secret", "expected"),
    [
        pytest.param(
            "Incorrect API key provided: sk-abcdef123456", None, "Incorrect API key provided: sk-***", id="sk"
        ),
        pytest.param(
            "bad key my-secret-value here", "my-secret-value", "bad key *** here", id="exact-secret"
        ),
        pytest.param("Authorization: Bearer abc.def.ghi", None, "Authorization: Bearer ***", id="bearer"),
        pytest.param("line one\n  line two", None, "line one line two", id="one-line"),
        pytest.param("x" * 300, None, "x" * 200 + "…", id="shortened"),
    ],
)
def test_redact(message: str, secret: str | None, expected: str) -> None:
    assert redact(message, secret) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"retry-after": "3"}, 3.0, id="seconds"),
        pytest.param({"retry-after": "0.5"}, 0.5, id="fraction"),
        pytest.param({"retry-after": "-4"}, 0.0, id="negative"),
        pytest.param({"retry-after-ms": "250"}, 0.25, id="milliseconds"),
        pytest.param({"retry-after-ms": "250", "retry-after": "9"}, 0.25, id="ms-wins"),
        pytest.param({"retry-after": "Wed, 21 Oct 2026 07:28:05 GMT"}, 5.0, id="http-date"),
        pytest.param({"retry-after": "Wed, 21 Oct 2026 07:27:00 GMT"}, 0.0, id="http-date-past"),
        pytest.param({"retry-after": "soon"}, None, id="garbage"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=1792567680.0) == expected
