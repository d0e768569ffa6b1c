"""render.py: escaped source HTML with evidence marks, claim badges, Markdown and CSV.

The summaries here are built by hand from a small report (with `Span.of`, so
every span is right) so that rendering is tested apart from the pipeline.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re

import pytest

from summarizer import render, summarize
from summarizer.schema import (
    Change,
    Claim,
    Engine,
    Indicator,
    Meta,
    MetaField,
    NumberCheck,
    Project,
    Quantity,
    ReportSummary,
    Section,
    Source,
    SourceWarning,
    Span,
    Support,
    Verification,
)
from tests.conftest import assert_spans_match

SAMPLE_TEXT = (
    "政府工作报告\n"
    "——2024年1月5日在青石镇第三届人民代表大会上\n"
    "一、2023年工作回顾\n"
    "全镇地区生产总值83.98亿元，同比增长2.3%。新建高标准农田3492亩。\n"
    "二、2024年工作安排\n"
    "力争财政收入增长5%以上，完成XX万元投资。<script>alert(1)</script>\n"
)


def span_of(text: str, quote: str, occurrence: int = 0) -> Span:
    """The span of the `occurrence`-th appearance of `quote` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return Span.of(text, start, start + len(quote))


def make_claim(text: str, claim_id: str, quotes: list[str], support: Support = "supported") -> Claim:
    return Claim(
        id=claim_id,
        text=text or quotes[0],
        evidence=[span_of(SAMPLE_TEXT, q) for q in quotes],
        support=support,
    )


def make_summary(text: str = SAMPLE_TEXT, *, filename: str | None = "青石镇.txt") -> ReportSummary:
    """A small but complete summary of `SAMPLE_TEXT` (every list has at least one item)."""
    gdp = make_claim(
        "全镇地区生产总值83.98亿元，同比增长2.3%。", "o1", ["全镇地区生产总值83.98亿元，同比增长2.3%。"]
    )
    gdp.numbers = [
        NumberCheck(raw="83.98亿元", value=83.98, unit="亿元", found=True, span=span_of(text, "83.98亿元")),
        NumberCheck(raw="2.3%", value=2.3, unit="%", found=True, span=span_of(text, "2.3%")),
    ]
    wrong = Claim(
        id="o2",
        text="新建高标准农田5000亩。",
        evidence=[span_of(text, "新建高标准农田3492亩。")],
        support="unsupported",
        numbers=[NumberCheck(raw="5000亩", value=5000, unit="亩", found=False)],
    )
    plan = make_claim("力争财政收入增长5%以上。", "p1", ["力争财政收入增长5%以上"], "partial")
    section_review = Section(
        id="1",
        level=1,
        title="2023年工作回顾",
        kind="review",
        span=span_of(
            text, "一、2023年工作回顾\n全镇地区生产总值83.98亿元，同比增长2.3%。新建高标准农田3492亩。\n"
        ),
        summary=[make_claim("", "s1-1", ["新建高标准农田3492亩。"])],
        keywords=["农田", "生产总值"],
    )
    section_plan = Section(
        id="2",
        level=1,
        title="2024年工作安排",
        kind="plan",
        span=span_of(
            text, "二、2024年工作安排\n力争财政收入增长5%以上，完成XX万元投资。<script>alert(1)</script>\n"
        ),
        summary=[make_claim("", "s2-1", ["<script>alert(1)</script>"], "unchecked")],
    )
    return ReportSummary(
        source=Source(
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            chars=len(text),
            filename=filename,
            encoding="utf-8",
            text=text,
        ),
        engine=Engine(name="extractive", elapsed_s=0.01),
        meta=Meta(
            title=MetaField(value="政府工作报告", evidence=span_of(text, "政府工作报告")),
            place=MetaField(value="青石镇", evidence=span_of(text, "青石镇")),
            date=MetaField(value="2024-01-05", evidence=span_of(text, "2024年1月5日")),
        ),
        overview=[gdp, wrong],
        sections=[section_review, section_plan],
        indicators=[
            Indicator(
                id="i1",
                name="地区生产总值",
                value=83.98,
                unit="亿元",
                raw="83.98亿元",
                change=Change(value=2.3, unit="%", raw="增长2.3%", basis="同比"),
                period="2023",
                kind="actual",
                section_id="1",
                evidence=span_of(text, "全镇地区生产总值83.98亿元，同比增长2.3%"),
            ),
            Indicator(
                id="i2",
                name="投资",
                value=None,
                unit="万元",
                raw="XX万元",
                period="2024",
                kind="target",
                redacted=True,
                section_id="2",
                evidence=span_of(text, "完成XX万元投资"),
            ),
        ],
        projects=[
            Project(
                id="pr1",
                name="高标准农田",
                investment=Quantity(value=None, unit="万元", raw="XX万元"),
                status="已完工",
                section_id="1",
                evidence=span_of(text, "新建高标准农田3492亩"),
            )
        ],
        achievements=[make_claim("", "a1", ["新建高标准农田3492亩。"])],
        problems=[],
        plans=[plan],
        verification=Verification(
            claims=6, supported=3, partial=1, unsupported=1, numbers=3, numbers_unsupported=1, score=0.6
        ),
    )


