"""The indicator rules of issue #17, each on made-up sentences (none is a labelled one).

Kind that follows the text (target lists, cues, five-year plans, estimates),
the period a figure is for, names that are names (the noun after the figure,
parallel lists, generic words), numbers inside words, and a change attached to
its level across a phrase of basis.  The labelled sets are scored in
tests/test_indicator_labels.py.
"""

from __future__ import annotations

import pytest

from summarizer.facts.lists import list_members
from summarizer.schema import Indicator

from .test_facts import _facts


def _rows(text: str) -> list[tuple[object, ...]]:
    return [(i.name, i.value, i.unit, i.kind, i.period) for i in _facts(text).indicators]


def _only(text: str) -> Indicator:
    (indicator,) = _facts(text).indicators
    return indicator


# ---------------------------------------------------------------------------
# Kind and period
# ---------------------------------------------------------------------------

DATE_LINE = "政府工作报告\n——2031年2月3日在某某县第九届人民代表大会第二次会议上\n"
REVIEW = DATE_LINE + "一、2030年工作回顾\n全县生产总值120亿元。\n"


def test_target_list_cue_holds_over_its_semicolons() -> None:
    text = (
        "今年全县发展的主要预期目标是：生产总值增长6%左右；规模以上工业增加值增长8%，"
        "城镇新增就业2000人以上；居民消费价格涨幅控制在3%以内。"
    )
    assert [i.kind for i in _facts(text).indicators] == ["target"] * 4


def test_a_met_target_is_an_actual() -> None:
    text = "一、2030年工作回顾\n圆满完成年初确定的主要目标，全县生产总值增长6.2%，城镇新增就业2100人。\n"
    assert [i.kind for i in _facts(text).indicators] == ["actual", "actual"]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("力争引进亿元以上项目3个。", "target"),
        ("确保粮食播种面积稳定在12万亩以上。", "target"),
        ("计划新建农村公路40公里。", "target"),
        ("明年将新增就业岗位800个。", "target"),
        ("新建农村公路40公里。", "actual"),
    ],
    ids=["lizheng", "quebao", "jihua", "jiang", "no_cue"],
)
def test_clause_cues_outside_a_plan(sentence: str, kind: str) -> None:
    assert _only(sentence).kind == kind


def test_estimate_of_the_review_year_is_an_actual_of_that_year() -> None:
    text = DATE_LINE + "一、2030年工作回顾\n预计全年生产总值增长5.8%，一般公共预算收入4.1亿元。\n"
    assert [(i.kind, i.period) for i in _facts(text).indicators] == [("actual", "2030"), ("actual", "2030")]


def test_estimate_past_the_review_year_is_a_target() -> None:
    text = "一、2030年工作回顾\n预计2032年建成投产，年产值达5亿元。\n"
    assert _only(text).kind == "target"


def test_untitled_sections_take_the_report_year() -> None:
    text = DATE_LINE + "一、过去一年的工作\n全县生产总值120亿元。\n二、今年的主要任务\n全县生产总值增长6%。\n"
    rows = [(i.kind, i.period) for i in _facts(text).indicators]
    assert rows == [("actual", "2030"), ("target", "2031")]


def test_last_year_in_a_plan_is_the_year_before() -> None:
    text = REVIEW + "二、2031年工作安排\n在办好去年8件实事的基础上，今年再办好9件实事。\n"
    assert [(i.value, i.kind, i.period) for i in _facts(text).indicators][1:] == [
        (8.0, "actual", "2030"),
        (9.0, "target", "2031"),
    ]


def test_comparison_with_last_year_is_no_period() -> None:
    text = REVIEW + "二、2031年工作安排\n财政支出比去年增加3000万元。\n"
    indicator = _facts(text).indicators[-1]
    assert (indicator.kind, indicator.period) == ("target", "2031")


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("二、“十五五”规划的主要目标\n到期末全县森林覆盖率达到65%。\n", "2030"),
        ("二、今后五年的奋斗目标\n“十四五”时期全县生产总值年均增长7%。\n", "2025"),
        ("二、今后五年的奋斗目标\n到2035年，城镇化率达到70%。\n", "2035"),
        ("二、今后五年的奋斗目标\n今后五年，城镇化率达到70%。\n", "今后五年"),
    ],
    ids=["plan_title", "plan_in_sentence", "target_year", "next_five_years"],
)
def test_five_year_plan_targets_are_for_the_plan_end(text: str, period: str) -> None:
    indicator = _facts("一、过去五年工作回顾\n全县生产总值120亿元。\n" + text).indicators[-1]
    assert (indicator.kind, indicator.period) == ("target", period)


def test_five_year_plan_period_of_an_actual_is_its_span() -> None:
    text = "一、回顾\n“十三五”期间，全县累计完成固定资产投资300亿元。\n"
    assert _only(text).period == "2016-2020"


