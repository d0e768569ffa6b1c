"""The heading tree of a report and its problem paragraphs.

`split_sections` reads the clean text and returns the section tree, flattened in
document order, in clean coordinates.  Levels follow the reports' own
numbering: 1 = 一、, 2 = (一)/（一）, 3 = 一是/1./1、, 4 = (1)/①.  Reports are
messy (headings inline in one long line, numbering that restarts, list items
that look like headings), so a marker becomes a heading only where it stands
(a paragraph or sentence start, or right after a heading) and where it
continues a numbering run:

* the top-level run is 一、二、三… in order; an 一、 inside a top section
  (“二、2024年工作计划 … 一、聚焦发展质效…”) restarts the numbering, so it and
  its followers are level 2.  When the next number fits both runs, a title that
  names a part of a report (工作回顾, 工作安排, 政府自身建设…) makes it top level;
* items (一是, 1、, (1), ①) start a run at a paragraph or sentence start, and
  continue it at sentence or clause starts (inline "…。二是…" runs);
* a top section without (一) headings may have unnumbered parallel paragraphs
  ("——五年来，…", or three "一年来，我们…" paragraphs in a row): they are its
  level-2 sections, titled by their first sentence;
* a paragraph that addresses the delegates ("各位代表，…") closes the open
  level-2 section: such transitions belong to the top section itself.

Around the headings: the text before the first top heading is a "preamble"
section; the last paragraph is a top-level "closing" section when it clearly
stands apart — a paragraph of its own, addressed to the delegates and rallying
them ("让我们…", "…而奋斗"), with no heading after it.  A report without any
heading falls back to paragraphs.  Top-level sections are in order, do not
overlap and cover the text from its first non-blank character to its end.
Ids are dotted paths that follow the report's numbering: the preamble is "0",
一、 is "1", its (二) is "1.2".

Kinds come from the titles (see `headings.classify_title`) and the position.
A problems paragraph inside the review ("在肯定成绩的同时…还存在…") is not a
section of its own (the report has no heading for it); `find_problem_paragraphs`
returns such paragraphs for the engines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from ..schema import SectionKind
from .heading_tree import ADDRESS, LINE, Draft, find_leads, parse_headings
from .headings import classify_title, find_markers, skip_blanks

if TYPE_CHECKING:
    from ..text.normalize import Normalized

__all__ = ["SectionNode", "find_problem_paragraphs", "sections_of_text", "split_sections"]


@dataclass(frozen=True)
class SectionNode:
    """One section in clean coordinates: `start:end` is the whole section, heading and children included."""

    id: str
    parent_id: str | None
    level: int
    title: str
    kind: SectionKind
    start: int
    end: int
    heading_start: int
    heading_end: int


_RALLY = re.compile(
    r"让我们|而(?:努力|团结|不懈|共同)?奋斗|努力奋斗|团结奋斗|奋勇前进|再创新辉煌|谱写.{0,12}篇章"
)
_NON_BLANK = re.compile(r"\S")
_FIRST_CLAUSE = re.compile(r"[,，。！？!?；;：:]")
_REPORT_TITLE = re.compile(r"工作报告|的报告")
_BODY_PUNCTUATION = re.compile(r"[。！？!?:：]")  # a title line has none: the body has begun
_CLAUSE_PUNCTUATION = re.compile(r"[。！？!?:：,，;；]")  # "现在,我…向大会报告工作" is no title
SHORT_PARAGRAPH = 60  # fallback: lines this short without a full stop (titles, dates) join the next


def split_sections(norm: Normalized) -> list[SectionNode]:
    """The section tree of a report, flattened in document order (clean coordinates)."""
    return sections_of_text(norm.clean.text)


def sections_of_text(text: str) -> list[SectionNode]:
    """`split_sections` on a plain string (the clean text)."""
    found = _NON_BLANK.search(text)
    if found is None:
        return []
    first = found.start()
    markers = find_markers(text)
    tops = parse_headings(text, markers, [])
    leads = [
        lead for top in tops if top.marker == "top" and not top.children for lead in find_leads(text, top)
    ]
    if leads:
        tops = parse_headings(text, markers, leads)
    if not tops:
        tops = _paragraph_sections(text, first)
    else:
        if tops[0].start > first:
            tops.insert(0, _preamble(text, first, tops[0].start))
    closing = _split_closing(text, tops)
    if closing is not None:
        tops.append(closing)
    return _finish(text, tops)


# -- preamble, closing, fallback --------------------------------------------------------------


def _preamble(text: str, start: int, end: int) -> Draft:
    """The text before the first heading, titled by the report's title line (one naming a 报告), else "开篇"."""
    for m in LINE.finditer(text, start, end):
        compact = re.sub(r"\s+", "", m.group())
        found = _REPORT_TITLE.search(compact, 0, 40)
        if found and not _CLAUSE_PUNCTUATION.search(compact, 0, found.start()):
            whole_line = len(compact) <= 40 and not _BODY_PUNCTUATION.search(compact)
            title = compact if whole_line else compact[: found.end()]
            line_start = skip_blanks(text, m.start(), newlines=False)
            cut = text.find("报告", line_start, m.end())
            heading_end = cut + 2 if not whole_line and cut >= 0 else m.end()
            return Draft(0.0, 1, "preamble", start, heading_end, title, end=end, heading_start=line_start)
    return Draft(0.0, 1, "preamble", start, start, "开篇", end=end)


