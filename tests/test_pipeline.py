"""The offline pipeline end to end on the seed reports.

What a reader of each report sees (its headings, its headline figures, its
metadata) is written down here by hand; the code must find it by general rules.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

import pytest

from summarizer import Settings, summarize
from summarizer.schema import Indicator, ReportSummary
from tests.conftest import SEED_PATHS, assert_spans_match, read_seed


@cache
def summary_of(prefix: str) -> ReportSummary:
    (path,) = [p for p in SEED_PATHS if p.name.startswith(prefix)]
    return summarize(path, Settings(engine="extractive", cache=None))


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


SEEDS = [p.name[:3] for p in SEED_PATHS]

# (title, kind, number of second-level sections) of each numbered top-level section, in order.
STRUCTURE = {
    "000": [
        ("2023年工作回顾", "review", 5),
        ("2024年工作安排", "plan", 4),
        ("全面加强政府自身建设", "government", 0),
    ],
    "001": [("2023年工作回顾", "review", 5), ("2024年工作计划", "plan", 3)],
    "002": [("过去五年工作回顾", "review", 5), ("今后五年的主要目标任务", "plan", 5)],
    "003": [("2023年工作回顾", "review", 5), ("2024年工作安排", "plan", 4)],
    "004": [
        ("20xx年工作开展情况", "review", 6),
        ("主要问题和不足", "problems", 0),
        ("20xx年工作打算", "plan", 6),
    ],
}


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_span_quotes_the_original(prefix: str) -> None:
    summary = summary_of(prefix)
    text = read_seed(prefix)
    assert summary.source.text == text
    assert assert_spans_match(text, summary.all_spans()) > 20


@pytest.mark.parametrize("prefix", SEEDS)
def test_output_round_trips_through_json(prefix: str) -> None:
    summary = summary_of(prefix)
    assert ReportSummary.model_validate_json(summary.to_json()) == summary


@pytest.mark.parametrize("prefix", SEEDS)
def test_top_level_sections_are_the_reports_own(prefix: str) -> None:
    summary = summary_of(prefix)
    tops = [s for s in summary.sections if s.level == 1]
    assert tops[0].kind == "preamble"
    numbered = [s for s in tops if s.kind not in ("preamble", "closing")]
    assert [(_squash(s.title), s.kind) for s in numbered] == [(t, k) for t, k, _ in STRUCTURE[prefix]]
    children = [sum(1 for c in summary.sections if c.parent_id == s.id) for s in numbered]
    assert children == [n for _, _, n in STRUCTURE[prefix]]


@pytest.mark.parametrize("prefix", SEEDS)
def test_top_level_spans_and_boilerplate_cover_the_whole_text(prefix: str) -> None:
    summary = summary_of(prefix)
    text = summary.source.text
    covered = [False] * len(text)
    tops = [s.span for s in summary.sections if s.level == 1]
    for a, b in itertools.pairwise(tops):
        assert a.end <= b.start, "top-level sections overlap or are out of order"
    removed = [w.span for w in summary.source.warnings if w.span and w.code in _REMOVAL_CODES]
    for span in [*tops, *removed]:
        for i in range(span.start, span.end):
            covered[i] = True
    missing = [i for i, c in enumerate(covered) if not c and not text[i].isspace()]
    assert not missing, f"not covered: {text[missing[0] : missing[0] + 30]!r}"


_REMOVAL_CODES = {"web_chrome", "share_header", "page_marker", "spam"}


@pytest.mark.parametrize("prefix", SEEDS)
def test_sections_nest_inside_their_parents(prefix: str) -> None:
    summary = summary_of(prefix)
    by_id = {s.id: s for s in summary.sections}
    for s in summary.sections:
        if s.parent_id is not None:
            parent = by_id[s.parent_id]
            assert parent.span.start <= s.span.start <= s.span.end <= parent.span.end
            assert s.level == parent.level + 1
            assert s.id.startswith(parent.id + ".")


def _find(summary: ReportSummary, name: str, **fields: object) -> Indicator:
    candidates = [i for i in summary.indicators if name in i.name]
    for ind in candidates:
        if all(_get(ind, k) == v for k, v in fields.items()):
            return ind
    shown = [(i.name, i.raw, i.value, i.unit, i.change, i.kind) for i in candidates]
    raise AssertionError(f"no indicator {name} with {fields}; candidates: {shown}")


def _get(ind: Indicator, path: str) -> object:
    obj: object = ind
    for part in path.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


# seed, name, value, unit, change value, change unit, kind, period
HEADLINES = [
    ("003", "财政总收入", 5.2, "亿元", 23.4, "%", "actual", "2023"),
    ("003", "地区生产总值", 83.98, "亿元", 2.3, "%", "actual", "2023"),
    ("003", "固定资产投资", 17.1, "亿元", 1, "%", "actual", "2023"),
    ("003", "规模以上工业企业收入", 22.3, "亿元", 4, "%", "actual", "2023"),
    ("002", "地区生产总值", 16.9, "亿元", 16, "%", "actual", None),
    ("002", "一般公共预算收入", 4.27, "亿元", 15, "%", "actual", None),
    ("000", "固定资产投资", 1, "亿元", None, None, "target", "2024"),
]


@pytest.mark.parametrize(
    ("prefix", "name", "value", "unit", "change", "change_unit", "kind", "period"),
    HEADLINES,
    ids=[f"{h[0]}-{h[1]}" for h in HEADLINES],
)
def test_headline_figures(
    prefix: str,
    name: str,
    value: float,
    unit: str,
    change: float | None,
    change_unit: str | None,
    kind: str,
    period: str | None,
) -> None:
    summary = summary_of(prefix)
    ind = _find(summary, name, value=value, unit=unit, kind=kind)
    if change is not None:
        assert ind.change is not None and ind.change.value == change and ind.change.unit == change_unit
    if period is not None:
        assert ind.period is not None and period in ind.period
    assert ind.evidence.quote in summary.source.text and not ind.redacted


# Targets stated as growth rates: "全镇地区生产总值增长5.5%以上" (000's plan).
RATE_TARGETS = [("000", "地区生产总值", 5.5, "以上"), ("000", "农村居民人均可支配收入", 7, "以上")]


@pytest.mark.parametrize(
    ("prefix", "name", "rate", "qualifier"), RATE_TARGETS, ids=[t[1] for t in RATE_TARGETS]
)
def test_growth_targets(prefix: str, name: str, rate: float, qualifier: str) -> None:
    summary = summary_of(prefix)
    matches = [
        i
        for i in summary.indicators
        if name in i.name
        and i.kind == "target"
        and (
            (i.change and i.change.value == rate and i.change.unit == "%")
            or (i.value == rate and i.unit == "%")
        )
    ]
    assert matches, [(i.name, i.raw, i.kind) for i in summary.indicators if name in i.name]
    assert any(qualifier in (m.qualifier or "") + (m.change.raw if m.change else "") + m.raw for m in matches)


@pytest.mark.parametrize("name", ["地区生产总值", "固定资产投资", "财政总收入", "农民人均纯收入"])
def test_redacted_figures_stay_unknown(name: str) -> None:
    summary = summary_of("004")
    ind = _find(summary, name)
    assert ind.redacted and ind.value is None


def test_no_redacted_figure_is_ever_given_a_value() -> None:
    for prefix in SEEDS:
        for ind in summary_of(prefix).indicators:
            if re.search(r"[Xx]{2,}|x\.x", ind.raw):
                assert ind.redacted and ind.value is None, ind


SPAM_AND_CHROME = [
    "篮彩",
    "购买app",
    "扫一扫",
    "由会员分享",
    "优知文库",
    "首页",
    "政务公开 >",
    "2021-11-24 15:40",
]


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_spam_or_web_chrome_in_any_claim(prefix: str) -> None:
    summary = summary_of(prefix)
    for claim in summary.all_claims():
        quoted = claim.text + "".join(s.quote for s in claim.evidence)
        for junk in SPAM_AND_CHROME:
            assert junk not in quoted, (claim.id, junk)


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_part_of_the_summary_is_filled(prefix: str) -> None:
    summary = summary_of(prefix)
    assert 3 <= len(summary.overview) <= 6
    assert summary.indicators and summary.achievements and summary.plans
    assert any(s.summary for s in summary.sections)
    assert all(s.keywords for s in summary.sections if s.level <= 2 and len(s.span.quote) > 200)
    ids = [c.id for c in summary.all_claims()]
    assert len(ids) == len(set(ids)), "claim ids are unique"
    assert summary.verification.claims == len(ids)


@pytest.mark.parametrize("prefix", ["000", "002", "003", "004"])
def test_problems_are_the_reports_admissions(prefix: str) -> None:
    problems = summary_of(prefix).problems
    assert len(problems) >= 2
    assert not any(p.text.rstrip().endswith((":", "：")) for p in problems), "lead-ins are not problems"


META = {
    "000": {
        "date": "2024-03-30",
        "place": "岑阳镇",
        "admin_level": "镇",
        "meeting": "岑阳镇第十八届人民代表大会第六次会议",
    },
    "001": {"place": None, "date": None},
    "002": {
        "date": "2021-10-25",
        "place": "巴中市恩阳区双胜镇",
        "admin_level": "镇",
        "meeting": "巴中市恩阳区双胜镇第二十届人民代表大会第一次会议",
    },
    "003": {"place": "涌山镇", "admin_level": "镇", "review_period": "2023", "plan_period": "2024"},
    "004": {"date": None, "review_period": None, "plan_period": None},
}


@pytest.mark.parametrize(
    ("prefix", "field", "value"),
    [(p, f, v) for p, fields in META.items() for f, v in fields.items()],
    ids=[f"{p}-{f}" for p, fields in META.items() for f in fields],
)
def test_meta(prefix: str, field: str, value: str | None) -> None:
    got = getattr(summary_of(prefix).meta, field)
    assert (got.value if got else None) == value


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_speaker_is_the_reporting_official(prefix: str) -> None:
    speaker = summary_of(prefix).meta.speaker
    assert speaker is not None and ("镇长" in speaker.value)


def test_text_path_and_bytes_give_the_same_summary() -> None:
    path: Path = SEED_PATHS[3]
    settings = Settings(engine="extractive", cache=None)
    from_path = summarize(path, settings)
    from_text = summarize(path.read_text(encoding="utf-8"), settings)
    from_bytes = summarize(path.read_bytes(), settings, filename=path.name)
    assert from_path.source.sha256 == from_text.source.sha256 == from_bytes.source.sha256
    assert [i.raw for i in from_path.indicators] == [i.raw for i in from_text.indicators]


@pytest.mark.parametrize(
    ("value", "is_path"),
    [
        ("reports/2023年政府工作报告.docx", True),
        ("report.TXT", True),
        ("/etc/passwd", False),
        ("一、2023年工作回顾", False),
        ("x" * 2000 + ".txt", False),
        ("a.txt\nb", False),
    ],
    ids=["docx", "upper-suffix", "system-file", "one-line-text", "too-long", "two-lines"],
)
def test_which_strings_are_paths(value: str, is_path: bool) -> None:
    from summarizer.pipeline import _looks_like_path

    assert _looks_like_path(value) is is_path
