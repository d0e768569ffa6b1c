"""Heading markers of government work reports: where they are, where their titles end, what they mean.

`heading_tree.py` builds the heading tree; this module supplies the pieces it reads:

* `find_markers` finds every *candidate* numbering marker in the clean text —
  ``一、``/``一.`` (top), ``(一)``/``（一）`` (paren), ``一是``/``一要`` (item),
  ``1.``/``1、`` (arabic), ``(1)`` and ``①``.  Most candidates are not headings
  ("去年二、三、四季度"); the tree builder accepts one only where it stands
  (paragraph start or sentence start) and where it continues a numbering run.
* `heading_extent` finds where an inline heading's title ends.  Reports copied
  from PDFs run headings into the body on one line::

      …提出宝贵意见。一、2023年工作回顾2023年是全面贯彻…(一)社会发展稳健有力一是经济…
                     ^^^^^^^^^^^^^^^ title: the year "2023年是" restarts the body
                                                      ^^^^^^^^^^ title: "一是" starts an item

  A title ends at the first of: the line end, a sentence or clause stop
  (。！？；：), the next first-of-a-run marker (一是, (一), 1、…), a year that
  restarts the body ("2024年是", "今年,", "刚刚过去的一年"), or an address
  ("各位代表"); for a part's title (一、) also right after a title word followed
  by body text ("2022年工作回顾过去一年是…").  A title that runs on with none of
  these is cut at a clause near a typical title length.
* `classify_title` maps a title to a section kind from cue words (工作回顾 ->
  review, 工作安排 -> plan, 主要问题和不足 -> problems, …).

Everything here is a general rule over cue words and shapes, never a particular report.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, cast

import cn2an

from ..schema import SectionKind

MarkerType = Literal["top", "paren", "item", "arabic", "parar", "circled"]

# Nesting rank of each marker type: a marker nests under open sections of a
# lower rank.  A top marker whose numbering restarted under a top section
# ("二、…工作计划 … 一、聚焦…") gets TOP_RESTART_RANK, between top and paren.
MARKER_RANK: dict[MarkerType, float] = {
    "top": 0.0,
    "paren": 1.0,
    "item": 2.0,
    "arabic": 3.0,
    "parar": 4.0,
    "circled": 5.0,
}
TOP_RESTART_RANK = 0.5
LEAD_RANK = 1.0  # unnumbered parallel lead paragraphs stand where (一) would

_CN_NUM = "一二三四五六七八九十"
# The lookahead lets the scan skip ordinary characters quickly.
_MARKER = re.compile(
    rf"(?=[{_CN_NUM}(（\d①-⑳])(?:"
    rf"(?P<top>[{_CN_NUM}]{{1,3}})[、.．](?![{_CN_NUM}]{{1,3}}、)"  # not "一、二、三季度"
    rf"|[(（](?P<paren>[{_CN_NUM}]{{1,3}})[)）]"
    rf"|(?P<item>[{_CN_NUM}]{{1,3}})(?:是要|是|要)"
    r"|(?<![\d.．])(?P<arabic>\d{1,2})(?:、(?!\d{1,2}(?:月|日|号|季度))|[.．](?!\d))"  # not "1.35公里", "1、2月"
    r"|[(（](?P<parar>\d{1,2})[)）]"
    r"|(?P<circled>[①-⑳]))"
)

SENTENCE_STOPS = "。！？!?"
CLAUSE_STOPS = "；;"
CLOSERS = "”’」』)）】》\"'"
_BLANKS = " \t\u3000\r"

_TITLE_STOP = re.compile(r"[。！？!?；;：:]")
# A year (or 今年/去年) that starts a sentence right after a title: the body has begun.
# The lookahead (every first character of the alternatives) lets the scan skip other characters quickly.
_BODY_RESTART = re.compile(
    r"(?=[\d今去明本各同刚过一五])"
    r"(?:(?:\d{4}|\d{2}[xX]{2}|[今去明本])年(?:是|以来|来|,|，)|各位代表|同志们|刚刚过去的|过去的一年|[一五]年来)"
)
# Words a part's title ends with.  Right after one, a body character (not a connector
# such as 和/及 or a title word such as 任务) means the title ran into the body:
# "一、2022年工作回顾过去一年是极具挑战…" -> "2022年工作回顾".
_TITLE_END_CUE = re.compile(
    r"(?:工作回顾|工作安排|工作计划|工作打算|主要工作|重点工作|工作开展情况|目标任务|主要任务|问题和不足)"
    r"(?=[^\s\d,，。；;：:！!？?、和及与暨的任目情要(（)）“”\"])"
)
_COMMA = re.compile(r"[,，]")
MAX_TITLE_SCAN = 80  # how far an unterminated title may run before we cut it
TYPICAL_TITLE = 30  # where a run-on title is cut (at a clause if possible)


@dataclass(frozen=True)
class Marker:
    """A candidate numbering marker: `text[start:end]` is e.g. "(一)", "一是", "2、"."""

    start: int
    end: int
    type: MarkerType
    value: int

    @property
    def rank(self) -> float:
        return MARKER_RANK[self.type]


@lru_cache(maxsize=256)
def chinese_number(numerals: str) -> int:
    """Value of a heading's Chinese numeral: "三" -> 3, "十二" -> 12, "二十一" -> 21; 0 if not a number ("一二")."""
    try:
        return int(cn2an.cn2an(numerals, "strict"))
    except ValueError:
        return 0


