"""Talking to the scripted server from a test: settings, one client per event loop, errors as values.

Shared by the LLM-client test modules.  `with_client` runs a coroutine with a
fresh `LLMClient` in a fresh event loop and returns the library error instead
of raising it, so a table of cases can assert on results uniformly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from summarizer.config import Settings
from summarizer.engines.llm.cache import Cache
from summarizer.engines.llm.client import LLMClient, LLMReply, RetryPolicy
from summarizer.errors import ConfigError, LLMError
from tests.fake_openai import FAKE_MODEL, FakeLLM

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "count": {"type": "integer"}},
    "required": ["title", "count"],
    "additionalProperties": False,
}
ANSWER = {"title": "2024年政府工作报告", "count": 3}
MESSAGES = [
    {"role": "system", "content": "你是政府工作报告的摘要助手。"},
    {"role": "user", "content": "请总结。"},
]
SECRET = "sk-TESTKEY-9f3a7c1d2e5b"
# Short waits everywhere: tests check behaviour, not production timings.
FAST = RetryPolicy(max_attempts=3, backoff_initial=0.02, backoff_max=0.05, deadline=5.0)

T = TypeVar("T")


def settings_for(fake: FakeLLM, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": FAKE_MODEL,
        "api_key": SECRET,
        "timeout": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


def with_client(
    settings: Settings,
    use: Callable[[LLMClient], Awaitable[T]],
    *,
    cache: Cache | None = None,
    retry: RetryPolicy = FAST,
) -> tuple[T | LLMError | ConfigError, LLMClient]:
    """Run `use(client)` in a fresh event loop; returns (result or the library error raised, client)."""

    async def session() -> tuple[T | LLMError | ConfigError, LLMClient]:
        client = LLMClient(settings, cache=cache, retry=retry)
        try:
            return await use(client), client
        except (LLMError, ConfigError) as e:
            return e, client
        finally:
            await client.aclose()

    return asyncio.run(session())


async def ask(client: LLMClient) -> LLMReply:
    return await client.chat_json(MESSAGES, schema=SCHEMA, schema_name="summary", max_tokens=321)


def ask_once(
    fake: FakeLLM, *, cache: Cache | None = None, retry: RetryPolicy = FAST, **overrides: Any
) -> tuple[LLMReply | LLMError | ConfigError, LLMClient]:
    return with_client(settings_for(fake, **overrides), ask, cache=cache, retry=retry)
