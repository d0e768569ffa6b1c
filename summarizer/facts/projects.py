"""Named projects of a report, with their investment and status.

Reports name their projects by what they build ("青石废旧锂电池循环回收利用项目",
"青溪水库", "清河卫生院") and say around the name how much goes in and how far
it got::

    "成功引进总投资11亿元的青石废旧锂电池循环回收利用项目,该项目正在实施…"
      -> name 青石废旧锂电池循环回收利用项目, investment 11亿元, status 在建

A name is the run of text that ends in a project word (项目, 工程, 水库, 园区,
卫生院…), cut back to what follows the last 的/等/为 and stripped of leading
verbs (建成, 成功引进…).  Generic mentions ("该项目", "…等项目45个",
"省重点建设项目") are not projects.  A name becomes a project only when the
report states an investment or a status for it.  The status is the first cue
within 30 characters after the name in its sentence (and before the next
project of another clause), else a completion cue before it in its clause
("建成总投资…的青溪水库"); "推进XX项目建设" alone is an aim, not a status.
"完成" counts only where the project is done ("顺利完成,"), not a step of it
("已完成征地开工").  Investments are figures right
after 投资/投入; a masked one (XX万元) keeps value None.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..schema import Project, Quantity
from ..text.offsets import CleanText
from .numbers import Figure

_PROJECT_WORDS = "项目|工程|水库|产业园|工业园|园区|聚集区|卫生院|医院|学校|小学|中学|幼儿园|码头|大桥|水厂|污水处理厂|电站"
_NAME_CHARS = r"[^\s,，。；;：:！？!?“”\"《》]"
_CANDIDATE = re.compile(rf"{_NAME_CHARS}{{2,40}}(?:{_PROJECT_WORDS})")
_PROJECT_WORD = re.compile(_PROJECT_WORDS)
# Every place a project word starts, overlapping ones too ("工业园区": 工业园 and 园区).
_PROJECT_WORD_AHEAD = re.compile(f"(?=({_PROJECT_WORDS}))")
_ENDS_WITH_PROJECT_WORD = re.compile(rf"(?:{_PROJECT_WORDS})$")
# Names joined by 和/及/与/、 each ending in a project word are separate projects.
_JOINERS = re.compile(r"[和及与、]")
# The name is what follows the last of these: "总投资11亿元的青石…项目", "长河大桥等项目".
_CUT_AFTER = re.compile(
    r".*(?:的|等|为|对|把|将|让|、|启动|协调|推动|推进|加快|实施|开展|完成了?|做好|抓好|申报|争取|围绕|依托|通过|作为|成为|成立|发挥|是)"
)
_LEADING_VERBS = re.compile(
    r"(?:(?:成功|积极|全力|加快|加速|强力|大力|持续|继续|重点|扎实|有序|稳步|全面|顺利|已|正在|目前|今年|去年|全年)?"
    r"(?:引进|引入|招引|建成|建设|新建|实施|推进|启动|完成|谋划|落地|签约|开工|打造|抓好|做好|争取|申报|包括|其中|建造)了?)+"
)
_GENERIC_START = (
    "该", "此", "这", "各", "其", "本", "上述", "相关", "重点", "重大", "优质", "省重点", "市重点", "县重点",
    "一批", "部分", "全部", "所有", "多个", "新", "好", "大型",
)  # fmt: skip
# A facility word followed by these is a place, not a project: "清河中心小学周边等地块".
_PLACE_AFTER = ("周边", "附近", "旁", "一带", "片区")
_PHASE = re.compile(r"[一二三四五六七八九十0-9]+期")
_CLAUSE_STOPS = "，,；;。！？!?：:\n"
_UP_TO_LAST_CLAUSE_STOP = re.compile(f".*[{re.escape(_CLAUSE_STOPS)}]", re.DOTALL)

# Status cues, longest first in the pattern; "完成" counts only where the sentence
# says it is done ("顺利完成,"), not where it completed a step ("已完成征地开工").
_STATUS_CUES: dict[str, str] = {
    "建成投产": "已投产",
    "投产": "已投产",
    "投入使用": "已投产",
    "投入运营": "已投产",
    "正式运营": "已投产",
    "完工": "已完工",
    "竣工": "已完工",
    "建成": "已完工",
    "建设完成": "已完工",
    "完成": "已完工",
    "即将": "在建",
    "在建": "在建",
    "正在": "在建",
    "开工": "在建",
    "动工": "在建",
    "施工": "在建",
    "推进": "在建",
    "开始建设": "在建",
    "调试": "在建",
    "在谈": "在谈",
    "正在洽谈": "在谈",
    "正在对接": "在谈",
    "洽谈": "在谈",
    "预计": "计划",
    "计划": "计划",
    "拟": "计划",
    "力争": "计划",
    "谋划": "计划",
    "立项": "计划",
    "储备": "计划",
}
_STATUS = re.compile("|".join(re.escape(cue) for cue in sorted(_STATUS_CUES, key=len, reverse=True)))
_DONE_BOUNDARY = frozenset(",，。；;！!\n")
_DONE = ("已完工", "已投产")
_STATUS_REACH = 30  # characters after a name where its status may be stated
_INVESTMENT_VERB = re.compile(r"(?:总投资|投资|总投入|投入)(?:额|金额)?(?:达到|达|约|为|共|近|超)?$")
_CURRENCY_UNITS = ("元", "万", "亿")


@dataclass(frozen=True)
class ProjectDraft:
    """A project before ids are given, in clean coordinates."""

    name: str
    name_start: int
    name_end: int
    investment: Figure | None
    status: str | None
    evidence_start: int
    evidence_end: int


def find_projects(
    text: str,
    figures: Sequence[Figure],
    sentences: Sequence[tuple[int, int]],
    default_status: Callable[[int], str | None],
) -> list[ProjectDraft]:
    """Projects named in `text` (clean), in document order, one per distinct name.

    `default_status(pos)` is the status to use when the text states none but the
    project sits in a plan section ("计划"), else None.
    """
    drafts: list[ProjectDraft] = []
    seen: dict[str, int] = {}
    figure_at = {f.end: f for f in figures if _is_currency(f)}
    starts = [f.start for f in figures]
    for sentence_start, sentence_end in sentences:
        names = _names_in(text, sentence_start, sentence_end)
        for index, (start, end) in enumerate(names):
            after_end = _status_window_end(text, names, index, sentence_end)
            draft = _draft(
                text, start, end, sentence_start, after_end, figures, starts, figure_at, default_status
            )
            if draft is None:
                continue
            if draft.name in seen:
                earlier = drafts[seen[draft.name]]
                if earlier.investment is None and draft.investment is not None:
                    drafts[seen[draft.name]] = draft
                continue
            seen[draft.name] = len(drafts)
            drafts.append(draft)
    return drafts


def to_projects(
    drafts: Sequence[ProjectDraft], clean: CleanText, section_of: Callable[[int], str | None]
) -> list[Project]:
    """Schema projects with ids p1, p2… in document order and evidence in the original text."""
    projects = []
    for number, draft in enumerate(sorted(drafts, key=lambda d: d.name_start), start=1):
        investment = None
        if draft.investment is not None:
            figure = draft.investment
            investment = Quantity(
                value=None if figure.unreadable else figure.value, unit=figure.unit, raw=figure.raw
            )
        projects.append(
            Project(
                id=f"p{number}",
                name=draft.name,
                investment=investment,
                status=draft.status,
                section_id=section_of(draft.name_start),
                evidence=clean.span(draft.evidence_start, draft.evidence_end),
            )
        )
    return projects


def _is_currency(figure: Figure) -> bool:
    return figure.kind == "amount" and figure.unit is not None and figure.unit.endswith(_CURRENCY_UNITS)


def _names_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clean ranges of the project names of one sentence, split at 和/及/与/、 between names."""
    names: list[tuple[int, int]] = []
    first = _PROJECT_WORD.search(text, start, end)
    if first is None:
        return names
    # A name is at most 40 characters before its project word: skip what lies before.
    start = max(start, first.start() - 42)
    # A name ends with a project word: nothing after the last one can match.
    end = max(word.end(1) for word in _PROJECT_WORD_AHEAD.finditer(text, first.start(), end))
    for match in _CANDIDATE.finditer(text, start, end):
        piece_start = match.start()
        cut = _CUT_AFTER.match(text, piece_start, match.end())
        if cut is not None:
            piece_start = cut.end()
        for joiner in _JOINERS.finditer(text, piece_start, match.end()):
            if _ENDS_WITH_PROJECT_WORD.search(text, piece_start, joiner.start()):
                names.append((piece_start, joiner.start()))
                piece_start = joiner.end()
        names.append((piece_start, match.end()))
    return names


