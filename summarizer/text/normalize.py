"""A canonical clean copy of the original text, with an offset map back and warnings.

Sections and facts read the clean copy; every span they emit is mapped back to
the original through `CleanText`.  Cleaning does three things:

* **removes** boilerplate found by `boilerplate.py` (web chrome, sharing-site
  headers, page markers that cut sentences, spam inside sentences);
* **unifies** forms one character for one where possible: full-width ASCII to
  ASCII (`１２．５％` -> `12.5%`), ideographic space/NBSP/tab to a space,
  `\\r\\n` and `\\r` to `\\n`; drops zero-width and control characters and the
  spaces inside numbers (`1 200`, `5 .2`).  Letters that look like digits
  (`IlOO多万元`) are *not* changed: the report said what it said;
* **flags** what a reader must know, without changing it: replacement
  characters, redacted figures (`XX万元`, `xx.xx%`) and suspected OCR digits.

Every removal and flag becomes a `SourceWarning` whose span is the original
stretch, so a summary can show what was left out and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import SourceWarning, Span
from .boilerplate import REMOVAL_MESSAGES, Removal, find_boilerplate
from .offsets import CleanText, TextBuilder

__all__ = ["Normalized", "Removal", "normalize"]


@dataclass(frozen=True)
class Normalized:
    original: str
    clean: CleanText
    removals: list[Removal]
    warnings: list[SourceWarning]  # every removal, plus flags, ordered by position


# One character for one: full-width ASCII (U+FF01–U+FF5E) to ASCII, every kind of
# blank to a space, lone CR / vertical tab / form feed to a line break.
_UNIFY: dict[str, str] = {
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    "\u3000": " ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
    "\r": "\n",
    "\x0b": "\n",
    "\x0c": "\n",
}
# Substituting only the characters that need it is much faster than str.translate on CJK text.
_TO_UNIFY = re.compile("[" + "".join(re.escape(ch) for ch in _UNIFY) + "]")

_CRLF = re.compile(r"\r\n")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]+")
# Either of the two above.  A one-character class is scanned several times faster
# than a repeated one, and most reports hold neither: one scan then skips both.
_ZERO_WIDTH_OR_CONTROL = re.compile(r"[\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Spaces inside a number: thousands groups "1 200" / "12 345 678" and before a decimal
# point "5 .2".  Tabs are not included: they separate table cells ("100\t200").
# Written from the first space (then a look back at the digit before it): a pattern
# that begins with a character class is scanned fast, one that begins with a look
# back is tried at every position.
_SPACE_IN_NUMBER = re.compile(
    r"[ \u00a0\u3000\u2009\u202f](?<=[0-9０-９].)[ \u00a0\u3000\u2009\u202f]*(?=[.．]?[0-9０-９])"
)
_GROUP_BEFORE = re.compile(r"(?:^|[^0-9０-９.．])[0-9０-９]{1,3}$")
_GROUP_AFTER = re.compile(r"[0-9０-９]{3}(?![0-9０-９])")
_DECIMAL_POINTS = ".．"


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    replacement: str  # "" drops the stretch


def _char_edits(text: str) -> tuple[list[_Edit], list[SourceWarning]]:
    """Edits that change the length: CRLF, zero-width and control characters, spaces in numbers."""
    edits = [_Edit(m.start(), m.end(), "\n") for m in _CRLF.finditer(text)] if "\r" in text else []
    warnings: list[SourceWarning] = []
    if _ZERO_WIDTH_OR_CONTROL.search(text) is None:
        odd_runs: list[re.Match[str]] = []
    else:
        edits.extend(_Edit(m.start(), m.end(), "") for m in _ZERO_WIDTH.finditer(text))
        odd_runs = list(_CONTROL.finditer(text))
    for m in odd_runs:
        edits.append(_Edit(m.start(), m.end(), ""))
        warnings.append(
            _warning(text, "control_chars", "已删除控制字符 / control characters removed", m.start(), m.end())
        )
    for m in _SPACE_IN_NUMBER.finditer(text):
        before_point = text[m.end()] in _DECIMAL_POINTS
        thousands = _GROUP_BEFORE.search(text, max(0, m.start() - 4), m.start()) and _GROUP_AFTER.match(
            text, m.end()
        )
        if before_point or thousands:
            edits.append(_Edit(m.start(), m.end(), ""))
    return edits, warnings


def _build_clean(text: str, removals: list[Removal], edits: list[_Edit]) -> CleanText:
    """One pass over the text: removals and edits in order, unified runs in between."""
    all_edits = [_Edit(r.start, r.end, "") for r in removals] + edits
    # A removal starts no later than an edit inside it, and is longer: it comes first and wins.
    all_edits.sort(key=lambda e: (e.start, -(e.end - e.start)))
    unified = _TO_UNIFY.sub(lambda m: _UNIFY[m.group()], text)  # same length as text
    builder = TextBuilder(text)
    pos = 0
    for edit in all_edits:
        start = max(edit.start, pos)  # the part not already inside a removal applied before
        if start >= edit.end:
            continue
        if start > pos:
            builder.keep(pos, start, unified[pos:start])
        if edit.replacement:
            builder.substitute(start, edit.end, edit.replacement)
        pos = edit.end
    if pos < len(text):
        builder.keep(pos, len(text), unified[pos:])
    return builder.build()


# ------------------------------------------------------------------- flags
_REPLACEMENT = re.compile("\ufffd+")
# A masked number: X/x runs, possibly with digits and a decimal point ("xx.xx", "20xx", "x.xxx").
# Found from the first X (fast to scan for), then widened back over digits and a point.
_MASKED = re.compile(r"[Xx][0-9Xx]*(?:\.[0-9Xx]+)?(?![A-Za-z0-9])")
# What follows a number: units and counters.  "XX镇", "xx村", "x省" are place names, not figures.
_UNIT_AFTER = re.compile(
    r"(?:余|多|几)?(?:"
    r"%|‰|个百分点|百分点|万亿元|亿元|万元|千元|元|万亩|亩|公顷|平方(?:米|公里|千米)|立方米|公里|千米|米|"
    r"万吨|吨|千瓦时|千瓦|万人次|人次|户次|万人|倍|万|亿|千|百|个|户|人|名|次|条|件|份|盏|间|支|项|例|株|棵|"
    r"家|座|处|所|台|辆|套|批|场|期|篇|起|宗|栋|位|张|头|只|口|眼|类|种|届|年|月|日|天|小时|岁|级)"
)
# Words that begin with a counter character but are not counters ("XX人民政府", "XX项目").
_NOT_UNIT = re.compile(
    r"人民|人才|人大|人员|家庭|家园|家乡|家居|项目|种植|种养|位于|台账|支部|百姓|只有|只要|户籍|所在|所属|"
    r"场镇|口岸|处理|名称|名单|条例|起步|天然|元素"
)
# "3x3篮球赛", "2x2": a times sign between digits, not a mask.
_TIMES = re.compile(r"[0-9]+[Xx][0-9]+")
# Letters that OCR reads for digits (I, l -> 1; O, o -> 0), mixed with digits or before 多/余/万/亿/元.
_OCR_TOKEN = re.compile(r"[IlOo][0-9IlOo]*(?:\.[0-9IlOo]+)?(?![A-Za-z0-9])")
_OCR_SCALE_AFTER = re.compile(r"[多余万亿元千百]")
_OCR_HAS_DIGIT = re.compile(r"[0-9]")
# Real words made of these letters and digits.
_OCR_REAL_WORDS = frozenset({"O2O", "o2o"})

_FLAG_MESSAGES = {
    "replacement_char": "原文含无法识别的字符（�） / the text contains replacement characters (�)",
    "redacted": "数字已被隐去（XX），不作推断 / figure redacted in the source (XX); it is never filled in",
    "ocr_digits": "疑似OCR识别错误的数字（如IlOO） / suspected OCR misread digits (e.g. IlOO)",
}


def _flags(clean: CleanText) -> list[SourceWarning]:
    text = clean.text
    replaced = _REPLACEMENT.finditer(text) if "\ufffd" in text else ()
    found: list[tuple[str, int, int]] = [("replacement_char", m.start(), m.end()) for m in replaced]
    for m in _MASKED.finditer(text):
        start = _number_start(text, m.start())
        if start is None:
            continue
        token = text[start : m.end()]
        if _TIMES.fullmatch(token):
            continue
        unit = None if _NOT_UNIT.match(text, m.end()) else _UNIT_AFTER.match(text, m.end())
        has_number_shape = token.count("x") + token.count("X") < len(token)  # digits or a decimal point
        if unit or has_number_shape:
            found.append(("redacted", start, unit.end() if unit else m.end()))
    for m in _OCR_TOKEN.finditer(text):
        start = _number_start(text, m.start())
        if start is None:
            continue
        token = text[start : m.end()]
        if token in _OCR_REAL_WORDS:
            continue
        if _OCR_HAS_DIGIT.search(token) or (len(token) >= 2 and _OCR_SCALE_AFTER.match(text, m.end())):
            found.append(("ocr_digits", start, m.end()))
    return [
        _warning(clean.original, code, _FLAG_MESSAGES[code], *clean.to_original(s, e)) for code, s, e in found
    ]


# ------------------------------------------------------------ the text as a whole
# Runs, not single characters: summing the lengths of a few hundred runs is much
# faster than listing twenty thousand characters.
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile("[A-Za-z]+")
_SAMPLE_CHARS = 20_000  # counting on a sample keeps a million-character text cheap
_MIN_HAN_SHARE = 0.2  # of the letters (Han and Latin): below it the text is not a Chinese report
_LONG_LINE = re.compile(r"^[^\n]{40,}", re.M)
_REPEAT_PROBE = 60  # characters of the first long line looked for again further on
_MIN_REPEAT = 200  # a repeat this long is the text pasted twice, not a set phrase


def _whole_text_flags(clean: CleanText) -> list[SourceWarning]:
    """Warnings about the text as a whole: not Chinese, or (part of it) pasted twice."""
    text = clean.text
    out: list[SourceWarning] = []
    sample = text[:_SAMPLE_CHARS]
    han = sum(map(len, _HAN.findall(sample)))
    # Han letters above the share of the whole sample are above it of the letters too: no need to count Latin.
    latin = sum(map(len, _LATIN.findall(sample))) if han <= _MIN_HAN_SHARE * len(sample) else 0
    if latin and han < _MIN_HAN_SHARE * (han + latin):
        out.append(
            SourceWarning(
                code="not_chinese",
                message="文本几乎不含中文，摘要可能没有意义 / the text is hardly Chinese; the summary may be meaningless",
            )
        )
    first_long = _LONG_LINE.search(text)
    if first_long:
        probe = first_long.group()[:_REPEAT_PROBE]
        again = text.find(probe, first_long.end())
        if again >= 0:
            length = _common_length(text, first_long.start(), again)
            if length >= _MIN_REPEAT:
                out.append(
                    _warning(
                        clean.original,
                        "duplicate_text",
                        f"同一段文字出现两次（{length} 字），可能重复粘贴 / the same {length} characters occur twice; pasted twice?",
                        *clean.to_original(again, again + length),
                    )
                )
    return out


def _common_length(text: str, a: int, b: int) -> int:
    """How many characters from `a` equal those from `b` (a < b), compared block by block."""
    n, limit = 0, len(text) - b
    for step in (4096, 256, 16, 1):
        while n + step <= limit and text[a + n : a + n + step] == text[b + n : b + n + step]:
            n += step
    return n


def _number_start(text: str, start: int) -> int | None:
    """Start of the number a token belongs to (back over digits and a point), or None inside a word."""
    while start > 0 and (text[start - 1] in "0123456789."):
        start -= 1
    if start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
        return None
    return start


def _warning(original: str, code: str, message: str, start: int, end: int) -> SourceWarning:
    return SourceWarning(code=code, message=message, span=Span.of(original, start, end))


def normalize(text: str) -> Normalized:
    """Clean copy + offset map + warnings for `text` (the original)."""
    removals = find_boilerplate(text)
    edits, warnings = _char_edits(text)
    clean = _build_clean(text, removals, edits)
    warnings = [w for w in warnings if w.span is not None and not _inside(w.span, removals)]
    warnings.extend(_warning(text, r.code, REMOVAL_MESSAGES[r.code], r.start, r.end) for r in removals)
    warnings.extend(_flags(clean))
    warnings.extend(_whole_text_flags(clean))
    warnings.sort(key=lambda w: (w.span.start, w.span.end) if w.span else (0, 0))
    return Normalized(original=text, clean=clean, removals=removals, warnings=warnings)


def _inside(span: Span, removals: list[Removal]) -> bool:
    return any(r.start <= span.start and span.end <= r.end for r in removals)