# ---------------------------------------------------------------- helpers for reading the HTML

MARK_RE = re.compile(
    r'<mark id="(ev-\d+)" class="([^"]*)" data-claim="([^"]*)"( data-first-active="1")?>(.*?)</mark>', re.S
)


def strip_tags_and_unescape(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# ---------------------------------------------------------------- source_html


def test_hand_built_summary_spans_are_right() -> None:
    summary = make_summary()
    assert assert_spans_match(summary.source.text, summary.all_spans()) == 16


def test_source_html_keeps_the_text_exactly() -> None:
    summary = make_summary()
    out = render.source_html(SAMPLE_TEXT, summary.all_claims(), None)
    assert strip_tags_and_unescape(out) == SAMPLE_TEXT  # nothing lost, newlines kept


def test_source_html_escapes_script() -> None:
    summary = make_summary()
    out = render.source_html(SAMPLE_TEXT, summary.all_claims(), "s2-1")
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_every_evidence_span_is_marked() -> None:
    summary = make_summary()
    out = render.source_html(SAMPLE_TEXT, summary.all_claims(), None)
    marked_claims = {cid for m in MARK_RE.finditer(out) for cid in m.group(3).split()}
    assert marked_claims == {c.id for c in summary.all_claims() if c.evidence}
    ids = [m.group(1) for m in MARK_RE.finditer(out)]
    assert len(ids) == len(set(ids)), "mark ids must be unique"


@pytest.mark.parametrize(
    ("active", "expected_text"),
    [
        pytest.param("o1", "全镇地区生产总值83.98亿元，同比增长2.3%。", id="overview-claim"),
        pytest.param("p1", "力争财政收入增长5%以上", id="partial-plan"),
        pytest.param("s2-1", "&lt;script&gt;alert(1)&lt;/script&gt;", id="escaped-evidence"),
    ],
)
def test_active_claim_marks_are_active_and_cover_its_evidence(active: str, expected_text: str) -> None:
    summary = make_summary()
    out = render.source_html(SAMPLE_TEXT, summary.all_claims(), active)
    active_marks = [m for m in MARK_RE.finditer(out) if "active" in m.group(2).split()]
    assert active_marks, "the chosen claim has no active mark"
    assert all(active in m.group(3).split() for m in active_marks)
    assert "".join(m.group(5) for m in active_marks) == expected_text
    assert [m.group(4) is not None for m in active_marks].count(True) == 1
    assert active_marks[0].group(4), "the first active mark is the scroll target"


def test_no_active_mark_without_selection() -> None:
    summary = make_summary()
    out = render.source_html(SAMPLE_TEXT, summary.all_claims(), None)
    assert "active" not in {c for m in MARK_RE.finditer(out) for c in m.group(2).split()}


def test_overlapping_spans_are_split_at_boundaries() -> None:
    text = "甲乙丙丁戊己"
    claims = [
        make_claim_on(text, "a", 0, 4, "supported"),  # 甲乙丙丁
        make_claim_on(text, "b", 2, 6, "unsupported"),  # 丙丁戊己
    ]
    out = render.source_html(text, claims, "a")
    pieces = [(m.group(5), m.group(3), m.group(2)) for m in MARK_RE.finditer(out)]
    assert pieces == [
        ("甲乙", "a", "ev-supported active"),
        ("丙丁", "a b", "ev-unsupported active"),  # the more serious support colors the overlap
        ("戊己", "b", "ev-unsupported"),
    ]


def test_nested_and_identical_spans() -> None:
    text = "一二三四五"
    claims = [
        make_claim_on(text, "outer", 0, 5, "supported"),
        make_claim_on(text, "inner", 1, 3, "partial"),
        make_claim_on(text, "same", 1, 3, "supported"),
    ]
    out = render.source_html(text, claims, "inner")
    pieces = [(m.group(5), m.group(3)) for m in MARK_RE.finditer(out)]
    assert pieces == [("一", "outer"), ("二三", "outer inner same"), ("四五", "outer")]
    assert strip_tags_and_unescape(out) == text


def test_source_html_without_claims_is_escaped_text() -> None:
    text = "a<b>&\"c'\n第二行"
    out = render.source_html(text, [], None)
    assert "<mark" not in out
    assert strip_tags_and_unescape(out) == text
    assert "<b>" not in out


def make_claim_on(text: str, claim_id: str, start: int, end: int, support: Support) -> Claim:
    return Claim(id=claim_id, text=text[start:end], evidence=[Span.of(text, start, end)], support=support)


# ---------------------------------------------------------------- claim_html


@pytest.mark.parametrize(
    ("support", "label"),
    [
        pytest.param("supported", "有据", id="supported"),
        pytest.param("partial", "部分有据", id="partial"),
        pytest.param("unsupported", "无据", id="unsupported"),
        pytest.param("unchecked", "未核验", id="unchecked"),
    ],
)
def test_claim_html_has_badge(support: Support, label: str) -> None:
    claim = Claim(id="x", text="<b>粗体</b>不算", support=support)
    out = render.claim_html(claim)
    assert f"badge-{support}" in out
    assert f">{label} · {support}<" in out
    assert "&lt;b&gt;粗体&lt;/b&gt;不算" in out and "<b>" not in out


def test_claim_html_names_figures_missing_from_the_source() -> None:
    wrong = make_summary().overview[1]
    out = render.claim_html(wrong)
    assert "not in source: 5000亩" in out
    assert "not in source" not in render.claim_html(make_summary().overview[0])


# ---------------------------------------------------------------- tables and Markdown


def test_indicator_rows_flatten_every_indicator() -> None:
    rows = render.indicator_rows(make_summary())
    assert [r["name"] for r in rows] == ["地区生产总值", "投资"]
    assert rows[0]["change"] == "增长2.3%" and rows[0]["change_basis"] == "同比"
    assert rows[1]["redacted"] is True and rows[1]["value"] is None
    assert all(SAMPLE_TEXT[r["start"] : r["end"]] == r["quote"] for r in rows)
    assert all(list(r) == render.INDICATOR_COLUMNS for r in rows)


def test_indicators_csv_has_bom_and_reads_back() -> None:
    out = render.indicators_csv(make_summary())
    assert out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert [r["raw"] for r in rows] == ["83.98亿元", "XX万元"]
    assert rows[1]["value"] == "" and rows[1]["redacted"] == "True"
    assert out.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_indicators_csv_quotes_commas_and_newlines() -> None:
    summary = make_summary()
    summary.indicators[0].name = "生产总值,含\n换行"
    rows = list(csv.DictReader(io.StringIO(render.indicators_csv(summary).removeprefix("\ufeff"))))
    assert rows[0]["name"] == "生产总值,含\n换行"


def test_markdown_has_every_part() -> None:
    md = render.to_markdown(make_summary())
    for expected in [
        "# 政府工作报告 · 摘要",
        "**地点**：青石镇",
        "**日期**：2024-01-05",
        "## 概述",
        "### 1 2023年工作回顾",
        "## 指标",
        "| 地区生产总值 | 83.98亿元 | 增长2.3% | 2023 | 实绩 |",
        "| 投资 | （已隐去） |",
        "## 项目",
        "## 工作计划",
        "〔无据 unsupported〕（原文未见：5000亩）",
        "结论 6 条：有据 3，部分有据 1，无据 1",
    ]:
        assert expected in md, expected


def test_markdown_escapes_markup_from_the_report() -> None:
    md = render.to_markdown(make_summary())
    assert "<script>" not in md
    assert "\\<script\\>alert(1)\\</script\\>" in md


def test_markdown_table_cells_cannot_break_the_table() -> None:
    summary = make_summary()
    summary.indicators[0].name = "A|B\nC"
    line = next(x for x in render.to_markdown(summary).splitlines() if x.startswith("| A"))
    assert line.startswith("| A\\|B C |")


def test_meta_items_in_contract_order() -> None:
    assert render.meta_items(make_summary()) == [
        ("标题", "政府工作报告"),
        ("地点", "青石镇"),
        ("日期", "2024-01-05"),
    ]


def test_a_second_pane_has_its_own_ids() -> None:
    summary = make_summary()
    main = render.source_html(SAMPLE_TEXT, summary.all_claims(), "o1")
    other = render.source_html(SAMPLE_TEXT, summary.all_claims(), "o1", pane_id="check-pane")
    assert main.startswith('<div id="source-pane" class="source-pane">')
    assert other.startswith('<div id="check-pane" class="source-pane">')
    main_ids = set(re.findall(r'<mark id="([^"]+)"', main))
    other_ids = set(re.findall(r'<mark id="([^"]+)"', other))
    assert main_ids and other_ids and not main_ids & other_ids
    assert all(i.startswith("ev-check-pane-") for i in other_ids)


def test_spans_past_the_end_of_the_text_are_ignored() -> None:
    longer = "甲乙丙丁"
    claim = Claim(id="x", text="丙丁", evidence=[Span.of(longer, 2, 4)])
    out = render.source_html("甲乙", [claim], "x")
    assert "<mark" not in out and strip_tags_and_unescape(out) == "甲乙"


@pytest.mark.parametrize(
    ("code", "css_class"),
    [
        pytest.param("web_chrome", "note-removed", id="removed-chrome"),
        pytest.param("spam", "note-removed", id="removed-spam"),
        pytest.param("redacted", "note-redacted", id="redacted"),
        pytest.param("ocr_digits", "note-flag", id="other-flag"),
    ],
)
def test_source_warnings_are_shown_with_their_message(code: str, css_class: str) -> None:
    text = "首页>新闻\n地区生产总值XX亿元。"
    warning = SourceWarning(code=code, message='说明 "<b>"', span=Span.of(text, 0, 5))
    out = render.source_html(text, [], None, warnings=[warning])
    assert (
        f'<span class="note {css_class}" data-code="{code}" title="说明 &quot;&lt;b&gt;&quot;">首页&gt;新闻</span>'
        in out
    )
    assert strip_tags_and_unescape(out) == text


def test_a_warning_inside_evidence_is_nested_in_the_mark() -> None:
    text = "生产总值XX亿元，增长2%。"
    claim = make_claim_on(text, "c", 0, len(text), "supported")
    redacted = SourceWarning(code="redacted", message="隐去", span=Span.of(text, 4, 8))
    out = render.source_html(text, [claim], "c", warnings=[redacted])
    pieces = [m.group(5) for m in MARK_RE.finditer(out)]
    assert pieces == [
        "生产总值",
        '<span class="note note-redacted" data-code="redacted" title="隐去">XX亿元</span>',
        "，增长2%。",
    ]
    assert out.count("data-first-active") == 1
    assert strip_tags_and_unescape(out) == text


def test_warnings_without_span_are_ignored() -> None:
    out = render.source_html("甲乙", [], None, warnings=[SourceWarning(code="too_long", message="m")])
    assert "note" not in out


def test_seed_summaries_render_losslessly(seed: tuple[str, str]) -> None:
    """On the real seed reports: the pane keeps the text exactly and marks every claim's evidence."""
    _, text = seed
    summary = summarize(text)
    assert_spans_match(text, summary.all_spans())
    claims = summary.all_claims()
    active = next(c for c in claims if c.evidence)
    out = render.source_html(text, claims, active.id, warnings=summary.source.warnings)
    assert strip_tags_and_unescape(out) == text
    marked = {cid for m in MARK_RE.finditer(out) for cid in m.group(3).split()}
    assert marked == {c.id for c in claims if c.evidence}
    assert out.count("data-first-active") == 1
    md = render.to_markdown(summary)
    assert md.count("\n- ") >= len(claims)
    assert render.indicators_csv(summary).count("\r\n") == len(summary.indicators) + 1
