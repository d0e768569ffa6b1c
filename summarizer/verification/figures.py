"""Figure checks of verification: is this figure of a claim stated by the source, there?

A figure of a claim is supported only by a figure of the source that states the
same quantity (`numbers.same_quantity`: 1.2亿元 == 12000万元, 5.2% != 5.2亿元,
% != 百分点, 2023年 != 2024年) in the same role (a growth rate "增长23.4%" is not a
level "23.4%"), with a qualifier of the same meaning (5.5%以上 is not 5.5%), and
attached to the same indicator: when the claim's indicator name fits another
figure of the source sentence better than the one with the equal value, the
value was moved between indicators.  Where the matching figure sits decides
the label: inside the claim's evidence (supported), elsewhere in the same
section (partial), or only in another part of the report (unsupported).

`SourceFigures` finds and indexes the source's figures once per report, so a
claim's figure is compared only with the few source figures of equal digits,
unit and kind.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ..facts.numbers import Figure, find_figures, same_qualifier, same_quantity
from ..schema import Span, Support
from .align import expand_abbreviations, fold_text

Location = Literal["evidence", "section", "elsewhere"]

# A figure right after one of these words is a change, not a level ("同比增长23.4%");
# "提高到95%" is a level, so only short fillers may sit between cue and figure.
_CHANGE_CUE = re.compile(
    r"(?:(?P<rise>增长率|增长|增加|提高|上升|上涨|增幅|增速|提升|扩大|翻)|(?P<fall>下降|减少|降低|回落|下滑|降幅|缩小)"
    r"|同比|环比|年均)(?:了|为|达|约|近|超过|逾)?\s*$"
)
# What a figure is: a level ("23.4亿元"), a rise or a fall ("增长23.4%", "下降35%"), or
# a change of no stated direction ("1.8倍", "同比5%").
Role = Literal["level", "rise", "fall", "change"]
_CHANGES = frozenset({"rise", "fall", "change"})
_ROLE_NAMES = {"level": "a level", "rise": "a rise", "fall": "a fall", "change": "a change"}
# Indicator names are read back from a figure to the nearest clause mark or figure.
_CLAUSE_MARKS = frozenset("，,；;。！？!?：:\n（）()")
# From a position to just after the last clause mark before an end (greedy, so the
# regex engine walks back from the end, not Python character by character).
_UP_TO_LAST_CLAUSE_MARK = re.compile(".*[" + re.escape("".join(sorted(_CLAUSE_MARKS))) + "]", re.DOTALL)
_SENTENCE_MARKS = frozenset("。！？!?\n")
# Words that say nothing about which indicator a figure belongs to.
_FILLER = re.compile(
    r"全镇|全县|全区|全市|全乡|全年|今年|去年|上年|当年|累计|共计|总计|合计|其中|分别|完成|实现|达到|达|为|约|近|"
    r"超过|同比|环比|增长|下降|年均|较|比|已|了|的|和|及|与|共|是|有|在|我镇|我们"
)
_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z]+")
_LABEL_STEPS = 8
_TIME_UNITS = frozenset({"年", "月", "天", "小时", "周年"})
# A name the source could not attach is contradicted only by a rival this close.
_RIVAL_MIN_PAIRS = 2


@dataclass(frozen=True)
class FigureMatch:
    support: Support
    reason: str
    span: Span | None  # where the source states the figure (the best match), if anywhere


class FigurePositions:
    """Where the figures of one text are, to find the clause and indicator name of each."""

    def __init__(self, figures: list[Figure]) -> None:
        self.starts = [f.start for f in figures]
        self.ends = [f.end for f in figures]

    def clause_start(self, text: str, end: int) -> int:
        """Start of the clause that ends at `end`: after the last clause mark or figure."""
        index = bisect_right(self.ends, end) - 1
        floor = self.ends[index] if index >= 0 else 0
        last_mark = _UP_TO_LAST_CLAUSE_MARK.match(text, floor, end)
        return floor if last_mark is None else last_mark.end()

    def figure_ending_at(self, position: int) -> int | None:
        index = bisect_right(self.ends, position) - 1
        return index if index >= 0 and self.ends[index] == position else None


def figure_role(text: str, figure: Figure, positions: FigurePositions) -> Role:
    """Whether a figure is a level, a rise, a fall or a change, from the words right before it."""
    start = positions.clause_start(text, figure.start)
    cue = _CHANGE_CUE.search(text[start : figure.start])
    if cue is None:
        return "change" if figure.unit in ("百分点", "个百分点", "倍") else "level"
    return "rise" if cue.group("rise") else "fall" if cue.group("fall") else "change"


def roles_agree(claim: Role, source: Role) -> bool:
    """Equal roles, or a change of no stated direction against a rise or a fall."""
    return claim == source or ("change" in (claim, source) and {claim, source} <= _CHANGES)


def indicator_name(text: str, figure: Figure, positions: FigurePositions) -> str:
    """The indicator a figure belongs to: the nearest informative words before it.

    A figure that opens its clause, or is followed by "的", is named by the
    words after it.  Otherwise the name is read backwards over figures and
    clause marks of the same sentence until it has at least two characters
    ("同比增长" alone names nothing)::

        "地区生产总值83.98亿元，同比增长2.3%"   2.3% -> "地区生产总值"
        "新增监测户4户13人"                     13人 -> "新增监测户"
        "新修水渠1.35公里、4.2公里的青年路"     4.2公里 -> "青年路"
        "非税收入XX万元；12家规模以上工业企业"   12家 -> "规模以上工业企业"
    """
    end = figure.start
    own_clause = text[positions.clause_start(text, end) : end]
    own = _name_of(own_clause)
    if len(own) >= 2:
        return own
    if not own_clause.strip() or text.startswith("的", figure.end):
        # A figure opening its clause ("；12家规模以上工业…") or followed by "的"
        # ("、4.2公里的青年路") is named by the words after it.
        after_start = figure.end + 1 if text.startswith("的", figure.end) else figure.end
        after = _name_of(text[after_start : _clause_end(text, after_start, positions)])
        if len(after) >= 2:
            return after
    for _ in range(_LABEL_STEPS):
        start = positions.clause_start(text, end)
        name = _name_of(text[start:end])
        if len(name) >= 2:
            return name
        if start == 0 or text[start - 1] in _SENTENCE_MARKS:
            break
        previous = positions.figure_ending_at(start)
        end = positions.starts[previous] if previous is not None else start - 1
    return ""


def _clause_end(text: str, start: int, positions: FigurePositions) -> int:
    """End of the clause from `start`: the next clause mark or figure."""
    index = bisect_left(positions.starts, start)
    ceiling = positions.starts[index] if index < len(positions.starts) else len(text)
    position = start
    while position < ceiling and text[position] not in _CLAUSE_MARKS:
        position += 1
    return position


def _name_of(segment: str) -> str:
    return "".join(_NAME_CHARS.findall(_FILLER.sub("", expand_abbreviations(segment.lower()))))


@lru_cache(maxsize=4096)
def _bigrams(name: str) -> frozenset[str]:
    """The two-character pieces of a name; cached, as a source figure's name is compared for many claims."""
    return frozenset(name[i : i + 2] for i in range(len(name) - 1))


