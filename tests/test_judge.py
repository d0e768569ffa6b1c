"""The model judge (`verify --judge`), against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from summarizer import Settings, verify
from summarizer.errors import ConfigError
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, json_answer
from tests.test_cli import run

REPORT = (
    "一、2023年工作回顾\n"
    "全年实现地区生产总值83.98亿元，同比增长2.3%。新建高标准农田3492亩。\n"
    "二、2024年工作安排\n"
    "力争建成镇区污水处理厂，地区生产总值增长6%左右。\n"
)
SUMMARY = "全镇地区生产总值83.98亿元，增长2.3%。\n新建高标准农田3492亩。\n镇区污水处理厂已经建成。"


def settings_for(fake: FakeLLM) -> Settings:
    return Settings(
        base_url=fake.base_url, model=FAKE_MODEL, api_key="sk-judge-secret", json_mode="json_schema"
    )


def claim_ids(request: dict[str, Any]) -> list[str]:
    """The ids the judge gave the claims of one call (c1, c2, …)."""
    return re.findall(r"^\[(\w+)\] 摘要句", request["messages"][1]["content"], re.M)


def claim_texts(request: dict[str, Any]) -> list[str]:
    return re.findall(r"^\[\w+\] 摘要句：(.*)$", request["messages"][1]["content"], re.M)


def judge_all(verdict: str) -> Any:
    def respond(request: dict[str, Any]) -> dict[str, Any]:
        ids = claim_ids(request)
        return json_answer({"verdicts": [{"id": i, "verdict": verdict, "reason": "依据"} for i in ids]})

    return respond


def test_the_model_can_flag_what_the_rules_passed_never_clear_what_they_flagged(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=judge_all("contradicted"))
    rules = verify(REPORT, SUMMARY, Settings())
    judged = verify(REPORT, SUMMARY, settings_for(fake_llm), judge=True)
    before = {c.id: c.support for c in rules.claims}
    assert before == {"s1": "supported", "s2": "supported", "s3": "unsupported"}  # 已经建成 vs 力争建成
    after = {c.id: (c.rules_support, c.support, c.judge.verdict if c.judge else None) for c in judged.claims}
    assert after == {
        "s1": ("supported", "unsupported", "contradicted"),
        "s2": ("supported", "unsupported", "contradicted"),
        "s3": ("unsupported", "unsupported", "contradicted"),
    }
    assert judged.verification.unsupported == 3
    assert any("model judge: contradicted" in i.reason for i in judged.verification.issues)
    # free text: one call per part of the report its claims' evidence is in (the review, the plan)
    assert judged.judge is not None and judged.judge.calls == len(fake_llm.chat_requests) == 2


def test_a_supporting_model_leaves_a_flagged_claim_flagged(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=judge_all("supported"))
    judged = verify(REPORT, SUMMARY, settings_for(fake_llm), judge=True)
    assert [c.support for c in judged.claims] == ["supported", "supported", "unsupported"]
    assert all(c.judge is not None and c.judge.verdict == "supported" for c in judged.claims)


def test_not_stated_lowers_to_partial_and_the_evidence_goes_to_the_model(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=judge_all("not_stated"))
    judged = verify(REPORT, SUMMARY, settings_for(fake_llm), judge=True)
    assert [c.support for c in judged.claims] == ["partial", "partial", "unsupported"]
    # The two parts' calls go at once: told apart by what they hold, not by the order they came in.
    review, plan = sorted((r.json for r in fake_llm.chat_requests), key=lambda r: -len(claim_ids(r)))
    user = review["messages"][1]["content"]
    assert "全年实现地区生产总值83.98亿元，同比增长2.3%" in user, "each claim's retrieved evidence is shown"
    assert claim_ids(review) == ["c1", "c2"] and claim_ids(plan) == ["c1"]
    assert claim_texts(plan) == ["镇区污水处理厂已经建成"]


def test_one_call_per_section_of_our_json(fake_llm: FakeLLM) -> None:
    from summarizer import summarize

    fake_llm.script(handler=judge_all("supported"))
    summary = summarize(REPORT, Settings(engine="extractive"))
    sections = {c.section_id for c in summary.all_claims()}
    judged = verify(REPORT, summary, settings_for(fake_llm), judge=True)
    assert len(fake_llm.chat_requests) == len(sections) >= 2
    assert judged.judge is not None and judged.judge.calls == len(sections)


def test_a_failed_call_leaves_the_rules_verdicts_and_says_so(fake_llm: FakeLLM) -> None:
    fake_llm.script(handler=FakeResponse(status=400, body={"error": {"message": "bad request"}}))
    judged = verify(REPORT, SUMMARY, settings_for(fake_llm), judge=True)
    assert [c.support for c in judged.claims] == ["supported", "supported", "unsupported"]
    assert all(c.judge is None for c in judged.claims)
    assert judged.judge is not None and judged.judge.failed_calls == judged.judge.calls == 2


def test_judge_needs_an_endpoint() -> None:
    with pytest.raises(ConfigError):
        verify(REPORT, SUMMARY, Settings(), judge=True)


def test_cli_verify_judge_prints_both_verdicts_and_never_the_key(fake_llm: FakeLLM, tmp_path: Any) -> None:
    fake_llm.script(handler=judge_all("not_stated"))
    report, summary = tmp_path / "report.txt", tmp_path / "summary.md"
    report.write_text(REPORT, encoding="utf-8")
    summary.write_text(SUMMARY, encoding="utf-8")
    env = {
        "OPENAI_BASE_URL": fake_llm.base_url,
        "OPENAI_API_KEY": "sk-judge-secret",
        "SUMMARIZER_MODEL": FAKE_MODEL,
    }
    done = run("verify", str(report), str(summary), "--judge", "--json-mode", "json_schema", env=env)
    assert done.returncode == 1, done.stderr.decode()
    data = json.loads(done.stdout)
    assert [(c["rules_support"], c["support"]) for c in data["claims"]][:2] == [("supported", "partial")] * 2
    assert data["judge"]["calls"] == 2 and data["judge"]["model"] == FAKE_MODEL
    table = run("verify", str(report), str(summary), "--judge", "--format", "table", env=env)
    assert "supported->partial (not_stated)" in table.stdout.decode()
    for output in (done.stdout, done.stderr, table.stdout, table.stderr):
        assert b"sk-judge-secret" not in output
    no_endpoint = run("verify", str(report), str(summary), "--judge")
    assert no_endpoint.returncode == 2 and b"Traceback" not in no_endpoint.stderr
