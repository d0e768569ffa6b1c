"""Figures in Chinese text: found where they are, read right, compared across scales."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.facts import numbers
from summarizer.facts.numbers import Figure, find_figures, parse_figure, same_qualifier, same_quantity
from summarizer.facts.units import split_unit

from .conftest import read_seed


def _only(text: str) -> Figure:
    figures = find_figures(text)
    assert len(figures) == 1, f"expected one figure in {text!r}, got {figures}"
    figure = figures[0]
    assert text[figure.start : figure.end] == figure.raw
    return figure


# (text, raw, value, unit, qualifier, high)
READ_CASES = [
    ("arabic_yi", "地区生产总值83.98亿元，同比", "83.98亿元", 83.98, "亿元", None, None),
    ("thousands_comma", "投入1,200万元用于", "1,200万元", 1200.0, "万元", None, None),
    ("full_width", "财政收入８３．９８亿元", "８３．９８亿元", 83.98, "亿元", None, None),
    ("percent", "同比增长2.3%；", "2.3%", 2.3, "%", None, None),
    ("percent_space", "下降35 %，", "35 %", 35.0, "%", None, None),
    ("points", "提高5.5个百分点", "5.5个百分点", 5.5, "百分点", None, None),
    ("multiple", "较上年增长1.8倍；", "1.8倍", 1.8, "倍", None, None),
    ("cn_count_jian", "征集了十二件民生实事", "十二件", 12.0, "件", None, None),
    ("cn_liang_pi", "申报项目两批共计", "两批", 2.0, "批", None, None),
    ("cn_yu_ren", "帮助三百余人就业", "三百余人", 300.0, "人", "余", None),
    ("cn_years", "过去五年", "五年", 5.0, "年", None, None),
    ("cn_shi_yu", "完善了十余项规章制度", "十余项", 10.0, "项", "余", None),
    ("cn_scale_kept", "投入三千万元", "三千万元", 3000.0, "万元", None, None),
    ("cn_percent", "降低百分之五", "百分之五", 5.0, "%", None, None),
    ("scale_only", "人口1.2万，", "1.2万", 1.2, "万", None, None),
    ("wan_mu", "耕地面积4.2万亩，", "4.2万亩", 4.2, "万亩", None, None),
    ("yi_tax", "纳税1.64亿元。", "1.64亿元", 1.64, "亿元", None, None),
    ("inner_yu", "总投资4000余万元的水库", "4000余万元", 4000.0, "万元", "余", None),
    ("yu_after_scale", "发放XX万余元", "XX万余元", None, "万元", "余", None),
    ("post_yishang", "增长5.5%以上，", "5.5%以上", 5.5, "%", "以上", None),
    ("post_yixia", "彩礼10万元以下、", "10万元以下", 10.0, "万元", "以下", None),
    ("pre_jin", "销售额近XX万元的", "近XX万元", None, "万元", "近", None),
    ("pre_buditi", "增长不低于5%。", "不低于5%", 5.0, "%", "不低于", None),
    ("pre_chaoguo", "出让超过1000亩土地", "超过1000亩", 1000.0, "亩", "超过", None),
    ("jieyue_not_qualifier", "节约100万元", "100万元", 100.0, "万元", None, None),
    ("range_fullwidth_dash", "增长6.5%－7%，", "6.5%－7%", 6.5, "%", None, 7.0),
    ("range_em_dash", "增长5%—5.5%，", "5%—5.5%", 5.0, "%", None, 5.5),
    ("range_hyphen", "增长6.5%-7%，", "6.5%-7%", 6.5, "%", None, 7.0),
    ("range_unit_once", "其中10-50万元的村", "10-50万元", 10.0, "万元", None, 50.0),
    ("rate_unit", "补贴300元/亩", "300元/亩", 300.0, "元/亩", None, None),
    ("kilowatt_hour_not_qian", "节电3千瓦时", "3千瓦时", 3.0, "千瓦时", None, None),
]


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "qualifier", "high"),
    [c[1:] for c in READ_CASES],
    ids=[c[0] for c in READ_CASES],
)
def test_reads_figure(
    text: str, raw: str, value: float | None, unit: str, qualifier: str | None, high: float | None
) -> None:
    figure = _only(text)
    assert (figure.raw, figure.value, figure.unit, figure.qualifier, figure.high) == (
        raw,
        value,
        unit,
        qualifier,
        high,
    )


# (text, raw, kind, value, high)
KIND_CASES = [
    ("year", "2023年全镇财政总收入", "2023年", "year", 2023.0, None),
    ("year_range", "2016-2020年", "2016-2020年", "year", 2016.0, 2020.0),
    ("year_range_twice", "2016年-2020年", "2016年-2020年", "year", 2016.0, 2020.0),
    ("year_space", "二、2024 年工作安排", "2024 年", "year", 2024.0, None),
    ("year_chinese", "二〇二三年", "二〇二三年", "year", 2023.0, None),
    ("date_full", "——2024年3月30日在岑阳镇", "2024年3月30日", "date", 20240330.0, None),
    ("date_month", "去年4月,成功引进", "4月", "date", 400.0, None),
    ("date_iso", "2021-11-24 15:40", "2021-11-24", "date", 20211124.0, None),
    ("date_cn_month", "预计在今年八月份通车", "八月份", "date", 800.0, None),
    ("ranking_first", "产出指标位列全县第一。", "第一", "ranking", 1.0, None),
    ("ranking_ming", "我镇荣获了第二名的好成绩", "第二名", "ranking", 2.0, None),
    ("duration_not_year", "连续4年被评为", "4年", "amount", 4.0, None),
]


@pytest.mark.parametrize(
    ("text", "raw", "kind", "value", "high"), [c[1:] for c in KIND_CASES], ids=[c[0] for c in KIND_CASES]
)
def test_kind_of_figure(text: str, raw: str, kind: str, value: float, high: float | None) -> None:
    figure = _only(text)
    assert (figure.raw, figure.kind, figure.value, figure.high) == (raw, kind, value, high)


# (text, raw, unit): masked or garbled figures have no value, ever.
UNREADABLE_CASES = [
    ("xx_wanyuan", "财政收入XX万元，", "XX万元", "万元", False),
    ("xx_percent", "同比增长xx.xx%；", "xx.xx%", "%", False),
    ("x_yi", "固定资产投资x.xxx亿元；", "x.xxx亿元", "亿元", False),
    ("x_mu", "征地xxxx亩，", "xxxx亩", "亩", False),
    ("x_count", "目前x个行政村", "x个", "个", False),
    ("x_year", "一、20xx年工作开展情况", "20xx年", "年", False),
    ("ocr_ilOO", "总投资IlOO多万元的低温仓储", "IlOO多万元", "万元", True),
    ("ocr_mixed_digits", "投入1O0万元", "1O0万元", "万元", True),
]


@pytest.mark.parametrize(
    ("text", "raw", "unit", "ocr"), [c[1:] for c in UNREADABLE_CASES], ids=[c[0] for c in UNREADABLE_CASES]
)
def test_unreadable_figure_has_no_value(text: str, raw: str, unit: str, ocr: bool) -> None:
    figure = _only(text)
    assert (figure.raw, figure.unit, figure.value) == (raw, unit, None)
    assert figure.unreadable
    assert (figure.ocr_suspect, figure.redacted) == (ocr, not ocr)


NOT_FIGURE_CASES = [
    ("party_congress", "全面贯彻党的二十大精神"),
    ("list_marker_cn", "一是先陶园区建设有进展"),
    ("ordinal_session", "在岑阳镇第十八届人民代表大会第六次会议上"),
    ("plenary_session", "党的十九届二中、三中全会精神"),
    ("plenary_no_di", "党的二十届二中全会"),
    ("slogan_quoted", "开展“三线整治”和“四下基层”"),
    ("slogan_count_quoted", "树牢“四个意识”，坚定“四个自信”"),
    ("slogan_plus", "建立防止返贫“1+8+8+1”动态识别机制"),
    ("slogan_number_quoted", "深入落实“1269”行动计划"),
    ("phone", "联系电话0793-1234567"),
    ("doc_date_code", "政府工作报告(20240127).docx"),
    ("page_marker", "非税收\n2、入库"),
    ("lone_numerals", "千家万户、百姓、一体化"),
    ("phase", "二期工程正在强力推进"),
    ("ordinal_batch", "全国第三批乡村治理示范村"),
    ("first_secretary", "先后选派第一书记"),
    ("masked_place", "XX镇人民政府、x省特色镇"),
    ("fruit_not_month", "蜂糖李、八月瓜"),
    ("wholesale_retail", "烟花爆竹批零户"),
    ("latin_token", "建设5G基站"),
    ("plan_name", "实施“十四五”规划"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_FIGURE_CASES], ids=[c[0] for c in NOT_FIGURE_CASES])
def test_not_a_figure(text: str) -> None:
    assert find_figures(text) == []


def test_stray_letter_before_year_is_not_ocr() -> None:
    figures = find_figures("最低领取金额XX元/月o2023年镇卫生院")
    assert [(f.raw, f.kind, f.ocr_suspect) for f in figures] == [
        ("XX元/月", "amount", False),
        ("2023年", "year", False),
    ]


def test_several_figures_in_order() -> None:
    text = "建档立卡贫困户1121户4459人全部脱贫，改造危旧房975户"
    assert [(f.raw, f.value, f.unit) for f in find_figures(text)] == [
        ("1121户", 1121.0, "户"),
        ("4459人", 4459.0, "人"),
        ("975户", 975.0, "户"),
    ]


SAME_QUANTITY_CASES = [
    ("yi_equals_wan", "1.2亿元", "12000万元", True),
    ("wan_mu_equals_mu", "4.2万亩", "42000亩", True),
    ("wan_ren_equals_ren", "1.5万人", "15000人", True),
    ("km_equals_m", "1.35公里", "1350米", True),
    ("same_percent", "5.5%", "5.5%", True),
    ("qualifier_ignored", "5.5%以上", "5.5%", True),
    ("range_equal", "6.5%－7%", "6.5%-7%", True),
    ("range_vs_low_end", "6.5%－7%", "6.5%", False),
    ("percent_vs_yuan", "5.2%", "5.2亿元", False),
    ("percent_vs_points", "5.5%", "5.5个百分点", False),
    ("year_vs_year", "2023年", "2024年", False),
    ("year_vs_duration", "2023年", "2023天", False),
    ("different_value", "83.98亿元", "83.9亿元", False),
    ("households_vs_people", "199户", "199人", False),
    ("redacted_never_equal", "XX万元", "XX万元", False),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"), [c[1:] for c in SAME_QUANTITY_CASES], ids=[c[0] for c in SAME_QUANTITY_CASES]
)
def test_same_quantity(a: str, b: str, expected: bool) -> None:
    fa, fb = parse_figure(a), parse_figure(b)
    assert fa is not None and fb is not None
    assert same_quantity(fa, fb) is expected
    assert same_quantity(fb, fa) is expected


# Figures of different kinds are never the same quantity, even with the same value and no unit:
# a rank is not a count, a month is not a number.  (text a, text b, same?): each text holds one figure.
KIND_PAIRS = [
    ("rank_vs_count", "排名第3，", "共3。", False),
    ("rank_cn_vs_count", "位列全县第三，", "共3。", False),
    ("first_vs_one", "位列第一，", "共1。", False),
    ("month_vs_number", "全年3月完成", "达到300。", False),
    ("month_cn_vs_number", "今年三月份通车", "达到300。", False),
    ("month_vs_rank", "全年1月完成", "排名第100，", False),
    ("month_vs_rank_300", "全年3月完成", "排名第300，", False),
    ("rank_equals_rank", "排名第3，", "位列全县第三，", True),
    ("month_equals_month", "全年3月完成", "今年三月份通车", True),
    ("number_equals_number", "共3。", "总计3。", True),
    ("count_equals_count", "新建3个", "新建三个", True),
]


@pytest.mark.parametrize(("a", "b", "expected"), [c[1:] for c in KIND_PAIRS], ids=[c[0] for c in KIND_PAIRS])
def test_same_quantity_never_across_kinds(a: str, b: str, expected: bool) -> None:
    fa, fb = _only(a), _only(b)
    assert same_quantity(fa, fb) is expected, (fa, fb)
    assert same_quantity(fb, fa) is expected, (fb, fa)


# The upper end of a range, for the forms reports write: (text, raw, value, high, unit).
RANGE_CASES = [
    ("fullwidth_tilde", "增长5%～6%，", "5%～6%", 5.0, 6.0, "%"),
    ("tilde", "增长5%~6%，", "5%~6%", 5.0, 6.0, "%"),
    ("en_dash", "增长5%–6%，", "5%–6%", 5.0, 6.0, "%"),
    ("zhi_both_units", "增长8%至10%，", "8%至10%", 8.0, 10.0, "%"),
    ("zhi_unit_once", "总投资10至20亿元，", "10至20亿元", 10.0, 20.0, "亿元"),
    ("dao", "每亩补贴100到200元，", "100到200元", 100.0, 200.0, "元"),
    ("decimals", "投资1.2-1.5亿元，", "1.2-1.5亿元", 1.2, 1.5, "亿元"),
    ("em_dash_mu", "流转土地100—200亩，", "100—200亩", 100.0, 200.0, "亩"),
    ("fullwidth_dash_count", "招引5－10个项目", "5－10个", 5.0, 10.0, "个"),
    ("with_zuoyou", "增长6.5%－7%左右，", "6.5%－7%左右", 6.5, 7.0, "%"),
    ("years_em_dash", "2021—2025年", "2021—2025年", 2021.0, 2025.0, "年"),
    ("years_zhi", "2021至2025年", "2021至2025年", 2021.0, 2025.0, "年"),
]


@pytest.mark.parametrize(
    ("text", "raw", "value", "high", "unit"), [c[1:] for c in RANGE_CASES], ids=[c[0] for c in RANGE_CASES]
)
def test_range_keeps_its_upper_end(text: str, raw: str, value: float, high: float, unit: str) -> None:
    figure = _only(text)
    assert (figure.raw, figure.value, figure.high, figure.unit) == (raw, value, high, unit)
    assert figure.base_high() is not None


# Two ranges are the same quantity only when both ends are: (a, b, same?).
RANGE_PAIRS = [
    ("same_range_other_dash", "6.5%－7%", "6.5%-7%", True),
    ("same_range_other_scale", "1.2-1.5亿元", "12000-15000万元", True),
    ("upper_end_differs", "6.5%－7%", "6.5%－8%", False),
    ("upper_end_differs_money", "10-50万元", "10-60万元", False),
    ("upper_end_differs_years", "2021-2025年", "2021-2026年", False),
    ("lower_end_differs", "6.5%－7%", "6%－7%", False),
    ("range_vs_its_upper_end", "6.5%－7%", "7%", False),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"), [c[1:] for c in RANGE_PAIRS], ids=[c[0] for c in RANGE_PAIRS]
)
def test_same_quantity_compares_both_ends_of_a_range(a: str, b: str, expected: bool) -> None:
    fa, fb = parse_figure(a), parse_figure(b)
    assert fa is not None and fb is not None
    assert same_quantity(fa, fb) is expected
    assert same_quantity(fb, fa) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("5.5%以上", "5.5%", False), ("4000余万元", "4000多万元", True), ("5%以上", "不低于5%", True)],
    ids=["yishang_vs_none", "yu_equals_duo", "yishang_equals_budiyu"],
)
def test_same_qualifier(a: str, b: str, expected: bool) -> None:
    fa, fb = parse_figure(a), parse_figure(b)
    assert fa is not None and fb is not None
    assert same_qualifier(fa, fb) is expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("亿元", ("元", 1e8)),
        ("万亩", ("亩", 1e4)),
        ("千瓦", ("千瓦", 1.0)),
        ("万", (None, 1e4)),
        (None, (None, 1.0)),
    ],
    ids=["yiyuan", "wanmu", "kilowatt", "bare_scale", "no_unit"],
)
def test_split_unit(unit: str | None, expected: tuple[str | None, float]) -> None:
    assert split_unit(unit) == expected


def test_base_value_converts_scale() -> None:
    figure = parse_figure("1.64亿元")
    assert figure is not None
    assert (figure.base_unit(), figure.base_value()) == ("元", pytest.approx(1.64e8))


@pytest.mark.parametrize("raw", ["增长5%和6%", "没有数字"], ids=["two_figures", "no_figure"])
def test_parse_figure_needs_exactly_one(raw: str) -> None:
    assert parse_figure(raw) is None


def test_seed_figures_quote_the_text(seed: tuple[str, str]) -> None:
    _, text = seed
    figures = find_figures(text)
    assert len(figures) > 30
    for figure in figures:
        assert text[figure.start : figure.end] == figure.raw
        assert (figure.value is None) == figure.unreadable
        if "x" in figure.raw.lower():
            assert figure.redacted
    assert all(a.end <= b.start for a, b in itertools.pairwise(figures))


@pytest.mark.parametrize(
    ("prefix", "raw", "value", "unit"),
    [
        ("000", "总投资11亿元", 11.0, "亿元"),
        ("001", "耕地面积4.2万亩", 4.2, "万亩"),
        ("002", "累计投入财政资金27865万元", 27865.0, "万元"),
        ("003", "地区生产总值83.98亿元", 83.98, "亿元"),
        ("004", "完成地区生产总值xxxxx万元", None, "万元"),
    ],
    ids=["000", "001", "002", "003", "004"],
)
def test_seed_headline_figure(prefix: str, raw: str, value: float | None, unit: str) -> None:
    text = read_seed(prefix)
    at = text.index(raw)
    (figure,) = [f for f in find_figures(text) if at <= f.start < at + len(raw)]
    assert (figure.value, figure.unit) == (value, unit)


_ALPHABET = "0123456789０１.．,%％-－—~至XxIlOo一二两三十百千万亿点余多近约以上下内左右第年月日元亩个户人倍百分之之的和、，。“”+ 镇全县"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_figures_always_quote_their_text(text: str) -> None:
    figures = find_figures(text)
    for figure in figures:
        assert 0 <= figure.start < figure.end <= len(text)
        assert text[figure.start : figure.end] == figure.raw
        assert (figure.value is None) == figure.unreadable
    assert all(a.end <= b.start for a, b in itertools.pairwise(figures))


def _figures_trying_every_numeral(text: str) -> list[Figure]:
    """`find_figures` without its start pattern's shortcuts: the full pattern at every digit or numeral."""
    figures: list[Figure] = []
    pos = 0
    while pos < len(text):
        if text[pos] not in "0123456789０１２３４５６７８９XxOoIl〇零一二两三四五六七八九十百千万亿第":
            pos += 1
            continue
        match = numbers._FIGURE.match(text, pos)
        if match is None:
            pos += 1
            continue
        figure = numbers._READERS[match.lastgroup or "cn"](text, match)
        pos = max(match.end(), figure.end if figure is not None else 0)
        if figure is not None:
            figures.append(figure)
    return figures


