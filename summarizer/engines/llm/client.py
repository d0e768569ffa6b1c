"""The OpenAI-compatible client: structured JSON answers, retries, usage, typed errors.

`LLMClient.chat_json` asks any OpenAI-compatible endpoint (OpenAI, DeepSeek,
DashScope, Moonshot, Zhipu, Ollama, vLLM, llama.cpp…) for one JSON object and
returns it parsed, not yet validated (validation and re-asking are the
engine's job).  Endpoints differ, so with `json_mode="auto"` it climbs the
mode ladder of `modes` (json_schema -> json_object -> tools) and
remembers, per (base URL, model), in memory and in the cache, the mode the
endpoint accepted; a fixed mode never falls back.

Failures (decided by `failures`):
- the network (429, 5xx, timeouts, connection errors) is retried here with
  tenacity: exponential backoff with jitter, `Retry-After` honoured (capped),
  an attempt cap and an overall deadline.  The SDK's own retries are off, so
  the loops never stack.  A blank answer is asked once more.
- what retrying cannot fix becomes a typed error at once (errors.py):
  LLMRefused (moderation, 400/403/404, context too long), LLMTruncated
  (finish_reason "length"), LLMBadOutput (no JSON object), ConfigError (no
  model or endpoint, key rejected), LLMTransient when the retries run out.

The API key goes to the SDK and nowhere else: not into logs, messages, repr or
cache rows (server messages are redacted before they are shown).  `usage`
counts every HTTP call and every token reported, retries and failures included.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)

from ...config import Settings
from ...errors import ConfigError, LLMBadOutput, LLMError, LLMRefused, LLMTransient, LLMTruncated
from .cache import Cache
from .failures import HTTPFailure, error_code, parse_retry_after, redact, server_message
from .modes import LADDER, Mode, build_request, parse_json_object
from .presets import DEFAULT_BASE_URL, PRESETS, Preset, presets_markdown

__all__ = [
    "PRESETS",
    "LLMClient",
    "LLMReply",
    "LLMUsage",
    "Preset",
    "RetryPolicy",
    "presets_markdown",
]

logger = logging.getLogger(__name__)

# Local servers (Ollama, llama.cpp, vLLM) take no key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"
CAPABILITIES_NAMESPACE = "capabilities"


@dataclass
class LLMUsage:
    """What the endpoint was asked for: HTTP calls and tokens, over every attempt."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: LLMUsage) -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass(frozen=True)
class LLMReply:
    data: dict[str, Any]  # the parsed JSON object (content or tool arguments); not yet validated
    raw: str  # the raw answer text (content or tool-call arguments)
    mode: str  # "json_schema" | "json_object" | "tools": the mode actually used
    finish_reason: str | None


class ChatClient(Protocol):
    """What the engine needs of a client: one structured JSON answer per call, and the usage so far.

    `LLMClient` talks to an endpoint; the Batch API path records calls or replays
    their answers (`summarizer.batch.batch_api`).
    """

    usage: LLMUsage

    async def chat_json(
        self, messages: list[dict[str, str]], *, schema: dict[str, Any], schema_name: str, max_tokens: int
    ) -> LLMReply: ...


@dataclass(frozen=True)
class RetryPolicy:
    """The network retry loop of one request.

    No retry starts once `deadline` seconds (None: three times `settings.call_timeout`) have passed
    since the first attempt, or would start after it; each attempt is itself bounded by
    `settings.call_timeout`.  Tests pass short values; the defaults suit real endpoints.
    """

    max_attempts: int = 5
    backoff_initial: float = 1.0  # first wait; doubles each attempt, plus up to this much jitter
    backoff_max: float = 20.0
    retry_after_cap: float = 60.0  # never wait longer than this for a Retry-After
    deadline: float | None = None


class _ModeRejected(Exception):
    """The endpoint refused the request's structured-output mode (not the request itself)."""

    def __init__(self, mode: Mode, failure: HTTPFailure) -> None:
        super().__init__(mode)
        self.mode = mode
        self.failure = failure


