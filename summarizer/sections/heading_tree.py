"""The numbered heading tree: which markers are headings, and how they nest.

One left-to-right pass over the candidate markers of `headings.find_markers`
(and a few events) keeps a stack of open sections.  A marker nests under the
open sections of a lower rank (一、 < restarted 一、 < (一) < 一是 < 1、 < (1) < ①)
and is accepted only where it stands and where it continues a numbering run;
the rules are described in `split.py`.  `find_leads` finds unnumbered
parallel lead paragraphs ("——五年来，…", "一年来，我们…") for a second pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .headings import (
    CLAUSE_STOPS,
    LEAD_RANK,
    TOP_RESTART_RANK,
    Marker,
    ends_sentence,
    has_kind_cue,
    heading_extent,
    previous_char,
    previous_line_complete,
    skip_blanks,
)

ADDRESS = re.compile(r"各位代表|同志们")
LINE = re.compile(r"[^\n]+")
_LEAD_KEY = re.compile(r"([^,，。！？!?；;：:\n]{2,8})[,，]")
_SENTENCE_END = re.compile(r"[。！？!?]")
MIN_LEAD_RUN = 3  # unnumbered parallel paragraphs: how many in a row make level-2 sections
MIN_DASH_RUN = 2  # "——…" lead paragraphs are marked, so two suffice
MAX_LEAD_TITLE = 40


@dataclass(eq=False)
class Draft:
    """A section while the tree is being built."""

    rank: float
    level: int
    marker: str  # a MarkerType, or "lead", "preamble", "closing", "paragraph"
    start: int
    heading_end: int
    title: str
    parent: Draft | None = None
    end: int = -1
    heading_start: int = -1  # where the heading stands when it does not open the section (preamble)
    children: list[Draft] = field(default_factory=list)
    next_value: dict[str, int] = field(default_factory=dict)  # expected next number per child marker type


@dataclass(frozen=True)
class Lead:
    start: int
    heading_end: int
    title: str
    run_end: int  # set on the last lead of a run: where its paragraph ends (else -1)


class _Builder:
    """One left-to-right pass over markers and events, keeping a stack of open sections."""

    def __init__(self, text: str, markers: list[Marker]) -> None:
        self.text = text
        self.markers = markers
        self.run_starts = [m.start for m in markers if m.value == 1]
        self.tops: list[Draft] = []
        self.stack: list[Draft] = []
        self.next_top = 1
        self.has_top = any(m.type == "top" and m.value == 1 and self.stands_alone(m.start) for m in markers)
        self.last_heading_end = -1

    def stands_alone(self, pos: int) -> bool:
        return previous_char(self.text, pos) == "\n" or ends_sentence(self.text, pos)

    def _adjacent(self, pos: int) -> bool:
        """Right after the previous heading (only blanks or line breaks between)."""
        return self.last_heading_end >= 0 and skip_blanks(self.text, self.last_heading_end) == pos

    def close_to(self, rank: float, pos: int) -> None:
        """Close every open section of `rank` or more at `pos`."""
        while self.stack and self.stack[-1].rank >= rank:
            self.stack.pop().end = pos

    def open(self, draft: Draft) -> None:
        if draft.parent is None:
            if self.tops:
                self.tops[-1].end = draft.start
            self.tops.append(draft)
        else:
            draft.parent.children.append(draft)
        self.stack.append(draft)
        self.last_heading_end = draft.heading_end

    def parent_below(self, rank: float) -> Draft | None:
        for draft in reversed(self.stack):
            if draft.rank < rank:
                return draft
        return None

    def address(self, pos: int) -> None:
        """A paragraph addressed to the delegates closes the open level-2 (and deeper) sections."""
        self.close_to(TOP_RESTART_RANK, pos)

    def lead(self, lead: Lead) -> None:
        if not self.stack:
            return
        self.close_to(TOP_RESTART_RANK, lead.start)
        parent = self.stack[0]
        self.open(Draft(LEAD_RANK, 2, "lead", lead.start, lead.heading_end, lead.title, parent))

    def marker(self, index: int) -> None:
        m = self.markers[index]
        if m.start < self.last_heading_end:
            return  # inside the previous heading's title
        if m.type == "top":
            self._top(m)
        elif m.type == "paren":
            self._paren(m)
        else:
            self._item(index, m)

    def _title(self, m: Marker) -> tuple[str, int]:
        after = skip_blanks(self.text, m.end, newlines=False)
        if after < len(self.text) and self.text[after] == "\n":
            after += 1  # a marker alone on its line (text copied from a PDF): the title is on the next
        ext = heading_extent(self.text, after, self.run_starts, part=m.type == "top")
        return self.text[ext.title_start : ext.title_end], ext.heading_end

    def _top(self, m: Marker) -> None:
        if not (self.stands_alone(m.start) or self._adjacent(m.start)):
            return
        current = self.tops[-1] if self.tops and self.tops[-1].marker == "top" else None
        fits_top = m.value == self.next_top
        fits_child = current is not None and m.value == current.next_value.get("top", 1) and not fits_top
        if current is not None and fits_top and m.value == current.next_value.get("top", 0):
            fits_child = True  # both runs expect this number: decided by the title below
        if not (fits_top or fits_child):
            return
        title, heading_end = self._title(m)
        if not title:
            return
        if fits_top and fits_child:
            fits_top = has_kind_cue(title)
        if fits_top:
            self.close_to(0.0, m.start)
            self.open(Draft(0.0, 1, "top", m.start, heading_end, title))
            self.next_top = m.value + 1
        elif current is not None:
            self.close_to(TOP_RESTART_RANK, m.start)
            self.open(Draft(TOP_RESTART_RANK, 2, "top", m.start, heading_end, title, current))
            current.next_value["top"] = m.value + 1

    def _paren(self, m: Marker) -> None:
        if not (self.stands_alone(m.start) or self._adjacent(m.start)):
            return
        parent = self.parent_below(m.rank)
        if parent is None and self.has_top:
            return  # a (一) before the first 一、 is not a heading of this report
        counters = parent.next_value if parent is not None else {"paren": self.next_top}
        level = parent.level + 1 if parent is not None else 1
        if m.value != counters.get("paren", 1) or level > 4:
            return
        title, heading_end = self._title(m)
        if not title:
            return
        self.close_to(m.rank, m.start)
        self.open(Draft(m.rank, level, "paren", m.start, heading_end, title, parent))
        if parent is None:
            self.next_top = m.value + 1
        else:
            parent.next_value["paren"] = m.value + 1

    def _item(self, index: int, m: Marker) -> None:
        parent = self.parent_below(m.rank)
        if parent is None or parent.level >= 4 or m.value != parent.next_value.get(m.type, 1):
            return
        prev = previous_char(self.text, m.start)
        line_start = prev == "\n" and (
            m.type != "arabic" or self._adjacent(m.start) or previous_line_complete(self.text, m.start)
        )
        if parent.level == 1:
            # Straight under a top section, items are its level-2 sections only as a run of
            # paragraphs: each at a line start, and the next one following at a line start too.
            first_ok = line_start and (m.value > 1 or self._run_continues_on_lines(index, m))
            if not first_ok:
                return
        elif m.value == 1:
            # A run starts a paragraph, follows a heading, or starts a sentence or a list ("以下工作:一是…").
            if not (
                line_start or self._adjacent(m.start) or ends_sentence(self.text, m.start) or prev in "：:"
            ):
                return
        elif not (
            line_start
            or ends_sentence(self.text, m.start)
            or prev in CLAUSE_STOPS
            or (m.type == "item" and prev in ",，")
        ):
            return
        title, heading_end = self._title(m)
        if not title:
            return
        self.close_to(m.rank, m.start)
        self.open(Draft(m.rank, parent.level + 1, m.type, m.start, heading_end, title, parent))
        parent.next_value[m.type] = m.value + 1

    def _run_continues_on_lines(self, index: int, first: Marker) -> bool:
        """Whether the marker numbered 2 of `first`'s type follows at a line start, before the next 一、."""
        for m in self.markers[index + 1 :]:
            if m.type == "top" and previous_char(self.text, m.start) == "\n":
                return False
            if m.type == first.type and m.value == 2:
                return previous_char(self.text, m.start) == "\n"
        return False

    def finish(self) -> list[Draft]:
        self.close_to(-1.0, len(self.text))
        return self.tops


