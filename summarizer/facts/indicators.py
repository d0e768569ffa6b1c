"""Rule-based facts: every indicator and project a report states, with its evidence.

`extract_facts` reads the clean text sentence by sentence and turns its figures
(`numbers.find_figures`) into `Indicator`s and `Project`s (see `projects.py`),
each with a span into the original text, so that both engines start from the
same grounded numbers.  The rules, on examples:

* **Level and change are one indicator.**  "财政总收入5.2亿元，同比增长23.4%" ->
  name 财政总收入, value 5.2 亿元, change {23.4 %, basis 同比}; so is
  "增长20%，达到282亿元" (the change written first).  A decline is a change with
  a negative value ("下降35%" -> -35, raw "35%").  When one level has several
  changes ("16.9亿元，年均增长16%，较2016年增长1.8倍") the first goes with the
  level and each further one repeats the level with its own change, so no
  basis is lost.
* **A rate alone is its own indicator.**  "地区生产总值增长5.5%以上" states no
  level: the indicator's value and unit are the rate's (5.5, %, qualifier 以上),
  its change is null, and its name is the report's words up to the verb,
  basis included ("地区生产总值增长", "社会消费品零售额同比增长").  A rate with no
  subject before it is not an indicator.
* **Names** are the report's own term just before the figure, without scope
  words and verbs (全镇, 全年, 累计, 完成, 实现, 达到, 新建…).  When nothing is
  left ("新建1座智慧农贸市场") the term after the figure is the name.  A figure
  that only qualifies the next one ("10万元以下低彩礼51对") is part of its name.
  A figure right after another with no term between ("1121户4459人") shares
  the name of the first.  See `names.py`.
* **Period**: a year written earlier in the sentence ("2023年全镇…"), else
  "过去五年"/"今后五年" when the sentence says so, else the year or span in the
  titles of the enclosing sections ("2024年工作安排" -> "2024").
* **Kind**: target in plan/targets sections and after target cues (预计, 力争,
  主要目标…) elsewhere; actual in review sections and after 去年/已 in plans.
* **Not indicators**: years, dates, rankings, durations and ages, figures
  without a unit, investments that belong to a project, and counts written in
  Chinese numerals without 余/多 (they name policies: "中央八项规定", "三项机制").
* **Redacted or OCR-suspect figures** ("XX万元", "IlOO多万元") keep
  `redacted=True` and `value=None`: never guessed, never fixed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from ..schema import ChangeUnit, Indicator, IndicatorKind, Project
from ..sections.lookup import SectionIndex
from ..text.sentences import Sentences
from .concepts import concept_of
from .names import CLAUSE_STOPS, clause_start, clean_name, name_after, name_before, name_floor, strip_trailing
from .numbers import Figure, find_figures
from .projects import find_projects, to_projects
from .units import DURATION_UNITS

if TYPE_CHECKING:
    from ..sections.split import SectionNode
    from ..text.normalize import Normalized

__all__ = ["Facts", "extract_facts"]


@dataclass(frozen=True)
class Facts:
    indicators: list[Indicator]
    projects: list[Project]
    sentences: Sentences  # the clean text's sentences, split once for every stage that reads them
    # The clean text's figures (`find_figures`): verification reuses them when the
    # clean text is the original, as it is for a report with nothing to strip.
    figures: list[Figure]


# Units that do not make an indicator on their own: durations, ages, anniversaries.
_CHANGE_UNIT_OF: dict[str, ChangeUnit] = {"%": "%", "百分点": "百分点", "倍": "倍"}
_CHANGE_UNITS = tuple(_CHANGE_UNIT_OF)
_CHINESE_DIGITS = "〇零一二两三四五六七八九十百千"
_DECLINE_VERBS = frozenset({"下降", "减少", "降低", "回落", "下滑"})
_BASIS = r"同比|环比|比上年|较上年|比去年|较去年|与上年相比|年均|平均每年|[较比](?:19|20)[0-9Xx]{2}\s?年度?"
# "…同比增长" right before a rate: the rate is a change.  "提高到95%" is a level.
_CHANGE_LEAD = re.compile(
    rf"(?P<basis>{_BASIS})?(?:分别)?(?P<verb>增长|增加|提高|提升|上升|下降|减少|降低|回落|下滑|增幅|增速)(?:了|为)?$"
)
# Between a change written first and its level: "增长20%，达到282亿元".
_LEVEL_AFTER_CHANGE = re.compile(r"[,，]?\s*(?:总量|总额|规模|总值)?(?:达到|达|为|增至|突破)$")
_CHAIN_GAP = re.compile(r"[,，、\s]*(?:分别)?$")
_SHARED_NAME_GAP = re.compile(r"(?:共|计|共计|合计|涉及|其中)?$")


_STRONG_TARGET = re.compile(
    r"预期目标|主要目标|目标(?:任务)?(?:是|为|建议为)|力争|预计|预期|拟|计划(?=[新建完实投用到在于年])|争取(?=到|在|实现|达到|完成)"
)
_ACTUAL_IN_PLAN = re.compile(r"去年|上年|已经|已|完成了")
_PAST_FIVE = re.compile(r"过去五年|近五年|五年来|这五年")
_NEXT_FIVE = re.compile(r"今后五年|未来五年")
_BASIS_BEFORE_YEAR = "较比与同"


@dataclass
class _Draft:
    """One indicator before ids and spans, in clean coordinates."""

    name: str
    level: Figure
    evidence_start: int
    evidence_end: int
    change: Figure | None = None
    basis: str | None = None
    decline: bool = False
    period: str | None = None
    kind: IndicatorKind = "actual"
    extra_changes: list[tuple[Figure, str | None, bool]] = field(default_factory=list)


class _Sections(SectionIndex):
    """The section tree by position, with each section's period and default kind."""

    def __init__(self, nodes: Sequence[SectionNode]) -> None:
        super().__init__(nodes)
        self._period_of: dict[str, str | None] = {}

    def section_id(self, pos: int) -> str | None:
        node = self.deepest(pos)
        return node.id if node is not None else None

    def base_kind(self, pos: int) -> IndicatorKind | None:
        for node in self.chain(pos):
            if node.kind in ("plan", "targets"):
                return "target"
            if node.kind in ("review", "problems"):
                return "actual"
        return None

    def default_project_status(self, pos: int) -> str | None:
        return "计划" if self.base_kind(pos) == "target" else None

    def period(self, pos: int) -> str | None:
        for node in self.chain(pos):
            if node.id not in self._period_of:
                years = [f for f in find_figures(node.title) if f.kind == "year"]
                self._period_of[node.id] = _period_before(node.title, 0, len(node.title), years)
            if self._period_of[node.id]:
                return self._period_of[node.id]
        return None


