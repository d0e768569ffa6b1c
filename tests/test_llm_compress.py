"""The compress design (the default for a local endpoint), through a real scripted server on 127.0.0.1.

The rules pick the sentences (the extractive summary), the model compresses each
one; a compression that fails the verifier's rules is asked again, and one that
still fails leaves the source sentence in place, marked as the extractive
engine's.  The report is made up for these tests.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from summarizer.engines.extractive.engine import summarize_extractive
from summarizer.engines.llm.answer import SourceScope, topic_only
from summarizer.engines.llm.compress import COMPRESS_BATCH
from summarizer.engines.llm.engine import summarize_llm
from summarizer.engines.llm.plan import UNSUMMARIZED_KINDS
from summarizer.pipeline import prepare, verify_report
from summarizer.schema import Claim, ReportSummary
from tests.conftest import assert_spans_match, read_seed
from tests.fake_openai import FakeLLM, cooperative_answer, error, is_fix, json_answer
from tests.test_llm_checks import REPORT
from tests.test_llm_strategy import settings_for


def local(fake_llm: FakeLLM, tmp_path: Path, **overrides: Any) -> Any:
    settings = settings_for(fake_llm, tmp_path, json_mode="json_object", **overrides)
    assert settings.effective_strategy == "compress"  # the scripted server is on 127.0.0.1: local
    return settings


def summarized(ctx: Any, claims: list[Claim]) -> list[Claim]:
    """The claims outside the title, date and closing rally: the engine summarizes only those."""
    tops = {n.id: n.kind for n in ctx.nodes if n.level == 1}
    skip = {n.id for n in ctx.nodes if tops[n.id.split(".")[0]] in UNSUMMARIZED_KINDS}
    return [c for c in claims if c.section_id not in skip]


def test_a_local_endpoint_compresses_the_rules_picks(fake_llm: FakeLLM, tmp_path: Path) -> None:
    text = read_seed("000")
    fake_llm.script(handler=lambda request: json_answer(cooperative_answer(request)))
    settings = local(fake_llm, tmp_path)
    ctx = prepare(text, settings)
    base = summarize_extractive(ctx, settings)
    summary = summarize_llm(ctx, settings)

    # The rules' claims, less the title block, the rally, and the headings and lead phrases they picked.
    clean = ctx.norm.clean

    def topic(claim: Claim) -> bool:
        start, end = clean.to_clean(claim.evidence[0].start), clean.to_clean(claim.evidence[-1].end)
        return topic_only(claim.text, SourceScope.of(clean, start, end)) is not None

    kept = [c for c in summarized(ctx, base.all_claims()) if not topic(c)]
    assert len(kept) < len(
        summarized(ctx, base.all_claims())
    )  # seed 000 has lead phrases ("聚焦民生所盼保平安。")
    distinct = {c.text for c in kept if c.evidence}
    batches = math.ceil(len(distinct) / COMPRESS_BATCH)
    requests = [r.json for r in fake_llm.chat_requests]
    fixes = [r for r in requests if is_fix(r)]
    assert summary.engine.calls == len(requests) == batches + len(fixes) and len(fixes) <= batches
    assert all(text not in r["messages"][1]["content"] for r in requests)  # never the whole report
    # The same structure as the rules' summary; each sentence the model's compression of its source, or,
    # where that failed our checks twice, the source sentence itself, marked as the extractive engine's.
    assert [s.id for s in summary.sections] == [s.id for s in base.sections]
    pairs = list(zip(kept, summary.all_claims(), strict=True))
    for old, new in pairs:
        assert new.evidence == old.evidence
        if new.author == "model":
            assert len(new.text) < len(old.text)
        else:
            assert (new.author, new.text) == ("extractive", old.text)
    model = sum(new.author == "model" for _, new in pairs)
    assert summary.engine.model_claims == model > len(pairs) - model == summary.engine.fallback_claims
    assert summary.engine.fallbacks == []
    verified = verify_report(ctx, summary)
    assert all(c.support == "supported" for c in verified.all_claims() if c.author == "model"), [
        (c.text, c.support) for c in verified.all_claims() if c.support != "supported"
    ]
    assert_spans_match(text, summary.all_spans())

    again = summarize_llm(prepare(text, settings), settings)  # the cache: no call the second time
    assert again.engine.calls == 0 and again.all_claims() == summary.all_claims()


def test_a_compression_the_verifier_flags_is_asked_again_then_left_as_the_source(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    def respond(request: dict[str, Any]) -> dict[str, Any]:
        data = cooperative_answer(
            request
        )  # every compression of the tea sentence inflates it, asked again too
        return json_answer(
            {k: v.replace("新建茶叶基地800亩", "大幅新建茶叶基地800亩") for k, v in data.items()}
        )

    fake_llm.script(handler=respond)
    settings = local(fake_llm, tmp_path)
    summary = summarize_llm(prepare(REPORT, settings), settings)
    fixes = [r.json for r in fake_llm.chat_requests if is_fix(r.json)]
    assert len(fixes) == 1
    asked = fixes[0]["messages"][-1]["content"]
    assert (
        "大幅" in asked and "核对未通过" in asked and "茶叶产值达到1.6亿元" in asked
    )  # the reason, its source
    tea = [c for c in summary.all_claims() if "新建茶叶基地800亩" in c.text]
    assert tea and all(c.author == "extractive" and "大幅" not in c.text for c in tea)
    others = [c for c in summary.all_claims() if c not in tea]
    assert others and all(c.author == "model" for c in others), [
        (c.text, c.author) for c in others if c.author != "model"
    ]
    assert (summary.engine.fallback_claims, summary.engine.model_claims) == (len(tea), len(others))


def test_a_failed_call_leaves_its_sentences_as_the_source_says_and_warns(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    fake_llm.script(handler=lambda request: error(400, "bad request: nothing to do with modes"))
    settings = local(fake_llm, tmp_path)
    ctx = prepare(REPORT, settings)
    summary = summarize_llm(ctx, settings)
    base = summarize_extractive(ctx, settings)
    assert [c.text for c in summary.all_claims()] == [c.text for c in summarized(ctx, base.all_claims())]
    assert all(c.author == "extractive" for c in summary.all_claims())
    assert summary.engine.fallbacks and summary.engine.model_claims == 0
    (warning,) = [w for w in summary.source.warnings if w.code == "llm_fallback"]
    assert "保留原文" in warning.message and "stay as the source has them" in warning.message


def test_answers_under_the_wrong_keys_go_to_the_sentences_they_compress(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    def shifted(request: dict[str, Any]) -> dict[str, Any]:
        data = cooperative_answer(request)  # each key's answer moved to the next key, as a drifting model
        keys = list(data)
        return json_answer({keys[(i + 1) % len(keys)]: data[key] for i, key in enumerate(keys)})

    fake_llm.script(handler=shifted)
    settings = local(fake_llm, tmp_path)
    ctx = prepare(REPORT, settings)
    summary = summarize_llm(ctx, settings)
    model = [c for c in summary.all_claims() if c.author == "model"]
    assert model and summary.engine.fallback_claims == 0, [
        c.text for c in summary.all_claims() if c.author != "model"
    ]
    for claim in model:  # every compression sits on its own source sentence
        source = "".join(span.quote for span in claim.evidence)
        assert all(ch in source for ch in claim.text if ch not in "，,"), (claim.text, source)


def test_the_items_below_level_two_are_not_compressed_one_by_one(fake_llm: FakeLLM, tmp_path: Path) -> None:
    text = read_seed("004")  # 52 sections, most of them 一是/二是 items the rules summarize each
    fake_llm.script(handler=lambda request: json_answer(cooperative_answer(request)))
    settings = local(fake_llm, tmp_path)
    ctx = prepare(text, settings)
    base = summarize_extractive(ctx, settings)
    summary = summarize_llm(ctx, settings)

    def deep(s: ReportSummary) -> int:
        return sum(len(section.summary) for section in s.sections if section.level > 2)

    assert deep(base) > 40 and deep(summary) == 0
    asked = sum(len(r.json["response_format"]["schema"]["properties"]) for r in fake_llm.chat_requests)
    assert asked < len({c.text for c in base.all_claims()}) / 2
    assert_spans_match(text, summary.all_spans())


def test_a_call_whose_answer_is_never_json_is_asked_again_in_halves(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    from tests.fake_openai import content_answer

    def respond(request: dict[str, Any]) -> Any:
        keys = request["response_format"].get("schema", {}).get("properties", {})
        if len(keys) > COMPRESS_BATCH // 2:  # lost in a long list: no JSON at all, however often asked
            return content_answer("好的，以下是压缩后的句子：一、……")
        return json_answer(cooperative_answer(request))

    fake_llm.script(handler=respond)
    settings = local(fake_llm, tmp_path)
    ctx = prepare(read_seed("000"), settings)
    summary = summarize_llm(ctx, settings)
    sizes = [
        len(r.json["response_format"].get("schema", {}).get("properties", {})) for r in fake_llm.chat_requests
    ]
    assert max(sizes) == COMPRESS_BATCH and COMPRESS_BATCH // 2 in sizes  # full calls failed, halves asked
    assert summary.engine.fallbacks == [] and summary.engine.model_claims
    assert not [w for w in summary.source.warnings if w.code == "llm_fallback"]


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("力争新增规上企业1家。”,", "力争新增规上企业1家。"),  # the JSON's quote and comma inside the string
        ('完成了。",', "完成了。"),
        ("涌山村获评“全国文明村”", "涌山村获评“全国文明村”"),  # a quotation of its own stays
        ('获评"先进"', '获评"先进"'),
    ],
)
def test_a_compressed_sentence_loses_the_json_written_into_its_end(written: str, kept: str) -> None:
    from summarizer.engines.llm.compress import _tidy

    assert _tidy(written) == kept
