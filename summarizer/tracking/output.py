"""`track` results as CSV (Excel-friendly, as the indicator CSV is) and as Markdown tables."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..render import csv_cell
from .models import TrackedValue, TrackItem, TrackResult

TRACK_COLUMNS = [
    "place",
    "year",
    "concept",
    "name",
    "status",
    "target",
    "target_value",
    "target_unit",
    "target_qualifier",
    "target_file",
    "target_quote",
    "actual",
    "actual_value",
    "actual_unit",
    "actual_file",
    "actual_quote",
    "reason",
]
STATUS_LABELS = {
    "met": "达到 met",
    "missed": "未达到 missed",
    "unclear": "不明 unclear",
    "no_actual": "无实绩 no actual",
}


def _side(prefix: str, value: TrackedValue | None) -> dict[str, Any]:
    if value is None:
        return {
            prefix: None,
            f"{prefix}_value": None,
            f"{prefix}_unit": None,
            f"{prefix}_file": None,
            f"{prefix}_quote": None,
        }
    return {
        prefix: value.raw,
        f"{prefix}_value": value.value,
        f"{prefix}_unit": value.unit,
        f"{prefix}_file": value.file,
        f"{prefix}_quote": value.evidence.quote,
    }


def item_row(item: TrackItem) -> dict[str, Any]:
    """One flat dict per item (keys: `TRACK_COLUMNS`)."""
    row: dict[str, Any] = {
        "place": item.place,
        "year": item.year,
        "concept": item.concept,
        "name": item.name,
        "status": item.status,
        "target_qualifier": item.target.qualifier,
        "reason": item.reason,
    }
    row.update(_side("target", item.target))
    row.update(_side("actual", item.actual))
    return {column: row.get(column) for column in TRACK_COLUMNS}


def track_csv(result: TrackResult) -> str:
    """The items as CSV with a UTF-8 BOM, so that Excel reads the Chinese; formulas never run."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRACK_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for item in result.items:
        writer.writerow({k: "" if v is None else csv_cell(v) for k, v in item_row(item).items()})
    return "\ufeff" + buffer.getvalue()


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, lines joined, nothing for None."""
    if text is None:
        return ""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def track_markdown(result: TrackResult) -> str:
    """The reports, the items and, for places side by side, the comparison by concept."""
    lines = ["# 目标跟踪 Target tracking", "", "| 文件 file | 地点 place | 年份 year |", "|---|---|---|"]
    lines += [f"| {_cell(r.file)} | {_cell(r.place)} | {_cell(r.year)} |" for r in result.reports]
    lines += [
        "",
        "| 地点 place | 年份 year | 指标 concept | 目标 target | 实绩 actual | 状态 status | 说明 reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in result.items:
        actual = item.actual.raw if item.actual else ""
        lines.append(
            f"| {_cell(item.place)} | {item.year} | {_cell(item.concept or item.name)} | {_cell(item.target.raw)}"
            f" | {_cell(actual)} | {STATUS_LABELS[item.status]} | {_cell(item.reason)} |"
        )
    if result.comparison:
        lines += [
            "",
            "## 各地比较 Places side by side",
            "",
            "| 年份 year | 指标 concept | 地点 place | 当年目标 target | 上年实绩 actual of the year before |",
            "|---|---|---|---|---|",
        ]
        for row in result.comparison:
            target = row.target.raw if row.target else ""
            actual = row.actual.raw if row.actual else ""
            lines.append(
                f"| {row.year} | {_cell(row.concept)} | {_cell(row.place)} | {_cell(target)} | {_cell(actual)} |"
            )
    return "\n".join(lines) + "\n"
