"""Rule-based indicators and projects: names, values, changes, periods, kinds, evidence."""

from __future__ import annotations

import pytest

from summarizer.facts.indicators import Facts, extract_facts
from summarizer.facts.names import clean_name
from summarizer.schema import Indicator
from summarizer.sections.split import split_sections
from summarizer.text.normalize import normalize

from .conftest import assert_spans_match, read_seed


def _facts(text: str) -> Facts:
    norm = normalize(text)
    facts = extract_facts(norm, split_sections(norm))
    assert_spans_match(text, [i.evidence for i in facts.indicators])
    assert_spans_match(text, [p.evidence for p in facts.projects])
    return facts


def _row(indicator: Indicator) -> tuple[object, ...]:
    change = indicator.change
    return (
        indicator.name,
        indicator.value,
        indicator.unit,
        indicator.qualifier,
        None if change is None else (change.value, change.unit, change.basis),
    )


# (text, [(name, value, unit, qualifier, change)])
INDICATOR_CASES = [
    (
        "level_with_change",
        "2023年全镇财政总收入5.2亿元，同比增长23.4%。",
        [("财政总收入", 5.2, "亿元", None, (23.4, "%", "同比"))],
    ),
    (
        "change_written_first",
        "全镇地区生产总值增长20%，达到282亿元。",
        [("地区生产总值", 282.0, "亿元", None, (20.0, "%", None))],
    ),
    (
        "rate_alone",
        "农村居民人均可支配收入增长7%以上。",
        [("农村居民人均可支配收入增长", 7.0, "%", "以上", None)],
    ),
    (
        "rate_alone_keeps_basis_in_name",
        "人均可支配收入较2016年增长1.6倍。",
        [("人均可支配收入较2016年增长", 1.6, "倍", None, None)],
    ),
    (
        "decline_is_negative_change",
        "工业用电量1.2亿千瓦时，同比下降5%。",
        [("工业用电量", 1.2, "亿千瓦时", None, (-5.0, "%", "同比"))],
    ),
    (
        "second_change_repeats_level",
        "实现地区生产总值16.9亿元，年均增长16%，较2016年增长1.8倍。",
        [
            ("地区生产总值", 16.9, "亿元", None, (16.0, "%", "年均")),
            ("地区生产总值", 16.9, "亿元", None, (1.8, "倍", "较2016年")),
        ],
    ),
    (
        "households_and_people_share_name",
        "建档立卡贫困户1121户4459人全部脱贫。",
        [("建档立卡贫困户", 1121.0, "户", None, None), ("建档立卡贫困户", 4459.0, "人", None, None)],
    ),
    (
        "name_after_figure",
        "新建1座智慧农贸市场，打通3条断头路。",
        [("智慧农贸市场", 1.0, "座", None, None), ("断头路", 3.0, "条", None, None)],
    ),
    (
        "verbs_stripped",
        "建设高标准农田1600亩。完成3492亩高标准农田建设。",
        [("高标准农田", 1600.0, "亩", None, None), ("高标准农田", 3492.0, "亩", None, None)],
    ),
    (
        "qualifying_figure_joins_name",
        "全镇10万元以下低彩礼51对。",
        [("10万元以下低彩礼", 51.0, "对", None, None)],
    ),
    (
        "rate_as_level",
        "农村卫生厕所覆盖率达到95%以上。",
        [("农村卫生厕所覆盖率", 95.0, "%", "以上", None)],
    ),
    (
        "inner_qualifier",
        "累计投入财政资金4000余万元。",
        [("财政资金", 4000.0, "万元", "余", None)],
    ),
    (
        "list_after_etc",
        "刘源坑等4个增减挂钩项目顺利完工。",
        [("增减挂钩项目", 4.0, "个", None, None)],
    ),
    (
        "noun_starting_with_verb_kept",
        "医疗保险征缴完成率达98%。",
        [("医疗保险征缴完成率", 98.0, "%", None, None)],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in INDICATOR_CASES], ids=[c[0] for c in INDICATOR_CASES]
)
def test_indicators_of_sentence(text: str, expected: list[tuple[object, ...]]) -> None:
    facts = _facts(text)
    assert [_row(i) for i in facts.indicators] == expected
    for indicator in facts.indicators:
        assert indicator.raw in indicator.evidence.quote


