"""When an indicator is for, and whether it is a target or an actual.

A report is delivered in one year (the *report year*: "——2016年2月19日在…会议上"),
reviews the year before and plans its own; a five-year report reviews the last
plan and sets the next.  So the period of a figure is the year it is *for*, not
the year the report was delivered, and the rules read it from the text, nearest
first:

* a year written before the figure in its sentence ("2015年旅游收入…" -> 2015;
  "比2010年增加" is a basis, not a period), a plan's target year ("到2020年");
* a five-year plan named in the sentence: "十三五" -> 2020 for a target (the
  plan's end year), "2011-2015" for what the plan period achieved;
* "今年" -> the report year, "去年"/"上年" -> the year before (not after 比/较:
  "比去年增加" is a basis); "今后五年" in a plan for a named five-year plan ->
  its end year, else "今后五年"; "过去五年"/"五年来" -> "过去五年", also when the
  paragraph opens with it;
* the enclosing sections' titles ("2024年工作安排" -> 2024; "今年…" -> the report
  year; a plan section of "十三五" -> 2020), and where a title names no year, the
  report year for a plan and the year before for a review.

Kind: the section decides (plan and targets sections set targets, reviews state
actuals), and cues override it.  A list cue ("主要预期目标是：A；B；C") holds for
its whole sentence, across its semicolons; 力争/确保/预计/计划/拟/将 hold for
their own clause.  "全面实现年初确定的主要目标，国内生产总值增长7.8%" reports an
outcome: a target cue after 实现/完成 is none.  In a plan, 去年/已 mark actuals.

**Estimates for the review year.**  "预计全年地区生产总值增长6%" in a review is
the year's outcome, estimated before the statistics closed: kind "actual" (it is
what the year achieved, as far as the report knows), period the review year.
Only a 预计 that looks past the review year ("预计2025年2月建成投产") is a target.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..schema import IndicatorKind
from ..sections.lookup import SectionIndex
from .names import clause_start
from .numbers import Figure, find_figures

if TYPE_CHECKING:
    from ..sections.split import SectionNode

__all__ = ["SectionFacts", "kind_of", "period_of", "report_year"]

# "——2016年2月19日在海拉尔区第十四届人民代表大会第五次会议上": the delivery date.
_DELIVERED = re.compile(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:在|于)")
_HEAD = 1500  # the delivery date sits at the top of a report
# 十一五 … 十五五: the plans' years.
_FIVE_YEAR_PLANS = {"十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}
_PLAN_NAME = re.compile("|".join(_FIVE_YEAR_PLANS))
_PAST_FIVE = re.compile(r"过去五年|近五年|五年来|这五年")
_NEXT_FIVE = re.compile(r"今后五年|未来五年")
_THIS_YEAR = re.compile(r"今年|本年度|年内")
# The nearest of 今年 and 去年 before a figure ("完成去年10件…今年，又征集了12件").
_YEAR_WORD = re.compile(r"(?P<this>今年|本年度|年内)|(?P<last>(?<![比较与同])(?:去年|上年|上一年)(?!同期))")
_BASIS_BEFORE_YEAR = "较比与同"
# A paragraph that opens with a five-year review dates its sentences without a year.
_PARAGRAPH_OPENING = 40

# Cues whose scope is the whole sentence: a list of targets follows them.
_LIST_CUE = re.compile(r"预期目标|主要目标|目标(?:任务)?(?:是|为|建议为)")
# Cues for their own clause.
_CLAUSE_CUE = re.compile(
    r"力争|预计|预期|拟|计划(?=[新建完实投用到在于年])|争取(?=到|在|实现|达到|完成)|确保(?!了)"
    r"|将(?=[达新实完建增提突超降控再])|要(?=[达新实完建增提突超降控再])"
)
# "全面实现年初确定的主要目标": an outcome, not a target.
_MET_BEFORE_CUE = re.compile(r"(?:实现|完成|超额|超过|达到|确定)[^，,；;。]{0,10}$")
_ACTUAL_IN_PLAN = re.compile(r"(?<![比较与同])(?:去年|上年)|已经|已|完成了")
_PLAN_TITLE = re.compile(r"今年|建议|安排|打算|部署|重点工作|主要任务|目标")


def report_year(text: str, nodes: Sequence[SectionNode]) -> int | None:
    """The year the report was delivered: its date line, else its plan's or review's title."""
    m = _DELIVERED.search(text, 0, _HEAD)
    if m is not None:
        return int(m.group(1))
    for node in nodes:
        if node.level == 1 and node.kind in ("plan", "targets"):
            years = [f for f in find_figures(node.title) if f.kind == "year" and f.high is None]
            if years and years[0].value is not None:
                return int(years[0].value)
    for node in nodes:
        if node.level == 1 and node.kind == "review" and not _PLAN_NAME.search(node.title):
            years = [f for f in find_figures(node.title) if f.kind == "year" and f.high is None]
            if len(years) == 1 and years[0].value is not None:
                return int(years[0].value) + 1
    return None


class SectionFacts(SectionIndex):
    """The section tree by position, with each section's period and default kind."""

    def __init__(self, nodes: Sequence[SectionNode], year: int | None) -> None:
        super().__init__(nodes)
        self.year = year
        self._period_of: dict[str, str | None] = {}

    def section_id(self, pos: int) -> str | None:
        node = self.deepest(pos)
        return node.id if node is not None else None

    def base_kind(self, pos: int) -> IndicatorKind | None:
        chain = self.chain(pos)
        for node in chain:
            if node.kind in ("plan", "targets"):
                return "target"
            if node.kind in ("review", "problems"):
                return "actual"
        top = chain[-1] if chain else None
        if top is not None and top.kind == "other" and _PLAN_TITLE.search(top.title):
            return "target"  # "三、对今年政府工作的建议"
        return None

    def default_project_status(self, pos: int) -> str | None:
        return "计划" if self.base_kind(pos) == "target" else None

    def plan_end(self, pos: int) -> str | None:
        """The end year of the five-year plan an enclosing title names ("“十三五”时期…" -> "2020")."""
        for node in self.chain(pos):
            m = _PLAN_NAME.search(node.title)
            if m is not None:
                return str(_FIVE_YEAR_PLANS[m.group()] + 4)
        return None

    def period(self, pos: int) -> str | None:
        for node in self.chain(pos):
            if node.id not in self._period_of:
                self._period_of[node.id] = self._title_period(node)
            if self._period_of[node.id]:
                return self._period_of[node.id]
        return None

    def _title_period(self, node: SectionNode) -> str | None:
        title = node.title
        years = [f for f in find_figures(title) if f.kind == "year"]
        if years:
            return _year_label(years[0])
        plan = _PLAN_NAME.search(title)
        if plan is not None:
            start = _FIVE_YEAR_PLANS[plan.group()]
            if node.kind in ("plan", "targets"):
                return str(start + 4)
            return f"{start}-{start + 4}"
        if _NEXT_FIVE.search(title):
            return "今后五年"
        if _PAST_FIVE.search(title):
            return "过去五年"
        if self.year is None or node.level != 1:
            return None
        if _THIS_YEAR.search(title) or node.kind in ("plan", "targets"):
            return str(self.year)
        if node.kind == "review":
            return str(self.year - 1)
        return None