def find_markers(text: str) -> list[Marker]:
    """Every candidate marker in `text`, in order (most of them are not headings)."""
    out: list[Marker] = []
    for m in _MARKER.finditer(text):
        kind = m.lastgroup
        raw = m.group(kind) if kind else None
        if kind is None or raw is None:
            continue
        if kind == "circled":
            value = ord(raw) - ord("①") + 1
        elif kind in ("arabic", "parar"):
            value = int(raw)
        else:
            value = chinese_number(raw)
        if value > 0:
            out.append(Marker(m.start(), m.end(), cast(MarkerType, kind), value))
    return out


def previous_char(text: str, pos: int) -> str:
    """The character before `pos`, skipping spaces (not line breaks); "\\n" at the text start."""
    p = pos - 1
    while p >= 0 and text[p] in _BLANKS:
        p -= 1
    return text[p] if p >= 0 else "\n"


def ends_sentence(text: str, pos: int) -> bool:
    """Whether a sentence ends right before `pos` (。！？, possibly inside closing quotes)."""
    p = pos - 1
    while p >= 0 and text[p] in _BLANKS:
        p -= 1
    while p >= 0 and text[p] in CLOSERS:
        p -= 1
    return p >= 0 and text[p] in SENTENCE_STOPS


def previous_line_complete(text: str, line_start: int) -> bool:
    """Whether the line before `line_start` ends a sentence, a clause or a heading-like short line.

    A page marker such as "2、" at a line start cuts a sentence in half: the line
    before it then ends mid-sentence ("…非税收\\n2、入XX万元").
    """
    p = line_start - 1
    while p >= 0 and text[p] in _BLANKS + "\n":
        p -= 1
    if p < 0:
        return True
    return text[p] in SENTENCE_STOPS + CLAUSE_STOPS + CLOSERS + "：:"


def skip_blanks(text: str, pos: int, *, newlines: bool = True) -> int:
    """The first position at or after `pos` that is not a blank (or a line break)."""
    blanks = _BLANKS + ("\n" if newlines else "")
    n = len(text)
    while pos < n and text[pos] in blanks:
        pos += 1
    return pos


@dataclass(frozen=True)
class HeadingExtent:
    """Where a heading's title stands (`title_start:title_end`) and where its heading ends."""

    title_start: int
    title_end: int
    heading_end: int