def _split_closing(text: str, tops: list[Draft]) -> Draft | None:
    """Split the closing paragraph off the last section when it clearly stands apart (see module doc)."""
    last = tops[-1]
    if last.marker == "preamble":
        return None
    lines = [m for m in LINE.finditer(text, last.heading_end) if m.group().strip()]
    for line in reversed(lines[-3:]):
        start = skip_blanks(text, line.start(), newlines=False)
        if not ADDRESS.match(text, start) or not _RALLY.search(line.group()):
            continue
        if not text[last.heading_end : start].strip():
            return None  # the section would keep nothing but its heading
        if any(d.start >= start for d in _descendants(last)):
            return None
        last.end = start
        for d in _descendants(last):
            d.end = min(d.end, start)
        return Draft(0.0, 1, "closing", start, start, "结束语")
    return None


def _paragraph_sections(text: str, first: int) -> list[Draft]:
    """No headings at all: each paragraph is a section (short title-like lines join the next)."""
    drafts: list[Draft] = []
    pending: int | None = None
    for m in LINE.finditer(text, first):
        line = m.group().strip()
        if not line:
            continue
        start = skip_blanks(text, m.start(), newlines=False)
        if pending is None:
            pending = start
        if len(line) < SHORT_PARAGRAPH and not any(ch in line for ch in "。！？!?"):
            continue
        drafts.append(Draft(0.0, 1, "paragraph", pending, pending, _first_clause(text, start, m.end())))
        pending = None
    if pending is not None:
        drafts.append(Draft(0.0, 1, "paragraph", pending, pending, _first_clause(text, pending, len(text))))
    for a, b in pairwise(drafts):
        a.end = b.start
    last = drafts[-1]
    last.end = len(text)
    if len(drafts) > 1 and ADDRESS.match(text, last.start) and _RALLY.search(text, last.start):
        last.marker, last.title = "closing", "结束语"
    return drafts


def _first_clause(text: str, start: int, end: int) -> str:
    stop = _FIRST_CLAUSE.search(text, start, min(end, start + 30))
    return text[start : stop.start() if stop else min(end, start + 30)].strip()


def _descendants(draft: Draft) -> list[Draft]:
    out: list[Draft] = []
    for child in draft.children:
        out.append(child)
        out.extend(_descendants(child))
    return out


