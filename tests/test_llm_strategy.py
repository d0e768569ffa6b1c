"""The LLM engine's strategy per endpoint, through a real scripted server on 127.0.0.1.

Serial (a local server): as few calls as the context allows, one after the
other; parallel (a remote provider): every call in one wave.  Round trips are
counted from the requests' arrival times at the scripted server.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.cli import main
from summarizer.config import LOCAL_PORTS, Settings
from summarizer.engines.llm.engine import summarize_llm
from summarizer.engines.llm.plan import (
    ANSWER_OVERHEAD_TOKENS,
    LIST_SENTENCES,
    PER_SENTENCE_TOKENS,
    UNSUMMARIZED_KINDS,
    plan_calls,
)
from summarizer.engines.llm.presets import PRESETS
from summarizer.pipeline import prepare
from tests.conftest import assert_spans_match, read_seed
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, cooperative_answer, is_fix, json_answer

LATENCY = 0.4


def settings_for(fake: FakeLLM, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": FAKE_MODEL,
        "api_key": "sk-test-strategy",
        "json_mode": "json_schema",
        "cache": str(tmp_path / "cache.sqlite3"),
    }
    values.update(overrides)
    return Settings(**values)


def slow_model(latency: float = LATENCY) -> Any:
    return lambda request: FakeResponse(body=json_answer(cooperative_answer(request)), delay=latency)


def waves(arrivals: list[float], latency: float = LATENCY) -> int:
    times = sorted(arrivals)
    return sum(1 for i, t in enumerate(times) if i == 0 or t - times[i - 1] > latency / 2)


def schema_keys(request: dict[str, Any]) -> list[str]:
    return list(request["response_format"]["json_schema"]["schema"]["properties"])


# ---------------------------------------------------------------- the choice


@pytest.mark.parametrize(
    ("base_url", "strategy"),
    [
        ("http://127.0.0.1:8080/v1", "compress"),
        ("http://localhost:11434/v1", "compress"),
        ("http://192.168.1.20:9000/v1", "compress"),
        ("http://gpu-box:8000/v1", "compress"),  # the port of a local preset (vLLM)
        ("https://api.openai.com/v1", "parallel"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "parallel"),
        ("https://api.deepseek.com/v1", "parallel"),
    ],
)
def test_the_strategy_follows_the_endpoint(base_url: str, strategy: str) -> None:
    settings = Settings(base_url=base_url, model="m")
    assert settings.effective_strategy == strategy
    assert settings.call_limit == (1 if strategy == "compress" else 16)
    assert settings.call_timeout == (900.0 if strategy == "compress" else 60.0)
    # A local endpoint read whole (serial) is as serial an endpoint as one compressing.
    serial = Settings(base_url=base_url, model="m", strategy="serial")
    assert (serial.call_limit, serial.serial_endpoint) == (1, True)


def test_every_local_preset_compresses_and_every_remote_one_is_parallel() -> None:
    for preset in PRESETS.values():
        expected = "parallel" if preset.needs_key else "compress"
        assert Settings(base_url=preset.base_url, model="m").effective_strategy == expected, preset.name
    assert {
        int(p.base_url.split(":")[2].split("/")[0]) for p in PRESETS.values() if not p.needs_key
    } <= LOCAL_PORTS


def test_knobs_come_from_the_environment_and_flags_win() -> None:
    env = {
        "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
        "SUMMARIZER_STRATEGY": "parallel",
        "SUMMARIZER_CHUNK_TOKENS": "2500",
        "SUMMARIZER_MAX_OUTPUT_TOKENS": "700",
        "SUMMARIZER_CONTEXT_TOKENS": "32768",
    }
    settings = Settings.from_env(env)
    assert (settings.effective_strategy, settings.chunk_tokens, settings.max_output_tokens) == (
        "parallel",
        2500,
        700,
    )
    assert settings.context_tokens == 32768 and settings.call_limit == 16
    assert Settings.from_env(env, strategy="serial").effective_strategy == "serial"


def test_a_bad_strategy_is_one_clear_error() -> None:
    from summarizer.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"SUMMARIZER_STRATEGY": "fast"})
    assert "strategy" in str(caught.value) and "无效" in str(caught.value)


# ---------------------------------------------------------------- serial


def test_serial_makes_one_pass_when_the_report_fits(fake_llm: FakeLLM, tmp_path: Path) -> None:
    text = read_seed("003")
    fake_llm.script(handler=slow_model(0.05))
    settings = settings_for(fake_llm, tmp_path, strategy="serial", context_tokens=32768)
    ctx = prepare(text, settings)
    summary = summarize_llm(ctx, settings)
    (request,) = [r.json for r in fake_llm.chat_requests]  # one call: the sections and the problems
    keys = schema_keys(request)
    assert "problems" in keys and not {"overview", "achievements", "plans"} & set(keys)
    assert {n.id for n in ctx.nodes if n.level == 1 and n.kind not in UNSUMMARIZED_KINDS} <= set(keys)
    assert summary.engine.calls == 1 and summary.engine.fallbacks == []
    assert len(summary.overview) == LIST_SENTENCES["overview"] and summary.plans
    assert all(c.author == "model" for c in summary.all_claims())
    assert_spans_match(text, summary.all_spans())


def test_serial_chunks_one_at_a_time_then_digests_their_summaries(fake_llm: FakeLLM, tmp_path: Path) -> None:
    text = read_seed("000")
    fake_llm.script(handler=slow_model(0.2))
    settings = settings_for(fake_llm, tmp_path, strategy="serial")  # the default context: 8192
    ctx = prepare(text, settings)
    plan = plan_calls(ctx, settings)
    summary = summarize_llm(ctx, settings)
    requests = fake_llm.chat_requests
    assert 1 < len(plan.calls) <= 3 and plan.reduce == "digest"
    assert len(requests) == summary.engine.calls == plan.total
    gaps = [b.received_at - a.received_at for a, b in itertools.pairwise(requests)]
    assert all(gap >= 0.2 for gap in gaps)  # each call waits for the one before: a serial server
    digest = requests[-1].json
    assert schema_keys(digest) == list(LIST_SENTENCES)
    material = digest["messages"][1]["content"]
    written = [c.text for s in summary.sections for c in s.summary]
    assert written and all(t in material for t in written)  # the section summaries, not the raw report
    assert len(material) < len(text) / 2
    assert summary.engine.fallbacks == [] and summary.overview


# ---------------------------------------------------------------- parallel


def test_parallel_sends_every_call_in_one_wave(fake_llm: FakeLLM, tmp_path: Path) -> None:
    text = read_seed("000")
    fake_llm.script(handler=slow_model())
    settings = settings_for(fake_llm, tmp_path, strategy="parallel", json_mode="auto")
    ctx = prepare(text, settings)
    plan = plan_calls(ctx, settings)
    summary = summarize_llm(ctx, settings)
    arrivals = [r.received_at for r in fake_llm.chat_requests]
    assert len(arrivals) == plan.total == summary.engine.calls
    assert waves(arrivals) == 1  # no call waits alone, not even the first one probing the JSON mode
    assert summary.engine.elapsed_s < 2 * LATENCY + 1.0


def test_output_budget_is_sentences_times_a_per_sentence_budget_and_capped(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    fake_llm.script(handler=slow_model(0.0))
    text = read_seed("001")
    settings = settings_for(fake_llm, tmp_path, strategy="parallel")
    ctx = prepare(text, settings)
    plan = plan_calls(ctx, settings)
    summarize_llm(ctx, settings)
    by_keys = {tuple(schema_keys(r.json)): r.json["max_tokens"] for r in fake_llm.chat_requests}
    for call in plan.calls:
        asked = tuple(a.section_id for a in call.asks)
        assert by_keys[asked] == ANSWER_OVERHEAD_TOKENS + PER_SENTENCE_TOKENS * call.sentences
    capped = settings_for(fake_llm, tmp_path / "capped", strategy="parallel", max_output_tokens=150)
    before = len(fake_llm.chat_requests)
    summarize_llm(prepare(text, capped), capped)
    assert {r.json["max_tokens"] for r in fake_llm.chat_requests[before:]} == {150}


def test_only_the_failed_sentence_is_asked_again(fake_llm: FakeLLM, tmp_path: Path) -> None:
    bad = "全年投资达到9999万元。"

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        data = cooperative_answer(request, sentences=2)
        if not is_fix(request):
            first = next(v for v in data.values() if isinstance(v, list) and v and "text" in v[0])
            first[0]["text"] = bad  # one sentence of the first call-section goes wrong
        return json_answer(data)

    fake_llm.script(handler=respond)
    settings = settings_for(fake_llm, tmp_path, strategy="serial", context_tokens=32768)
    text = read_seed("003")
    summary = summarize_llm(prepare(text, settings), settings)
    requests = [r.json for r in fake_llm.chat_requests]
    assert len(requests) == 2
    fix = requests[1]
    assert schema_keys(fix) == ["f1"]  # one sentence, not the whole answer again
    # The same system message (a prefix cache reuses it), then only the section the sentence is about.
    assert fix["messages"][0] == requests[0]["messages"][0] and len(fix["messages"]) == 2
    assert "9999万元" in fix["messages"][-1]["content"]
    assert len(fix["messages"][-1]["content"]) < len(requests[0]["messages"][1]["content"]) / 2
    assert fix["max_tokens"] == ANSWER_OVERHEAD_TOKENS + PER_SENTENCE_TOKENS
    texts = [c.text for c in summary.all_claims()]
    assert bad not in texts and len(texts) > 3


# ---------------------------------------------------------------- the command line


def test_cli_flags_reach_the_engine_and_show_progress(
    fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.script(handler=slow_model(0.0))
    report = tmp_path / "report.txt"
    report.write_text(read_seed("001"), encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("SUMMARIZER_MODEL", FAKE_MODEL)
    monkeypatch.setenv("SUMMARIZER_CACHE", "off")
    monkeypatch.setenv("SUMMARIZER_MAX_OUTPUT_TOKENS", "999")
    code = main(
        [
            "summarize",
            str(report),
            "--strategy",
            "parallel",
            "--chunk-tokens",
            "1000",
            "--max-output-tokens",
            "180",
            "--progress",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    summary = json.loads(out)
    requests = [r.json for r in fake_llm.chat_requests]
    budgets = {r["max_tokens"] for r in requests}
    assert max(budgets) == 180 and budgets <= {160, 180}  # the flag caps; the environment's 999 lost
    assert len(requests) == summary["engine"]["calls"] > 4  # small chunks: many calls
    assert summary["engine"]["model_claims"] == len(
        [c for key in ("overview", "achievements", "problems", "plans") for c in summary[key]]
        + [c for s in summary["sections"] for c in s["summary"]]
    )
    assert f"{len(requests)}/{len(requests)}" in err  # tqdm: calls done of total, with the elapsed time


def test_a_bad_strategy_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("报告", encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        main(["summarize", str(report), "--strategy", "fast"])
    assert caught.value.code == 2
    assert "错误" in capsys.readouterr().err


def test_markdown_says_who_wrote_each_claim(fake_llm: FakeLLM, tmp_path: Path) -> None:
    from summarizer.render import to_markdown

    def respond(request: dict[str, Any]) -> Any:
        if "【目录】" in request["messages"][1]["content"]:  # the reduce fails: its lists fall back
            return FakeResponse(status=400, body={"error": {"message": "context length exceeded"}})
        return json_answer(cooperative_answer(request))

    fake_llm.script(handler=respond)
    settings = settings_for(fake_llm, tmp_path, strategy="parallel")
    text = read_seed("001")
    summary = summarize_llm(prepare(text, settings), settings)
    engine = summary.engine
    assert engine.fallbacks == ["reduce"] and engine.fallback_claims and engine.model_claims
    markdown = to_markdown(summary)
    assert f"模型撰写 {engine.model_claims} 条，抽取回退 {engine.fallback_claims} 条" in markdown
    assert markdown.count("模型撰写 model〕") == engine.model_claims
    assert markdown.count("抽取回退 extractive fallback〕") == engine.fallback_claims
