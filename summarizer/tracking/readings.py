"""One report as tracking sees it: its place, the year it was delivered, and its figures by year.

Each indicator of the report (`facts.extract_facts`) gives one *reading* per figure:
its level, and its change when the change is a percentage ("地区生产总值274.4亿元，
同比增长9.1%" reads as 地区生产总值 = 274.4亿元 and 地区生产总值增速 = 9.1%).  A
reading is keyed by its concept when it has one, else by its name without scope
words and verbs.  The year a reading is for:

* the indicator's period, when it is a year ("2014年全区…", or the section title's);
* else the year delivered for a target in the plan part ("今年…" has no year), and
  the year before for an actual in the review part;
* else none: five-year spans, and figures whose year cannot be told, are not tracked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts.concepts import catalogue, split_name
from ..facts.meta import extract_meta
from ..facts.numbers import parse_figure
from ..facts.units import split_unit
from ..pipeline import prepare_document
from ..schema import Indicator, IndicatorKind, Span
from ..text.ingest import Document, text_sha256
from .models import TrackedReport, TrackedValue

_YEAR = re.compile(r"(?:19|20)\d{2}")
_DECLINE = frozenset({"下降", "降低", "减少", "回落", "下滑"})
# Words that say on what basis a figure is counted; two sides that name different ones are unclear.
_BASIS_WORDS = ("可比价", "现价", "不变价", "口径", "名义", "实际增长")
_NATIONAL = re.compile(r"国务院(?:总理|政府工作报告)")


@dataclass(frozen=True)
class Reading:
    """One figure of one report that a target or an actual can be."""

    key: str  # "c:<concept>" or "n:<name core>[#growth]"
    concept: str | None
    name: str  # the indicator's name as extracted
    core: str  # the name without scope words and verbs
    growth: bool  # a rate of change of a level
    kind: IndicatorKind
    year: int
    value: float | None
    unit: str | None
    qualifier: str | None
    raw: str
    basis: frozenset[str]
    evidence: Span
    order: int  # position in the report

    @property
    def base(self) -> tuple[str | None, float | None]:
        """(base unit, value in it): 274.4亿元 -> ("元", 2.744e10)."""
        unit, factor = split_unit(self.unit)
        return unit, None if self.value is None else self.value * factor

    def tracked(self, file: str) -> TrackedValue:
        return TrackedValue(
            file=file,
            raw=self.raw,
            value=self.value,
            unit=self.unit,
            qualifier=self.qualifier,
            evidence=self.evidence,
        )


@dataclass(frozen=True)
class ReportReadings:
    report: TrackedReport
    readings: list[Reading]


def read_report(document: Document, file: str) -> ReportReadings:
    """The report's place, delivery year and readings (rule-based stages only, offline)."""
    ctx = prepare_document(document)
    meta = extract_meta(ctx.norm, ctx.nodes)
    place = meta.place.value if meta.place else None
    if place is None and _NATIONAL.search(ctx.norm.clean.text[:1500]):
        place = "全国"  # the State Council's report names no place: it is the country's
    year = _delivery_year(
        meta.date.value if meta.date else None,
        meta.plan_period.value if meta.plan_period else None,
        meta.review_period.value if meta.review_period else None,
    )
    top_kind = {n.id: n.kind for n in ctx.nodes if n.level == 1}
    readings: list[Reading] = []
    for order, indicator in enumerate(ctx.facts.indicators):
        section = (indicator.section_id or "").split(".")[0]
        when = _year_of(indicator, year, top_kind.get(section))
        if when is not None:
            readings.extend(_readings(indicator, when, order, _basis(document.text, indicator.evidence)))
    report = TrackedReport(file=file, place=place, year=year, sha256=text_sha256(document.text))
    return ReportReadings(report=report, readings=readings)


def _delivery_year(date: str | None, plan: str | None, review: str | None) -> int | None:
    """The year a report was delivered: its date, else its plan year, else the year after its review."""
    if date:
        return int(date[:4])  # "2015-02-05"
    if plan and _YEAR.fullmatch(plan):  # not "2021-2025", a five-year plan
        return int(plan)
    if review and _YEAR.fullmatch(review):
        return int(review) + 1
    return None


def _year_of(indicator: Indicator, delivered: int | None, top_kind: str | None) -> int | None:
    period = indicator.period
    if period is not None:
        return int(period) if _YEAR.fullmatch(period) else None
    if delivered is None:
        return None
    if indicator.kind == "target" and top_kind in ("plan", "targets"):
        return delivered
    if indicator.kind == "actual" and top_kind == "review":
        return delivered - 1
    return None


_SENTENCE_STOPS = re.compile(r"[。；;！？!?\n]")


def _basis(original: str, evidence: Span) -> frozenset[str]:
    """The basis words of the sentence up to the figure: "按新口径计算，一般公共预算收入完成…" -> {口径}."""
    start = evidence.start
    while start > 0 and not _SENTENCE_STOPS.match(original[start - 1]):
        start -= 1
    context = original[start : evidence.end]
    return frozenset(word for word in _BASIS_WORDS if word in context)


def _readings(indicator: Indicator, year: int, order: int, basis: frozenset[str]) -> list[Reading]:
    """The level of an indicator, and its change when that is a percentage."""
    out: list[Reading] = []
    core, verb = split_name(indicator.name)
    concept = catalogue().get(indicator.concept or "")
    if indicator.value is not None and not indicator.redacted:
        growth = verb is not None and split_unit(indicator.unit)[0] == "%"
        value = indicator.value
        if growth and verb in _DECLINE and (concept is None or concept.growth_of is not None):
            value = -value  # "财政总收入下降5%" is a growth of -5 %
        key = f"c:{concept.id}" if concept else f"n:{core}{'#growth' if growth else ''}"
        out.append(
            Reading(
                key=key,
                concept=concept.id if concept else None,
                name=indicator.name,
                core=core,
                growth=growth or (concept is not None and concept.growth_of is not None),
                kind=indicator.kind,
                year=year,
                value=value,
                unit=indicator.unit,
                qualifier=indicator.qualifier,
                raw=indicator.raw,
                basis=basis,
                evidence=indicator.evidence,
                order=order * 2,
            )
        )
    change = indicator.change
    if change is not None and change.unit == "%" and change.value is not None and change.basis != "年均":
        growth_id = concept.growth if concept is not None else None
        figure = parse_figure(change.raw)
        out.append(
            Reading(
                key=f"c:{growth_id}" if growth_id else f"n:{core}#growth",
                concept=growth_id,
                name=indicator.name,
                core=core,
                growth=True,
                kind=indicator.kind,
                year=year,
                value=change.value,
                unit="%",
                qualifier=figure.qualifier if figure is not None else None,
                raw=change.raw,
                basis=basis,
                evidence=indicator.evidence,
                order=order * 2 + 1,
            )
        )
    return out