def _quantity_key(figure: Figure) -> tuple[str, str | None, str]:
    """Equal for figures that may state the same quantity (a necessary condition only)."""
    digits = "" if figure.value is None else _digits_key(figure.value)
    return digits, figure.base_unit(), figure.kind


@lru_cache(maxsize=4096)
def _digits_key(value: float) -> str:
    """Significant digits of a value: equal for every scale of one quantity (1.2亿 and 12000万)."""
    mantissa = f"{abs(value):.9e}".split("e")[0].replace(".", "")
    return mantissa.rstrip("0") or "0"


class SourceFigures:
    """The source's figures with their sentence, section, role and indicator name, found once."""

    def __init__(
        self,
        original: str,
        sentences: list[tuple[int, int]],
        regions: list[tuple[int, int]],
        figures: list[Figure] | None = None,
    ) -> None:
        self.original = original
        self.figures = find_figures(original) if figures is None else figures  # `figures`: already read
        self.positions = FigurePositions(self.figures)
        self.sentence_starts = [s for s, _ in sentences]
        self.sentences = sentences
        self.region_starts = [s for s, _ in sorted(regions)]
        # Figures by (significant digits, base unit, kind): a claim's figure is compared
        # with the few source figures that can state the same quantity.
        self._by_key: dict[tuple[str, str | None, str], list[int]] = {}
        # Each figure as compared with a claim's: OCR-suspect digits repaired where they can be.
        self.readable: list[Figure] = []
        for index, figure in enumerate(self.figures):
            readable = self.repaired(figure) or figure
            self.readable.append(readable)
            if readable.value is not None:
                self._by_key.setdefault(_quantity_key(readable), []).append(index)
        # Read on first use, once per figure: a figure may be a candidate for many claims.
        self._names: dict[int, str] = {}
        self._roles: dict[int, Role] = {}
        self._spans: dict[int, Span] = {}

    def repaired(self, figure: Figure) -> Figure | None:
        """An OCR-suspect figure read with its look-alike letters as digits ("IlOO" -> 1100)."""
        if not figure.ocr_suspect:
            return None
        reread = find_figures(fold_text(figure.raw))
        return reread[0] if len(reread) == 1 and reread[0].value is not None else None

    def candidates(self, figure: Figure) -> list[int]:
        """Indexes of source figures with the same digits, unit and kind as `figure`."""
        return [] if figure.value is None else self._by_key.get(_quantity_key(figure), [])

    def name(self, index: int) -> str:
        if index not in self._names:
            self._names[index] = indicator_name(self.original, self.figures[index], self.positions)
        return self._names[index]

    def span(self, index: int) -> Span:
        """Where figure `index` is: one `Span` for every claim that cites the figure."""
        if index not in self._spans:
            figure = self.figures[index]
            self._spans[index] = Span.of(self.original, figure.start, figure.end)
        return self._spans[index]

    def role(self, index: int) -> Role:
        if index not in self._roles:
            self._roles[index] = figure_role(self.original, self.figures[index], self.positions)
        return self._roles[index]

    def sentence_of(self, position: int) -> int:
        return bisect_right(self.sentence_starts, position) - 1

    def region_of(self, position: int) -> int:
        return bisect_right(self.region_starts, position) - 1

    def names_in_sentence(self, index: int) -> Iterator[str]:
        """Indicator names of the other figures of the sentence that holds figure `index`.

        Read one by one as they are asked for: a sentence may chain a dozen figures,
        and the first name that decides is often the only one needed.
        """
        sentence = self.sentence_of(self.figures[index].start)
        if sentence < 0:
            return
        start, end = self.sentences[sentence]
        first = bisect_left(self.positions.starts, start)
        last = bisect_left(self.positions.starts, end)
        yield from (self.name(other) for other in range(first, last) if other != index)

    def redacted_in(self, spans: list[Span]) -> Figure | None:
        """A redacted figure inside the spans, if any."""
        return next((f for f in self.figures if f.redacted and _inside(f, spans)), None)

    def unreadable_in(self, spans: list[Span], figure: Figure) -> Figure | None:
        """A figure inside the spans that is unreadable the same way as `figure` (masked or garbled)."""
        return next(
            (
                f
                for f in self.figures
                if f.unreadable
                and f.redacted == figure.redacted
                and f.unit == figure.unit
                and _inside(f, spans)
            ),
            None,
        )