def test_paragraph_opened_by_five_years_dates_its_sentences() -> None:
    text = "一、“十四五”时期和2025年工作回顾\n五年来，产业不断壮大。新建标准厂房20栋。2025年旅游收入8亿元。\n"
    assert [i.period for i in _facts(text).indicators] == ["过去五年", "2025"]


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("打造15条精品骑行线路。", "精品骑行线路"),
        ("培育6个省级示范合作社。", "省级示范合作社"),
        ("新开工9个学校项目。", "学校项目"),
    ],
    ids=["dazao", "peiyu", "xiangmu"],
)
def test_noun_after_the_figure(sentence: str, name: str) -> None:
    assert _only(sentence).name == name


@pytest.mark.parametrize(
    ("subject", "count", "members"),
    [
        ("一、二、三产增加值", 3, ["第一产业增加值", "第二产业增加值", "第三产业增加值"]),
        ("单位产值水耗、能耗", 2, ["单位产值水耗", "单位产值能耗"]),
        ("颗粒物、氮氧化物排放量", 2, ["颗粒物排放量", "氮氧化物排放量"]),
        ("城乡居民医保补助标准", 2, ["城镇居民医保补助标准", "农村居民医保补助标准"]),
        ("化学需氧量、氨氮排放量", 1, ["化学需氧量", "氨氮排放量"]),
        ("地区生产总值", 1, ["地区生产总值"]),
    ],
    ids=["ordinal_sectors", "shared_modifier", "shared_head", "town_and_country", "own_heads", "no_list"],
)
def test_list_members(subject: str, count: int, members: list[str]) -> None:
    assert list_members(subject, count) == members


def test_each_member_of_a_list_gets_its_own_value() -> None:
    rows = [(i.name, i.value) for i in _facts("一、二、三产增加值分别增长3%、9%、7%。").indicators]
    assert rows == [("第一产业增加值增长", 3.0), ("第二产业增加值增长", 9.0), ("第三产业增加值增长", 7.0)]


def test_one_value_for_every_member() -> None:
    text = "城镇居民人均可支配收入、农村居民人均可支配收入均增长7%。"
    rows = [(i.name, i.value) for i in _facts(text).indicators]
    assert rows == [("城镇居民人均可支配收入增长", 7.0), ("农村居民人均可支配收入增长", 7.0)]


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("发放临时救助金85万元，受益320户。", "临时救助金受益"),
        ("总长8.6公里的滨河绿道全线贯通。", "滨河绿道"),
        ("投入3000万元资金改善农村饮水。", "改善农村饮水资金"),
        ("深入推进城乡居民医保征缴工作，完成率达97%。", "城乡居民医保征缴完成率"),
        ("安排债券资金2亿元，比上年增加5000万元。", "债券资金比上年增加"),
        ("“十四五”时期全县生产总值年均增长7%。", "生产总值年均增长"),
        ("全县森林面积由2020年的30万亩扩大到36万亩。", "森林面积"),
    ],
    ids=[
        "beneficiaries",
        "length",
        "funds",
        "completion_rate",
        "more_than_last_year",
        "plan_name",
        "from_to",
    ],
)
def test_generic_words_take_the_subject_of_the_sentence(sentence: str, name: str) -> None:
    assert _facts(sentence).indicators[-1].name == name


def test_from_one_year_to_another_is_two_levels() -> None:
    rows = [
        (i.name, i.value, i.period)
        for i in _facts("全县财政收入由2025年的3.1亿元增加到2030年的4.6亿元。").indicators
    ]
    assert rows == [("财政收入", 3.1, "2025"), ("财政收入", 4.6, "2030")]


@pytest.mark.parametrize(
    "sentence",
    ["认真落实省委18条配套措施。", "建设5人制足球场。", "建成2个5万吨级泊位。", "实施“3个100万”计划。"],
    ids=["policy_title", "compound_word", "capacity_class", "slogan"],
)
def test_numbers_inside_words_are_no_indicators(sentence: str) -> None:
    assert all(i.raw not in ("18条", "5人", "5万吨", "3个", "100万") for i in _facts(sentence).indicators)


