"""Figures in Chinese text: where they are, what they say, and whether two are the same.

Government reports state their results as figures ("83.98亿元", "增长5.5%以上",
"三百余人", "2016-2020年"), and a faithful summary must never state one the
report never gave.  `find_figures` finds every figure with its exact position,
value, unit, qualifier and range; `same_quantity` compares two figures across
scales (1.2亿元 == 12000万元) but never across kinds (5.2% != 5.2亿元,
% != 百分点, 2023年 != 2024年).

What counts as a figure, and what does not::

    "财政总收入5.2亿元"     -> value 5.2, unit 亿元 (the report's own unit; `base_value()` is 5.2e8 元)
    "4000余万元"            -> value 4000, unit 万元, qualifier 余
    "6.5%－7%"             -> value 6.5, high 7, unit %
    "2016-2020年"          -> kind year, value 2016, high 2020
    "2024年3月30日"         -> kind date, value 20240330 (a date, never an amount)
    "位列全县第一"           -> kind ranking, value 1
    "XX万元", "xx.xx%"      -> redacted, value None (a masked figure is never guessed)
    "IlOO多万元"            -> ocr_suspect, value None (never "fixed" to 1100)
    "二十大", "一是", "第十八届", "“四个意识”", "1+8+8+1", phone numbers -> not figures

Chinese numerals are read by cn2an.  Everything here is a pure function of the
text; the regexes are compiled once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import cn2an

from .units import BASE_UNITS, qualifier_meaning, split_unit, unit_scale

__all__ = [
    "Figure",
    "FigureKind",
    "chinese_to_number",
    "find_figures",
    "parse_figure",
    "same_qualifier",
    "same_quantity",
    "split_unit",
    "unit_scale",
]

FigureKind = Literal["amount", "year", "date", "ranking"]

# ---------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class Figure:
    """One figure of a text, at `text[start:end] == raw`.

    `value` and `high` are in `unit` as written ("83.98亿元" -> 83.98, "亿元");
    `base_value()` converts to the base unit.  `value` is None when the figure is
    redacted ("XX万元") or its digits are suspected OCR errors ("IlOO多万元").
    Dates carry `yyyymmdd` as value (missing parts 0), rankings their rank.
    """

    raw: str
    start: int
    end: int
    value: float | None
    unit: str | None
    qualifier: str | None
    redacted: bool
    high: float | None = None
    kind: FigureKind = "amount"
    ocr_suspect: bool = False

    def __init__(
        self,
        raw: str,
        start: int,
        end: int,
        value: float | None,
        unit: str | None,
        qualifier: str | None,
        redacted: bool,
        high: float | None = None,
        kind: FigureKind = "amount",
        ocr_suspect: bool = False,
    ) -> None:
        # The fields are set once, here.  The generated __init__ of a frozen
        # dataclass makes one object.__setattr__ call per field, which was most
        # of the cost of reading a figure; storing into the instance dict is not
        # (and item by item is cheaper than one update with keyword arguments).
        fields = self.__dict__
        fields["raw"] = raw
        fields["start"] = start
        fields["end"] = end
        fields["value"] = value
        fields["unit"] = unit
        fields["qualifier"] = qualifier
        fields["redacted"] = redacted
        fields["high"] = high
        fields["kind"] = kind
        fields["ocr_suspect"] = ocr_suspect

    @property
    def unreadable(self) -> bool:
        """The value is unknown: masked or garbled in the source."""
        return self.redacted or self.ocr_suspect

    def base_unit(self) -> str | None:
        return split_unit(self.unit)[0] if self.kind == "amount" else self.unit

    def base_value(self) -> float | None:
        if self.value is None:
            return None
        return self.value * unit_scale(self.unit) if self.kind == "amount" else self.value

    def base_high(self) -> float | None:
        if self.high is None:
            return None
        return self.high * unit_scale(self.unit) if self.kind == "amount" else self.high

    def canonical(self) -> tuple[str, str | None, float | None, float | None]:
        """(kind, base unit, base value, base high): equal tuples mean the same quantity.

        Worked out once per figure: verification compares a claim's figure with
        several of the source's, and a source figure with many claims' figures.
        Kept in the instance dict, not a field: equality, hashing and repr stay
        those of the fields.  (Not a `cached_property`: in Python 3.11 that takes
        a lock on every first access, which cost more than the tuple.)
        """
        canonical: tuple[str, str | None, float | None, float | None] | None = self.__dict__.get("_canonical")
        if canonical is None:
            canonical = self.__dict__["_canonical"] = (
                self.kind,
                self.base_unit(),
                self.base_value(),
                self.base_high(),
            )
        return canonical


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def same_quantity(a: Figure, b: Figure) -> bool:
    """Whether two figures state the same quantity, across scales of one unit.

    1.2亿元 == 12000万元 and 4.2万亩 == 42000亩, but 5.2% != 5.2亿元,
    5.5% != 5.5个百分点, 2023年 != 2024年.  Qualifiers are ignored (see
    `same_qualifier`).  A figure whose value is unknown equals nothing.
    """
    if a.value is None or b.value is None:
        return False
    canonical_a, canonical_b = a.canonical(), b.canonical()
    if canonical_a == canonical_b:
        return True  # the usual case of a match: the very same values, no tolerance needed
    kind_a, unit_a, value_a, high_a = canonical_a
    kind_b, unit_b, value_b, high_b = canonical_b
    return kind_a == kind_b and unit_a == unit_b and _close(value_a, value_b) and _close(high_a, high_b)


def same_qualifier(a: Figure, b: Figure) -> bool:
    """Whether two figures carry qualifiers of the same meaning (余 == 多, 以上 == 不低于)."""

    return qualifier_meaning(a.qualifier) == qualifier_meaning(b.qualifier)


# ---------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------

_D = "[0-9０-９]"
_CN_DIGIT = "〇零一二两三四五六七八九"
_CN_NUM = f"[{_CN_DIGIT}十百千万亿]+(?:点[{_CN_DIGIT}]+)?"
_CN_MONTH = "十[一二]?|[一二三四五六七八九]"
_CN_DAY = "[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
# 人 is no unit where it starts a word: "xx人居环境整治村", "人均", "人民".
_UNIT_ALT = "|".join(
    re.escape(u) + ("(?![居均民口才员])" if u == "人" else "")
    for u in sorted(BASE_UNITS, key=len, reverse=True)
    if u != "%"
)

_FIGURE = re.compile(
    rf"""
    (?P<date>
        (?P<y>(?:19|20)[0-9Xx]{{2}}|[〇零一二三四五六七八九]{{4}})年
            (?P<ym>{_D}{{1,2}}|[Xx]{{1,2}}|{_CN_MONTH})月(?:(?P<yd>{_D}{{1,2}}|[Xx]{{1,2}}|{_CN_DAY})日)?
      | (?<![0-9])(?P<iso>(?:19|20)\d{{2}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?![0-9])
      | (?<![0-9Xx第])(?P<m>{_D}{{1,2}}|[Xx]{{1,2}}|{_CN_MONTH})月份?(?:(?P<md>{_D}{{1,2}}|[Xx]{{1,2}}|{_CN_DAY})日)?
    )
    | 第(?P<ord>{_D}+|[{_CN_DIGIT}十百]+)
    | 百分之(?P<cnpct>{_CN_NUM})
    | (?<![A-Za-z0-9０-９.．])(?P<num>
          {_D}{{1,3}}(?:,{_D}{{3}})+(?![0-9])(?:[.．]{_D}+)?
        | {_D}+(?:[.．]{_D}+)?
        | [0-9Xx]*[Xx][0-9Xx]*(?:\.[0-9Xx]+)?
        | [0-9OoIl]*[OoIl][0-9OoIl]*
      )(?![A-Za-z0-9０-９])
    | (?P<cn>(?!一(?![{_CN_DIGIT}十百千万亿点]))(?!零(?![{_CN_DIGIT}十百千万亿点])){_CN_NUM})
    """,
    re.VERBOSE,
)

_LOOKALIKE = re.compile("[oil]")

# What may follow a number: an inner qualifier, a scale, a unit, a rate's
# denominator and a trailing qualifier ("4000余万元", "XX万余元", "95%以上").
_TAIL = re.compile(
    rf"""
    (?P<q_in>余|多|几)?
    (?P<scale>万亿|千万|百万|十万|亿|万|千(?![瓦米克])|百(?!分))?
    (?P<q_in2>余|多)?
    (?P<unit>\x20?[%％]|\x20年|{_UNIT_ALT})?
    (?P<per>/(?:亩|人|户|吨|年|月|天|平方米|公斤|斤|头|只))?
    (?P<q_post>以上|以下|以内|左右)?
    """,
    re.VERBOSE,
)
# The characters a tail can start with: where the next one is none of them, the
# tail is empty (most numbers of a report are followed by a word or a mark).
_TAIL_FIRST = frozenset("余多几万亿千百十 %％/以左") | {unit[0] for unit in BASE_UNITS}

# Where a figure can start.  Trying the full pattern only there is several times
# faster than letting it scan every character, and a Chinese numeral is a
# candidate only where it can be read (decided in the regex engine, not in Python:
# most Chinese numerals of a report are words, "二是", "三大", "十四五"):
# * 一 and 零 only before another numeral, 点 or 月 ("一百", "一点五", "一九九八年",
#   "一月份"); elsewhere ("统一", "一是", "零星") they are words;
# * any numeral only where its run of numerals ends before what a tail, a decimal
#   part, a date or 百分之 starts with, or ends in 万/亿 (the scale of a unit):
#   `_read_number` rejects every other run ("二是", "千家万户") and the search then
#   goes on after it, as it goes on here after each numeral of the run.
_CN_RUN = f"{_CN_DIGIT}十百千万亿"
_AFTER_CN_RUN = "".join(sorted((_TAIL_FIRST | set("点月分")) - set(_CN_RUN)))
_CN_READABLE = rf"(?=[{_CN_RUN}]*(?:[{re.escape(_AFTER_CN_RUN)}]|[万亿](?![{_CN_RUN}])))"
_FIGURE_START = re.compile(
    # (The leading class lets the regex engine skip quickly to the next digit or numeral.)
    rf"(?=[0-9０-９XxOoIl第{_CN_RUN}])"
    rf"(?:[0-9０-９XxOoIl第]|[一零](?=[{_CN_RUN}点月]){_CN_READABLE}|[^一零]{_CN_READABLE})"
)
_LETTER = re.compile("[A-Za-z]")
_RANGE_SEP = re.compile(r"(?:-|－|—{1,2}|–|~|～|至|到)")
_RANGE_SEP_FIRST = "-－—–~～至到"  # a quick no for the common case: no range follows
_RANGE_NUM = re.compile(rf"(?P<num>{_D}+(?:[.．]{_D}+)?|[0-9Xx]*[Xx][0-9Xx]*(?:\.[0-9Xx]+)?)(?![A-Za-z])")
_PRE_QUALIFIER = re.compile(
    r"(?:不低于|不少于|不超过|不高于|不足|超过|低于|高于|多于|少于|大约|将近|接近|至少|突破|(?<![节集简制预契条合公邀违履])约|近|超|逾)$"
)
# The characters a qualifier before a number ends with ("$" also matches before a final line break).
_PRE_QUALIFIER_LAST = frozenset("于足过约近少破超逾\n")
# 第N in a ranking ("位列全县第一", "居全市乡镇第一名"), not an ordinal ("第十八届", "第一书记").
_RANKING_CUE = re.compile(
    r"全县|全市|全区|全省|全国|全州|全旗|乡镇|街道|位列|位居|名列|排名|排在|荣获|获得|居"
)
_ORDINAL_FOLLOWERS = frozenset("批届次期个季条款章节轮代年天书要时道部")
# N届 naming a congress or a plenary session is an ordinal even without 第 ("二十届二中全会").
_SESSION_AFTER = re.compile(r"[一二三四五六七八九十]中(?:全会|、)|人民代表大会|人大|代表大会|委员会|党代会")
_OPEN_QUOTES = "“‘「『《"
_CLOSE_QUOTES = "”’」』》"
_CN_DIGIT_VALUE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "两": "2"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")


@lru_cache(maxsize=4096)
def chinese_to_number(numeral: str) -> float | None:
    """The value of a Chinese numeral ("三百" -> 300, "两" -> 2, "五点五" -> 5.5, "二〇二三" -> 2023)."""
    if len(numeral) > 1 and all(c in _CN_DIGIT_VALUE for c in numeral):
        # Digit by digit, as years are written ("二〇二三").
        return float("".join(_CN_DIGIT_VALUE[c] for c in numeral))
    try:
        return float(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _arabic_value(digits: str) -> float:
    if digits.isascii() and "," not in digits:
        return float(digits)  # the common case, without building a translated copy
    return float(digits.translate(_FULLWIDTH).replace(",", ""))


def _part_value(part: str | None) -> tuple[int, bool]:
    """(value, redacted) of one part of a date: Arabic, Chinese or masked."""
    if not part:
        return 0, False
    if "x" in part.lower():
        return 0, True
    if part[0] in _CN_DIGIT + "十":
        return int(chinese_to_number(part) or 0), False
    return int(_arabic_value(part)), False


def _inside_short_quote(text: str, start: int, end: int, reach: int = 10) -> bool:
    """Whether text[start:end] sits inside a short quoted phrase: a slogan, not a quantity."""
    before = text[max(0, start - reach) : start]
    after = text[end : end + reach]
    opened = max(before.rfind(q) for q in _OPEN_QUOTES)
    if opened < 0 or any(q in before[opened + 1 :] for q in _CLOSE_QUOTES):
        return False
    return any(q in after for q in _CLOSE_QUOTES)


# ---------------------------------------------------------------------------
# Reading figures
# ---------------------------------------------------------------------------


def find_figures(text: str) -> list[Figure]:
    """Every figure of `text`, in order, with `text[f.start:f.end] == f.raw`.

    Worked example::

        find_figures("地区生产总值83.98亿元，同比增长2.3%")
        -> [Figure(raw="83.98亿元", value=83.98, unit="亿元", ...),
            Figure(raw="2.3%", value=2.3, unit="%", ...)]
    """
    figures: list[Figure] = []
    pos = 0
    # Trying the full pattern only where a figure can start is several times
    # faster than letting it scan every character; searching on from the end of
    # the last figure skips the candidates inside it, its tail or its range.
    # (Methods bound once: this loop runs for every candidate of a report.)
    search, match_at, readers = _FIGURE_START.search, _FIGURE.match, _READERS
    while (candidate := search(text, pos)) is not None:
        pos = candidate.start()
        match = match_at(text, pos)
        if match is None:
            pos += 1
            continue
        group = match.lastgroup or "cn"
        if group == "num":  # most figures: read without the reader's call
            figure = _read_number(text, match.start(group), match.end(group), False)
        else:
            figure = readers[group](text, match)
        pos = match.end()
        if figure is not None:
            figures.append(figure)
            if figure.end > pos:
                pos = figure.end
    return figures


def parse_figure(raw: str) -> Figure | None:
    """The one figure written in `raw` ("1.2亿元", "5.5%以上"), or None if it holds none or several.

    Positions are into `raw`.
    """
    figures = find_figures(raw)
    return figures[0] if len(figures) == 1 else None


def _read_arabic(text: str, match: re.Match[str]) -> Figure | None:
    start, end = match.span("num")
    return _read_number(text, start, end, False)


def _read_chinese(text: str, match: re.Match[str]) -> Figure | None:
    start, end = match.span("cn")
    return _read_number(text, start, end, True)


def _read_date(text: str, match: re.Match[str]) -> Figure | None:
    if match.group("iso") is not None:
        parts = [match.group("iso"), match.group("im"), match.group("id")]
    elif match.group("y") is not None:
        parts = [match.group("y"), match.group("ym"), match.group("yd")]
    else:
        parts = [None, match.group("m"), match.group("md")]
    start, end = match.span("date")
    month_part = parts[1] or ""
    if (
        month_part[:1] in _CN_DIGIT + "十"
        and parts[0] is None
        and parts[2] is None
        and not text.startswith(("份", "底", "初", "上旬", "中旬", "下旬"), end)
        and text[start - 1 : start] != "年"
    ):
        return None  # 八月瓜: a Chinese month needs a year, a day or 份 to be a date
    (year, year_x), (month, month_x), (day, day_x) = (_part_value(p) for p in parts)
    if not (month_x or 1 <= month <= 12) or not (day_x or parts[2] is None or 1 <= day <= 31):
        return None
    redacted = year_x or month_x or day_x
    return Figure(
        raw=text[start:end],
        start=start,
        end=end,
        value=None if redacted else float(year * 10000 + month * 100 + day),
        unit=None,
        qualifier=None,
        redacted=redacted,
        kind="date",
    )


def _read_ranking(text: str, match: re.Match[str]) -> Figure | None:
    start, end = match.span()
    if text.startswith(("名", "位"), end):
        end += 1
    elif text.startswith("等次", end):
        end += 2
    if text[end : end + 1] in _ORDINAL_FOLLOWERS or not _RANKING_CUE.search(text, max(0, start - 8), start):
        return None  # an ordinal: 第十八届, 第三批, 第一书记
    token = match.group("ord")
    value = chinese_to_number(token) if token[0] in _CN_DIGIT + "十百" else _arabic_value(token)
    if value is None:
        return None
    return Figure(text[start:end], start, end, value, None, None, False, kind="ranking")


def _read_chinese_percent(text: str, match: re.Match[str]) -> Figure | None:
    value = chinese_to_number(match.group("cnpct"))
    if value is None:
        return None
    start, end = match.span()
    qualifier = None
    for word in ("以上", "以下", "以内", "左右"):
        if text.startswith(word, end):
            qualifier, end = word, end + len(word)
            break
    return Figure(text[start:end], start, end, value, "%", qualifier, False)


# The reader of each top-level group of _FIGURE: the group a match closed last is the alternative it took.
_READERS: dict[str, Callable[[str, re.Match[str]], Figure | None]] = {
    "date": _read_date,
    "ord": _read_ranking,
    "cnpct": _read_chinese_percent,
    "num": _read_arabic,
    "cn": _read_chinese,
}


@lru_cache(maxsize=256)  # the units _TAIL can match are a few dozen strings
def _normalize_unit(unit: str | None) -> str:
    if not unit:
        return ""
    unit = unit.strip().replace("％", "%")
    return "百分点" if unit == "个百分点" else unit


def _read_number(text: str, start: int, end: int, chinese: bool) -> Figure | None:
    token = text[start:end]
    if chinese:
        if token in ("一", "零") or (
            token.strip("十百千万亿") == "" and not (token == "十" and text[end : end + 1] in "余多几")
        ):
            return None  # 一是, 千家万户, 百姓: a lone numeral is a word, not a quantity
        if len(token) > 1 and token[-1] in "万亿":
            token, end = token[:-1], end - 1  # keep the scale with the unit: 三百万元 -> 300 万元
        if text[end : end + 1] not in _TAIL_FIRST:
            return None  # 二是, 十四五: no unit can follow (see below), so no need to read the numeral
        value = chinese_to_number(token)
        if value is None:
            return None
        redacted = ocr = False
    elif token.isdigit() or _LETTER.search(token) is None:
        value, redacted, ocr = _arabic_value(token), False, False  # the common case: digits only
    else:
        stray = token.lstrip("OoIl")
        if stray != token and stray.isdigit() and not stray.startswith("0"):
            start, token = start + len(token) - len(stray), stray  # "。" read as "o" before "2023年"
        lowered = token.lower()
        masked = "x" in lowered
        ocr = not masked and _LOOKALIKE.search(lowered) is not None
        redacted = masked
        if ocr and len(token) < 2:
            return None
        value = None if (ocr or redacted) else _arabic_value(token)

    if text[end : end + 1] in _TAIL_FIRST:
        tail = _TAIL.match(text, end)
        assert tail is not None  # every group of _TAIL is optional
        q_in, scale, q_in2, unit, per, q_post = tail.groups()
        tail_end = tail.end()
    else:  # nothing of a tail can follow: what _TAIL would match, without running it
        q_in = scale = q_in2 = unit = per = q_post = None
        tail_end = end
    scale, unit = scale or "", _normalize_unit(unit)
    has_unit = bool(scale or unit)
    if chinese and not has_unit:
        return None  # 二十大, 十三五: a Chinese numeral counts only with a unit (see _is_quantity)
    if has_unit:
        figure_end = tail_end
        qualifier = q_in or q_in2 or q_post
    else:
        # No unit: a trailing 余/多 is not part of the number ("多措并举").
        qualifier = None
        figure_end = end
        if q_in is None and q_post:
            qualifier, figure_end = q_post, end + len(q_post)
    full_unit = scale + unit + (per or "") if has_unit else None

    high = None
    if q_post is None and not chinese and text[figure_end : figure_end + 1] in _RANGE_SEP_FIRST:
        second = _read_range_end(text, figure_end, full_unit)
        if second is not None and (value is None or second[0] is None or second[0] > value):
            high, full_unit, figure_end, post = second
            qualifier = qualifier or post
            has_unit = True

    # An Arabic number with a unit is a quantity unless the unit is 届 (the common case, decided here).
    if (chinese or full_unit is None or full_unit.endswith("届")) and not _is_quantity(
        text, start, end, figure_end, chinese=chinese, unit=full_unit, token=token
    ):
        return None
    if (redacted or ocr) and not has_unit:
        return None  # "XX镇", "x省": a masked name, not a figure

    # A year is a four-digit number of 年 (tested last: most figures have another unit).
    is_year = (
        full_unit == "年"
        and not scale
        and len(token) == 4
        and ((value is not None and 1900 <= value < 2100) or (redacted and token[:2] in ("19", "20")))
    )
    kind: FigureKind = "year" if is_year else "amount"

    figure_start = start
    if kind == "amount" and start and text[start - 1] in _PRE_QUALIFIER_LAST:
        before = _PRE_QUALIFIER.search(text, max(0, start - 4), start)
        if before is not None:
            figure_start = before.start()
            qualifier = qualifier or before.group()

    return Figure(
        text[figure_start:figure_end],
        figure_start,
        figure_end,
        value,
        full_unit,
        qualifier,
        redacted,
        high,
        kind,
        ocr,
    )


def _read_range_end(
    text: str, pos: int, first_unit: str | None
) -> tuple[float | None, str | None, int, str | None] | None:
    """The upper end of a range starting at `pos` ("－7%" of "6.5%－7%"): (high, unit, end, qualifier)."""
    sep = _RANGE_SEP.match(text, pos) if text[pos : pos + 1] in _RANGE_SEP_FIRST else None
    if sep is None:
        return None
    number = _RANGE_NUM.match(text, sep.end())
    if number is None:
        return None
    tail = _TAIL.match(text, number.end())
    assert tail is not None
    scale, unit = tail.group("scale") or "", _normalize_unit(tail.group("unit"))
    second_unit = (scale + unit + (tail.group("per") or "")) or None
    if second_unit is None or (first_unit is not None and first_unit != second_unit):
        return None  # "0793-1234567", "3个至2023年": not one range
    token = number.group("num")
    high = None if "x" in token.lower() else _arabic_value(token)
    return high, second_unit, tail.end(), tail.group("q_in") or tail.group("q_in2") or tail.group("q_post")


def _is_quantity(
    text: str, start: int, end: int, figure_end: int, *, chinese: bool, unit: str | None, token: str
) -> bool:
    """Reject what looks like a number but is a slogan, an ordinal, a code or a list marker."""
    if chinese:
        if unit is None or unit == "期":
            return False  # 二十大, 十三五; 二期工程 is a phase, not a count
        if _inside_short_quote(text, start, figure_end):
            return False  # “四个意识”, “三个一”
    if unit is not None and unit.endswith("届") and _SESSION_AFTER.match(text, figure_end):
        return False  # 二十届二中全会
    if unit is not None:
        return True
    # A space stands for the text's edge: "" would be "in" every string below ("达到300" at the end).
    before = text[start - 1 : start] if start else " "
    after = text[end : end + 1] or " "
    digits = token.replace(",", "")
    return not (
        "+" in (before, after)  # 1+8+8+1, 5+N
        or after in ("、", "号", ":", "：")
        or (after in ".．" and not text[end + 1 : end + 2].isdigit())  # "1." list marker
        or (before in "(（" and after in ")）")
        or before in (":", "：")
        or (after in "-－" and text[end + 1 : end + 2].isdigit())
        or (before in "-－" and text[start - 2 : start - 1].isdigit())
        or (before in _OPEN_QUOTES and after in _CLOSE_QUOTES)
        or (len(digits) >= 7 and "." not in digits)  # phone numbers, ids, 20240127
    )