NO_INDICATOR_CASES = [
    ("party_congress_and_years", "党的二十大胜利召开，过去五年，2023年3月，我们奋力拼搏。"),
    ("ranking", "产出指标位列全县第一。"),
    ("chinese_numeral_policy", "严格落实中央八项规定精神，树牢“四个意识”。"),
    ("slogan", "建立防止返贫“1+8+8+1”动态识别机制。"),
    ("bare_number", "开通12345热线。"),
    ("project_investment_only", "成功引进总投资11亿元的金铜废旧锂电池循环回收利用项目。"),
]


@pytest.mark.parametrize("text", [c[1] for c in NO_INDICATOR_CASES], ids=[c[0] for c in NO_INDICATOR_CASES])
def test_no_indicator(text: str) -> None:
    assert _facts(text).indicators == []


@pytest.mark.parametrize(
    ("text", "raw", "change_raw"),
    [
        ("全镇完成地区生产总值xxxxx万元,同比增长xx.xx%。", "xxxxx万元", "xx.xx%"),
        ("限上社会消费品零售额XX万元,同比增长20.56%。", "XX万元", "20.56%"),
        ("完成销售额IlOO多万元。", "IlOO多万元", None),
    ],
    ids=["redacted_level_and_change", "redacted_level_real_change", "ocr_suspect_level"],
)
def test_unreadable_level_has_no_value(text: str, raw: str, change_raw: str | None) -> None:
    (indicator,) = _facts(text).indicators
    assert (indicator.raw, indicator.value, indicator.redacted) == (raw, None, True)
    if change_raw is None:
        assert indicator.change is None
    else:
        assert indicator.change is not None and indicator.change.raw == change_raw
        assert (indicator.change.value is None) == ("x" in change_raw.lower())


@pytest.mark.parametrize(
    ("text", "kind", "period"),
    [
        ("一、2023年工作回顾\n全镇财政总收入5.2亿元。\n", "actual", "2023"),
        (
            "一、2023年工作回顾\n全镇财政总收入5.2亿元。\n二、2024年工作安排\n力争全年出让土地4000平米以上。",
            "target",
            "2024",
        ),
        (
            "一、2023年工作回顾\n全镇财政总收入5.2亿元。\n二、2024年工作安排\n在完成去年10件民生实事的基础上，再办好民生实事。",
            "actual",
            "2023",  # the year it is for: 去年 of a 2024 plan
        ),
        ("一、2023年工作回顾\n预计2025年2月建成投产，年营业收入达22.4亿元。", "target", "2023"),
        ("——五年来，实现地区生产总值16.9亿元。", "actual", "过去五年"),
        (
            "一、过去五年工作回顾\n全镇财政总收入5.2亿元。\n二、今后五年的主要目标任务\n建成1000亩道地药材产业园区。",
            "target",
            "今后五年",
        ),
        ("2016-2020年，累计投入资金27865万元。", "actual", "2016-2020"),
    ],
    ids=[
        "review_section",
        "plan_section",
        "last_year_in_plan",
        "expected_in_review",
        "past_five_years",
        "next_five_years",
        "year_range",
    ],
)
def test_kind_and_period(text: str, kind: str, period: str) -> None:
    indicator = _facts(text).indicators[-1]
    assert (indicator.kind, indicator.period) == (kind, period)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("全镇财政总收入", "财政总收入"),
        ("全年累计支付企业退税及奖返资金", "企业退税及奖返资金"),
        ("覆盖率达到", "覆盖率"),
        ("参保率稳定在", "参保率"),
        ("完成率达", "完成率"),
        ("出店经营行为", "出店经营行为"),
        ("新(改)建农村户厕", "农村户厕"),
        ("消除燃气等消防安全隐患", "消防安全隐患"),
        ("纳入监测“三类对象”", "纳入监测三类对象"),
        ("全年实现", ""),
        ("2", ""),
    ],
    ids=[
        "scope_word",
        "scope_and_verbs",
        "trailing_verb",
        "trailing_stable_at",
        "noun_starting_with_verb",
        "wei_inside_word",
        "aside_dropped",
        "examples_before_etc",
        "quotes_dropped",
        "nothing_left",
        "not_chinese",
    ],
)
def test_clean_name(raw: str, name: str) -> None:
    assert clean_name(raw) == name


