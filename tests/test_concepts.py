"""The indicator concept catalogue (facts/concepts.toml) and `concept_of`: positives and negatives."""

from __future__ import annotations

import pytest

from summarizer.facts.concepts import catalogue, concept_of, split_name
from summarizer.pipeline import prepare


def test_the_catalogue_holds_at_least_40_standard_indicators() -> None:
    concepts = catalogue()
    written = [c for c in concepts.values() if c.growth_of is None]
    assert len(written) >= 40
    for concept in concepts.values():
        assert concept.role in ("level", "rate", "share") and concept.units
        assert all(r in concepts for r in concept.related)
        if concept.growth:
            assert concepts[concept.growth].growth_of == concept.id
    required = {
        "地区生产总值", "一般公共预算收入", "财政总收入", "固定资产投资", "社会消费品零售总额",
        "规模以上工业增加值", "城镇居民人均可支配收入", "农村居民人均可支配收入", "城镇新增就业",
        "城镇登记失业率", "城镇调查失业率", "居民消费价格涨幅", "粮食产量", "进出口总额", "实际利用外资",
        "单位地区生产总值能耗降低率", "旅游接待人数", "旅游收入", "城镇化率", "减贫人口", "森林覆盖率",
    }  # fmt: skip
    assert required <= set(concepts)
    assert concepts["居民消费价格涨幅"].ceiling and concepts["城镇登记失业率"].ceiling
    assert not concepts["地区生产总值增速"].ceiling


@pytest.mark.parametrize(
    ("name", "unit", "concept"),
    [
        ("地区生产总值", "亿元", "地区生产总值"),
        ("全区生产总值", "亿元", "地区生产总值"),
        ("国内生产总值", "万亿元", "地区生产总值"),
        ("GDP", "亿元", "地区生产总值"),
        ("全市地区生产总值", "亿元", "地区生产总值"),
        ("地区生产总值增长", "%", "地区生产总值增速"),
        ("国内生产总值同比增长", "%", "地区生产总值增速"),
        ("经济增长", "%", "地区生产总值增速"),
        ("一般公共预算收入", "亿元", "一般公共预算收入"),
        ("公共财政预算收入", "万元", "一般公共预算收入"),
        ("地方财政总收入", "亿元", "财政总收入"),
        ("区本级固定资产投资", "亿元", "固定资产投资"),
        ("全社会固定资产投资额", "亿元", "固定资产投资"),
        ("社会消费品零售总额增长", "%", "社会消费品零售总额增速"),
        ("规模以上工业增加值增速", "%", "规模以上工业增加值增速"),
        ("城镇居民人均可支配收入", "元", "城镇居民人均可支配收入"),
        ("农村牧区居民人均可支配收入", "元", "农村居民人均可支配收入"),
        ("农民人均纯收入增长", "%", "农村居民人均纯收入增速"),
        ("城镇新增就业", "万人", "城镇新增就业"),
        ("新增就业岗位", "个", "城镇新增就业"),
        ("城镇登记失业率控制在", "%", "城镇登记失业率"),
        ("城镇调查失业率", "%", "城镇调查失业率"),
        ("居民消费价格涨幅", "%", "居民消费价格涨幅"),
        ("粮食总产量", "万吨", "粮食产量"),
        ("外贸进出口总额", "亿美元", "进出口总额"),
        ("实际使用外资", "亿美元", "实际利用外资"),
        ("单位国内生产总值能耗下降", "%", "单位地区生产总值能耗降低率"),
        ("接待游客", "万人次", "旅游接待人数"),
        ("旅游综合收入", "亿元", "旅游收入"),
        ("常住人口城镇化率", "%", "城镇化率"),
        ("森林覆盖率达到", "%", "森林覆盖率"),
        ("再减少农村贫困人口", "万人", "减贫人口"),
        ("广义货币M2预期增长", "%", "广义货币M2增速"),
    ],
)
def test_names_that_are_a_concept(name: str, unit: str, concept: str) -> None:
    assert concept_of(name, unit) == concept


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("财政收入", "亿元"),  # general budget or total? not one concept
        ("地区生产总值", "人"),  # the unit does not fit
        ("城镇新增就业", "%"),
        ("城镇登记失业率", "个百分点"),  # a change of the rate, not the rate
        ("就业", "人"),  # "再就业" is not "就业"
        ("投资", "亿元"),
        ("项目", "个"),
        ("规模以上企业销售收入", "亿元"),
        ("地区生产总值", None),
        ("生产总值占比", "%"),
        ("一般公共预算收入占财政总收入比重", "%"),
        ("旅游", "万人次"),
        ("国内生产总值年均增长", "%"),  # an average over five years, not a year's growth
        ("粮食", "万吨"),
    ],
)
def test_names_that_are_no_concept(name: str, unit: str | None) -> None:
    assert concept_of(name, unit) is None


def test_split_name_takes_off_scope_words_and_verbs() -> None:
    assert split_name("区本级固定资产投资同比增长") == ("固定资产投资", "增长")
    assert split_name("城镇登记失业率控制到") == ("城镇登记失业率", None)
    assert split_name("再就业") == ("再就业", None)


def test_extracted_indicators_carry_their_concept() -> None:
    text = (
        "青石县人民政府工作报告\n一、2023年工作回顾\n全县地区生产总值完成83.98亿元，同比增长5.2%；"
        "一般公共预算收入5.2亿元；新建道路12条。\n二、2024年工作安排\n城镇登记失业率控制在4%以内。\n"
    )
    by_name = {i.name: i.concept for i in prepare(text).facts.indicators}
    assert by_name["地区生产总值"] == "地区生产总值"
    assert by_name["一般公共预算收入"] == "一般公共预算收入"
    assert by_name["城镇登记失业率"] == "城镇登记失业率"
    assert [c for n, c in by_name.items() if "道路" in n] == [None]