def _status_window_end(text: str, names: list[tuple[int, int]], index: int, sentence_end: int) -> int:
    """Where the text about name `index` ends: the next name that starts a clause of its own."""
    for start, _ in names[index + 1 :]:
        between = text[names[index][1] : start]
        if any(stop in between for stop in _CLAUSE_STOPS):
            return start
    return sentence_end


def _draft(
    text: str,
    start: int,
    end: int,
    sentence_start: int,
    after_end: int,
    figures: Sequence[Figure],
    starts: list[int],
    figure_at: dict[int, Figure],
    default_status: Callable[[int], str | None],
) -> ProjectDraft | None:
    verbs = _LEADING_VERBS.match(text, start, end)
    if verbs is not None:
        start = verbs.end()
    name = text[start:end]
    core = _ENDS_WITH_PROJECT_WORD.sub("", name)
    if len(core) < 2 or name.startswith(_GENERIC_START) or any(c.isdigit() for c in core):
        return None
    if text.startswith(_PLACE_AFTER, end) or text[start - 1 : start] == "“" or _PHASE.fullmatch(core):
        return None  # a place, a slogan in quotes ("一号改革工程"), a phase ("二期工程")
    if not name.endswith(("项目", "工程")) and text.startswith("的", end):
        return None  # "镇卫生院的服务功能": a facility, not a project
    before_end = bisect.bisect_left(starts, end) - 1
    if before_end >= 0 and figures[before_end].end > start:
        return None  # "4个增减挂钩项目": a count, not a name

    up_to_stop = _UP_TO_LAST_CLAUSE_STOP.match(text, sentence_start, start)
    clause_start = up_to_stop.end() if up_to_stop is not None else sentence_start
    investment = _investment_before(text, clause_start, start, figure_at) or _investment_after(
        text, end, after_end, figures, starts
    )
    status, cue_start, cue_end = _status(text, clause_start, start, end, after_end)
    if status is None:
        status = default_status(start)
    if investment is None and cue_start is None:
        return None
    pieces = [start, end]
    if investment is not None:
        pieces += [investment.start, investment.end]
    if cue_start is not None and cue_end is not None:
        pieces += [cue_start, cue_end]
    return ProjectDraft(name, start, end, investment, status, min(pieces), max(pieces))