def extract_facts(norm: Normalized, nodes: list[SectionNode]) -> Facts:
    """Indicators and projects of the report, ids in document order, evidence in the original text."""
    text = norm.clean.text
    figures = find_figures(text)
    split = Sentences(text)
    sentences = split.ranges
    sections = _Sections(nodes)

    project_drafts = find_projects(text, figures, sentences, sections.default_project_status)
    investments = {d.investment.start for d in project_drafts if d.investment is not None}

    starts = [f.start for f in figures]
    drafts: list[_Draft] = []
    for sentence_start, sentence_end in sentences:
        lo = bisect.bisect_left(starts, sentence_start)
        hi = bisect.bisect_left(starts, sentence_end)
        if lo == hi:
            continue
        in_sentence = figures[lo:hi]
        amounts = [f for f in in_sentence if _can_be_indicator(f) and f.start not in investments]
        if amounts:
            years = [f for f in in_sentence if f.kind == "year"]
            found = _sentence_indicators(text, sentence_start, amounts, in_sentence)
            for draft in found:
                draft.period = _period_before(
                    text, sentence_start, draft.level.start, years
                ) or sections.period(draft.level.start)
                draft.kind = _kind(
                    text, sentence_start, draft.level.start, sections.base_kind(draft.level.start)
                )
            drafts.extend(found)

    indicators = _to_indicators(drafts, norm, sections)
    projects = to_projects(project_drafts, norm.clean, sections.section_id)
    return Facts(indicators=indicators, projects=projects, sentences=split, figures=figures)


def _can_be_indicator(figure: Figure) -> bool:
    if figure.kind != "amount" or not figure.unit or figure.unit in DURATION_UNITS:
        return False
    # Counts in Chinese numerals name policies more often than they count things
    # ("中央八项规定", "三项机制", "两个大局"); "十余项" and "三百余人" still count.
    return not (figure.raw[0] in _CHINESE_DIGITS and figure.qualifier is None and len(figure.unit) == 1)


def _is_change_unit(figure: Figure) -> bool:
    return figure.unit in _CHANGE_UNITS


