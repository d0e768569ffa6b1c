"""Verification: locating quotes, figure checks, labels and totals, free text, verify_any.

The adversarial set and the free-text summary with planted errors are checked
in test_verify_adversarial.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.errors import InputError
from summarizer.pipeline import verify_report
from summarizer.schema import Claim, Engine, ReportSummary, Section, Source, Span
from summarizer.verification.align import (
    AlignmentStatus,
    SourceText,
    fuzzy_threshold,
    sentence_bounds,
)
from summarizer.verification.check import heading_regions, verify_summary
from summarizer.verification.claims import FreeTextResult, split_free_text, verify_any, verify_free_text
from summarizer.verification.table import format_table
from tests.conftest import assert_spans_match, read_seed


def make_summary(text: str, claims: list[Claim], sections: list[Section] | None = None) -> ReportSummary:
    source = Source(sha256=hashlib.sha256(text.encode()).hexdigest(), chars=len(text), text=text)
    return ReportSummary(
        source=source, engine=Engine(name="extractive"), achievements=claims, sections=sections or []
    )


def quote_span(text: str, quote: str) -> Span:
    start = text.find(quote)
    assert start >= 0, f"fixture quote not in the source: {quote!r}"
    return Span.of(text, start, start + len(quote))


# ---------------------------------------------------------------------------
# Locating quotes

ALIGN_SOURCE = "一、工作回顾\n全镇地区生产总值83.98亿元，同比增长2.3%；固定资产投资17.1亿元。\n位于卜林村总投资IlOO多万元的低温仓储烘干项目已建设完成，仓储和机械已完成装机调试。非税收\n2、入XX万元。"


@pytest.mark.parametrize(
    ("quote", "status", "expected"),
    [
        pytest.param("固定资产投资17.1亿元", AlignmentStatus.EXACT, "固定资产投资17.1亿元", id="exact"),
        pytest.param(
            "固定资产投资１７．１亿元", AlignmentStatus.NORMALIZED, "固定资产投资17.1亿元", id="full-width"
        ),
        pytest.param(
            "地区生产总值 83.98 亿元", AlignmentStatus.NORMALIZED, "地区生产总值83.98亿元", id="whitespace"
        ),
        pytest.param(
            "83.98亿元,同比增长2.3%", AlignmentStatus.NORMALIZED, "83.98亿元，同比增长2.3%", id="punctuation"
        ),
        pytest.param("非税收入XX万元", AlignmentStatus.NORMALIZED, "非税收\n2、入XX万元", id="page-marker"),
        pytest.param(
            "总投资1100多万元的低温仓储烘干项目",
            AlignmentStatus.NORMALIZED,
            "总投资IlOO多万元的低温仓储烘干项目",
            id="ocr-digits",
        ),
        pytest.param(
            "仓储和机槭已完成装机调试",
            AlignmentStatus.FUZZY,
            "仓储和机械已完成装机调试",
            id="fuzzy-ocr-character",
        ),
        pytest.param(
            "位于卜林村总投资1100多万元的低温仓储烘干项目建设完成",
            AlignmentStatus.FUZZY,
            None,
            id="fuzzy-dropped-word",
        ),
    ],
)
def test_align_quote_finds_the_quote(quote: str, status: AlignmentStatus, expected: str | None) -> None:
    found = SourceText(ALIGN_SOURCE).align(quote)
    assert found is not None
    assert found.status is status
    assert_spans_match(ALIGN_SOURCE, [found.span])
    if expected is not None:
        assert found.span.quote == expected
    else:
        assert "低温仓储烘干项目已建设完成" in found.span.quote


@pytest.mark.parametrize(
    "quote",
    [
        pytest.param("全镇新建了三座体育馆并举办运动会", id="absent"),
        pytest.param("固定资产投资71.1亿元被挪用了", id="mostly-different"),
        pytest.param("增长2.4%", id="short-near-miss"),
        pytest.param("", id="empty"),
        pytest.param("，。", id="punctuation-only"),
    ],
)
def test_align_quote_refuses_what_is_not_there(quote: str) -> None:
    assert SourceText(ALIGN_SOURCE).align(quote) is None


def test_align_quote_prefers_the_occurrence_near_the_hint() -> None:
    text = "增长5%。其他内容很多很多。增长5%。"
    second = text.rindex("增长5%")
    found = SourceText(text).align("增长5%", near=second + 2)
    assert found is not None and found.span.start == second


@pytest.mark.parametrize(("length", "lowest"), [(8, 87.5), (10, 90.0), (40, 87.5)])
def test_fuzzy_threshold_is_relative_to_quote_length(length: int, lowest: float) -> None:
    assert fuzzy_threshold(length) == pytest.approx(lowest, abs=0.1)


FULL_WIDTH = str.maketrans("0123456789%,.", "０１２３４５６７８９％，．")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_substring_of_a_seed_is_found_with_a_valid_span(data: st.DataObject) -> None:
    text = read_seed("003")
    start = data.draw(st.integers(0, len(text) - 12))
    end = data.draw(st.integers(start + 8, min(len(text), start + 80)))
    quote = text[start:end]
    found = SourceText(text).align(quote)
    assert found is not None and found.status is AlignmentStatus.EXACT
    assert_spans_match(text, [found.span])
    # The same words in full width, with blanks between the sentences.
    variant = quote.translate(FULL_WIDTH).replace("。", "。 \u3000")
    found = SourceText(text).align(variant)
    assert found is not None and found.status is not AlignmentStatus.FUZZY
    assert_spans_match(text, [found.span])


def test_sentences_are_not_cut_by_page_markers() -> None:
    text = "完成税收收入XX万元，非税收\n2、入XX万元。\n二、今年工作"
    quotes = [text[s:e] for s, e in sentence_bounds(text)]
    assert quotes == ["完成税收收入XX万元，非税收\n2、入XX万元。", "二、今年工作"]


# ---------------------------------------------------------------------------
# Figures: equality, role, qualifier, indicator, redaction

FIGURE_SOURCE = (
    "一、2023年工作回顾\n"
    "全镇财政总收入1.2亿元，同比增长23.4%；地区生产总值83.98亿元，同比增长5.5%；规模以上工业企业收入22.3亿元。"
    "新建高标准农田1600亩。完成税收收入XX万元。总投资IlOO多万元的烘干项目已建成。\n"
    "二、2024年工作安排\n"
    "地区生产总值增长6%以上，计划新建高标准农田890亩。"
)
FIGURE_EVIDENCE = "全镇财政总收入1.2亿元，同比增长23.4%；地区生产总值83.98亿元，同比增长5.5%；规模以上工业企业收入22.3亿元。"


@pytest.mark.parametrize(
    ("claim", "support", "reason"),
    [
        pytest.param("全镇财政总收入1.2亿元，同比增长23.4%", "supported", "", id="same"),
        pytest.param("全镇财政总收入12000万元", "supported", "", id="other-scale"),
        pytest.param("全镇财政总收入１.２亿元，同比增长２３.４％", "supported", "", id="full-width"),
        pytest.param("全镇财政总收入一点二亿元", "supported", "", id="chinese-numeral"),
        pytest.param("财政总收入1.2亿元，比上年增长23.4%", "supported", "", id="paraphrase"),
        pytest.param("全镇财政总收入1.3亿元", "unsupported", "never states", id="changed-digit"),
        pytest.param("全镇财政总收入1.2万元", "unsupported", "never states", id="wan-for-yi"),
        pytest.param("全镇财政总收入23.4亿元", "unsupported", "never states", id="growth-rate-as-level"),
        pytest.param(
            "全镇财政总收入同比增长23.4个百分点", "unsupported", "never states", id="points-for-percent"
        ),
        pytest.param("地区生产总值同比增长5.5亿元", "unsupported", "never states", id="percent-as-money"),
        pytest.param("2024年全镇财政总收入1.2亿元", "unsupported", "another part", id="wrong-year"),
        pytest.param("地区生产总值22.3亿元", "unsupported", "belongs to", id="figure-of-another-indicator"),
        pytest.param(
            "地区生产总值同比增长23.4%", "unsupported", "belongs to", id="growth-of-another-indicator"
        ),
        pytest.param("地区生产总值83.98亿元，同比增长5.5%以上", "partial", "qualifier", id="qualifier-added"),
        pytest.param(
            "地区生产总值83.98亿元，同比增长5.5%，新建农田1600亩",
            "partial",
            "elsewhere in the section",
            id="same-section",
        ),
        pytest.param("计划新建高标准农田890亩", "unsupported", "another part", id="other-section"),
        pytest.param("完成税收收入3500万元", "unsupported", "never states", id="redacted-filled-in"),
        pytest.param(
            "全镇财政总收入1.2亿元，地区生产总值83.89亿元",
            "unsupported",
            "83.89亿元",
            id="fuzzy-text-wrong-figure",
        ),
    ],
)
def test_figures_of_a_cited_claim(claim: str, support: str, reason: str) -> None:
    evidence = [quote_span(FIGURE_SOURCE, FIGURE_EVIDENCE)]
    summary = make_summary(FIGURE_SOURCE, [Claim(id="c1", text=claim, evidence=evidence)])
    checked = verify_summary(FIGURE_SOURCE, summary)
    (result,) = checked.achievements
    assert result.support == support
    issues = [i.reason for i in checked.verification.issues]
    assert (reason in issues[0]) if reason else not issues
    assert_spans_match(FIGURE_SOURCE, checked.all_spans())


@pytest.mark.parametrize(
    ("source", "claim", "support", "reason"),
    [
        pytest.param(
            "目标：地区生产总值增长5.5%以上。",
            "地区生产总值增长5.5%",
            "partial",
            "qualifier",
            id="qualifier-dropped",
        ),
        pytest.param("群众可增收260余万元。", "群众可增收260多万元", "supported", "", id="yu-equals-duo"),
        pytest.param(
            "总投资IlOO多万元的烘干项目已建成。",
            "总投资1100多万元的烘干项目已建成",
            "partial",
            "OCR",
            id="ocr-damaged-source",
        ),
        pytest.param(
            "投资xx亿元的工业园已投产。", "投资xx亿元的工业园已投产", "supported", "", id="mask-restated"
        ),
        pytest.param(
            "投资xx亿元的工业园已投产。",
            "投资12亿元的工业园已投产",
            "unsupported",
            "redacts",
            id="mask-filled",
        ),
        pytest.param(
            "较2016年增长1.8倍。", "较2016年增长1.8%", "unsupported", "never states", id="times-for-percent"
        ),
        pytest.param(
            "覆盖率达到95%以上。", "覆盖率增长95%以上", "unsupported", "as a level", id="level-as-growth"
        ),
        pytest.param("新增监测户4户13人。", "新增监测户四户十三人", "supported", "", id="chinese-counts"),
        pytest.param("信访案件下降35%。", "信访案件增长35%", "unsupported", "as a fall", id="fall-as-rise"),
        pytest.param("收入增长5%。", "收入减少5%", "unsupported", "as a rise", id="rise-as-fall"),
        pytest.param("收入同比增长5%。", "收入同比增长5%", "supported", "", id="rise-as-rise"),
        pytest.param(
            "人均收入较2016年增长1.6倍。", "人均收入较2016年增长1.6倍", "supported", "", id="times-rise"
        ),
        pytest.param(
            "全镇未发生一起较大安全事故。",
            "全镇发生一起较大安全事故",
            "unsupported",
            "negation",
            id="negation-dropped",
        ),
        pytest.param(
            "全镇发生一起较大安全事故。",
            "全镇未发生一起较大安全事故",
            "unsupported",
            "negation",
            id="negation-added",
        ),
        pytest.param(
            "全镇未发生一起较大安全事故。",
            "全镇没有发生较大安全事故",
            "supported",
            "",
            id="negation-reworded",
        ),
        pytest.param(
            "展望未来，推进无害化处理。", "展望未来，推进无害化处理", "supported", "", id="not-negations"
        ),
    ],
)
def test_figures_of_a_claim_without_evidence(source: str, claim: str, support: str, reason: str) -> None:
    result = verify_free_text(source, claim)
    (checked,) = result.claims
    assert checked.support == support, result.verification.issues
    if reason:
        assert reason in result.verification.issues[0].reason
    spans = [*checked.evidence, *(n.span for n in checked.numbers)]
    assert_spans_match(source, spans)


RANGE_SOURCE = (
    "二、2024年工作安排\n地区生产总值增长6.5%－7%，一般公共预算收入增长5%—5.5%，农房改造每户补助10-50万元。\n"
)
RANGE_EVIDENCE = "地区生产总值增长6.5%－7%，一般公共预算收入增长5%—5.5%，农房改造每户补助10-50万元。"


@pytest.mark.parametrize(
    ("claim", "support"),
    [
        pytest.param("地区生产总值增长6.5%-7%", "supported", id="same-range-other-dash"),
        pytest.param("一般公共预算收入增长5%～5.5%", "supported", id="same-range-tilde"),
        pytest.param("农房改造每户补助10至50万元", "supported", id="same-range-zhi"),
        pytest.param("地区生产总值增长6.5%－8%", "unsupported", id="upper-end-raised"),
        pytest.param("一般公共预算收入增长5%—6%", "unsupported", id="upper-end-raised-em-dash"),
        pytest.param("农房改造每户补助10-60万元", "unsupported", id="upper-end-raised-money"),
        pytest.param("地区生产总值增长6%－7%", "unsupported", id="lower-end-lowered"),
    ],
)
def test_a_range_in_a_claim_is_checked_at_both_ends(claim: str, support: str) -> None:
    free = verify_free_text(RANGE_SOURCE, claim)
    evidence = [quote_span(RANGE_SOURCE, RANGE_EVIDENCE)]
    cited = verify_summary(
        RANGE_SOURCE, make_summary(RANGE_SOURCE, [Claim(id="c1", text=claim, evidence=evidence)])
    )
    for (result,), verification in (
        (free.claims, free.verification),
        (cited.achievements, cited.verification),
    ):
        assert result.support == support, verification.issues
        (number,) = result.numbers
        assert number.found is (support == "supported")
        if support == "unsupported":
            assert "never states" in verification.issues[0].reason


def test_number_checks_say_where_each_figure_is() -> None:
    result = verify_free_text(FIGURE_SOURCE, "全镇财政总收入12000万元，同比增长23.4%，另有99亩")
    numbers = {n.raw: n for n in result.claims[0].numbers}
    assert numbers["12000万元"].found and numbers["12000万元"].span is not None
    assert numbers["12000万元"].span.quote == "1.2亿元"
    assert numbers["23.4%"].span is not None and numbers["23.4%"].span.quote == "23.4%"
    assert not numbers["99亩"].found and numbers["99亩"].span is None
    assert result.verification.numbers == 3 and result.verification.numbers_unsupported == 1


# ---------------------------------------------------------------------------
# Evidence, labels and totals


def test_a_claim_is_judged_on_its_words_not_its_characters() -> None:
    """A claim that is its evidence word for word says nothing else; one whose characters differ but
    whose words are the evidence's ("GDP GDP" for "GDP、GDP") is judged on its words, and holds."""
    text = "GDP、GDP、GDP同比增长5%。"
    verbatim = Claim(
        id="same", text="GDP、GDP、GDP同比增长5%", evidence=[quote_span(text, "GDP、GDP、GDP同比增长5%")]
    )
    reworded = Claim(id="other", text="GDP GDP GDP同比增长5%", evidence=list(verbatim.evidence))
    unrelated = Claim(id="off", text="GDP同比下降5%", evidence=list(verbatim.evidence))
    checked = verify_summary(text, make_summary(text, [verbatim, reworded, unrelated]))
    same, other, off = checked.all_claims()
    assert same.support == "supported"
    assert other.support == "supported"
    assert off.support == "unsupported"
    assert "opposite" in checked.verification.issues[0].reason