def _inside(figure: Figure, spans: list[Span]) -> bool:
    return any(s.start <= figure.start and figure.end <= s.end for s in spans)


@dataclass(frozen=True)
class _Candidate:
    index: int
    location: Location
    role: Role  # of the source figure
    same_role: bool
    same_name: bool
    same_qualifier: bool
    ocr: bool

    def rank(self) -> tuple[bool, int, bool, bool]:
        return (
            not (self.same_role and self.same_name),
            _ORDER[self.location],
            not self.same_qualifier,
            self.ocr,
        )


_ORDER: dict[Location, int] = {"evidence": 0, "section": 1, "elsewhere": 2}
# The rank of a figure stated in the evidence just as the claim states it: nothing ranks before it.
_BEST_RANK = (False, 0, False, False)


def match_figure(
    source: SourceFigures,
    claim_text: str,
    figure: Figure,
    claim_figures: list[Figure],
    evidence: list[Span],
    claim_positions: FigurePositions | None = None,
) -> FigureMatch:
    """Whether the source states `figure` (of `claim_text`) in the claim's evidence, and how well.

    The best candidate is the first of the lowest `_Candidate.rank`.  A candidate
    that cannot rank strictly before the best so far is not read further (its
    role and indicator name cost the most), and a perfect one ends the search:
    neither changes which candidate is the first of the lowest rank.  Candidates
    in the evidence are read first (see `_located_candidates`), so the figure the
    claim quotes usually ends the search before any other is read.
    `claim_positions` (of `claim_figures`) may be passed by a caller checking
    several figures of one claim.
    """
    positions = claim_positions or FigurePositions(claim_figures)
    role = figure_role(claim_text, figure, positions)
    name: str | None = None  # read once, when a candidate names an indicator
    best: _Candidate | None = None
    for index, location in _located_candidates(source, figure, evidence):
        stated = source.figures[index]
        qualifier_agrees = same_qualifier(figure, stated)
        # Its rank at best, were role and name to agree.
        hope = (False, _ORDER[location], not qualifier_agrees, stated.ocr_suspect)
        if best is not None and hope >= best.rank():
            continue
        stated_role = source.role(index)
        same_name = True
        if _names_indicator(stated):
            name = indicator_name(claim_text, figure, positions) if name is None else name
            same_name = _names_agree(name, source.name(index), source.names_in_sentence(index))
        candidate = _Candidate(
            index=index,
            location=location,
            role=stated_role,
            same_role=roles_agree(role, stated_role),
            same_name=same_name,
            same_qualifier=qualifier_agrees,
            ocr=stated.ocr_suspect,
        )
        if best is None or candidate.rank() < best.rank():
            best = candidate
            if best.rank() == _BEST_RANK:
                break
    if best is None:
        return FigureMatch("unsupported", _absent_reason(source, figure, evidence), None)
    stated = source.figures[best.index]
    span = source.span(best.index)
    # The claim's name is only reported when it differs, and then it has been read.
    return _judge(figure, stated, best, name or "", source.name(best.index), span)