def _sentence_indicators(
    text: str, sentence_start: int, amounts: list[Figure], in_sentence: list[Figure]
) -> list[_Draft]:
    """The indicators of one sentence: levels with their changes, rates alone, counts."""
    reader = _SentenceReader(text, sentence_start, amounts, in_sentence)
    for index in range(len(amounts)):
        reader.read(index)
    return reader.drafts


class _SentenceReader:
    """Reads the amount figures of one sentence left to right, keeping the open level."""

    def __init__(
        self, text: str, sentence_start: int, amounts: list[Figure], in_sentence: list[Figure]
    ) -> None:
        self.text = text
        self.sentence_start = sentence_start
        self.amounts = amounts
        self.others = [f for f in in_sentence if f.kind != "amount" or not f.unit]  # years, dates…
        self.drafts: list[_Draft] = []
        self.open_draft: _Draft | None = None  # the level that the next change may belong to
        self.named_after = False  # the open draft took its name from the text after its figure
        self.chain_end = sentence_start  # end of the open draft's level or last change
        self.previous_end = sentence_start  # where the text before the next figure starts
        self.pending_change: tuple[Figure, str | None, bool, int, str] | None = None
        self.name_prefix_start: int | None = None  # a qualifying figure that opens the next name

    def read(self, index: int) -> None:
        figure = self.amounts[index]
        gap_start = max(self.previous_end, clause_start(self.text, self.sentence_start, figure.start))
        lead = _CHANGE_LEAD.search(self.text, gap_start, figure.start) if _is_change_unit(figure) else None
        if lead is not None:
            self._read_change(index, gap_start, lead)
        elif self.pending_change is not None:
            change, basis, decline, subject_start, subject = self.pending_change
            self._open(_Draft(subject, figure, subject_start, figure.end, change, basis, decline), False)
            self.pending_change = None
        else:
            self._read_level(index, gap_start)

    def _open(self, draft: _Draft, named_after: bool) -> None:
        self.drafts.append(draft)
        self.open_draft, self.named_after = draft, named_after
        self.chain_end = draft.level.end
        self.previous_end = max(draft.level.end, draft.evidence_end)

    def _read_change(self, index: int, gap_start: int, lead: re.Match[str]) -> None:
        """A rate after 增长/下降…: the open level's change, the change of the next level, or a rate alone."""
        text, figure = self.text, self.amounts[index]
        basis, decline = lead.group("basis"), lead.group("verb") in _DECLINE_VERBS
        self.previous_end = figure.end
        if (
            self.open_draft is not None
            and _CHAIN_GAP.fullmatch(text, self.chain_end, lead.start()) is not None
        ):
            _attach_change(self.open_draft, figure, basis, decline)
            self.chain_end = self.open_draft.evidence_end = figure.end
            return
        subject_start = name_floor(text, gap_start, lead.start(), self.others)
        subject = clean_name(text[subject_start : lead.start()])
        if not subject:
            return  # a rate of nothing named
        following = self.amounts[index + 1] if index + 1 < len(self.amounts) else None
        if (
            following is not None
            and not _is_change_unit(following)
            and _LEVEL_AFTER_CHANGE.fullmatch(text, figure.end, following.start)
        ):
            self.pending_change = (figure, basis, decline, subject_start, subject)  # "增长20%，达到282亿元"
            return
        name = clean_name(text[subject_start : lead.end("verb")]) or subject  # "地区生产总值增长"
        self._open(_Draft(name, figure, subject_start, figure.end), False)

    def _read_level(self, index: int, gap_start: int) -> None:
        """A level or a count, named by the term before it, the open level's name, or the term after it."""
        text, figure = self.text, self.amounts[index]
        if self.name_prefix_start is not None:  # "10万元以下低彩礼51对"
            name, name_start, fallback = (
                strip_trailing(text[self.name_prefix_start : figure.start]),
                self.name_prefix_start,
                "",
            )
            self.name_prefix_start = None
        else:
            name, name_start, fallback = name_before(text, gap_start, figure, self.others)
        before_start, name_end = name_start, figure.end
        open_draft = self.open_draft
        if (
            not name
            and open_draft is not None
            and not self.named_after
            and _SHARED_NAME_GAP.fullmatch(text, gap_start, figure.start) is not None
            and not any(c in text[open_draft.level.end : figure.start] for c in CLAUSE_STOPS)
        ):
            name, name_start, name_end = open_draft.name, open_draft.evidence_start, open_draft.evidence_end
        if not name:
            last = index  # "全镇993户1618人最低生活保障": the term after the group names them all
            while last + 1 < len(self.amounts) and _SHARED_NAME_GAP.fullmatch(
                text, self.amounts[last].end, self.amounts[last + 1].start
            ):
                last += 1
            name, name_end, reaches_next = name_after(text, self.amounts[last], self.amounts[last + 1 :])
            if reaches_next and last == index:
                self.name_prefix_start = self.previous_end = figure.start  # part of the next figure's name
                return
            name_start = figure.start
        if not name and fallback:
            name, name_start = fallback, before_start
        if not name:
            self.previous_end = figure.end
            return
        draft = _Draft(name, figure, min(name_start, figure.start), max(name_end, figure.end))
        self._open(draft, named_after=name_start == figure.start and name_end > figure.end)