# (text, [(name, investment raw or None, investment value, status)])
PROJECT_CASES = [
    (
        "investment_before_name",
        "去年4月,成功引进总投资11亿元的金铜废旧锂电池循环回收利用项目,该项目正在实施“三通一平”。",
        [("金铜废旧锂电池循环回收利用项目", "11亿元", 11.0, "在建")],
    ),
    (
        "completed_before_name",
        "其中,建成总投资4000余万元的形源坞水库,是全县库容最大的小二型水库。",
        [("形源坞水库", "4000余万元", 4000.0, "已完工")],
    ),
    (
        "soon_in_use",
        "总投资1200余万元的铺前卫生院即将投入使用。",
        [("铺前卫生院", "1200余万元", 1200.0, "在建")],
    ),
    (
        "two_names_one_status",
        "十里村基础设施提升改造项目和中东后扶项目已竣工。",
        [("十里村基础设施提升改造项目", None, None, "已完工"), ("中东后扶项目", None, None, "已完工")],
    ),
    ("approved", "铁路物流园项目已获立项批复。", [("铁路物流园项目", None, None, "计划")]),
    ("completed_a_step_only", "三氟氯乙烯项目已完成征地开工。", [("三氟氯乙烯项目", None, None, "在建")]),
    (
        "investment_after_name",
        "石岱下水韵丹青项目目前共投资xxx万,完成了整体规划设计。",
        [("石岱下水韵丹青项目", "xxx万", None, None)],
    ),
    (
        "ocr_investment",
        "位于卜林村总投资IlOO多万元的低温仓储烘干项目已建设完成。",
        [("低温仓储烘干项目", "IlOO多万元", None, "已完工")],
    ),
    ("in_talks", "金铜二号项目正在洽谈。", [("金铜二号项目", None, None, "在谈")]),
    ("generic_mentions", "积极推进乡村振兴项目建设，该项目成功申报为省重点建设项目。", []),
    ("phase_is_not_a_name", "二期工程正在强力推进。", []),
    ("count_of_projects", "全年实施孔家大桥等项目45个。", []),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in PROJECT_CASES], ids=[c[0] for c in PROJECT_CASES]
)
def test_projects(text: str, expected: list[tuple[object, ...]]) -> None:
    projects = _facts(text).projects
    rows = [
        (
            p.name,
            p.investment.raw if p.investment else None,
            p.investment.value if p.investment else None,
            p.status,
        )
        for p in projects
    ]
    assert rows == expected
    assert [p.id for p in projects] == [f"p{n}" for n in range(1, len(projects) + 1)]


# ---------------------------------------------------------------------------
# The seeds
# ---------------------------------------------------------------------------


def _seed_facts(prefix: str) -> tuple[str, Facts]:
    text = read_seed(prefix)
    return text, _facts(text)


def _find(facts: Facts, name: str, unit: str | None = None) -> list[Indicator]:
    return [i for i in facts.indicators if i.name == name and (unit is None or i.unit == unit)]


def test_seed_003_headline_figures() -> None:
    _, facts = _seed_facts("003")
    expected = {
        "财政总收入": (5.2, 23.4),
        "地区生产总值": (83.98, 2.3),
        "固定资产投资": (17.1, 1.0),
        "规模以上工业企业收入": (22.3, 4.0),
    }
    for name, (value, growth) in expected.items():
        (indicator,) = _find(facts, name)
        assert (indicator.value, indicator.unit, indicator.period, indicator.kind) == (
            value,
            "亿元",
            "2023",
            "actual",
        )
        assert indicator.change is not None
        assert (indicator.change.value, indicator.change.unit, indicator.change.basis) == (
            growth,
            "%",
            "同比",
        )