def _investment_before(
    text: str, clause_start: int, name_start: int, figure_at: dict[int, Figure]
) -> Figure | None:
    """The investment written just before the name: "总投资11亿元的青石…项目"."""
    gap_end = name_start - 1 if text[name_start - 1 : name_start] == "的" else name_start
    figure = figure_at.get(gap_end)
    if figure is None or figure.start < clause_start:
        return None
    return (
        figure if _INVESTMENT_VERB.search(text, max(clause_start, figure.start - 8), figure.start) else None
    )


def _investment_after(
    text: str, name_end: int, window_end: int, figures: Sequence[Figure], starts: list[int]
) -> Figure | None:
    """The investment written after the name in its clause: "…项目总投入200万元"."""
    for figure in figures[bisect.bisect_left(starts, name_end) :]:
        if figure.start >= window_end or any(c in text[name_end : figure.start] for c in _CLAUSE_STOPS):
            return None
        if _is_currency(figure) and _INVESTMENT_VERB.search(
            text, max(name_end, figure.start - 8), figure.start
        ):
            return figure
    return None


def _status(
    text: str, clause_start: int, name_start: int, name_end: int, window_end: int
) -> tuple[str | None, int | None, int | None]:
    """(status, cue start, cue end): the first cue after the name, else the last one before it."""
    after = next(_cues(text, name_end, min(window_end, name_end + _STATUS_REACH)), None)
    if after is not None:
        return _STATUS_CUES[after.group()], after.start(), after.end()
    # Before the name only completion counts ("建成总投资…的青溪水库"): "推进XX项目建设" is an aim.
    cues_before = [c for c in _cues(text, clause_start, name_start) if _STATUS_CUES[c.group()] in _DONE]
    if cues_before:
        before = cues_before[-1]
        return _STATUS_CUES[before.group()], before.start(), before.end()
    return None, None, None


def _cues(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """Status cues in `text[start:end]`; "完成" only where the sentence says it is done."""
    for cue in _STATUS.finditer(text, start, end):
        if cue.group().endswith("完成") and text[cue.end() : cue.end() + 1] not in _DONE_BOUNDARY:
            continue  # "已完成征地开工": a step, not the project
        yield cue