def _finish(text: str, tops: list[Draft]) -> list[SectionNode]:
    """Ids, kinds and trimmed ends; flattened in document order."""
    nodes: list[SectionNode] = []
    for a, b in pairwise(tops):
        a.end = b.start
    tops[-1].end = len(text)
    number = 0 if tops[0].marker == "preamble" else 1
    after_review = False
    for top in tops:
        if top.marker == "preamble":
            kind: SectionKind = "preamble"
        elif top.marker == "closing":
            kind = "closing"
        elif top.marker == "paragraph":
            kind = "other"
        else:
            kind = classify_title(top.title, level=1, parent_kind=None, after_review=after_review)
        after_review = after_review or kind == "review"
        _emit(text, top, str(number), None, kind, nodes)
        number += 1
    return nodes


def _emit(
    text: str, draft: Draft, node_id: str, parent_id: str | None, kind: SectionKind, out: list[SectionNode]
) -> None:
    end = draft.end
    if parent_id is not None:
        while end > draft.heading_end and text[end - 1].isspace():
            end -= 1
    out.append(
        SectionNode(
            id=node_id,
            parent_id=parent_id,
            level=draft.level,
            title=draft.title,
            kind=kind,
            start=draft.start,
            end=max(end, draft.heading_end),
            heading_start=draft.heading_start if draft.heading_start >= 0 else draft.start,
            heading_end=draft.heading_end,
        )
    )
    for i, child in enumerate(draft.children, 1):
        child_kind = classify_title(child.title, level=child.level, parent_kind=kind, after_review=False)
        _emit(text, child, f"{node_id}.{i}", node_id, child_kind, out)


# -- problems admitted outside a problems section ---------------------------------------------

# The lookahead (the first characters of the cues) lets the scan skip other characters quickly.
_PROBLEM_CUE = re.compile(
    r"(?=[在成安清也还仍依])"
    r"(?:在(?:充分)?(?:肯定|看到|总结)[^。，,！!]{0,6}(?:成绩|成就|成效)的同时|成绩固然可喜|安而不忘危"
    r"|清醒地?(?:看到|认识到)|也要看到|(?:还|仍|仍然|依然)(?:存在|面临)着?(?:一些|不少|诸多|许多)?(?:困难|问题|不足|短板|挑战))"
)
_NOT_PROBLEM_KINDS = ("plan", "targets", "government", "closing", "problems")


def find_problem_paragraphs(norm: Normalized, nodes: list[SectionNode]) -> list[tuple[int, int]]:
    """Clean ranges where the report admits problems outside a problems section.

    From the sentence with the cue ("在肯定成绩的同时", "成绩固然可喜", "安而不忘危",
    "还存在…问题") to the end of its paragraph (or the next heading).  Sections of
    kind problems are not repeated here; plan, government and closing text is
    not searched (a plan "to solve problems" admits none).
    """
    text = norm.clean.text
    heading_starts = sorted(n.heading_start for n in nodes)
    ranges: list[tuple[int, int]] = []
    for m in _PROBLEM_CUE.finditer(text):
        if ranges and ranges[-1][0] <= m.start() < ranges[-1][1]:
            continue  # the same paragraph
        around = [n for n in nodes if n.start <= m.start() < n.end]
        if not around or any(n.kind in _NOT_PROBLEM_KINDS for n in around):
            continue
        floor = max(n.heading_end for n in around)
        if m.start() < floor:
            continue  # a heading, not a paragraph
        start = _sentence_start(text, m.start(), floor)
        line_end = text.find("\n", m.end())
        end = min(
            line_end if line_end >= 0 else len(text),
            min(n.end for n in around),
            next((h for h in heading_starts if h > m.start()), len(text)),
        )
        while end > start and text[end - 1].isspace():
            end -= 1
        ranges.append((start, end))
    return ranges


def _sentence_start(text: str, pos: int, floor: int) -> int:
    p = pos
    while p > floor and text[p - 1] not in "。！？!?\n":
        p -= 1
    return skip_blanks(text, p)