_NUMERAL_TEXT = "〇零一二两三四五六七八九十百千万亿点月年日分之第份余多几个人元亩%/以上左右-至12０XxOo、，是大期届中全会“”镇"


@pytest.mark.parametrize(
    "text",
    [
        "二是",
        "一是",
        "三大",
        "十四五",
        "千家万户",
        "三百余人",
        "三万林",
        "一九九八年",
        "十二月份",
        "百分之五",
        "二〇二三年五月",
    ],
)
def test_start_pattern_skips_only_what_cannot_be_read(text: str) -> None:
    assert find_figures(text) == _figures_trying_every_numeral(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_NUMERAL_TEXT, max_size=30))
def test_start_pattern_skips_only_what_cannot_be_read_anywhere(text: str) -> None:
    assert find_figures(text) == _figures_trying_every_numeral(text)


@pytest.mark.parametrize("text", ["达到300", "300", "增长5.5%以内达到300"], ids=["end", "alone", "two"])
def test_a_bare_number_at_the_edge_of_the_text_is_a_figure(text: str) -> None:
    """The text's edge is no list marker or quote: "达到300" ends with a figure as "达到300。" does."""
    assert find_figures(text)[-1].raw == "300"
    assert [f.raw for f in find_figures("(300)")] == [], "a number in brackets alone is a list marker"
