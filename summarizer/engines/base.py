"""What every engine receives: the report after the rule-based stages.

`ReportContext` bundles the original document, its normalized copy, the
section tree and the pre-extracted facts, so that the extractive and the LLM
engine start from exactly the same grounded material.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from ..facts.indicators import Facts
from ..schema import Claim, Section, Source, SourceWarning
from ..sections.split import SectionNode
from ..text.ingest import Document, text_sha256
from ..text.normalize import Normalized

# progress(stage, done, total): "ingest", "sections", "facts", "summarize", "verify"
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReportContext:
    document: Document
    norm: Normalized
    nodes: list[SectionNode]
    facts: Facts

    @property
    def original(self) -> str:
        return self.document.text


def build_source(ctx: ReportContext, extra_warnings: list[SourceWarning] | None = None) -> Source:
    """The `source` block: the original text, its hash and every warning, by position."""
    warnings = [*ctx.document.warnings, *ctx.norm.warnings, *(extra_warnings or [])]
    warnings.sort(key=lambda w: (w.span.start if w.span else -1, w.code))
    original = ctx.original
    return Source(
        sha256=text_sha256(original),
        chars=len(original),
        filename=ctx.document.filename,
        encoding=ctx.document.encoding,
        text=original,
        warnings=warnings,
    )


def _is_blank(char: str) -> bool:
    """White space, or a character normalization drops (zero-width, control)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def _top_level_bounds(ctx: ReportContext, tops: list[SectionNode]) -> list[tuple[int, int]]:
    """Original ranges of the top-level sections: in order, without overlap, and,
    together with the removed boilerplate, covering the whole text.

    Each section runs from its first kept character to its last one; blanks on
    either side go to the neighbouring section, so only removals sit between.
    """
    original = ctx.original
    clean = ctx.norm.clean
    removals = sorted((r.start, r.end) for r in ctx.norm.removals)
    raw = [clean.to_original(n.start, n.end) for n in tops if n.end > n.start]
    bounds: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(raw):
        lower = bounds[-1][1] if bounds else 0
        lower = max([lower, *(e for s, e in removals if e <= start)])
        while start > lower and _is_blank(original[start - 1]):
            start -= 1
        upper = raw[i + 1][0] if i + 1 < len(raw) else len(original)
        upper = min([upper, *(s for s, e in removals if s >= end)])
        while end < upper and _is_blank(original[end]):
            end += 1
        bounds.append((start, end))
    return bounds


def build_sections(
    ctx: ReportContext,
    summaries: Mapping[str, list[Claim]] | None = None,
    keywords: Mapping[str, list[str]] | None = None,
) -> list[Section]:
    """The section tree as contract `Section`s, spans into the original.

    `summaries` and `keywords` by section id, when the engine has them already:
    given here, not assigned afterwards (pydantic's `__setattr__` is slow).
    """
    return _SECTIONS.validate_python(section_fields(ctx, summaries, keywords))


# Sections validated as one list: pydantic builds them, and their spans, without a Python call each.
_SECTIONS: TypeAdapter[list[Section]] = TypeAdapter(list[Section])


def section_fields(
    ctx: ReportContext,
    summaries: Mapping[str, Sequence[Claim | Mapping[str, Any]]] | None = None,
    keywords: Mapping[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The fields of `build_sections`' sections, to validate with the rest of a summary.

    A summary claim is a `Claim` or its fields.
    """
    tops = [n for n in ctx.nodes if n.level == 1 and n.end > n.start]
    top_bounds = dict(zip((n.id for n in tops), _top_level_bounds(ctx, tops), strict=True))
    clean, original = ctx.norm.clean, ctx.original
    sections: list[dict[str, Any]] = []
    for node in ctx.nodes:
        bounds = top_bounds.get(node.id)
        start, end = bounds if bounds is not None else clean.to_original(node.start, node.end)
        sections.append(
            {
                "id": node.id,
                "parent_id": node.parent_id,
                "level": node.level,
                "title": node.title,
                "kind": node.kind,
                "span": {"start": start, "end": end, "quote": original[start:end]},
                "summary": summaries.get(node.id, []) if summaries else [],
                "keywords": keywords.get(node.id, []) if keywords else [],
            }
        )
    return sections