def _attach_change(draft: _Draft, figure: Figure, basis: str | None, decline: bool) -> None:
    if draft.change is None:
        draft.change, draft.basis, draft.decline = figure, basis, decline
    else:
        draft.extra_changes.append((figure, basis, decline))


def _period_before(text: str, sentence_start: int, pos: int, years: list[Figure]) -> str | None:
    """The period a sentence gives before `pos`: "2023年全镇财政总收入…" -> "2023"."""
    for year in reversed(years):
        if year.end <= pos and (year.start == 0 or text[year.start - 1] not in _BASIS_BEFORE_YEAR):
            return _year_label(year)
    if _NEXT_FIVE.search(text, sentence_start, pos):
        return "今后五年"
    if _PAST_FIVE.search(text, sentence_start, pos):
        return "过去五年"
    return None


def _year_label(year: Figure) -> str:
    if year.value is None:
        return year.raw.replace(" ", "").removesuffix("年")  # "20xx"
    label = str(int(year.value))
    return f"{label}-{int(year.high)}" if year.high is not None else label


def _kind(text: str, sentence_start: int, pos: int, base: IndicatorKind | None) -> IndicatorKind:
    """Target or actual: the section decides, cues in the sentence before the figure override."""
    sentence_part = clause_start(text, sentence_start, pos, "；;。")
    if base == "target":
        comma_clause = clause_start(text, sentence_start, pos)
        return "actual" if _ACTUAL_IN_PLAN.search(text, comma_clause, pos) else "target"
    return "target" if _STRONG_TARGET.search(text, sentence_part, pos) else "actual"


def _change(figure: Figure, basis: str | None, decline: bool) -> dict[str, object]:
    """The fields of a `Change` (validated with its indicator)."""
    value = (
        None if figure.unreadable or figure.value is None else (-figure.value if decline else figure.value)
    )
    unit = _CHANGE_UNIT_OF.get(figure.unit or "")
    return {
        "value": value,
        "unit": unit,
        "raw": figure.raw,
        "basis": basis.replace(" ", "") if basis else None,
    }


# A report states hundreds of indicators: validated as one list, nested changes and spans
# included, pydantic builds them without a Python call per model.
_INDICATORS: TypeAdapter[list[Indicator]] = TypeAdapter(list[Indicator])


def _to_indicators(drafts: list[_Draft], norm: Normalized, sections: _Sections) -> list[Indicator]:
    """Schema indicators, ids i1, i2… in document order; extra changes repeat their level."""
    rows: list[tuple[_Draft, Figure | None, str | None, bool, int]] = []
    for draft in drafts:
        rows.append((draft, draft.change, draft.basis, draft.decline, draft.evidence_end))
        for figure, basis, decline in draft.extra_changes:
            rows.append((draft, figure, basis, decline, figure.end))
    rows.sort(key=lambda row: (row[0].evidence_start, row[4]))
    clean, original = norm.clean, norm.clean.original
    fields = []
    for number, (draft, change, basis, decline, evidence_end) in enumerate(rows, start=1):
        level = draft.level
        end = evidence_end if change is not draft.change else draft.evidence_end
        start, stop = clean.to_original(draft.evidence_start, max(end, level.end))
        fields.append(
            {
                "id": f"i{number}",
                "name": draft.name,
                "value": None if level.unreadable else level.value,
                "unit": level.unit,
                "raw": level.raw,
                "change": _change(change, basis, decline) if change is not None else None,
                "period": draft.period,
                "kind": draft.kind,
                "qualifier": level.qualifier,
                "redacted": level.unreadable,
                "section_id": sections.section_id(level.start),
                "evidence": {"start": start, "end": stop, "quote": original[start:stop]},
                "concept": concept_of(draft.name, level.unit),
            }
        )
    return _INDICATORS.validate_python(fields)