class LLMClient:
    """One endpoint and model, as configured in `settings`.  Use from one event loop; `aclose()` at the end."""

    def __init__(
        self, settings: Settings, *, cache: Cache | None = None, retry: RetryPolicy | None = None
    ) -> None:
        if not settings.model:
            raise ConfigError(
                "未配置模型名称：请设置 SUMMARIZER_MODEL 或 --model",
                "no model configured: set SUMMARIZER_MODEL or --model",
            )
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        if not key and not settings.base_url:
            raise ConfigError(
                "未配置模型服务：请设置 OPENAI_API_KEY 或 OPENAI_BASE_URL",
                "no model endpoint configured: set OPENAI_API_KEY or OPENAI_BASE_URL",
            )
        self.settings = settings
        self.model: str = settings.model
        self.base_url: str = settings.base_url or DEFAULT_BASE_URL
        self.usage = LLMUsage()
        self._secret = key
        self._cache = cache or Cache.open(None)
        self._retry = retry or RetryPolicy()
        # Exponential backoff plus jitter, so parallel calls that failed together do not retry together.
        policy = self._retry
        self._backoff = wait_exponential(
            multiplier=policy.backoff_initial, max=policy.backoff_max
        ) + wait_random(0, policy.backoff_initial)
        self._deadline = policy.deadline if policy.deadline is not None else 3 * settings.call_timeout
        self._host = settings.base_url_host
        self._capability_key = Cache.key(self.base_url, self.model)
        self._known_mode: Mode | None = self._recall_mode()
        self._schema_hint_key = Cache.key(self.base_url, self.model, "json_object.schema")
        self._schema_in_response_format = (
            self._cache.get(CAPABILITIES_NAMESPACE, self._schema_hint_key) is None
        )
        self._probe_lock = asyncio.Lock()
        # Both passed explicitly: the SDK would otherwise read OPENAI_* itself, and config.py is the one
        # reader of the environment.
        self._client = openai.AsyncOpenAI(
            api_key=key or PLACEHOLDER_KEY,
            base_url=self.base_url,
            timeout=settings.call_timeout,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"LLMClient(model={self.model!r}, host={self._host!r}, mode={self._known_mode!r})"

    @property
    def known_mode(self) -> str | None:
        """The structured-output mode this endpoint is known to accept, if already learned."""
        return self.settings.json_mode if self.settings.json_mode != "auto" else self._known_mode

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ structured answers

    async def chat_json(
        self, messages: list[dict[str, str]], *, schema: dict[str, Any], schema_name: str, max_tokens: int
    ) -> LLMReply:
        """Ask for one JSON object matching `schema`; see the module docstring for modes, retries and errors."""
        serial = self.settings.serial_endpoint
        if self.settings.json_mode == "auto" and self._known_mode is None and serial:
            # While the mode is unknown, let one call find it so concurrent calls don't all probe the
            # ladder; the others then wait once and go on, whatever the probe's outcome.  A parallel
            # endpoint gets every call at once instead (no call waits alone): at worst each climbs
            # the ladder on the first contact, and the mode is remembered.
            if not self._probe_lock.locked():
                async with self._probe_lock:
                    return await self._climb(messages, schema, schema_name, max_tokens)
            async with self._probe_lock:
                pass
        return await self._climb(messages, schema, schema_name, max_tokens)

    def _modes_to_try(self) -> tuple[Mode, ...]:
        fixed = self.settings.json_mode
        if fixed != "auto":
            return (fixed,)
        start = LADDER.index(self._known_mode) if self._known_mode else 0
        return LADDER[start:]

    async def _climb(
        self, messages: list[dict[str, str]], schema: dict[str, Any], schema_name: str, max_tokens: int
    ) -> LLMReply:
        modes = self._modes_to_try()
        for mode in modes:
            try:
                return await self._ask(mode, messages, schema, schema_name, max_tokens)
            except _ModeRejected as rejected:
                if mode == modes[-1]:
                    raise self._rejection_error(rejected, fixed=len(modes) == 1) from rejected.__cause__
                logger.info(
                    "%s rejected response mode %s (HTTP %s); trying the next mode",
                    self._host,
                    mode,
                    rejected.failure.status,
                )
        raise AssertionError("unreachable: the ladder has at least one mode")

    async def _ask(
        self,
        mode: Mode,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        schema_name: str,
        max_tokens: int,
    ) -> LLMReply:
        def request_for(schema_in_response_format: bool) -> dict[str, Any]:
            return build_request(
                mode,
                model=self.model,
                messages=messages,
                schema=schema,
                schema_name=schema_name,
                max_tokens=max_tokens,
                schema_in_response_format=schema_in_response_format,
            )

        request = request_for(self._schema_in_response_format)
        try:
            completion = await self._post_with_retries(request, mode)
        except _ModeRejected:
            if mode != "json_object" or not self._schema_in_response_format:
                raise
            # Strict servers refuse llama.cpp's response_format.schema: json_object may still work without it.
            logger.info("%s rejected response_format.schema; retrying json_object without it", self._host)
            request = request_for(False)
            completion = await self._post_with_retries(request, mode)
            self._schema_in_response_format = False
            self._cache.put(CAPABILITIES_NAMESPACE, self._schema_hint_key, "rejected")
        self._remember_mode(mode)  # the endpoint accepted the mode, whatever the answer's quality
        raw, finish_reason = self._read_answer(completion, mode)
        if not raw.strip():
            logger.warning("%s returned a blank answer (%s); asking once more", self._host, mode)
            completion = await self._post_with_retries(request, mode)
            raw, finish_reason = self._read_answer(completion, mode)
            if not raw.strip():
                raise LLMBadOutput(
                    "模型两次返回空白回答", "the model returned a blank answer twice", raw_output=raw
                )
        return LLMReply(data=parse_json_object(raw), raw=raw, mode=mode, finish_reason=finish_reason)

    def _read_answer(self, completion: Any, mode: Mode) -> tuple[str, str | None]:
        """(answer text, finish_reason); raises on refusals and truncation."""
        if not completion.choices:  # seen from proxies that swallow the answer
            return "", None
        choice = completion.choices[0]
        message = choice.message
        finish_reason: str | None = choice.finish_reason
        raw = message.content or ""
        if mode == "tools" and message.tool_calls:
            # Some servers ignore tool_choice and answer in content: then content is the answer.
            function = getattr(message.tool_calls[0], "function", None)
            raw = (function.arguments if function else None) or raw
        if finish_reason == "content_filter" or getattr(message, "refusal", None):
            raise LLMRefused(
                "模型服务的内容审核拒绝了这段文本",
                "the endpoint's content filter refused this text",
                raw_output=getattr(message, "refusal", None) or raw,
            )
        if finish_reason == "length":
            raise LLMTruncated(
                "模型回答超出长度上限被截断",
                "the model's answer was cut at the token limit (finish_reason=length)",
                raw_output=raw,
            )
        return raw, finish_reason

    # ------------------------------------------------------------------ capabilities

    def _recall_mode(self) -> Mode | None:
        remembered = self._cache.get(CAPABILITIES_NAMESPACE, self._capability_key)
        for mode in LADDER:
            if remembered == mode:
                return mode
        return None

    def _remember_mode(self, mode: Mode) -> None:
        if self.settings.json_mode != "auto" or self._known_mode == mode:
            return
        self._known_mode = mode
        self._cache.put(CAPABILITIES_NAMESPACE, self._capability_key, mode)

    # ------------------------------------------------------------------ one HTTP call, retried

    async def _post_with_retries(self, request: dict[str, Any], mode: Mode) -> Any:
        """One chat completion, retrying network failures; raises _ModeRejected or a typed error."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(self._is_retryable),
            stop=stop_after_attempt(self._retry.max_attempts) | stop_before_delay(self._deadline),
            wait=self._wait_before_retry,
            before_sleep=self._log_retry,
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    return await self._post(request)
        except openai.APIError as e:
            translated = self._translate(e, mode, attempts)
            if isinstance(translated, ConfigError):
                # A 401's message may quote the key ("Incorrect API key provided: sk-…"): drop the SDK error.
                raise translated from None
            raise translated from e
        raise AssertionError("unreachable: tenacity returns or raises")

    async def _post(self, request: dict[str, Any]) -> Any:
        self.usage.calls += 1
        try:
            completion = await self._client.chat.completions.create(**request)
        except openai.APIStatusError as e:
            self._count_tokens(e.body.get("usage") if isinstance(e.body, dict) else None)
            raise
        if not hasattr(completion, "choices"):
            # The SDK hands back the body as text when it is not JSON: a web page, a proxy's notice…
            raise LLMBadOutput(
                "模型服务的回答不是 chat completion：请检查 OPENAI_BASE_URL（通常以 /v1 结尾）",
                "the endpoint did not answer with a chat completion: check OPENAI_BASE_URL (usually ends in /v1)",
                raw_output=str(completion)[:2000],
            )
        usage = getattr(completion, "usage", None)
        self._count_tokens(usage.model_dump() if usage is not None else None)
        return completion

    def _count_tokens(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        self.usage.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.usage.completion_tokens += int(usage.get("completion_tokens") or 0)

    def _is_retryable(self, error: BaseException) -> bool:
        if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
            return True
        return isinstance(error, openai.APIStatusError) and _failure(error).kind == "transient"

    def _wait_before_retry(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = (
            parse_retry_after(error.response.headers) if isinstance(error, openai.APIStatusError) else None
        )
        if hinted is not None:
            return min(hinted, self._retry.retry_after_cap)
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s: %s; retry %d/%d in %.2fs",
            self._host,
            self._describe(error),
            state.attempt_number,
            self._retry.max_attempts - 1,
            wait,
        )

    def _describe(self, error: BaseException | None) -> str:
        if isinstance(error, openai.APITimeoutError):
            return f"timeout after {self.settings.call_timeout:g}s"
        if isinstance(error, openai.APIConnectionError):
            return "connection error"
        if isinstance(error, openai.APIStatusError):
            return f"HTTP {error.status_code}"
        return type(error).__name__

    # ------------------------------------------------------------------ typed errors

    def _translate(self, error: openai.APIError, mode: Mode, attempts: int) -> Exception:
        """The library error for an SDK error that retrying did not (or cannot) fix."""
        host = self._host
        if isinstance(error, openai.APITimeoutError):
            return LLMTransient(
                f"模型服务 {host} 超时（{attempts} 次尝试，每次 {self.settings.call_timeout:g} 秒）",
                f"the endpoint {host} timed out ({attempts} attempts of {self.settings.call_timeout:g}s)",
            )
        if not isinstance(error, openai.APIStatusError):
            return LLMTransient(
                f"无法连接模型服务 {host}（{attempts} 次尝试）",
                f"cannot connect to the endpoint {host} ({attempts} attempts)",
            )
        failure = _failure(error)
        status, said = failure.status, redact(failure.message, self._secret)
        match failure.kind:
            case "mode_rejected":
                return _ModeRejected(mode, failure)
            case "unauthorized":  # the server's message may quote part of the key: say only what to do
                return ConfigError(
                    f"模型服务 {host} 拒绝了 API 密钥（HTTP 401）：请检查 OPENAI_API_KEY",
                    f"the endpoint {host} rejected the API key (HTTP 401): check OPENAI_API_KEY",
                )
            case "refused":
                return LLMRefused(
                    f"模型服务的内容审核拒绝了这段文本（HTTP {status}）：{said}",
                    f"the endpoint's moderation refused this text (HTTP {status}): {said}",
                )
            case "transient":
                return LLMTransient(
                    f"模型服务 {host} 暂时不可用（HTTP {status}，{attempts} 次尝试）：{said}",
                    f"the endpoint {host} is unavailable (HTTP {status} after {attempts} attempts): {said}",
                )
            case "context_length":
                return LLMRefused(
                    f"输入超出模型的上下文长度（HTTP {status}）：{said}",
                    f"the input exceeds the model's context length (HTTP {status}): {said}",
                    code="llm_context_length",
                )
            case "no_quota":
                return LLMRefused(
                    f"模型服务账户额度不足（HTTP 429）：{said}",
                    f"the endpoint account has no quota left (HTTP 429): {said}",
                )
            case "not_found":
                return LLMRefused(
                    f"模型 {self.model} 或接口地址不存在（HTTP 404）：{said}",
                    f"model {self.model} or the endpoint path was not found (HTTP 404): {said}",
                )
        return LLMRefused(
            f"模型服务拒绝了请求（HTTP {status}）：{said}",
            f"the endpoint rejected the request (HTTP {status}): {said}",
        )

    def _rejection_error(self, rejected: _ModeRejected, *, fixed: bool) -> LLMError:
        said = redact(rejected.failure.message, self._secret)
        status = rejected.failure.status
        if fixed:
            return LLMRefused(
                f"模型服务不支持 JSON 模式 {rejected.mode}（HTTP {status}）：{said}；可改用 SUMMARIZER_JSON_MODE=auto",
                f"the endpoint rejected JSON mode {rejected.mode} (HTTP {status}): {said}; "
                "try SUMMARIZER_JSON_MODE=auto",
            )
        return LLMRefused(
            f"模型服务不支持任何结构化输出方式（json_schema、json_object、tools）：{said}",
            f"the endpoint accepts none of the structured-output modes (json_schema, json_object, tools): {said}",
        )


def _failure(error: openai.APIStatusError) -> HTTPFailure:
    return HTTPFailure(
        status=error.status_code,
        code=error_code(error.body) or error.code,
        message=server_message(error.body, error.message),
    )