def parse_headings(text: str, markers: list[Marker], leads: list[Lead]) -> list[Draft]:
    """The top-level drafts (children attached) of one pass over `markers`, with `leads` as level-2 headings."""
    builder = _Builder(text, markers)
    # Events at one position: closings first, then leads, then markers.
    events: list[tuple[int, int, int]] = []
    for m in ADDRESS.finditer(text):
        if builder.stands_alone(m.start()):
            events.append((m.start(), 0, -1))
    for i, lead in enumerate(leads):
        events.append((lead.start, 1, i))
        if lead.run_end >= 0:
            events.append((lead.run_end, 0, -1))
    events.extend((m.start, 2, i) for i, m in enumerate(markers))
    events.sort()
    for pos, order, index in events:
        if order == 0:
            builder.address(pos)
        elif order == 1:
            builder.lead(leads[index])
        else:
            builder.marker(index)
    return builder.finish()


# -- unnumbered parallel paragraphs -----------------------------------------------------------


def _lead_key(text: str, start: int) -> str | None:
    if text.startswith("——", start):
        return "——"
    m = _LEAD_KEY.match(text, start)
    if not m or ADDRESS.match(m.group(1)):
        return None
    return m.group(1)


def find_leads(text: str, top: Draft) -> list[Lead]:
    """The longest run of parallel lead paragraphs in a top section without (一) headings."""
    lines = [(m.start(), m.end()) for m in LINE.finditer(text, top.heading_end, top.end) if m.group().strip()]
    paragraphs = [(skip_blanks(text, s, newlines=False), e) for s, e in lines]
    best: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    run_key: str | None = None
    for start, end in [*paragraphs, (-1, -1)]:
        key = _lead_key(text, start) if start >= 0 else None
        if key is not None and key == run_key:
            run.append((start, end))
            continue
        needed = MIN_DASH_RUN if run_key == "——" else MIN_LEAD_RUN
        if run_key is not None and len(run) >= needed and len(run) > len(best):
            best = run
        run, run_key = [(start, end)], key
    leads = []
    for i, (start, end) in enumerate(best):
        title_start = start + 2 if text.startswith("——", start) else start
        stop = _SENTENCE_END.search(text, title_start, end)
        heading_end = stop.end() if stop else end
        title_end = stop.start() if stop else end
        if title_end - title_start > MAX_LEAD_TITLE:
            title_end = title_start + MAX_LEAD_TITLE
        run_end = end if i == len(best) - 1 else -1
        leads.append(Lead(start, heading_end, text[title_start:title_end].strip(), run_end))
    return leads
