"""What an endpoint's HTTP error means: retry it, try another JSON mode, or give up and say why.

OpenAI-compatible servers agree on status codes only roughly, so the decision
reads the status, the error code and the server's message:

    transient       429 (but not "insufficient_quota"), 408, 409, 5xx        -> retry with backoff
    refused         moderation: DashScope data_inspection_failed, Zhipu 1301,
                    "sensitive"/"inappropriate content", content filter      -> LLMRefused, never retried
    mode_rejected   400/422, or a 5xx about response_format/schema/tools
                    (llama.cpp answers 500 when it cannot turn a schema
                    into a grammar)                                          -> next rung of the mode ladder
    context_length  400 saying the input is too long                         -> LLMRefused
    unauthorized    401                                                       -> ConfigError
    no_quota, not_found, rejected (other 4xx)                                 -> LLMRefused

Plain data in, plain data out: this module does not import `openai`, so the
rules are tested with tables.  Server messages are shown to users only through
`redact`, which removes the key and anything key-like a server echoes back.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

FailureKind = Literal[
    "transient",
    "refused",
    "mode_rejected",
    "context_length",
    "unauthorized",
    "no_quota",
    "not_found",
    "rejected",
]

_REFUSAL_CODES = frozenset(
    {
        "data_inspection_failed",
        "content_filter",
        "content_policy_violation",
        "1301",
        "sensitive_words_detected",
    }
)
# Moderation phrases, not single words: a server may echo the request after its reason, and a
# government report says 违规, 敏感信息 or 安全 often enough.  Only the start of the message is read.
_REFUSAL_PHRASES = re.compile(
    r"(?<!case[- ])\bsensitive\b|inappropriate content|content (?:filter|management policy)|high risk"
    r"|敏感内容|敏感词|不安全或敏感|内容安全|审核未通过",
    re.IGNORECASE,
)
_REFUSAL_WINDOW = 300
_MODE_CUES = re.compile(r"response_format|json_schema|schema|grammar|tool", re.IGNORECASE)
_CONTEXT_CUES = re.compile(
    r"context_length|context length|maximum context|too many tokens|prompt is too long|input is too long"
    r"|超过.{0,12}长度|长度超",
    re.IGNORECASE,
)
# Key-looking strings a server may echo back: "sk-…" (OpenAI, DeepSeek, DashScope, Moonshot), a bearer
# token, Zhipu's "<id>.<secret>".
_KEYLIKE = re.compile(r"\b(sk-|Bearer )[A-Za-z0-9*_.\-]{6,}|\b[A-Za-z0-9]{20,}\.[A-Za-z0-9]{8,}\b")
_MAX_MESSAGE = 200


@dataclass(frozen=True)
class HTTPFailure:
    """An error answer from the endpoint, reduced to what the decision needs."""

    status: int
    code: str | None  # the error's "code" field, as a string ("data_inspection_failed", "1301", …)
    message: str  # the server's own message (not the SDK's "Error code: …" wrapper)

    @property
    def kind(self) -> FailureKind:
        return classify(self)


def classify(failure: HTTPFailure) -> FailureKind:
    """What to do about `failure`; see the module docstring for the table."""
    status, code = failure.status, failure.code or ""
    if code in _REFUSAL_CODES or _REFUSAL_PHRASES.search(failure.message[:_REFUSAL_WINDOW]):
        return "refused"
    if status == 401:
        return "unauthorized"
    if status == 429:
        return "no_quota" if code == "insufficient_quota" else "transient"
    if status in (400, 422):
        return "context_length" if _CONTEXT_CUES.search(failure.message) else "mode_rejected"
    if status >= 500:
        return "mode_rejected" if _MODE_CUES.search(failure.message) else "transient"
    if status in (408, 409):
        return "transient"
    if status == 404:
        return "not_found"
    return "rejected"


def server_message(body: object, fallback: str) -> str:
    """The message inside an error body: {"error": {"message"}}, {"message"}, {"detail"} or plain text."""
    inner: Any = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(inner, dict):
        for field in ("message", "msg", "detail"):
            if isinstance(inner.get(field), str):
                return str(inner[field])
        return json.dumps(inner, ensure_ascii=False)
    if isinstance(inner, str) and inner.strip():
        return inner
    return fallback


def error_code(body: object) -> str | None:
    inner: Any = body.get("error", body) if isinstance(body, dict) else None
    code = inner.get("code") if isinstance(inner, dict) else None
    return None if code is None else str(code)


_MIN_SECRET_PIECE = 12


def _mask_secret(message: str, secret: str | None) -> str:
    """The secret masked, and any long piece of it too (a server may quote it without its "sk-")."""
    if not secret:
        return message
    message = message.replace(secret, "***")
    shortest = min(_MIN_SECRET_PIECE, len(secret))
    for length in range(len(secret) - 1, shortest - 1, -1):
        for start in range(len(secret) - length + 1):
            piece = secret[start : start + length]
            if piece in message:
                message = message.replace(piece, "***")
    return message


def redact(message: str, secret: str | None) -> str:
    """`message` made safe to show: the key and key-like strings masked, one line, at most 200 characters."""
    message = _mask_secret(message, secret)
    message = _KEYLIKE.sub(lambda m: f"{m.group(1) or ''}***", message)
    message = " ".join(message.split())
    return message[:_MAX_MESSAGE] + ("…" if len(message) > _MAX_MESSAGE else "")


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: `retry-after-ms`, `Retry-After` in seconds, or an HTTP date.

    `headers` is case-insensitive (httpx) or has lower-case names.

    >>> parse_retry_after({"retry-after": "Wed, 21 Oct 2026 07:28:05 GMT"}, now=1792567680.0)
    5.0
    """
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT even when it does not say so
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
