"""Metadata rules on small texts: stated values with evidence, never a guess."""

from __future__ import annotations

import pytest

from summarizer import Settings, prepare
from summarizer.facts.meta import extract_meta
from tests.conftest import assert_spans_match

BODY = "\n一、2023年工作回顾\n一年来，全镇完成地区生产总值12亿元。\n二、2024年工作安排\n力争地区生产总值增长6%。\n"

CASES = [
    (
        "dash-date-meeting",
        "政府工作报告\n——2024年3月30日在青石镇第十八届人民代表大会第六次会议上\n镇长 王 五\n各位代表："
        + BODY,
        {
            "title": "政府工作报告",
            "date": "2024-03-30",
            "meeting": "青石镇第十八届人民代表大会第六次会议",
            "place": "青石镇",
            "admin_level": "镇",
            "speaker": "镇长 王 五",
            "review_period": "2023",
            "plan_period": "2024",
        },
    ),
    (
        "chinese-numeral-date",
        "政府工作报告\n二〇二三年一月十二日在平安县第五届人民代表大会第三次会议上\n县长 李四\n" + BODY,
        {"date": "2023-01-12", "place": "平安县", "admin_level": "县", "speaker": "县长 李四"},
    ),
    (
        "redacted-place-is-unknown",
        "2023年XX镇政府工作报告各位代表：现在，我代表XX镇人民政府向大会作工作报告。" + BODY,
        {
            "place": None,
            "admin_level": None,
            "date": None,
            "speaker": None,
            "title": "2023年XX镇政府工作报告",
        },
    ),
    (
        "redacted-years-give-no-period",
        "各位代表：" + BODY.replace("2023年", "20xx年").replace("2024年", "20xx年"),
        {"review_period": None, "plan_period": None},
    ),
    (
        "five-year-periods",
        "各位代表：\n一、过去五年工作回顾\n五年来实现地区生产总值16亿元。\n二、今后五年的主要目标任务\n力争翻番。\n",
        {"review_period": "过去五年", "plan_period": "今后五年"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_meta_rules(text: str, expected: dict[str, str | None]) -> None:
    ctx = prepare(text, Settings(engine="extractive", cache=None))
    meta = extract_meta(ctx.norm, ctx.nodes)
    for field, value in expected.items():
        got = getattr(meta, field)
        assert (got.value if got else None) == value, field
    assert_spans_match(text, [f.evidence for f in meta.__dict__.values() if f is not None])
