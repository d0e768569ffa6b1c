"""The model's own token count, asked of a llama.cpp-style server, decides the serial one pass.

Through the real scripted server on 127.0.0.1: its `/tokenize` and `/props`
routes are added per test, and answer 404 otherwise (a server that is not
llama.cpp), which must leave today's cl100k plan unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from summarizer.engines.llm.engine import summarize_llm
from summarizer.engines.llm.plan import plan_calls
from summarizer.engines.llm.tokens import measure_tokens, server_root
from summarizer.pipeline import prepare
from summarizer.text.sentences import count_tokens
from tests.conftest import read_seed
from tests.fake_openai import FakeLLM, FakeResponse
from tests.test_llm_strategy import schema_keys, settings_for, slow_model

KEY = "sk-test-strategy"  # what settings_for sends


def half_tokenizer(request: dict[str, Any]) -> dict[str, Any]:
    """A model tokenizer that counts half our tokens, as Qwen's does for Chinese."""
    return {"tokens": list(range(count_tokens(request["content"]) // 2))}


def props(n_ctx: int) -> dict[str, Any]:
    return {"default_generation_settings": {"n_ctx": n_ctx}, "total_slots": 1}


def paths(fake: FakeLLM) -> list[str]:
    return [r.path for r in fake.requests if not r.path.endswith("/chat/completions")]


def test_server_root_drops_a_trailing_v1() -> None:
    assert server_root("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080"
    assert server_root("http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080"
    assert server_root("http://box:11434/api") == "http://box:11434/api"


def test_the_servers_count_makes_one_pass_of_a_report_cl100k_would_split(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    text = read_seed("000")
    fake_llm.route("POST", "/tokenize", half_tokenizer)
    fake_llm.route("GET", "/props", props(8192))
    fake_llm.script(handler=slow_model(0.0))
    settings = settings_for(fake_llm, tmp_path, strategy="serial")  # context_tokens not set
    ctx = prepare(text, settings)
    assert len(plan_calls(ctx, settings).calls) > 1  # our own count splits it
    summary = summarize_llm(ctx, settings)
    (request,) = fake_llm.chat_requests  # one call: the sections and the problems together
    assert "problems" in schema_keys(request.json)
    assert summary.engine.calls == 1 and summary.engine.fallbacks == []
    (tokenize,) = [r for r in fake_llm.requests if r.path == "/tokenize"]  # once per run
    assert tokenize.json == {"content": ctx.norm.clean.text}
    assert tokenize.headers["authorization"] == f"Bearer {KEY}"
    assert paths(fake_llm) == ["/tokenize", "/props"]


def test_llama_cpp_python_count_route_is_used_when_tokenize_is_missing(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    text = read_seed("003")
    fake_llm.route("POST", "/extras/tokenize/count", lambda r: {"count": count_tokens(r["input"]) // 2})
    settings = settings_for(fake_llm, tmp_path, strategy="serial")
    ctx = prepare(text, settings)
    measured = measure_tokens(settings, ctx.norm.clean.text)
    assert measured is not None and measured.route == "/extras/tokenize/count"
    assert measured.ours == count_tokens(ctx.norm.clean.text) and measured.model == measured.ours // 2
    assert measured.context is None  # no /props: the setting's context stays
    assert len(plan_calls(ctx, settings).calls) > 1 and len(plan_calls(ctx, settings, measured).calls) == 1
    assert paths(fake_llm) == ["/tokenize", "/extras/tokenize/count", "/props"]


def test_props_context_is_used_unless_the_context_is_set(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.route("POST", "/tokenize", half_tokenizer)
    fake_llm.route("GET", "/props", props(4096))  # a small server context: the report no longer fits
    settings = settings_for(fake_llm, tmp_path, strategy="serial")
    ctx = prepare(read_seed("000"), settings)
    measured = measure_tokens(settings, ctx.norm.clean.text)
    assert measured is not None and measured.context == 4096
    assert len(plan_calls(ctx, settings, measured).calls) > 1
    explicit = settings_for(fake_llm, tmp_path, strategy="serial", context_tokens=8192)
    assert len(plan_calls(ctx, explicit, measured).calls) == 1  # the explicit setting wins over /props


def test_no_tokenize_route_keeps_the_cl100k_plan_and_says_so(
    fake_llm: FakeLLM, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = read_seed("000")
    fake_llm.script(handler=slow_model(0.0))
    settings = settings_for(fake_llm, tmp_path, strategy="serial")
    ctx = prepare(text, settings)
    plan = plan_calls(ctx, settings)
    with caplog.at_level(logging.INFO, logger="summarizer.engines.llm.tokens"):
        summary = summarize_llm(ctx, settings)
    assert len(plan.calls) > 1 and plan.reduce == "digest"
    assert len(fake_llm.chat_requests) == summary.engine.calls == plan.total
    assert paths(fake_llm) == ["/tokenize", "/extras/tokenize/count"]  # both 404: no /props asked
    assert "no tokenize route; using cl100k" in caplog.text
    assert KEY not in caplog.text


def test_a_slow_tokenizer_falls_back_to_cl100k(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.route("POST", "/tokenize", FakeResponse(body={"tokens": [1]}, delay=2.0))
    settings = settings_for(fake_llm, tmp_path, strategy="serial")
    assert measure_tokens(settings, "今年经济运行总体平稳。", timeout=0.2) is None


def test_a_parallel_endpoint_is_never_asked(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.route("POST", "/tokenize", half_tokenizer)
    fake_llm.route("GET", "/props", props(8192))
    fake_llm.script(handler=slow_model(0.0))
    settings = settings_for(fake_llm, tmp_path, strategy="parallel")
    summarize_llm(prepare(read_seed("003"), settings), settings)
    assert fake_llm.chat_requests and paths(fake_llm) == []
    assert measure_tokens(settings, "今年经济运行总体平稳。") is None