def _located_candidates(
    source: SourceFigures, figure: Figure, evidence: list[Span]
) -> list[tuple[int, Location]]:
    """The source figures stating the quantity of `figure`, with where they are: evidence first.

    Equal ranks have equal locations, so reading the candidates location by
    location (each in document order) keeps the first of the lowest rank the same.
    """
    evidence_regions = {source.region_of(s.start) for s in evidence}
    located: list[tuple[int, Location]] = []
    for index in source.candidates(figure):
        if not same_quantity(figure, source.readable[index]):
            continue
        stated = source.figures[index]
        if _inside(stated, evidence):
            location: Location = "evidence"
        elif source.region_of(stated.start) in evidence_regions:
            location = "section"
        else:
            location = "elsewhere"
        located.append((index, location))
    located.sort(key=lambda pair: _ORDER[pair[1]])
    return located


def _judge(
    figure: Figure, stated: Figure, best: _Candidate, name: str, source_name: str, span: Span
) -> FigureMatch:
    raw = figure.raw
    if not best.same_role:
        return FigureMatch(
            "unsupported",
            f"{raw}：原文中{stated.raw}的含义与摘要不同 / "
            f"{raw}: the source states {stated.raw!r} as {_ROLE_NAMES[best.role]}, not as the claim does",
            span,
        )
    if not best.same_name:
        return FigureMatch(
            "unsupported",
            f"{raw}：原文中这个数字属于“{source_name}”，不是“{name}” / "
            f"{raw}: in the source this figure belongs to {source_name!r}, not {name!r}",
            span,
        )
    if best.location == "elsewhere":
        return FigureMatch(
            "unsupported",
            f"{raw}：原文在报告的另一部分才有，依据中没有 / {raw}: stated in another part of the report, not in the evidence",
            span,
        )
    if best.location == "section":
        return FigureMatch(
            "partial",
            f"{raw}：原文在同一部分的别处，依据中没有 / {raw}: stated elsewhere in the section, not in the evidence",
            span,
        )
    if not best.same_qualifier:
        return FigureMatch(
            "partial",
            f"{raw}：原文为“{stated.raw}” / {raw}: the source says {stated.raw!r} (qualifier changed)",
            span,
        )
    if best.ocr:
        return FigureMatch(
            "partial",
            f"{raw}：原文数字识别有误（“{stated.raw}”） / {raw}: the source's digits are OCR-damaged ({stated.raw!r})",
            span,
        )
    return FigureMatch("supported", "", span)


def _names_indicator(figure: Figure) -> bool:
    """Whether the figure is an indicator's value; years, dates and spans of time only set the scene."""
    return figure.kind == "amount" and figure.base_unit() not in _TIME_UNITS


def _names_agree(claim_name: str, source_name: str, rivals: Iterable[str]) -> bool:
    """Whether the claim's indicator name can be the source figure's.

    Not when the claim's name fits another figure of the source sentence better
    ("纳税" for the figure of "年营业收入").  Names read back from the figure are
    rough ("全年引入10家总部经济企业" names 10家 "引入"), so two names that
    merely differ agree; a name we cannot tell (no words) agrees with anything.
    """
    claim_pairs = _bigrams(claim_name)
    if not claim_pairs:
        return True
    source_pairs = _bigrams(source_name)
    if source_pairs and (source_name in claim_name or claim_name in source_name):
        return True
    # A rival fits better when it shares more pairs with the claim's name than the
    # source's name does; when the source's name is unknown, when it shares a few.
    better = len(claim_pairs & source_pairs) + 1 if source_pairs else _RIVAL_MIN_PAIRS
    return not any(len(claim_pairs & _bigrams(r)) >= better for r in rivals if r != source_name)


def _absent_reason(source: SourceFigures, figure: Figure, evidence: list[Span]) -> str:
    redacted = source.redacted_in(evidence)
    if redacted is not None:
        return (
            f"{figure.raw}：原文这个数字被遮盖（“{redacted.raw}”），不能补写 / "
            f"{figure.raw}: the source redacts this figure ({redacted.raw!r}); a redacted figure supports no number"
        )
    return f"{figure.raw}：原文没有这个数字 / {figure.raw}: the source never states this figure"