def test_labels_totals_and_score() -> None:
    text = FIGURE_SOURCE
    good = quote_span(text, "新建高标准农田1600亩")
    drifted = Span(start=good.start + 3, end=good.end + 3, quote=good.quote)
    claims = [
        Claim(id="ok", text="新建高标准农田1600亩", evidence=[good]),
        Claim(id="drifted", text="新建高标准农田1600亩", evidence=[drifted]),
        Claim(id="partial", text="地区生产总值增长6%", evidence=[quote_span(text, "地区生产总值增长6%以上")]),
        Claim(id="made-up", text="新建体育馆3座", evidence=[Span(start=0, end=4, quote="新建体育")]),
        Claim(id="unrelated", text="全镇党员干部团结奋斗开创新局面", evidence=[good]),
        Claim(id="empty", text="  ", evidence=[]),
    ]
    checked = verify_summary(text, make_summary(text, claims))
    support = {c.id: c.support for c in checked.all_claims()}
    assert support == {
        "ok": "supported",
        "drifted": "supported",
        "partial": "partial",
        "made-up": "unsupported",
        "unrelated": "unsupported",
        "empty": "unchecked",
    }
    v = checked.verification
    assert (v.claims, v.supported, v.partial, v.unsupported) == (6, 2, 1, 2)
    assert v.score == pytest.approx((2 + 0.5) / 5)
    assert {i.claim_id for i in v.issues} == {"partial", "made-up", "unrelated", "empty"}
    assert all(i.reason for i in v.issues)
    (drifted_checked,) = [c for c in checked.all_claims() if c.id == "drifted"]
    assert drifted_checked.evidence[0].start == good.start
    assert_spans_match(text, checked.all_spans())
    assert summary_unchanged(claims)


