"""Render a `ReportSummary` for people: escaped HTML, Markdown and CSV.

The app shows the summary beside the source text with every piece of
evidence highlighted; this module builds that HTML (and the Markdown and CSV
downloads) as plain strings so it can be tested without a browser and reused
by any face.  It never imports `streamlit`.

Safety rule: everything that comes from the report or the summary is passed
through `html.escape` before it reaches the HTML, so a report containing
`<script>` shows as text.  Only the tags written in this module are markup.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from .schema import (
    SUPPORT_SEVERITY,
    Claim,
    Engine,
    Indicator,
    MetaField,
    ReportSummary,
    Section,
    SourceWarning,
    Support,
)

# Support label (Chinese, English), text color, background color.
SUPPORT_STYLE: dict[Support, tuple[str, str, str, str]] = {
    "supported": ("有据", "supported", "#1a7f37", "#dafbe1"),
    "partial": ("部分有据", "partial", "#9a6700", "#fff1b8"),
    "unsupported": ("无据", "unsupported", "#cf222e", "#ffebe9"),
    "unchecked": ("未核验", "unchecked", "#57606a", "#eaeef2"),
}
# When spans of several claims overlap, the segment is colored by the most serious support.

SOURCE_PANE_ID = "source-pane"

# Warning codes for text the cleaning left out of the clean copy (shown struck through).
REMOVED_CODES = frozenset(
    {"web_chrome", "share_header", "page_marker", "spam", "boilerplate", "footer", "header", "navigation"}
)


class _Ranged(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


_ItemT = TypeVar("_ItemT", bound=_Ranged)

# One stylesheet for the whole page: the app injects it once (st.html is not iframed).
PAGE_CSS = """
<style>
.source-pane {
  position: relative; max-height: 75vh; overflow-y: auto; white-space: pre-wrap; word-break: break-all;
  font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", serif;
  font-size: 15px; line-height: 1.85; padding: 0.75rem 1rem;
  border: 1px solid #d0d7de; border-radius: 6px; background: #fffdf7; color: #1f2328;
}
.source-pane mark { padding: 0 1px; border-radius: 2px; color: inherit; }
.source-pane mark.ev-supported { background: #dafbe1; }
.source-pane mark.ev-partial { background: #fff1b8; }
.source-pane mark.ev-unsupported { background: #ffd7d5; }
.source-pane mark.ev-unchecked { background: #eaeef2; }
.source-pane mark.active { background: #ffd33d; outline: 2px solid #0969da; font-weight: 600; }
.source-pane .note-removed { color: #8c959f; text-decoration: line-through; }
.source-pane .note-redacted { text-decoration: underline dotted #cf222e 2px; }
.source-pane .note-flag { text-decoration: underline wavy #bf8700; }
.claim { margin: 0.15rem 0 0.45rem 0; line-height: 1.7; }
.badge {
  display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0 0.45rem;
  margin-right: 0.4rem; border-radius: 1rem; white-space: nowrap; vertical-align: 0.08rem;
}
.claim .missing { color: #cf222e; font-size: 0.8rem; margin-left: 0.4rem; }
.claim .author { color: #57606a; font-size: 0.75rem; margin-left: 0.4rem; }
.claim .author-extractive { color: #9a6700; }
.claim .reason, .claim .judge { color: #57606a; font-size: 0.82rem; margin-left: 1.6rem; }
.claim ul.evidence, .claim div.evidence { color: #444; font-size: 0.82rem; margin: 0.1rem 0 0 1.6rem;
  padding-left: 1rem; border-left: 3px solid #d0d7de; list-style: none; }
</style>
"""


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    claim_id: str
    support: Support


@dataclass(frozen=True)
class _Note:
    start: int
    end: int
    code: str
    message: str


def _evidence_marks(claims: Iterable[Claim]) -> list[_Mark]:
    marks: list[_Mark] = []
    for claim in claims:
        for span in claim.evidence:
            if span.end > span.start:
                marks.append(_Mark(span.start, span.end, claim.id, claim.support))
    return marks


def _source_notes(warnings: Iterable[SourceWarning]) -> list[_Note]:
    return [
        _Note(w.span.start, w.span.end, w.code, w.message)
        for w in warnings
        if w.span is not None and w.span.end > w.span.start
    ]


def _note_class(code: str) -> str:
    if code in REMOVED_CODES:
        return "note-removed"
    return "note-redacted" if code == "redacted" else "note-flag"


def _covering(items: list[_ItemT], starting: dict[int, list[_ItemT]], position: int) -> list[_ItemT]:
    """The items still open at `position` plus those starting there (the sweep's next state)."""
    return [i for i in items if i.end > position] + starting.get(position, [])


def _by_start(items: Iterable[_ItemT]) -> dict[int, list[_ItemT]]:
    starting: dict[int, list[_ItemT]] = {}
    for item in items:
        starting.setdefault(item.start, []).append(item)
    return starting


def source_html(
    original: str,
    claims: list[Claim],
    active_claim_id: str | None = None,
    *,
    pane_id: str = SOURCE_PANE_ID,
    warnings: Iterable[SourceWarning] = (),
) -> str:
    """The original text as escaped HTML with every evidence span in a `<mark>`.

    Overlapping spans are handled by cutting the text at every span boundary:
    each piece is one `<mark>` whose `data-claim` lists all claims covering it
    (space-separated), whose color is that of the most serious support among
    them, and which has the class `active` when the active claim covers it.
    Mark ids are `ev-1`, `ev-2`, … in text order (`ev-<pane_id>-1`, … for
    another pane, so two panes on one page never share an id); the first
    active mark also carries `data-first-active`, the target the app scrolls
    to.  Newlines are kept (the pane uses `white-space: pre-wrap`).

    `warnings` (the source's, e.g. `summary.source.warnings`) are shown too,
    inside any mark: text the cleaning left out is struck through, redacted
    figures are underlined, other flags (OCR digits…) get a wavy underline;
    the warning's message is the tooltip.
    """
    marks = [m for m in _evidence_marks(claims) if m.end <= len(original)]
    notes = [n for n in _source_notes(warnings) if n.end <= len(original)]
    bounds = [(m.start, m.end) for m in marks] + [(n.start, n.end) for n in notes]
    cuts = sorted({0, len(original), *(b[0] for b in bounds), *(b[1] for b in bounds)})
    marks_starting, notes_starting = _by_start(marks), _by_start(notes)

    id_prefix = "ev-" if pane_id == SOURCE_PANE_ID else f"ev-{pane_id}-"
    parts: list[str] = [f'<div id="{html.escape(pane_id)}" class="source-pane">']
    open_marks: list[_Mark] = []
    open_notes: list[_Note] = []
    mark_number = 0
    active_seen = False
    for piece_start, piece_end in pairwise(cuts):
        open_marks = _covering(open_marks, marks_starting, piece_start)
        open_notes = _covering(open_notes, notes_starting, piece_start)
        text = html.escape(original[piece_start:piece_end])
        if open_notes:
            note = open_notes[-1]  # the innermost (latest started) warning names the piece
            text = (
                f'<span class="note {_note_class(note.code)}" data-code="{html.escape(note.code)}" '
                f'title="{html.escape(note.message)}">{text}</span>'
            )
        if not open_marks:
            parts.append(text)
            continue
        mark_number += 1
        claim_ids = list(dict.fromkeys(m.claim_id for m in open_marks))
        worst = max((m.support for m in open_marks), key=lambda s: SUPPORT_SEVERITY[s])
        classes = [f"ev-{worst}"]
        extra = ""
        if active_claim_id is not None and active_claim_id in claim_ids:
            classes.append("active")
            if not active_seen:
                extra = ' data-first-active="1"'
                active_seen = True
        parts.append(
            f'<mark id="{html.escape(id_prefix)}{mark_number}" class="{" ".join(classes)}" '
            f'data-claim="{html.escape(" ".join(claim_ids))}"{extra}>{text}</mark>'
        )
    parts.append("</div>")
    return "".join(parts)


def support_badge(support: Support) -> str:
    zh, en, color, background = SUPPORT_STYLE[support]
    return (
        f'<span class="badge badge-{support}" style="color:{color};background:{background};'
        f'border:1px solid {color}">{zh} · {en}</span>'
    )


def claim_html(claim: Claim, reason: str | None = None, *, evidence: bool = False) -> str:
    """A support badge and the escaped claim text, plus any figure the source does not state.

    With `evidence`, the passages the checker judged the claim against follow it, so that a flagged
    claim can be judged at a glance; `reason` is the checker's, and a model judge's verdict is shown.
    """
    missing = [n.raw for n in claim.numbers if not n.found]
    note = ""
    if missing:
        figures = "、".join(html.escape(raw) for raw in missing)
        note = f'<span class="missing">原文未见数字 / not in source: {figures}</span>'
    details = ""
    if reason:
        details += f'<div class="reason">{html.escape(reason)}</div>'
    if claim.judge is not None:
        said = html.escape(f"{claim.judge.verdict}：{claim.judge.reason}".rstrip("："))
        verdicts = f"{html.escape(claim.rules_support or '')} → {html.escape(claim.support)}"
        details += f'<div class="judge">模型复核 Model judge（{verdicts}）：{said}</div>'
    if evidence:
        quotes = "".join(f"<li>{html.escape(span.quote)}</li>" for span in claim.evidence)
        details += (
            f'<ul class="evidence">{quotes}</ul>'
            if quotes
            else '<div class="evidence">原文中没有找到依据 / no evidence in the source</div>'
        )
    return (
        f'<div class="claim" data-claim-id="{html.escape(claim.id)}">'
        f"{support_badge(claim.support)}{html.escape(claim.text)}{note}{_author_html(claim)}{details}</div>"
    )


def _author_html(claim: Claim) -> str:
    if claim.author is None:
        return ""
    return f'<span class="author author-{claim.author}">{html.escape(AUTHOR_LABELS[claim.author])}</span>'


def claims_html(
    claims: Iterable[Claim], reasons: dict[str, str] | None = None, *, evidence: bool = False
) -> str:
    return "".join(claim_html(c, (reasons or {}).get(c.id), evidence=evidence) for c in claims)


# ---------------------------------------------------------------- tables and text


INDICATOR_COLUMNS = [
    "id",
    "name",
    "value",
    "unit",
    "raw",
    "change",
    "change_basis",
    "period",
    "kind",
    "qualifier",
    "redacted",
    "section_id",
    "quote",
    "start",
    "end",
]


def _indicator_row(indicator: Indicator) -> dict[str, Any]:
    change = indicator.change
    return {
        "id": indicator.id,
        "name": indicator.name,
        "value": indicator.value,
        "unit": indicator.unit,
        "raw": indicator.raw,
        "change": change.raw if change else None,
        "change_basis": change.basis if change else None,
        "period": indicator.period,
        "kind": indicator.kind,
        "qualifier": indicator.qualifier,
        "redacted": indicator.redacted,
        "section_id": indicator.section_id,
        "quote": indicator.evidence.quote,
        "start": indicator.evidence.start,
        "end": indicator.evidence.end,
    }


def indicator_rows(summary: ReportSummary) -> list[dict[str, Any]]:
    """One flat dict per indicator (keys: `INDICATOR_COLUMNS`), in the summary's order."""
    return [_indicator_row(i) for i in summary.indicators]


_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?%?$")


def csv_cell(value: object) -> object:
    """A cell that a spreadsheet shows as text, never runs as a formula ("=cmd|…", "@SUM(…)")."""
    if isinstance(value, str) and _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def indicators_csv(summary: ReportSummary) -> str:
    """The indicators as CSV, starting with a UTF-8 BOM so that Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDICATOR_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in indicator_rows(summary):
        writer.writerow({k: "" if v is None else csv_cell(v) for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()


META_LABELS = {
    "title": "标题",
    "place": "地点",
    "admin_level": "行政级别",
    "meeting": "会议",
    "date": "日期",
    "speaker": "报告人",
    "review_period": "回顾期",
    "plan_period": "计划期",
}


def meta_items(summary: ReportSummary) -> list[tuple[str, str]]:
    """(Chinese label, value) of every known meta field, in contract order."""
    items: list[tuple[str, str]] = []
    for name, label in META_LABELS.items():
        field = getattr(summary.meta, name)
        if isinstance(field, MetaField):
            items.append((label, field.value))
    return items


def _md_inline(text: str) -> str:
    """Report text made safe for one Markdown line or table cell."""
    flat = " ".join(text.split())
    for char in "\\`*_[]<>|#":
        flat = flat.replace(char, "\\" + char)
    return flat


def _md_claim(claim: Claim) -> str:
    zh, en, _, _ = SUPPORT_STYLE[claim.support]
    missing = [n.raw for n in claim.numbers if not n.found]
    note = f"（原文未见：{'、'.join(_md_inline(m) for m in missing)}）" if missing else ""
    return f"- {_md_inline(claim.text)} 〔{zh} {en}{author_label(claim)}〕{note}"


AUTHOR_LABELS = {"model": "模型撰写 model", "extractive": "抽取回退 extractive fallback"}


def author_label(claim: Claim) -> str:
    """ " · 模型撰写 model" or " · 抽取回退 extractive fallback" for a claim of an LLM summary; else ""."""
    return f" · {AUTHOR_LABELS[claim.author]}" if claim.author else ""


def engine_line(engine: Engine) -> str:
    """The engine, its model, and for an LLM summary who wrote the claims (and what fell back)."""
    line = engine.name + (f"（{engine.model}）" if engine.model else "")
    if engine.model_claims is not None:
        line += f"；模型撰写 {engine.model_claims} 条，抽取回退 {engine.fallback_claims or 0} 条"
        line += f" / model-written {engine.model_claims}, extractive fallback {engine.fallback_claims or 0}"
    if engine.fallbacks:
        line += f"；回退 fallbacks: {', '.join(engine.fallbacks)}"
    return line


def _md_claims(title: str, claims: list[Claim]) -> list[str]:
    if not claims:
        return []
    return [f"## {title}", "", *(_md_claim(c) for c in claims), ""]


def _md_section(section: Section) -> list[str]:
    hashes = "#" * min(section.level + 2, 6)
    lines = [f"{hashes} {_md_inline(section.id)} {_md_inline(section.title)}", ""]
    lines.extend(_md_claim(c) for c in section.summary)
    if section.keywords:
        lines.append(f"- 关键词：{_md_inline('、'.join(section.keywords))}")
    lines.append("")
    return lines


def to_markdown(summary: ReportSummary) -> str:
    """A readable Markdown report: meta, overview, sections, indicators, lists, verification."""
    title = summary.meta.title.value if summary.meta.title else (summary.source.filename or "政府工作报告")
    lines = [f"# {_md_inline(title)} · 摘要", ""]
    for label, value in meta_items(summary):
        lines.append(f"- **{label}**：{_md_inline(value)}")
    lines += [f"- **引擎**：{_md_inline(engine_line(summary.engine))}", ""]
    lines += _md_claims("概述", summary.overview)
    if summary.sections:
        lines += ["## 分节摘要", ""]
        for section in summary.sections:
            lines += _md_section(section)
    if summary.indicators:
        lines += [
            "## 指标",
            "",
            "| 指标 | 数值 | 变化 | 时期 | 类型 | 原文 |",
            "|---|---|---|---|---|---|",
        ]
        for ind in summary.indicators:
            kind = "目标" if ind.kind == "target" else "实绩"
            raw = "（已隐去）" if ind.redacted else _md_inline(ind.raw)
            change = _md_inline(ind.change.raw) if ind.change else ""
            lines.append(
                f"| {_md_inline(ind.name)} | {raw} | {change} | {_md_inline(ind.period or '')} | {kind} "
                f"| {_md_inline(ind.evidence.quote)} |"
            )
        lines.append("")
    if summary.projects:
        lines += ["## 项目", ""]
        for project in summary.projects:
            extras = [
                x for x in (project.investment.raw if project.investment else None, project.status) if x
            ]
            suffix = f"（{'，'.join(_md_inline(x) for x in extras)}）" if extras else ""
            lines.append(f"- {_md_inline(project.name)}{suffix}")
        lines.append("")
    lines += _md_claims("主要成绩", summary.achievements)
    lines += _md_claims("问题与不足", summary.problems)
    lines += _md_claims("工作计划", summary.plans)
    v = summary.verification
    lines += [
        "## 核验",
        "",
        f"- 结论 {v.claims} 条：有据 {v.supported}，部分有据 {v.partial}，无据 {v.unsupported}",
        f"- 数字 {v.numbers} 个，原文未见 {v.numbers_unsupported} 个；得分 {v.score:.2f}",
        "",
    ]
    return "\n".join(lines)
