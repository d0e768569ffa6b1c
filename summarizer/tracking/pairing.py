"""Targets of one year against the actuals the next year's report gives for it.

Reports are grouped by place and ordered by the year each was delivered.  Every
target of a report (a reading of kind target for its delivery year or later) is
paired with the actual reported *for that year* in the report of the same place
delivered the year after, and nowhere else:

1. the same key: the same concept, else the same name (scope words and verbs off);
   when the next report gives that key several different values, the pair is unclear;
2. else a related concept of the catalogue (保障性住房 and 棚户区改造): unclear;
3. else one name that holds the other in order ("新增商业面积" in "新增商业营业面积"),
   of the same unit and at least 60 % of its length: the only such actual.

A name of fewer than three characters with no concept ("投资") is not matched.
No next report, or nothing in it: `no_actual`.  A report's targets are listed once
per key (the first).  Several places delivering in one year also give a
comparison by concept (`ComparisonRow`): each place's target for the year and
its actual for the year before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz.distance import LCSseq

from ..facts.concepts import catalogue
from .models import ComparisonRow, TrackItem, TrackResult
from .readings import Reading, ReportReadings
from .status import judge

_MIN_NAME = 3
_MIN_FUZZY_SHARE = 0.6


def pair_reports(reports: Iterable[ReportReadings]) -> TrackResult:
    """Every target paired (or not) with its actual; reports in the order given."""
    reports = list(reports)
    by_place: dict[str | None, list[ReportReadings]] = defaultdict(list)
    for report in reports:
        by_place[report.report.place].append(report)
    items: list[TrackItem] = []
    for place_reports in by_place.values():
        by_year = {r.report.year: r for r in place_reports if r.report.year is not None}
        for report in sorted(place_reports, key=lambda r: (r.report.year or 0, r.report.file)):
            items.extend(_items_of(report, by_year))
    return TrackResult(reports=[r.report for r in reports], items=items, comparison=_comparison(reports))


def _targets(report: ReportReadings) -> list[Reading]:
    delivered = report.report.year
    if delivered is None:
        return []
    seen: set[tuple[str, int]] = set()
    targets = []
    for reading in report.readings:
        if reading.kind != "target" or reading.year < delivered or (reading.key, reading.year) in seen:
            continue
        seen.add((reading.key, reading.year))
        targets.append(reading)
    return targets


def _items_of(report: ReportReadings, by_year: dict[int, ReportReadings]) -> list[TrackItem]:
    items = []
    for target in _targets(report):
        review = by_year.get(target.year + 1)
        item = TrackItem(
            place=report.report.place,
            year=target.year,
            concept=target.concept,
            name=target.name,
            target=target.tracked(report.report.file),
            status="no_actual",
        )
        if review is None:
            item.reason = f"没有 {target.year + 1} 年的报告 / no report delivered in {target.year + 1}"
            items.append(item)
            continue
        actuals = [r for r in review.readings if r.kind == "actual" and r.year == target.year]
        actual, related = _match(target, actuals)
        others = _other_values(actual, actuals) if actual is not None and not related else []
        if actual is None:
            item.reason = (
                f"{review.report.file} 中没有对应的实绩 / no matching actual in {review.report.file}"
            )
            items.append(item)
            continue
        item.actual = actual.tracked(review.report.file)
        if others:
            shown = "、".join([actual.raw, *others])
            item.status = "unclear"
            item.reason = (
                f"下一年的报告给出几个不同的实绩（{shown}）/ the next report states several different actuals"
            )
        elif related:
            item.status = "unclear"
            item.reason = (
                f"只有相关指标“{actual.concept}”的实绩，口径不同 / "
                f"only the related concept {actual.concept} is reported, on another basis"
            )
        else:
            concept = catalogue().get(target.concept or "")
            item.status, item.reason = judge(target, actual, ceiling=concept is not None and concept.ceiling)
        items.append(item)
    return items


def _match(target: Reading, actuals: list[Reading]) -> tuple[Reading | None, bool]:
    """(the actual that reports on `target`, whether it is only a related concept's)."""
    if target.concept is None and len(target.core) < _MIN_NAME:
        return None, False  # "投资", "项目": a bare word names nothing that can be followed
    same = [a for a in actuals if a.key == target.key]
    if same:
        return min(same, key=lambda a: a.order), False
    concept = catalogue().get(target.concept or "")
    if concept is not None and concept.related:
        related = [a for a in actuals if a.concept in concept.related and a.growth == target.growth]
        if related:
            return min(related, key=lambda a: a.order), True
    return _similar_name(target, actuals), False


def _other_values(actual: Reading, actuals: list[Reading]) -> list[str]:
    """Other figures under the same key with another value: "新增就业3000人" (trade) and "新增就业5650人"."""
    seen = {actual.base}
    others = []
    for other in actuals:
        if other.key == actual.key and other.base not in seen:
            seen.add(other.base)
            others.append(other.raw)
    return others


def _similar_name(target: Reading, actuals: list[Reading]) -> Reading | None:
    """The one actual whose name holds the target's in order, or the other way round (None if 0 or 2+)."""
    if len(target.core) < _MIN_NAME:
        return None
    found: dict[str, Reading] = {}
    for actual in actuals:
        if actual.growth != target.growth or actual.base[0] != target.base[0]:
            continue
        if target.concept and actual.concept and target.concept != actual.concept:
            continue
        shorter, longer = sorted((target.core, actual.core), key=len)
        if len(shorter) < _MIN_NAME or len(shorter) < _MIN_FUZZY_SHARE * len(longer):
            continue
        if LCSseq.similarity(shorter, longer) == len(shorter):
            found.setdefault(actual.key, actual)
    return next(iter(found.values())) if len(found) == 1 else None


def _comparison(reports: list[ReportReadings]) -> list[ComparisonRow]:
    """Places side by side, for each year that two or more of them delivered a report in."""
    places_of_year: dict[int, list[ReportReadings]] = defaultdict(list)
    for report in reports:
        if report.report.year is not None:
            places_of_year[report.report.year].append(report)
    rows: list[ComparisonRow] = []
    for year in sorted(places_of_year):
        group = places_of_year[year]
        if len({r.report.place for r in group}) < 2:
            continue
        cells: dict[str, dict[int, ComparisonRow]] = defaultdict(dict)
        for index, report in enumerate(group):
            for reading in report.readings:
                if reading.concept is None:
                    continue
                if reading.kind == "target" and reading.year == year:
                    side = "target"
                elif reading.kind == "actual" and reading.year == year - 1:
                    side = "actual"
                else:
                    continue
                row = cells[reading.concept].setdefault(
                    index,
                    ComparisonRow(
                        year=year, concept=reading.concept, place=report.report.place, file=report.report.file
                    ),
                )
                if getattr(row, side) is None:
                    setattr(row, side, reading.tracked(report.report.file))
        order = list(catalogue())
        for concept in sorted(cells, key=order.index):
            if len(cells[concept]) >= 2:
                rows.extend(cells[concept][i] for i in sorted(cells[concept]))
    return rows