# ---------------------------------------------------------------------------
# A change across a phrase of basis
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "basis"),
    [
        ("全县生产总值完成88.6亿元，按可比价计算，同比增长5.1%。", "按可比价计算同比"),
        ("全县生产总值完成88.6亿元，扣除价格因素，比上年增长5.1%。", "扣除价格因素比上年"),
        ("全县生产总值完成88.6亿元，同比增长5.1%（按可比价计算）。", "按可比价计算同比"),
    ],
    ids=["phrase_between", "price_factor", "phrase_after"],
)
def test_change_attaches_across_a_phrase_of_basis(sentence: str, basis: str) -> None:
    indicator = _only(sentence)
    assert indicator.change is not None
    assert (indicator.name, indicator.value, indicator.change.value, indicator.change.basis) == (
        "生产总值",
        88.6,
        5.1,
        basis,
    )


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("投资2.3亿元实施了城区供热管网改造。", "城区供热管网改造投资"),
        ("投资900万元，启动实施第二水厂扩建工程。", "第二水厂扩建工程投资"),
        ("全年实施工业项目12个，完成投资8.8亿元。", "工业项目投资"),
        ("完成投资1.2亿元，园区框架初步形成。", "投资"),
    ],
    ids=["object_of_verb", "after_comma", "previous_level", "a_clause_is_no_object"],
)
def test_what_an_investment_is_for(sentence: str, name: str) -> None:
    assert _facts(sentence).indicators[-1].name == name


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("研究出台了涉及民生的15项惠民措施。", "惠民措施"),
        ("完成了老城街道120栋楼房的外墙保温。", "楼房"),
    ],
    ids=["relative_clause", "place_before"],
)
def test_noun_after_a_relative_clause_or_a_place(sentence: str, name: str) -> None:
    assert _facts(sentence).indicators[0].name == name


def test_count_of_places_then_measure_of_the_work() -> None:
    rows = [(i.name, i.raw) for i in _facts("完成了8个自然村23.5公里的道路硬化。").indicators]
    assert rows == [("自然村", "8个"), ("道路硬化", "23.5公里")]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("全年关停落后产能企业12家、小煤矿5座。", ["关停落后产能企业", "关停小煤矿"]),
        ("新增耕地300亩、林地200亩。", ["新增耕地", "新增林地"]),
        ("建成大棚2350亩、温室500栋。", ["大棚", "温室"]),
    ],
    ids=["stock_verb", "new_items", "construction_verb_is_no_part_of_names"],
)
def test_a_stock_verb_holds_over_its_list(sentence: str, names: list[str]) -> None:
    assert [i.name for i in _facts(sentence).indicators] == names


def test_per_day_count_takes_the_subject_before() -> None:
    names = [i.name for i in _facts("全年新登记企业增长20%，平均每天新增800户。").indicators]
    assert names == ["新登记企业增长", "新登记企业平均每天新增"]


def test_both_rates_of_jun_wei() -> None:
    rows = [(i.name, i.value) for i in _facts("今年存款余额和贷款余额预期增长均为10%左右。").indicators]
    assert rows == [("存款余额预期增长", 10.0), ("贷款余额预期增长", 10.0)]


def test_a_list_of_levels_and_its_list_of_changes() -> None:
    text = "城乡常住居民人均可支配收入分别完成30100元、21050元，同比分别增长7.1%、8.2%。"
    rows = [(i.name, i.value, i.change and i.change.value) for i in _facts(text).indicators]
    assert rows == [
        ("城镇常住居民人均可支配收入", 30100.0, 7.1),
        ("农村常住居民人均可支配收入", 21050.0, 8.2),
    ]


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("全年办件3200件，办结率99%。", "办件办结率"),
        ("投资650万元改扩建12个村卫生室。", "村卫生室投资"),
        ("行政审批事项缩减到90项。", "行政审批事项"),
        ("年内开工项目30个。", "开工项目"),
        ("稳定就业岗位500个。", "稳定就业岗位"),
    ],
    ids=[
        "rate_of_the_level_before",
        "investment_in_counted_things",
        "cut_to",
        "started_projects",
        "kept_jobs",
    ],
)
def test_more_names_from_the_sentence(sentence: str, name: str) -> None:
    assert _facts(sentence).indicators[0].name == name or _facts(sentence).indicators[-1].name == name


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("实施28个老旧小区的外墙保温改造。", "老旧小区外墙保温改造"),
        ("建成6座现代化的污水泵站。", "污水泵站"),
        ("新建成温室大棚120个。", "温室大棚"),
        ("重点实施了第二中学扩建等4项工程。", "第二中学扩建等工程"),
    ],
    ids=["work_done_in_places", "quality_before_de", "xin_jian_cheng", "category_keeps_its_example"],
)
def test_the_term_after_the_figure(sentence: str, name: str) -> None:
    assert _facts(sentence).indicators[0].name == name


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("贷款基础利率的预期目标拟定为4.5%左右。", "贷款基础利率的预期目标"),
        ("全年城镇失业人员再就业900人。", "城镇失业人员再就业"),
        ("城镇新增就业1200人，再就业650人。", "再就业"),
    ],
    ids=["nidingwei", "zaijiuye_subject", "zaijiuye_bare"],
)
def test_a_verb_of_setting_and_a_noun_beginning_with_zai_keep_their_name(sentence: str, name: str) -> None:
    names = [i.name for i in _facts(sentence).indicators]
    assert name in names, names
