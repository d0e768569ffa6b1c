"""Nothing lost: property tests over thousands of generated, messy report texts.

The generated texts mix what real reports carry: heading markers of every level
(一、 （一） (一) 一是 1. ——), figures (Arabic, full-width, Chinese numerals,
XX redactions, OCR letters), full-width forms, CRLF and CR, zero-width and
control characters, web chrome, sharing-site banners, page markers and spam,
plus random noise.  Whatever comes in:

- every span of the summary quotes the original exactly;
- the top-level sections are in order, do not overlap and, with the reported
  boilerplate removals, cover every non-blank character: nothing is skipped silently;
- the normalization offset map round-trips.
"""

from __future__ import annotations

import itertools
import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from summarizer import InputError, Settings, summarize
from summarizer.schema import ReportSummary
from summarizer.text.normalize import normalize
from tests.conftest import assert_spans_match

REMOVAL_CODES = frozenset({"web_chrome", "share_header", "page_marker", "spam"})
OFFLINE = Settings(engine="extractive")

HEADING_MARKERS = [
    "一、",
    "二、",
    "三、",
    "十一、",
    "（一）",
    "(二)",
    "（三）",
    "一是",
    "二是",
    "1.",
    "2．",
    "3、",
    "——",
]
TITLES = ["2023年工作回顾", "存在的问题", "2024年工作安排", "加强政府自身建设", "主要目标", "经济发展"]
FIGURES = [
    "83.98亿元",
    "１２．５％",
    "三千万元",
    "两亿元",
    "XX万元",
    "xx.xx%",
    "20xx年",
    "1 200吨",
    "5 .2%",
    "IlOO多万元",
    "增长2.3%",
    "6%左右",
    "4000余万元",
    "提高1.5个百分点",
    "6.5%－7%",
    "1\u200b2亿元",
]
SENTENCES = [
    "全镇经济社会发展稳中有进，",
    "群众满意度持续提升。",
    "新建高标准农田",
    "完成固定资产投资",
    "我们将坚持稳中求进工作总基调，统筹推进经济建设、政治建设、文化建设、社会建设和生态文明建设，",
    "一般公共预算收入",
    "ＧＤＰ",
]
BOILERPLATE = [
    "首页 > 政务公开 > 政府工作报告\n",
    "当前位置：首页 > 信息公开\n",
    "扫一扫在手机打开当前页\n",
    "来源：县政府办 发布时间：2021-11-24\n",
    "2021-11-24 15:40\n",
    "【打印本页】【关闭窗口】\n",
    "《政府工作报告》由会员分享，可在线阅读，更多相关《政府工作报告》请在某某文库上搜索。",
    "还剩12页未读，继续阅读\n",
    "篮彩购买app",
    "加微信abc12345",
    "百家乐官网",
    "第 3 页\n",
    "- 2 -\n",
    "\n2、",
    "\n3、",
]
ODD_CHARACTERS = [
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\u3000",
    "\u00a0",
    "\t",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x07",
    "\ufffd",
    " ",
]

piece = st.one_of(
    st.sampled_from(HEADING_MARKERS),
    st.sampled_from(TITLES),
    st.sampled_from(FIGURES),
    st.sampled_from(SENTENCES),
    st.sampled_from(BOILERPLATE),
    st.sampled_from(ODD_CHARACTERS),
    st.text(max_size=6),
)
# Free mixtures of pieces: anything goes.
mixed_texts = st.lists(piece, min_size=1, max_size=50).map("".join)


@st.composite
def report_texts(draw: st.DrawFn) -> str:
    """Line-shaped reports: heading lines and paragraphs, with boilerplate and odd line ends in between."""
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(draw(st.sampled_from(HEADING_MARKERS)) + draw(st.sampled_from(TITLES)))
        elif kind == 1:
            lines.append(draw(st.sampled_from(BOILERPLATE)).rstrip("\n"))
        else:
            parts = draw(
                st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(FIGURES)), max_size=8)
            )
            lines.append("".join(parts) + draw(st.sampled_from(["。", "", "；", "，"])))
    return newline.join(lines)


def summary_of(text: str) -> ReportSummary:
    try:
        return summarize(text, OFFLINE)
    except InputError as e:
        assume(e.code != "empty")  # blank texts are refused, rightly; nothing else may be
        raise


def is_blank(ch: str) -> bool:
    """White space, or a zero-width or control character (normalization drops those, and says so)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def assert_nothing_lost(text: str, summary: ReportSummary) -> None:
    assert summary.source.text == text
    assert_spans_match(text, summary.all_spans())
    tops = [s.span for s in summary.sections if s.level == 1]
    for before, after in itertools.pairwise(tops):
        assert before.end <= after.start, f"top sections overlap or are out of order: {before} {after}"
    removed = [w.span for w in summary.source.warnings if w.code in REMOVAL_CODES and w.span is not None]
    covered = bytearray(len(text))
    for span in [*tops, *removed]:
        covered[span.start : span.end] = b"\x01" * (span.end - span.start)
    lost = [i for i, ch in enumerate(text) if not covered[i] and not is_blank(ch)]
    assert not lost, f"characters in no section and no removal: {[text[i] for i in lost[:10]]} at {lost[:10]}"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_texts)
def test_mixed_texts_lose_nothing(text: str) -> None:
    assert_nothing_lost(text, summary_of(text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_texts())
def test_line_shaped_reports_lose_nothing(text: str) -> None:
    assert_nothing_lost(text, summary_of(text))


def unified(original_piece: str) -> str:
    """The clean character an original stretch may become (the test's own copy of the rules)."""
    if original_piece == "\r\n":
        return "\n"
    assert len(original_piece) == 1, f"one clean character from {original_piece!r}"
    code = ord(original_piece)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if original_piece in "\u3000\u00a0\u2009\u202f\t":
        return " "
    if original_piece in "\r\x0b\x0c":
        return "\n"
    return original_piece


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mixed_texts, report_texts()))
def test_offset_map_round_trips(text: str) -> None:
    norm = normalize(text)
    clean = norm.clean
    assert len(clean.starts) == len(clean.ends) == len(clean.text)
    for i, ch in enumerate(clean.text):
        assert 0 <= clean.starts[i] < clean.ends[i] <= len(text)
        assert unified(text[clean.starts[i] : clean.ends[i]]) == ch, (i, ch)
    assert clean.starts == sorted(clean.starts), "the clean copy keeps the original order"
    if clean.text:
        start, end = clean.to_original(0, len(clean.text))
        assert 0 <= start <= end <= len(text)
        assert clean.span(0, len(clean.text)).quote == text[start:end]
    # what the clean copy leaves out is blank, or reported as a removal
    kept = bytearray(len(text))
    for s, e in zip(clean.starts, clean.ends, strict=True):
        kept[s:e] = b"\x01" * (e - s)
    for r in norm.removals:
        kept[r.start : r.end] = b"\x01" * (r.end - r.start)
    dropped = [ch for i, ch in enumerate(text) if not kept[i] and not is_blank(ch)]
    assert not dropped, f"dropped without a removal: {dropped[:10]}"