def period_of(
    text: str, sentence_start: int, pos: int, years: list[Figure], kind: IndicatorKind, sections: SectionFacts
) -> str | None:
    """The period of the figure at `pos` (see the module docstring for the order of the rules)."""
    for written in reversed(years):
        if written.end <= pos and (written.start == 0 or text[written.start - 1] not in _BASIS_BEFORE_YEAR):
            return _year_label(written)
    plan = _PLAN_NAME.search(text, sentence_start, pos)
    if plan is not None:
        start = _FIVE_YEAR_PLANS[plan.group()]
        return str(start + 4) if kind == "target" else f"{start}-{start + 4}"
    if _NEXT_FIVE.search(text, sentence_start, pos):
        return sections.plan_end(pos) or "今后五年"
    if _PAST_FIVE.search(text, sentence_start, pos):
        return "过去五年"
    year = sections.year
    # In a review, 今年/去年 depend on when it was written (a year-end report says 今年 of the
    # year it reviews): the section's year stands.
    if year is not None and sections.base_kind(pos) != "actual":
        clause = clause_start(text, sentence_start, pos, "；;。")
        last = max(_YEAR_WORD.finditer(text, clause, pos), key=lambda m: m.start(), default=None)
        if last is not None:
            return str(year) if last.group("this") else str(year - 1)
    paragraph = text.rfind("\n", 0, sentence_start) + 1
    if _PAST_FIVE.search(text, paragraph, min(pos, paragraph + _PARAGRAPH_OPENING)):
        return "过去五年"
    return sections.period(pos)


def _year_label(year: Figure) -> str:
    if year.value is None:
        return year.raw.replace(" ", "").removesuffix("年")  # "20xx"
    label = str(int(year.value))
    return f"{label}-{int(year.high)}" if year.high is not None else label


def kind_of(text: str, sentence_start: int, pos: int, base: IndicatorKind | None) -> IndicatorKind:
    """Target or actual: the section decides, cues in the sentence before the figure override."""
    clause = clause_start(text, sentence_start, pos, "；;。")
    if base == "target":
        comma_clause = clause_start(text, sentence_start, pos)
        return "actual" if _ACTUAL_IN_PLAN.search(text, comma_clause, pos) else "target"
    for list_cue in _LIST_CUE.finditer(text, sentence_start, pos):
        if _MET_BEFORE_CUE.search(text, sentence_start, list_cue.start()) is None:
            return "target"
    cue = _CLAUSE_CUE.search(text, clause, pos)
    if cue is None:
        return "actual"
    if cue.group() == "预计" and base == "actual":
        return _estimate_kind(text, cue.end(), pos)
    return "target"


def _estimate_kind(text: str, cue_end: int, pos: int) -> IndicatorKind:
    """预计 in a review: the year's estimated outcome (actual), unless it looks past the year."""
    ahead = text[cue_end:pos]
    if re.search(r"(?:19|20)\d{2}\s*年|建成|投产|投用|完工|达产|届时|今后", ahead):
        return "target"
    return "actual"