def heading_extent(text: str, marker_end: int, run_starts: list[int], *, part: bool = False) -> HeadingExtent:
    """The title after a marker ending at `marker_end`.

    `run_starts` are the sorted positions of markers that may open a new run
    (their value is 1): a title runs into one of them ("…稳健有力一是经济…").
    Example: after "(一)" in "(一)社会发展稳健有力一是经济发展稳中向好。" the
    title is "社会发展稳健有力" and the heading ends before "一是".  For the title
    of a part of the report (`part`, an 一、 heading) a title-ending word followed
    by body text also ends it: "2022年工作回顾过去一年是…" -> "2022年工作回顾".
    """
    start = skip_blanks(text, marker_end, newlines=False)
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    window_end = min(line_end, start + MAX_TITLE_SCAN)
    ends: list[tuple[int, int]] = []  # (title end, heading end)
    stop = _TITLE_STOP.search(text, start, window_end)
    if stop:
        ends.append((stop.start(), stop.end()))
    i = bisect_left(run_starts, start + 2)
    if i < len(run_starts) and run_starts[i] < window_end:
        ends.append((run_starts[i], run_starts[i]))
    restart = _BODY_RESTART.search(text, start + 2, window_end)
    if restart:
        ends.append((restart.start(), restart.start()))
    cue = _TITLE_END_CUE.search(text, start, window_end) if part else None
    if cue and (not ends or cue.end() < min(ends)[0]):
        ends.append((cue.end(), cue.end()))
    if ends:
        title_end, heading_end = min(ends)
    elif window_end == line_end:
        title_end = heading_end = line_end
    else:
        # A title that runs on without any signal: cut it at a clause near a typical length.
        comma = _COMMA.search(text, start + 6, start + TYPICAL_TITLE + 10)
        title_end = heading_end = comma.start() if comma else start + TYPICAL_TITLE
    while title_end > start and text[title_end - 1] in _BLANKS:
        title_end -= 1
    while heading_end > title_end and text[heading_end - 1] in _BLANKS:
        heading_end -= 1
    return HeadingExtent(start, title_end, max(heading_end, title_end))


# -- kinds ----------------------------------------------------------------------------------

_PROBLEMS = re.compile(
    r"(?:主要|存在的?|面临的?)(?:困难|问题|不足)|问题(?:和|与|及)(?:不足|挑战|困难)"
    r"|不足(?:和|与|之处)|困难和挑战|^(?:问题|不足)$"
)
_GOVERNMENT_TOP = re.compile(r"政府自身建设|自身建设|政府建设")
_GOVERNMENT_CHILD = re.compile(r"政府自身建设|加强政府建设")
_PLAN = re.compile(
    r"工作安排|工作计划|工作打算|工作思路|工作部署|工作的?建议|目标任务|主要任务|重点任务|今后|下一步|展望|未来五年"
)
_TARGETS = re.compile(r"预期目标|主要目标|发展目标|目标要求")
_REVIEW = re.compile(
    r"工作回顾|回顾|过去[一二三四五]?年|工作开展情况|工作情况|工作总结|主要成绩|取得的成[绩效就]"
)
_SPACES = re.compile(r"\s+")
_AMBIGUOUS_WORK = re.compile(r"主要工作|重点工作|年工作$")


def classify_title(
    title: str, *, level: int, parent_kind: SectionKind | None, after_review: bool
) -> SectionKind:
    """The section kind that a title announces.

    Top-level titles without a cue are "other"; child titles without a strong
    cue take their parent's kind (a plan's "(二)主攻现代农业…" is plan).
    An ambiguous "主要工作" is plan once a review section came before, else review.
    """
    compact = _SPACES.sub("", title)
    if _PROBLEMS.search(compact):
        return "problems"
    government = _GOVERNMENT_TOP if level == 1 else _GOVERNMENT_CHILD
    if government.search(compact):
        return "government"
    if level == 1 or parent_kind in (None, "other"):
        if _PLAN.search(compact):
            return "plan"
        if _TARGETS.search(compact):
            return "targets"
        if _REVIEW.search(compact):
            return "review"
        if _AMBIGUOUS_WORK.search(compact):
            return "plan" if after_review else "review"
        return parent_kind or "other"
    if _TARGETS.search(compact) and parent_kind == "plan":
        return "targets"
    return parent_kind


def has_kind_cue(title: str) -> bool:
    """Whether a title names a top-level part of a report (回顾, 安排, 问题, 政府自身建设…)."""
    return classify_title(title, level=1, parent_kind=None, after_review=False) != "other"
