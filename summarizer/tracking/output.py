"""`track` results as CSV (Excel-friendly, as the indicator CSV is) and as Markdown tables."""

from __future__ import annotations

import csv
import html
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


def track_text(result: TrackResult, fmt: str) -> str:
    """The result as `summarizer track --format` and POST /v1/track give it: json, csv or md."""
    if fmt == "csv":
        return track_csv(result)
    if fmt == "md":
        return track_markdown(result)
    return result.to_json()


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


_BADGE_CLASS = {"met": "tk-met", "missed": "tk-missed", "unclear": "tk-unclear", "no_actual": "tk-none"}
TRACK_CSS = """<style>
table.tk{border-collapse:collapse;width:100%;font-size:.9rem}
table.tk th,table.tk td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.tk-badge{border-radius:4px;padding:1px 6px;white-space:nowrap;font-size:.8rem}
.tk-met{background:#d8f3dc;color:#1b4332}.tk-missed{background:#ffd6d6;color:#7a1c1c}
.tk-unclear{background:#fff3c4;color:#6b4f00}.tk-none{background:#eee;color:#555}
table.tk details summary{cursor:pointer;color:#555}
table.tk abbr{text-decoration:underline dotted;cursor:help}
</style>"""


def _value_html(value: TrackedValue | None) -> str:
    if value is None:
        return ""
    quote = html.escape(value.evidence.quote)
    return f'<abbr title="{quote}">{html.escape(value.raw)}</abbr>'


def track_html(items: list[TrackItem]) -> str:
    """The items as an escaped HTML table: status badges, each figure's quote on hover and on click."""
    rows = []
    for index, item in enumerate(items):
        quotes = [
            f"<b>目标 target</b> ({html.escape(item.target.file)}): {html.escape(item.target.evidence.quote)}"
        ]
        if item.actual is not None:
            quotes.append(
                f"<b>实绩 actual</b> ({html.escape(item.actual.file)}): {html.escape(item.actual.evidence.quote)}"
            )
        rows.append(
            f'<tr data-item="{index}"><td>{html.escape(item.concept or item.name)}</td><td>{item.year}</td>'
            f"<td>{_value_html(item.target)}</td><td>{_value_html(item.actual)}</td>"
            f'<td><span class="tk-badge {_BADGE_CLASS[item.status]}">{STATUS_LABELS[item.status]}</span></td>'
            f"<td><details><summary>原文 quotes</summary>{'<br>'.join(quotes)}"
            f"<br><i>{html.escape(item.reason)}</i></details></td></tr>"
        )
    head = (
        "<tr><th>指标 concept</th><th>年份 year</th><th>目标 target</th><th>实绩 actual</th>"
        "<th>状态 status</th><th>依据 evidence</th></tr>"
    )
    return f'{TRACK_CSS}<table class="tk"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