def summary_unchanged(claims: list[Claim]) -> bool:
    """verify_summary returns a copy: the caller's claims keep their labels."""
    return all(c.support == "unchecked" for c in claims)


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        pytest.param(
            "前言。\n一、回顾\n正文。\n二、计划\n正文。", ["前言", "一、回顾", "二、计划"], id="line-headings"
        ),
        pytest.param(
            "前言。一、回顾正文。（一）经济正文。(二)社会正文。",
            ["前言", "一、回顾", "（一）经济", "(二)社会"],
            id="inline",
        ),
        pytest.param("全镇一、二、三产业融合。", ["全镇"], id="not-after-a-sentence"),
    ],
)
def test_heading_regions_when_the_summary_has_no_sections(text: str, starts: list[str]) -> None:
    regions = heading_regions(text)
    assert [text[s:e].strip()[: len(p)] for (s, e), p in zip(regions, starts, strict=True)] == starts
    assert regions[0][0] == 0 and regions[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in pairwise(regions))


def test_evidence_found_only_approximately_makes_the_claim_partial() -> None:
    text = FIGURE_SOURCE
    garbled = Span(start=0, end=20, quote="全镇财政总收入1.2亿元，同比增长23.4%；地区生产总直83.98亿元")
    claim = Claim(id="g", text="全镇财政总收入1.2亿元，同比增长23.4%", evidence=[garbled])
    checked = verify_summary(text, make_summary(text, [claim]))
    (result,) = checked.all_claims()
    assert result.support == "partial"
    assert "approximately" in checked.verification.issues[0].reason
    assert result.evidence[0].quote.startswith("全镇财政总收入1.2亿元")
    assert_spans_match(text, checked.all_spans())