def test_seed_002_growth_over_five_years() -> None:
    _, facts = _seed_facts("002")
    rows = _find(facts, "地区生产总值")
    changes = [(i.change.value, i.change.unit, i.change.basis) for i in rows if i.change is not None]
    assert changes == [(16.0, "%", "年均"), (1.8, "倍", "较2016年")]
    assert {(i.value, i.unit, i.period, i.kind) for i in rows} == {(16.9, "亿元", "过去五年", "actual")}
    (budget, _) = _find(facts, "地方一般公共预算收入")
    assert budget.value == 4.27


def test_seed_004_redacted_headline() -> None:
    _, facts = _seed_facts("004")
    (gdp,) = _find(facts, "地区生产总值")
    assert (gdp.value, gdp.unit, gdp.raw, gdp.redacted) == (None, "万元", "xxxxx万元", True)
    assert gdp.change is not None and (gdp.change.value, gdp.change.raw) == (None, "xx.xx%")
    assert all(i.value is None for i in facts.indicators if i.redacted)
    assert sum(i.redacted for i in facts.indicators) >= 30


def test_seed_000_targets_and_project() -> None:
    _, facts = _seed_facts("000")
    (gdp_target,) = _find(facts, "地区生产总值增长")
    assert (gdp_target.value, gdp_target.unit, gdp_target.qualifier) == (5.5, "%", "以上")
    assert (gdp_target.kind, gdp_target.period) == ("target", "2024")
    (investment_target,) = _find(facts, "规模以上固定资产投资")
    assert (investment_target.value, investment_target.unit, investment_target.kind) == (
        1.0,
        "亿元",
        "target",
    )
    (farmland,) = _find(facts, "高标准农田", "亩")[:1]
    assert (farmland.value, farmland.kind, farmland.period) == (1600.0, "actual", "2023")

    (jintong,) = [p for p in facts.projects if p.name == "金铜废旧锂电池循环回收利用项目"]
    assert jintong.investment is not None
    assert (jintong.investment.value, jintong.investment.unit, jintong.status) == (11.0, "亿元", "在建")
    (reservoir,) = [p for p in facts.projects if p.name == "形源坞水库"]
    assert (reservoir.status, reservoir.investment and reservoir.investment.raw) == ("已完工", "4000余万元")


def test_seed_001_masked_and_ocr() -> None:
    _, facts = _seed_facts("001")
    (retail,) = _find(facts, "限上社会消费品零售额")
    assert (retail.value, retail.redacted) == (None, True)
    assert retail.change is not None and (retail.change.value, retail.change.basis) == (20.56, "同比")
    (dryer,) = [p for p in facts.projects if p.name == "低温仓储烘干项目"]
    assert dryer.investment is not None and (dryer.investment.value, dryer.investment.raw) == (
        None,
        "IlOO多万元",
    )
    (farmland,) = _find(facts, "耕地面积")
    assert (farmland.value, farmland.unit) == (4.2, "万亩")


def test_seed_facts_are_grounded(seed: tuple[str, str]) -> None:
    _, text = seed
    norm = normalize(text)
    nodes = split_sections(norm)
    facts = extract_facts(norm, nodes)
    assert len(facts.indicators) >= 20
    spans = [i.evidence for i in facts.indicators] + [p.evidence for p in facts.projects]
    assert assert_spans_match(text, spans) == len(spans)
    assert [i.id for i in facts.indicators] == [f"i{n}" for n in range(1, len(facts.indicators) + 1)]
    starts = [i.evidence.start for i in facts.indicators]
    assert starts == sorted(starts)
    node_ids = {node.id for node in nodes}
    for indicator in facts.indicators:
        assert indicator.raw in indicator.evidence.quote
        assert indicator.section_id in node_ids
        assert indicator.name and indicator.name not in indicator.raw
        if indicator.redacted:
            assert indicator.value is None
        if indicator.change is not None:
            assert indicator.change.unit in ("%", "百分点", "倍")
    for project in facts.projects:
        assert project.name in project.evidence.quote
        assert project.section_id in node_ids
