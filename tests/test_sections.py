"""The heading tree, problem paragraphs, sentences, tokens and chunks (summarizer/sections/, text/sentences.py, engines/llm/chunks.py).

Hand-written cases name one rule each; the seed cases check what a reader sees
in the five real reports; invariants are checked on the seeds and, with
hypothesis, on generated texts.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.engines.llm.chunks import chunk_sections
from summarizer.errors import ConfigError
from summarizer.schema import SectionKind
from summarizer.sections.headings import chinese_number, classify_title, find_markers, heading_extent
from summarizer.sections.split import SectionNode, find_problem_paragraphs, sections_of_text, split_sections
from summarizer.text.normalize import Normalized, normalize
from summarizer.text.offsets import TextBuilder
from summarizer.text.sentences import Sentences, count_tokens, split_sentences
from tests.conftest import assert_spans_match, read_seed

Outline = list[tuple[str, int, str, str]]


def outline(nodes: list[SectionNode], max_level: int = 4) -> Outline:
    return [(n.id, n.level, n.title, n.kind) for n in nodes if n.level <= max_level]


def as_is(text: str) -> Normalized:
    """A `Normalized` whose clean text is the text itself (to test sections apart from cleaning)."""
    builder = TextBuilder(text)
    builder.keep(0, len(text))
    return Normalized(original=text, clean=builder.build(), removals=[], warnings=[])


def check_invariants(text: str, nodes: list[SectionNode]) -> None:
    """Top level in order, without overlap, covering the text; children inside parents; ids unique."""
    if not text.strip():
        assert nodes == []
        return
    first = len(text) - len(text.lstrip())
    tops = [n for n in nodes if n.level == 1]
    assert tops, "a text with content has sections"
    assert tops[0].start == first
    assert tops[-1].end == len(text)
    for a, b in pairwise(tops):
        assert a.end == b.start, (a, b)
    by_id = {n.id: n for n in nodes}
    assert len(by_id) == len(nodes), "ids are unique"
    seen: set[str] = set()
    children: dict[str | None, list[SectionNode]] = {}
    for n in nodes:
        assert 1 <= n.level <= 4
        assert n.start == n.heading_start or n.kind == "preamble"
        assert n.start <= n.heading_start <= n.heading_end <= n.end
        if n.parent_id is None:
            assert n.level == 1
        else:
            parent = by_id[n.parent_id]
            assert parent.id in seen, "parents come before their children"
            assert n.level == parent.level + 1
            assert parent.heading_end <= n.start and n.end <= parent.end
            assert n.id.rsplit(".", 1)[0] == parent.id
        children.setdefault(n.parent_id, []).append(n)
        seen.add(n.id)
    for siblings in children.values():
        for a, b in pairwise(siblings):
            assert a.end <= b.start, (a, b)


# -- the heading tree on small texts ----------------------------------------------------------

TREE_CASES = [
    pytest.param(
        "政府工作报告各位代表:现在,我代表镇人民政府向大会报告工作。一、2023年工作回顾2023年是开局之年,全镇稳步发展。"
        "(一)经济发展稳健有力一是经济发展稳中向好。完成财政收入5亿元。二是项目建设持续推进。新建道路3条。"
        "(二)城镇面貌焕然一新一是基础设施日趋完善。新修水渠1.35公里。",
        [
            ("0", 1, "政府工作报告", "preamble"),
            ("1", 1, "2023年工作回顾", "review"),
            ("1.1", 2, "经济发展稳健有力", "review"),
            ("1.1.1", 3, "经济发展稳中向好", "review"),
            ("1.1.2", 3, "项目建设持续推进", "review"),
            ("1.2", 2, "城镇面貌焕然一新", "review"),
            ("1.2.1", 3, "基础设施日趋完善", "review"),
        ],
        id="inline_headings_run_into_the_body",
    ),
    pytest.param(
        "一、2023年工作回顾\n全年完成投资1亿元。\n二、2024年工作计划\n今年要稳中求进。"
        "一、聚焦发展质效,经济提升大干快上一是促进农业提质增效。稳定水稻种植。"
        "二、聚焦美丽蝶变,乡村建设提档升级一是完善镇村建管。三、聚焦社会稳定,平安基础全面夯实",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("2", 1, "2024年工作计划", "plan"),
            ("2.1", 2, "聚焦发展质效,经济提升大干快上", "plan"),
            ("2.1.1", 3, "促进农业提质增效", "plan"),
            ("2.2", 2, "聚焦美丽蝶变,乡村建设提档升级", "plan"),
            ("2.2.1", 3, "完善镇村建管", "plan"),
            ("2.3", 2, "聚焦社会稳定,平安基础全面夯实", "plan"),
        ],
        id="numbering_restarts_under_a_top_section",
    ),
    pytest.param(
        "一、2023年工作回顾\n成绩显著。\n二、2024年工作计划\n一、抓产业\n发展产业。\n二、抓民生\n改善民生。\n"
        "三、全面加强政府自身建设\n建设法治政府。",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("2", 1, "2024年工作计划", "plan"),
            ("2.1", 2, "抓产业", "plan"),
            ("2.2", 2, "抓民生", "plan"),
            ("3", 1, "全面加强政府自身建设", "government"),
        ],
        id="after_a_restart_a_title_naming_a_part_is_top_level",
    ),
    pytest.param(
        "一、2024年工作安排\n（一）加快发展新质生产力，挺起经济强镇。坚定不移。\n(二)环境氛围再优化,构筑发展支撑。持续优化。",
        [
            ("1", 1, "2024年工作安排", "plan"),
            ("1.1", 2, "加快发展新质生产力,挺起经济强镇", "plan"),
            ("1.2", 2, "环境氛围再优化,构筑发展支撑", "plan"),
        ],
        id="full_width_and_ascii_parentheses",
    ),
    pytest.param(
        "一.2023年工作回顾\n成绩显著。\n二．2024年工作安排\n继续努力。",
        [("1", 1, "2023年工作回顾", "review"), ("2", 1, "2024年工作安排", "plan")],
        id="top_markers_with_a_dot",
    ),
    pytest.param(
        "一、过去五年工作回顾\n过去五年,是奋斗的五年。\n——五年来,全镇综合实力稳步提升。生产总值16.9亿元。\n"
        "——五年来,全镇减贫任务全面完成。7个贫困村退出。\n"
        "在看到成绩的同时,我们也清醒地认识到,还面临不少困难和问题。\n"
        "二、今后五年的主要目标任务\n——必须坚持党的领导,切实把讲政治放在首位。\n——必须坚持发展要务。\n"
        "(一)加快产业培育。建设园区。\n",
        [
            ("1", 1, "过去五年工作回顾", "review"),
            ("1.1", 2, "五年来,全镇综合实力稳步提升", "review"),
            ("1.2", 2, "五年来,全镇减贫任务全面完成", "review"),
            ("2", 1, "今后五年的主要目标任务", "plan"),
            ("2.1", 2, "加快产业培育", "plan"),
        ],
        id="dash_lead_paragraphs_only_without_numbered_children",
    ),
    pytest.param(
        "一、2023年工作回顾\n2023年是不平凡的一年。\n"
        "一年来,我们积蓄发展动能,经济发展展现新活力。财政总收入5.2亿元。一是园区建设有进展。完成清表。"
        "二是招商引资有力度。引入10家企业。\n"
        "一年来,我们提升城镇品质,城乡发展呈现新面貌。新建1座市场。\n"
        "一年来,我们聚焦乡村振兴,“三农”工作取得新成效。完成3492亩高标准农田。\n"
        "与此同时,工会等工作都取得新进步。\n二、2024年工作安排\n(一)加快发展。\n",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("1.1", 2, "一年来,我们积蓄发展动能,经济发展展现新活力", "review"),
            ("1.1.1", 3, "园区建设有进展", "review"),
            ("1.1.2", 3, "招商引资有力度", "review"),
            ("1.2", 2, "一年来,我们提升城镇品质,城乡发展呈现新面貌", "review"),
            ("1.3", 2, "一年来,我们聚焦乡村振兴,“三农”工作取得新成效", "review"),
            ("2", 1, "2024年工作安排", "plan"),
            ("2.1", 2, "加快发展", "plan"),
        ],
        id="parallel_paragraphs_with_the_same_opening",
    ),
    pytest.param(
        "一、2023年工作回顾\n一年来,我们积蓄发展动能。\n一年来,我们提升城镇品质。\n二、2024年工作安排\n继续努力。",
        [("1", 1, "2023年工作回顾", "review"), ("2", 1, "2024年工作安排", "plan")],
        id="two_parallel_paragraphs_are_not_enough",
    ),
    pytest.param(
        "一、2023年工作回顾\n去年二、三、四季度,我镇人居环境整治位列全县第一。完成(一期)工程。统一是必要的。\n"
        "二、2024年工作安排\n继续努力。",
        [("1", 1, "2023年工作回顾", "review"), ("2", 1, "2024年工作安排", "plan")],
        id="numbers_inside_sentences_are_not_headings",
    ),
    pytest.param(
        "一、2023年工作回顾\n(一)经济发展\n全年稳步增长。一、二、三季度增长5%。1、2月份完成投资3亿元。\n",
        [("1", 1, "2023年工作回顾", "review"), ("1.1", 2, "经济发展", "review")],
        id="enumerated_quarters_and_months_are_not_headings",
    ),
    pytest.param(
        "一、2023年工作回顾\n(一)经济发展\n主要做了以下工作:一是抓项目。新建道路。二是抓产业。引进企业。\n",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("1.1", 2, "经济发展", "review"),
            ("1.1.1", 3, "抓项目", "review"),
            ("1.1.2", 3, "抓产业", "review"),
        ],
        id="an_item_run_after_a_colon_inside_a_level_2_section",
    ),
    pytest.param(
        "白鹤镇政府工作报告各位代表:现在,我代表镇人民政府向大会作报告。一、2022年工作回顾过去一年是极具挑战的一年。"
        "二、2023年工作安排刚刚过去的一年,成绩来之不易。(一)抓项目。",
        [
            ("0", 1, "白鹤镇政府工作报告", "preamble"),
            ("1", 1, "2022年工作回顾", "review"),
            ("2", 1, "2023年工作安排", "plan"),
            ("2.1", 2, "抓项目", "plan"),
        ],
        id="a_part_title_ends_after_its_title_word",
    ),
    pytest.param(
        "一、2023年工作回顾\n(一)乡村振兴固本强基\n1.\n特色农业提质扩量。\n扩大种植面积。\n2.\n工业经济提能升级。\n",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("1.1", 2, "乡村振兴固本强基", "review"),
            ("1.1.1", 3, "特色农业提质扩量", "review"),
            ("1.1.2", 3, "工业经济提能升级", "review"),
        ],
        id="a_marker_alone_on_its_line_takes_the_next_line_as_title",
    ),
    pytest.param(
        "一、2023年工作回顾\n成绩显著。\n二、主要问题和不足\n一是经济总量不够大。二是招引项目不多。\n"
        "三、2024年工作打算\n1.扩规提质,推进园区建设。\n2.瞄准前景,壮大支柱产业。\n",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("2", 1, "主要问题和不足", "problems"),
            ("3", 1, "2024年工作打算", "plan"),
            ("3.1", 2, "扩规提质,推进园区建设", "plan"),
            ("3.2", 2, "瞄准前景,壮大支柱产业", "plan"),
        ],
        id="items_under_a_top_section_only_as_a_run_of_paragraphs",
    ),
    pytest.param(
        "一、2023年工作回顾\n(一)民生保障坚实有力一是稳步提升社会保障。1、农保和医保工作。参保率103%。"
        "2、着力解决弱势群众生活问题。新增低保7户。二是广泛开展文体事业。开展活动120余次。",
        [
            ("1", 1, "2023年工作回顾", "review"),
            ("1.1", 2, "民生保障坚实有力", "review"),
            ("1.1.1", 3, "稳步提升社会保障", "review"),
            ("1.1.1.1", 4, "农保和医保工作", "review"),
            ("1.1.1.2", 4, "着力解决弱势群众生活问题", "review"),
            ("1.1.2", 3, "广泛开展文体事业", "review"),
        ],
        id="arabic_items_under_an_item_are_level_4",
    ),
    pytest.param(
        "一、工作回顾\n(一)经济发展\n一是工业。①钢铁。产量增长。②化工。产值增长;二是农业。粮食丰收。",
        [
            ("1", 1, "工作回顾", "review"),
            ("1.1", 2, "经济发展", "review"),
            ("1.1.1", 3, "工业", "review"),
            ("1.1.1.1", 4, "钢铁", "review"),
            ("1.1.1.2", 4, "化工", "review"),
            ("1.1.2", 3, "农业", "review"),
        ],
        id="circled_items_and_a_run_continued_after_a_semicolon",
    ),
    pytest.param(
        "2023年政府工作报告\n——2024年1月在镇人代会上\n各位代表:\n现在,我代表镇政府报告工作。\n"
        "一、2023年工作回顾\n成绩显著。\n二、2024年工作安排\n继续努力。\n"
        "各位代表,让我们团结一心,为建设美丽家园而努力奋斗!",
        [
            ("0", 1, "2023年政府工作报告", "preamble"),
            ("1", 1, "2023年工作回顾", "review"),
            ("2", 1, "2024年工作安排", "plan"),
            ("3", 1, "结束语", "closing"),
        ],
        id="preamble_title_line_and_closing_paragraph",
    ),
    pytest.param(
        "今年来,全镇经济稳步发展。\n一、工作开展情况\n成绩显著。\n二、2024年主要工作\n继续努力。",
        [
            ("0", 1, "开篇", "preamble"),
            ("1", 1, "工作开展情况", "review"),
            ("2", 1, "2024年主要工作", "plan"),
        ],
        id="preamble_without_a_title_line",
    ),
    pytest.param(
        "一、2023年工作回顾\n成绩显著。\n二、2024年工作安排\n继续努力。\n各位代表,以上是报告的全部内容。",
        [("1", 1, "2023年工作回顾", "review"), ("2", 1, "2024年工作安排", "plan")],
        id="last_paragraph_without_a_rally_is_not_a_closing",
    ),
    pytest.param(
        "一、2023年工作回顾\n成绩显著。\n二、全面加强政府自身建设\n各位代表,让我们为美好明天而奋斗!",
        [("1", 1, "2023年工作回顾", "review"), ("2", 1, "全面加强政府自身建设", "government")],
        id="closing_not_split_when_the_section_would_keep_only_its_heading",
    ),
    pytest.param(
        "政府工作报告\n今年全镇经济平稳,财政收入增长5%。\n明年我们将继续努力,推动高质量发展。\n"
        "各位代表,让我们共同奋斗!",
        [
            ("1", 1, "今年全镇经济平稳", "other"),
            ("2", 1, "明年我们将继续努力", "other"),
            ("3", 1, "结束语", "closing"),
        ],
        id="no_markers_paragraph_fallback",
    ),
    pytest.param(
        "各位代表:\n现在报告工作。\n(一)经济发展\n增长5%。\n(二)社会事业\n稳步推进。",
        [("0", 1, "开篇", "preamble"), ("1", 1, "经济发展", "other"), ("2", 1, "社会事业", "other")],
        id="parenthesized_headings_are_the_top_when_there_is_no_top_marker",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TREE_CASES)
def test_heading_tree(text: str, expected: Outline) -> None:
    norm = normalize(text)
    nodes = split_sections(norm)
    assert outline(nodes) == expected
    check_invariants(norm.clean.text, nodes)
    assert_spans_match(norm.original, [norm.clean.span(n.start, n.end) for n in nodes])


_FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})


@pytest.mark.parametrize(("text", "expected"), TREE_CASES)
def test_heading_tree_on_full_width_crlf_text(text: str, expected: Outline) -> None:
    # The clean text is canonical, but the rules do not depend on it: the raw forms give the same tree.
    raw = text.translate(_FULL_WIDTH).replace("\n", "\r\n")
    nodes = sections_of_text(raw)
    got = [(i, level, title.replace("，", ","), kind) for i, level, title, kind in outline(nodes)]
    assert got == expected
    check_invariants(raw, nodes)


def test_page_marker_that_cuts_a_sentence_is_not_an_item() -> None:
    # Without normalization the marker "2、" stays; the line before it ends mid-sentence.
    text = "一、2023年工作回顾\n(一)经济发展\n一是财政收入增长。完成税收收入5万元,非税收\n2、入3万元。二是项目建设持续推进。"
    assert outline(sections_of_text(text)) == [
        ("1", 1, "2023年工作回顾", "review"),
        ("1.1", 2, "经济发展", "review"),
        ("1.1.1", 3, "财政收入增长", "review"),
        ("1.1.2", 3, "项目建设持续推进", "review"),
    ]


@pytest.mark.parametrize(
    ("text", "section_id", "ends_before"),
    [
        pytest.param(
            "一、2024年工作安排\n(一)抓项目\n建设园区。\n(二)抓民生\n改善民生。\n各位代表,民生无小事。我们将办好实事。",
            "1.2",
            "各位代表",
            id="an_address_to_the_delegates_closes_the_level_2_section",
        ),
        pytest.param(
            "一、2023年工作回顾\n2023年是不平凡的一年。\n一年来,我们积蓄发展动能。增长5%。\n一年来,我们提升城镇品质。"
            "新建市场。\n一年来,我们聚焦乡村振兴。完成农田。\n与此同时,工会等工作都取得新进步。",
            "1.3",
            "与此同时",
            id="the_last_parallel_paragraph_ends_with_its_paragraph",
        ),
    ],
)
def test_where_a_section_ends(text: str, section_id: str, ends_before: str) -> None:
    nodes = sections_of_text(text)
    node = next(n for n in nodes if n.id == section_id)
    assert node.end <= text.index(ends_before)
    assert node.level == 2
    assert text[node.start : node.end].strip() == text[node.start : node.end]


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param(" \n\u3000\n", id="blank")])
def test_no_sections_in_a_blank_text(text: str) -> None:
    assert split_sections(as_is(text)) == []


# -- titles and kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "heading"),
    [
        pytest.param(
            "一、2023年工作回顾2023年是开局之年",
            "2023年工作回顾",
            "一、2023年工作回顾",
            id="year_restarts_body",
        ),
        pytest.param(
            "二、2024年工作计划\n今年要稳中求进", "2024年工作计划", "二、2024年工作计划", id="line_end"
        ),
        pytest.param(
            "(一)社会发展稳健有力一是经济发展",
            "社会发展稳健有力",
            "(一)社会发展稳健有力",
            id="runs_into_item",
        ),
        pytest.param(
            "(一)持之以恒加快产业培育,产业园区建设实现新提升。按照",
            "持之以恒加快产业培育,产业园区建设实现新提升",
            "(一)持之以恒加快产业培育,产业园区建设实现新提升。",
            id="full_stop",
        ),
        pytest.param("1、2023年XX镇政府工作报告各位代表:现在", "2023年XX镇政府工作报告", None, id="address"),
        pytest.param("一、" + "加" * 100, "加" * 30, None, id="run_on_title_cut_at_typical_length"),
    ],
)
def test_heading_extent(text: str, title: str, heading: str | None) -> None:
    markers = find_markers(text)
    extent = heading_extent(text, markers[0].end, [m.start for m in markers if m.value == 1])
    assert text[extent.title_start : extent.title_end] == title
    if heading is not None:
        assert text[markers[0].start : extent.heading_end] == heading


@pytest.mark.parametrize(
    ("title", "level", "parent_kind", "after_review", "kind"),
    [
        pytest.param("2023年工作回顾", 1, None, False, "review", id="review"),
        pytest.param("过去五年工作回顾", 1, None, False, "review", id="five_years"),
        pytest.param("20xx年工作开展情况", 1, None, False, "review", id="work_done"),
        pytest.param("主要问题和不足", 1, None, True, "problems", id="problems"),
        pytest.param("存在的问题", 1, None, True, "problems", id="existing_problems"),
        pytest.param("2024 年工作安排", 1, None, True, "plan", id="plan"),
        pytest.param("今后五年的主要目标任务", 1, None, True, "plan", id="goals_and_tasks_is_plan"),
        pytest.param("2024年主要预期目标", 1, None, True, "targets", id="targets"),
        pytest.param("全面加强政府自身建设", 1, None, True, "government", id="government"),
        pytest.param("2024年主要工作", 1, None, True, "plan", id="main_work_after_review"),
        pytest.param("2023年主要工作", 1, None, False, "review", id="main_work_first"),
        pytest.param("聚焦社会稳定", 1, None, True, "other", id="no_cue"),
        pytest.param("主攻队伍建设", 2, "plan", False, "plan", id="child_inherits"),
        pytest.param("全面加强政府自身建设,彰显担当", 2, "plan", False, "government", id="child_government"),
        pytest.param("自身建设规范有序", 2, "review", False, "review", id="child_self_building_in_review"),
        pytest.param("着力解决群众急难愁盼问题", 2, "plan", False, "plan", id="plan_to_solve_problems"),
        pytest.param("2024年发展目标", 2, "plan", False, "targets", id="child_targets"),
    ],
)
def test_classify_title(
    title: str, level: int, parent_kind: SectionKind | None, after_review: bool, kind: str
) -> None:
    assert classify_title(title, level=level, parent_kind=parent_kind, after_review=after_review) == kind


@pytest.mark.parametrize(
    ("numerals", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("一二", 0), ("十十", 0)],
)
def test_chinese_number(numerals: str, value: int) -> None:
    assert chinese_number(numerals) == value


# -- the seeds --------------------------------------------------------------------------------

SEED_TOPS = {
    "000": [
        ("政府工作报告", "preamble", 0),
        ("2023年工作回顾", "review", 5),
        ("2024 年工作安排", "plan", 4),
        ("全面加强政府自身建设", "government", 0),
        ("结束语", "closing", 0),
    ],
    "001": [
        ("2023年XX镇政府工作报告", "preamble", 0),
        ("2023年工作回顾", "review", 5),
        ("2024年工作计划", "plan", 3),
    ],
    "002": [
        ("2021年政府工作报告", "preamble", 0),
        ("过去五年工作回顾", "review", 5),
        ("今后五年的主要目标任务", "plan", 5),
        ("结束语", "closing", 0),
    ],
    "003": [
        ("2023年政府工作报告及2024年工作计划", "preamble", 0),
        ("2023年工作回顾", "review", 5),
        ("2024年工作安排", "plan", 4),
        ("结束语", "closing", 0),
    ],
    "004": [
        ("开篇", "preamble", 0),
        ("20xx年工作开展情况", "review", 6),
        ("主要问题和不足", "problems", 0),
        ("20xx年工作打算", "plan", 6),
    ],
}

SEED_CHILDREN = [
    ("000", "1.1", "接续奋斗勇创新,镇域经济持续增强", "review"),
    ("000", "1.5", "真抓实干提效能,服务水平持续升级", "review"),
    ("000", "2.4", "紧盯民生保障不放松,高水平发展社会事业", "plan"),
    ("001", "1.4", "民生保障坚实有力", "review"),
    ("001", "1.4.1.1", "农保和医保工作", "review"),
    ("001", "2.1", "聚焦发展质效,经济提升大干快上", "plan"),
    ("001", "2.3", "聚焦社会稳定,平安基础全面夯实", "plan"),
    ("002", "1.1", "五年来,全镇综合实力稳步提升", "review"),
    ("002", "1.5", "五年来,全镇民生福祉更加殷实", "review"),
    ("002", "2.5", "全面加强政府自身建设,彰显有为有位的执政担当", "government"),
    ("003", "1.1", "一年来,我们积蓄发展动能,经济发展展现新活力", "review"),
    ("003", "2.1", "加快发展新质生产力,挺起经济强镇“硬脊梁”", "plan"),
    ("004", "1.6", "加强党的建设,增强发展的创造力", "review"),
    ("004", "3.6", "主攻队伍建设,激活加速发展的内生动力", "plan"),
]


@pytest.mark.parametrize("prefix", sorted(SEED_TOPS))
def test_seed_top_level_structure(prefix: str) -> None:
    norm = normalize(read_seed(prefix))
    nodes = split_sections(norm)
    tops = [n for n in nodes if n.level == 1]
    got = [(t.title, t.kind, sum(1 for n in nodes if n.parent_id == t.id)) for t in tops]
    assert got == SEED_TOPS[prefix]


@pytest.mark.parametrize(("prefix", "section_id", "title", "kind"), SEED_CHILDREN)
def test_seed_child_titles(prefix: str, section_id: str, title: str, kind: str) -> None:
    nodes = split_sections(normalize(read_seed(prefix)))
    node = next(n for n in nodes if n.id == section_id)
    assert (node.title, node.kind) == (title, kind)


def test_seed_invariants_and_spans(seed: tuple[str, str]) -> None:
    _, text = seed
    norm = normalize(text)
    nodes = split_sections(norm)
    check_invariants(norm.clean.text, nodes)
    clean = norm.clean.text
    for node in nodes:
        heading = clean[node.heading_start : node.heading_end]
        if heading:  # a closing, or a preamble without a title line, has no heading of its own
            assert node.title.replace(" ", "") in heading.replace(" ", "")
    assert assert_spans_match(norm.original, [norm.clean.span(n.start, n.end) for n in nodes]) == len(nodes)


def test_seed_without_normalization_keeps_the_invariants(seed: tuple[str, str]) -> None:
    _, text = seed
    check_invariants(text, split_sections(as_is(text)))


# -- problems paragraphs ----------------------------------------------------------------------

SEED_PROBLEMS = {
    "000": ["在肯定成绩的同时"],
    "001": ["成绩固然可喜"],
    "002": ["在看到成绩的同时"],
    "003": ["安而不忘危"],
    "004": [],  # its problems have a heading of their own (kind problems)
}


@pytest.mark.parametrize("prefix", sorted(SEED_PROBLEMS))
def test_seed_problem_paragraphs(prefix: str) -> None:
    norm = normalize(read_seed(prefix))
    nodes = split_sections(norm)
    ranges = find_problem_paragraphs(norm, nodes)
    text = norm.clean.text
    assert [text[s : s + len(cue)] for (s, _), cue in zip(ranges, SEED_PROBLEMS[prefix], strict=False)] == (
        SEED_PROBLEMS[prefix]
    )
    assert len(ranges) == len(SEED_PROBLEMS[prefix])
    review = next(n for n in nodes if n.kind == "review")
    for start, end in ranges:
        assert review.start <= start < end <= review.end
        assert "问题" in text[start:end] or "不足" in text[start:end]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "一、2023年工作回顾\n成绩显著。\n在肯定成绩的同时,我们也清醒看到,还存在不少困难和问题。对此,我们将切实解决。\n"
            "二、2024年工作安排\n着力解决群众反映的问题,我们也清醒地认识到任务艰巨。",
            ["在肯定成绩的同时,我们也清醒看到,还存在不少困难和问题。对此,我们将切实解决。"],
            id="review_paragraph_found_plan_ignored",
        ),
        pytest.param(
            "一、2023年工作回顾\n成绩显著。\n二、主要问题和不足\n一是仍存在不少困难。\n",
            [],
            id="a_problems_section_is_not_repeated",
        ),
        pytest.param(
            "一、2023年工作回顾\n(一)经济发展\n增长5%。\n(二)存在的问题\n还存在不少困难和问题。\n二、2024年工作安排\n继续努力。",
            [],
            id="a_problems_child_of_the_review_is_not_repeated",
        ),
        pytest.param(
            "一、工作回顾\n成绩显著。各位代表!成绩固然可喜,但仍存在不足:一是产业单一。二、2024年工作计划\n继续努力。",
            ["成绩固然可喜,但仍存在不足:一是产业单一。"],
            id="inline_paragraph_ends_at_the_next_heading",
        ),
    ],
)
def test_find_problem_paragraphs(text: str, expected: list[str]) -> None:
    norm = as_is(text)
    ranges = find_problem_paragraphs(norm, split_sections(norm))
    assert [text[s:e] for s, e in ranges] == expected


# -- sentences and tokens ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clauses", "expected"),
    [
        pytest.param("第一句。第二句!第三句?", False, ["第一句。", "第二句!", "第三句?"], id="stops"),
        pytest.param("他说:“要干。”我们干。", False, ["他说:“要干。”", "我们干。"], id="closing_quote_stays"),
        pytest.param(
            "提出“一是要干。二是要快。”的要求。下一句。",
            False,
            ["提出“一是要干。二是要快。”的要求。", "下一句。"],
            id="quote_with_full_stops_inside",
        ),
        pytest.param(
            "财政收入5.2亿元,同比增长23.4%。下一句",
            False,
            ["财政收入5.2亿元,同比增长23.4%。", "下一句"],
            id="numbers",
        ),
        pytest.param(
            "标题\n正文第一句。\n\n  正文第二句 ", False, ["标题", "正文第一句。", "正文第二句"], id="lines"
        ),
        pytest.param(
            "一是增长乏力;二是产业单一;三是短板。",
            True,
            ["一是增长乏力;", "二是产业单一;", "三是短板。"],
            id="clauses",
        ),
        pytest.param("一是增长乏力;二是产业单一。", False, ["一是增长乏力;二是产业单一。"], id="no_clauses"),
        pytest.param(
            "他说“没有结尾。下一句。", False, ["他说“没有结尾。", "下一句。"], id="stray_open_quote"
        ),
        pytest.param(
            "(见附件。)下一句！再一句？",
            False,
            ["(见附件。)", "下一句！", "再一句？"],
            id="brackets_fullwidth",
        ),
        pytest.param("啊!!!好。", False, ["啊!!!", "好。"], id="repeated_stops"),
    ],
)
def test_split_sentences(text: str, clauses: bool, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text, clauses=clauses)] == expected


def test_split_sentences_within_a_range() -> None:
    text = "前文。第一句。第二句。后文。"
    ranges = split_sentences(text, 3, 11)
    assert [text[s:e] for s, e in ranges] == ["第一句。", "第二句。"]
    assert all(3 <= s < e <= 11 for s, e in ranges)


STRETCH_TEXTS = [
    pytest.param("标题\n正文第一句。\n\n  正文第二句 \n一是要干。二是要快。", id="lines-and-run-ins"),
    pytest.param("提出“一是要干。二是要快。”的要求。下一句。\n他说“没有结尾。下一句。", id="quotes"),
    pytest.param(
        "他说:“要干。\n”我们干。“好”。\n(见附件。)下一句！再一句？啊!!!好。", id="quote-across-lines"
    ),
    pytest.param("“开头引号。”\n结尾“引号跨越了范围的结尾。”之后。", id="quote-at-edges"),
]


@pytest.mark.parametrize("text", STRETCH_TEXTS)
def test_sentences_within_any_stretch_equal_a_split_of_it(text: str) -> None:
    sentences = Sentences(text)
    assert sentences.ranges == split_sentences(text)
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 2):
            assert sentences.within(start, end) == split_sentences(text, start, end), (start, end)


@pytest.mark.parametrize(
    ("text", "at_least"),
    [("", 0), ("政府工作报告", 3), ("GDP增长5.5%以上", 5), ("<|endoftext|>", 2)],
)
def test_count_tokens(text: str, at_least: int) -> None:
    tokens = count_tokens(text)
    assert tokens >= at_least
    assert (tokens == 0) == (text == "")


# -- chunks -----------------------------------------------------------------------------------


def check_chunks(norm: Normalized, nodes: list[SectionNode], max_tokens: int) -> None:
    text = norm.clean.text
    chunks = chunk_sections(norm, nodes, max_tokens)
    tops = [n for n in nodes if n.level == 1]
    assert chunks[0].start == tops[0].start
    assert chunks[-1].end == len(text)
    for a, b in pairwise(chunks):
        assert a.end == b.start, "chunks are contiguous"
    for chunk in chunks:
        assert chunk.start < chunk.end
        assert chunk.tokens == count_tokens(text[chunk.start : chunk.end])
        assert chunk.tokens <= max_tokens
    listed = [i for c in chunks for i in c.section_ids]
    assert {n.id for n in nodes if n.level <= 2} <= set(listed)
    order = {n.id: k for k, n in enumerate(nodes)}
    assert [order[i] for i in dict.fromkeys(listed)] == sorted(order[i] for i in dict.fromkeys(listed))


@pytest.mark.parametrize("max_tokens", [60, 400, 1800])
def test_seed_chunks_cover_everything_within_budget(seed: tuple[str, str], max_tokens: int) -> None:
    norm = normalize(seed[1])
    check_chunks(norm, split_sections(norm), max_tokens)


def test_a_section_that_fits_stays_in_one_chunk() -> None:
    norm = normalize(read_seed("000"))
    nodes = split_sections(norm)
    chunks = chunk_sections(norm, nodes, 1800)
    for node in (n for n in nodes if n.level == 2):
        assert any(c.start <= node.start and node.end <= c.end for c in chunks), node.id
    big = [c for c in chunks if len(c.section_ids) == 1]
    assert big, "sections of a normal size get chunks of their own"


def test_tiny_sections_are_merged() -> None:
    norm = normalize(read_seed("003"))
    nodes = split_sections(norm)
    chunks = chunk_sections(norm, nodes, 1800)
    first = chunks[0]
    assert first.section_ids[0] == "0"
    assert len(first.section_ids) > 1, "the title-only preamble does not get a call of its own"


@pytest.mark.parametrize(
    ("text", "max_tokens"),
    [
        pytest.param("一、回顾\n" + "加强" * 3000, 100, id="one_sentence_without_stops"),
        pytest.param("一、回顾\n" + "加强建设,推动发展;" * 300, 50, id="clauses_only"),
        pytest.param("一、回顾\n" + "全年完成投资5.2亿元。\n" * 200, 7, id="budget_below_a_sentence"),
    ],
)
def test_oversized_sections_are_cut_within_budget(text: str, max_tokens: int) -> None:
    norm = as_is(text)
    check_chunks(norm, split_sections(norm), max_tokens)


def test_chunk_budget_must_be_positive() -> None:
    norm = as_is("一、回顾\n成绩显著。")
    with pytest.raises(ConfigError):
        chunk_sections(norm, split_sections(norm), 0)


# -- generated texts --------------------------------------------------------------------------

FRAGMENTS = [
    "一、",
    "二、",
    "三、",
    "(一)",
    "（二）",
    "(三)",
    "一是",
    "二是",
    "三要",
    "1、",
    "2.",
    "(1)",
    "①",
    "②",
    "各位代表,",
    "让我们奋斗!",
    "——五年来,",
    "一年来,我们",
    "2023年工作回顾",
    "2024年工作安排",
    "主要问题和不足",
    "在肯定成绩的同时,还存在不少问题",
    "政府工作报告",
    "。",
    "!",
    ";",
    ",",
    "\n",
    "\n\n",
    " ",
    "经济发展稳中向好",
    "5.2亿元",
    "“好。”",
    "2023年是",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_generated_texts_keep_the_invariants(parts: list[str]) -> None:
    text = "".join(parts)
    norm = as_is(text)
    nodes = split_sections(norm)
    check_invariants(text, nodes)
    if nodes:
        check_chunks(norm, nodes, 40)
    find_problem_paragraphs(norm, nodes)
    sentences = split_sentences(text, clauses=True)
    for s, e in sentences:
        assert text[s:e].strip() == text[s:e] != ""
    for (_, a_end), (b_start, _) in pairwise(sentences):
        assert a_end <= b_start, "sentences are in order and do not overlap"
