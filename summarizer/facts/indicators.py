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
* **Period and kind**: see `periods.py` (the year a figure is for, target or actual).
* **Not indicators**: years, dates, rankings, durations and ages, figures
  without a unit, investments that belong to a project, and counts written in
  Chinese numerals without 余/多 (they name policies: "中央八项规定", "三项机制").
* **Redacted or OCR-suspect figures** ("XX万元", "IlOO多万元") keep
  `redacted=True` and `value=None`: never guessed, never fixed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from ..schema import Indicator, Project
from ..text.sentences import Sentences
from .concepts import concept_of
from .numbers import Figure, find_figures
from .periods import SectionFacts, kind_of, period_of, report_year
from .projects import find_projects, to_projects
from .reader import CHANGE_UNIT_OF, Draft, can_be_indicator, read_sentence

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


def extract_facts(norm: Normalized, nodes: list[SectionNode]) -> Facts:
    """Indicators and projects of the report, ids in document order, evidence in the original text."""
    text = norm.clean.text
    figures = find_figures(text)
    split = Sentences(text)
    sentences = split.ranges
    sections = SectionFacts(nodes, report_year(text, nodes))

    project_drafts = find_projects(text, figures, sentences, sections.default_project_status)
    investments = {d.investment.start for d in project_drafts if d.investment is not None}

    starts = [f.start for f in figures]
    drafts: list[Draft] = []
    for sentence_start, sentence_end in sentences:
        lo = bisect.bisect_left(starts, sentence_start)
        hi = bisect.bisect_left(starts, sentence_end)
        if lo == hi:
            continue
        in_sentence = figures[lo:hi]
        amounts = [f for f in in_sentence if can_be_indicator(f) and f.start not in investments]
        if amounts:
            years = [f for f in in_sentence if f.kind == "year"]
            found = read_sentence(text, sentence_start, amounts, in_sentence)
            for draft in found:
                pos = draft.level.start
                draft.kind = kind_of(text, sentence_start, pos, sections.base_kind(pos))
                floor = draft.year_floor
                draft.period = period_of(
                    text, sentence_start, pos, [y for y in years if y.start >= floor], draft.kind, sections
                )
            drafts.extend(found)

    indicators = _to_indicators(drafts, norm, sections)
    projects = to_projects(project_drafts, norm.clean, sections.section_id)
    return Facts(indicators=indicators, projects=projects, sentences=split, figures=figures)


def _change(figure: Figure, basis: str | None, decline: bool) -> dict[str, object]:
    """The fields of a `Change` (validated with its indicator)."""
    value = (
        None if figure.unreadable or figure.value is None else (-figure.value if decline else figure.value)
    )
    unit = CHANGE_UNIT_OF.get(figure.unit or "")
    return {
        "value": value,
        "unit": unit,
        "raw": figure.raw,
        "basis": basis.replace(" ", "") if basis else None,
    }


# A report states hundreds of indicators: validated as one list, nested changes and spans
# included, pydantic builds them without a Python call per model.
_INDICATORS: TypeAdapter[list[Indicator]] = TypeAdapter(list[Indicator])


def _to_indicators(drafts: list[Draft], norm: Normalized, sections: SectionFacts) -> list[Indicator]:
    """Schema indicators, ids i1, i2… in document order; extra changes repeat their level."""
    rows: list[tuple[Draft, Figure | None, str | None, bool, int]] = []
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