def test_sections_of_the_summary_decide_what_is_the_same_section() -> None:
    text = "第一部分甲项目投资5亿元。乙项目投资8亿元。第二部分丙项目投资9亿元。"
    cut = text.index("第二部分")
    sections = [
        Section(id="1", level=1, title="第一部分", kind="review", span=Span.of(text, 0, cut)),
        Section(id="2", level=1, title="第二部分", kind="plan", span=Span.of(text, cut, len(text))),
    ]
    evidence = [quote_span(text, "甲项目投资5亿元")]
    claims = [
        Claim(id="near", text="甲项目投资8亿元", evidence=evidence),
        Claim(id="far", text="甲项目投资9亿元", evidence=evidence),
    ]
    checked = verify_summary(text, make_summary(text, claims, sections))
    assert [c.support for c in checked.all_claims()] == ["partial", "unsupported"]


def test_claims_of_our_engine_are_supported_with_and_without_their_evidence(seed: tuple[str, str]) -> None:
    """Extractive claims quote the report: supported as cited, and found again when the citation is dropped."""
    from summarizer.pipeline import summarize

    _, text = seed
    summary = summarize(text)
    assert summary.all_claims()
    cited = verify_summary(text, summary)
    assert cited.verification.supported == cited.verification.claims, cited.verification.issues
    bare = summary.model_copy(deep=True)
    for claim in bare.all_claims():
        claim.evidence.clear()
    found = verify_summary(text, bare)
    assert found.verification.supported == found.verification.claims, found.verification.issues
    assert all(c.evidence for c in found.all_claims())
    assert_spans_match(text, [*cited.all_spans(), *found.all_spans()])


