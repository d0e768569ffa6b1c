"""The LLM engine checks each sentence the way the verifier will, and asks again for what fails.

Through a real scripted server on 127.0.0.1: a sentence the verifier would not
mark supported (a figure of another statement, an evaluative word the source
lacks), a bare heading or lead phrase, and an achievement quoted from the plan
are each asked again, in one short call that holds only the sections they are
about.  The report below is made up for these tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summarizer.engines.llm.answer import SourceScope, form_problems
from summarizer.engines.llm.engine import summarize_llm
from summarizer.engines.llm.plan import plan_calls
from summarizer.pipeline import prepare
from summarizer.schema import Span
from summarizer.text.normalize import normalize
from summarizer.verification import ClaimSource, check_claim_text
from tests.conftest import assert_spans_match
from tests.fake_openai import FakeLLM, cooperative_answer, is_fix, json_answer
from tests.test_llm_strategy import schema_keys, settings_for

REPORT = """政府工作报告
——2025年2月12日在甲山镇第七届人民代表大会第四次会议上
镇长 李 华
各位代表：
现在，我代表镇人民政府向大会报告工作，请予审议。
一、2024年工作回顾
（一）产业发展
培育壮大特色产业。全年引进农业企业6家，新建茶叶基地800亩，茶叶产值达到1.6亿元，同比增长9.2%。
（二）民生保障
办好民生实事。新改建农村公路12公里，改造农村危房45户，新增城镇就业320人。
二、存在的问题
一是产业链条偏短，二是镇村公共服务水平不高。
三、2025年工作安排
全镇地区生产总值增长6%左右。重点推进茶叶精深加工项目建设，力争新建茶叶基地500亩。
各位代表！新的一年，让我们团结一心、开拓进取，为建设美丽甲山而努力奋斗！
"""

ACHIEVEMENT_FROM_PLAN = {"text": "全镇地区生产总值增长6%左右", "quote": "全镇地区生产总值增长6%左右"}
ACHIEVEMENT = {
    "text": "全年引进农业企业6家，新建茶叶基地800亩",
    "quote": "全年引进农业企业6家，新建茶叶基地800亩",
}


def one_pass(fake_llm: FakeLLM, tmp_path: Path) -> Any:
    settings = settings_for(fake_llm, tmp_path, strategy="serial", context_tokens=32768)
    return settings, prepare(REPORT, settings)


# ---------------------------------------------------------------- the checks themselves


@pytest.mark.parametrize(
    ("text", "support", "cue"),
    [
        pytest.param("全年引进农业企业6家", "supported", None, id="faithful"),
        pytest.param("茶叶产值达到1.6亿元，同比大幅增长9.2%", "unsupported", "大幅", id="evaluative-word"),
        pytest.param("全年引进农业企业8家", "unsupported", "8家", id="figure-not-stated"),
    ],
)
def test_check_claim_text_labels_one_claim_as_the_verifier_does(
    text: str, support: str, cue: str | None
) -> None:
    source = ClaimSource(REPORT)
    at = REPORT.index("全年引进农业企业6家")
    cited = [Span.of(REPORT, at, REPORT.index("。", at))]
    label, reasons = check_claim_text(source, text, cited)
    assert label == support
    assert (reasons == []) == (cue is None)
    if cue is not None:
        assert any(cue in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("培育壮大特色产业", "引导语", id="lead-phrase"),
        pytest.param("2024年工作回顾", "标题", id="heading"),
        pytest.param("全年引进农业企业6家，新建茶叶基地800亩", None, id="a-summary-sentence"),
        pytest.param("办好民生实事，新改建农村公路12公里", None, id="lead-phrase-with-content"),
        pytest.param("二是镇村公共服务水平不高", None, id="a-short-statement-is-no-lead-phrase"),
    ],
)
def test_headings_and_lead_phrases_are_no_summary_sentence(text: str, problem: str | None) -> None:
    norm = normalize(REPORT)
    scope = SourceScope.of(norm.clean, 0, len(norm.clean.text))
    problems = form_problems(text, scope)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


def test_the_closing_rally_is_not_asked_for_a_sentence(fake_llm: FakeLLM, tmp_path: Path) -> None:
    settings, ctx = one_pass(fake_llm, tmp_path)
    (call,) = plan_calls(ctx, settings).calls
    kinds = {n.id: n.kind for n in ctx.nodes}
    asked = {kinds[a.section_id] for a in call.asks}
    assert "closing" in kinds.values() and "closing" not in asked and {"review", "plan"} <= asked


# ---------------------------------------------------------------- asked again, through the server


def test_what_the_verifier_would_flag_is_asked_again_with_its_reason(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    inflated = {"text": "茶叶产值1.6亿元，同比大幅增长9.2%", "quote": "茶叶产值达到1.6亿元，同比增长9.2%"}
    fixed = {"text": "茶叶产值1.6亿元，同比增长9.2%", "quote": "茶叶产值达到1.6亿元，同比增长9.2%"}

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        data = cooperative_answer(request)
        if is_fix(request):
            return json_answer({key: fixed for key in data})
        first = next(key for key in schema_keys(request) if key == "1")
        data[first] = [inflated]
        return json_answer(data)

    fake_llm.script(handler=respond)
    settings, ctx = one_pass(fake_llm, tmp_path)
    summary = summarize_llm(ctx, settings)
    requests = [r.json for r in fake_llm.chat_requests]
    assert len(requests) == 2 and is_fix(requests[1])
    fix = requests[1]["messages"][-1]["content"]
    assert "核对未通过" in fix and "大幅" in fix
    assert '【"1"】' in fix and "新建茶叶基地800亩" in fix  # the section it is about, and no other
    assert "力争新建茶叶基地500亩" not in fix
    texts = [c.text for c in summary.all_claims()]
    assert fixed["text"] in texts and inflated["text"] not in texts
    assert_spans_match(REPORT, summary.all_spans())


@pytest.mark.parametrize("fixed_on_reask", [True, False], ids=["fixed", "never-fixed"])
def test_an_achievement_quoted_from_the_plan_is_asked_again(
    fake_llm: FakeLLM, tmp_path: Path, fixed_on_reask: bool
) -> None:
    def as_reduce(sentence: dict[str, str]) -> dict[str, Any]:
        return {"text": sentence["text"], "quotes": [sentence["quote"]], "fact_ids": []}

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        data = cooperative_answer(request)
        if is_fix(request):
            fix = ACHIEVEMENT if fixed_on_reask else ACHIEVEMENT_FROM_PLAN
            return json_answer({key: as_reduce(fix) for key in data})
        if "【目录】" in request["messages"][1]["content"]:  # the reduce writes the report lists
            data["achievements"] = [as_reduce(ACHIEVEMENT_FROM_PLAN)]
        return json_answer(data)

    fake_llm.script(handler=respond)
    settings = settings_for(fake_llm, tmp_path, strategy="parallel")
    summary = summarize_llm(prepare(REPORT, settings), settings)
    fixes = [r.json for r in fake_llm.chat_requests if is_fix(r.json)]
    assert len(fixes) == 1
    assert "achievements 只写已经做到的成绩" in fixes[0]["messages"][-1]["content"]
    achievements = [c.text for c in summary.achievements]
    if fixed_on_reask:
        assert achievements == [ACHIEVEMENT["text"]]
    else:  # the only sentence stays, flagged: the verifier and the reader see it
        assert achievements == [ACHIEVEMENT_FROM_PLAN["text"]]


def test_one_pass_picks_its_lists_from_its_own_sentences_by_part(fake_llm: FakeLLM, tmp_path: Path) -> None:
    review = {
        "text": "全年引进农业企业6家，新建茶叶基地800亩",
        "quote": "全年引进农业企业6家，新建茶叶基地800亩",
    }
    plan = {"text": "力争新建茶叶基地500亩", "quote": "力争新建茶叶基地500亩"}
    problem = {"text": "产业链条偏短，公共服务水平不高", "quote": "一是产业链条偏短"}

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        keys = schema_keys(request)
        assert "problems" in keys and not {"overview", "achievements", "plans"} & set(keys)
        return json_answer({"1": [review], "3": [plan], "problems": [problem]})

    fake_llm.script(handler=respond)
    settings, ctx = one_pass(fake_llm, tmp_path)
    summary = summarize_llm(ctx, settings)
    assert summary.engine.calls == 1
    assert [c.text for c in summary.achievements] == [review["text"]]  # from the review, never the plan
    assert [c.text for c in summary.plans] == [plan["text"]]
    assert [c.text for c in summary.problems] == [problem["text"]]
    assert [c.text for c in summary.overview] == [review["text"], plan["text"]]
    assert all(c.author == "model" for c in summary.all_claims())
    assert_spans_match(REPORT, summary.all_spans())


def test_a_sentence_parroting_the_instructions_is_asked_again(fake_llm: FakeLLM, tmp_path: Path) -> None:
    parrot = {"text": "报告在讲困难和问题的段落里自己承认的不足", "quote": "一是产业链条偏短"}
    problem = {"text": "产业链条偏短，公共服务水平不高", "quote": "一是产业链条偏短"}

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        if is_fix(request):
            return json_answer({"f1": problem})
        data = cooperative_answer(request)
        data["problems"] = [parrot]
        return json_answer(data)

    fake_llm.script(handler=respond)
    settings, ctx = one_pass(fake_llm, tmp_path)
    summary = summarize_llm(ctx, settings)
    requests = [r.json for r in fake_llm.chat_requests]
    assert len(requests) == 2 and "说明文字" in requests[1]["messages"][-1]["content"]
    assert [c.text for c in summary.problems] == [problem["text"]]