def test_a_prepared_report_is_verified_as_its_original_alone(seed: tuple[str, str]) -> None:
    """`verify_report` reuses the facts stage's figures only where the clean text is the original,
    and checks every claim exactly as `verify_summary` does from the original alone."""
    from summarizer import Settings
    from summarizer.engines.extractive.engine import summarize_extractive
    from summarizer.facts.numbers import find_figures
    from summarizer.pipeline import prepare

    _, text = seed
    offline = Settings(engine="extractive", cache=None)
    ctx = prepare(text, offline)
    assert ctx.facts.figures == find_figures(ctx.norm.clean.text)
    summary = summarize_extractive(ctx, offline)
    alone = verify_summary(text, summary)
    assert verify_report(ctx, summary) == alone
    if ctx.norm.clean.text == text:
        # The figures handed over are the ones the check would have read itself.
        assert verify_summary(text, summary, figures=ctx.facts.figures) == alone
    # Figures that are not the original's change the checks: the ones given are used.
    shifted = [dataclasses.replace(f, start=f.start + 1, end=f.end + 1) for f in find_figures(text)]
    assert verify_summary(text, summary, figures=shifted) != alone


# ---------------------------------------------------------------------------
# Free text


@pytest.mark.parametrize(
    ("markdown", "sentences"),
    [
        pytest.param("# 标题\n正文一句。第二句！", ["正文一句", "第二句"], id="heading-skipped"),
        pytest.param(
            "- **经济**：增长5%；投资3亿元", ["经济：增长5%", "投资3亿元"], id="list-bold-semicolon"
        ),
        pytest.param("1. 第一条\n2) 第二条\n* 第三条", ["第一条", "第二条", "第三条"], id="numbered-lists"),
        pytest.param("主要成绩如下：\n> 引用的一句。", ["引用的一句"], id="lead-in-and-quote"),
        pytest.param(
            "| 指标 | 数值 |\n|---|---|\n| 投资 | 3亿元 |", ["指标 | 数值", "投资 | 3亿元"], id="table"
        ),
        pytest.param("\n\n  \n", [], id="blank"),
    ],
)
def test_split_free_text(markdown: str, sentences: list[str]) -> None:
    assert split_free_text(markdown) == sentences


# ---------------------------------------------------------------------------
# verify_any and the table


def test_verify_any_reads_our_json() -> None:
    text = FIGURE_SOURCE
    claim = Claim(id="j1", text="新建高标准农田1600亩", evidence=[quote_span(text, "新建高标准农田1600亩")])
    result = verify_any(text, make_summary(text, [claim]).to_json())
    assert isinstance(result, FreeTextResult)
    assert [c.id for c in result.claims] == ["j1"] and result.claims[0].support == "supported"


def test_verify_any_reads_free_text() -> None:
    result = verify_any(FIGURE_SOURCE, "全镇财政总收入1.2亿元。全镇财政总收入1.3亿元。")
    assert [c.support for c in result.claims] == ["supported", "unsupported"]
    assert result.verification.claims == 2 and result.verification.score == pytest.approx(0.5)


@pytest.mark.parametrize(
    "summary_text",
    [
        pytest.param('{"schema_version": "1.0", "overview": []}', id="json-not-our-schema"),
        pytest.param("  \n ", id="empty"),
    ],
)
def test_verify_any_rejects_bad_input(summary_text: str) -> None:
    with pytest.raises(InputError) as caught:
        verify_any(FIGURE_SOURCE, summary_text)
    assert " / " in str(caught.value)


def test_format_table_lists_every_claim_with_its_reason() -> None:
    result = verify_free_text(
        FIGURE_SOURCE,
        "全镇财政总收入1.2亿元。全镇财政总收入1.3亿元，这是一句很长很长很长很长很长很长很长很长很长的话。",
    )
    table = format_table(result, width=20)
    lines = table.splitlines()
    assert lines[0].split() == ["id", "support", "claim", "reason"]
    assert "s1" in lines[2] and "supported" in lines[2]
    assert "s2" in lines[3] and "unsupported" in lines[3] and "1.3亿元" in lines[3] and "…" in lines[3]
    assert "score 0.50" in lines[-1]
