"""Locating quotes in the original text: exact, after normalization, or fuzzily.

A summary cites the report by quoting it.  The quote may be exact, or differ in
forms that do not change its meaning (full-width digits, spaces, punctuation,
a page marker such as "\\n2、" that cuts a sentence in two), or differ a little
(OCR slips, a word dropped).  `SourceText.align` finds it in that order and says how
it was found, so a reader knows how far to trust the location:

    exact       `original.find(quote)`
    normalized  equal once both sides are normalized (see `normalize_for_match`)
    fuzzy       a character-level partial match above a length-relative threshold

Matching is on characters, never on word tokens: Chinese has no spaces, so word
tokens would compare whole clauses.  `SourceText` normalizes the original once
and keeps, for each character of the normalized copy, where it came from; build
one per report and align every quote of that report against it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from ..schema import Span

# Full-width ASCII (！ to ～) and the ideographic space fold to their ASCII twins.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Runs of those characters: `str.translate` looks up every character of a Chinese
# text one by one, so only the runs that change are translated.
_WIDE_RUN = re.compile("[\uff01-\uff5e\u3000]+")
# ASCII letters only: str.lower() may change the length of other scripts' text.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ASCII_UPPER_RUN = re.compile("[A-Z]+")

# A line break inside a sentence followed by "2、": a page number of a scanned or
# shared document, not part of the text (the previous line does not end a sentence).
_PAGE_MARKER = re.compile(r"(?<![。！？!?：:；;\n])\n[ \t]*\d{1,3}、")

# OCR reads digits as look-alike letters ("IlOO多万元" for "1100多万元"): a run of
# digits and look-alikes that holds a digit, or is followed by a counting word.
_OCR_RUN = re.compile(
    r"(?<![A-Za-z])[0-9IlOo]*[0-9][0-9IlOo]*(?![A-Za-z])|(?<![A-Za-z])[IlOo0-9]{2,}(?=[多余万亿千百元%％])"
)
_OCR_TABLE = str.maketrans("IlOo", "1100")
# The runs of digits and look-alikes that hold a look-alike: `_OCR_RUN` matches lie
# inside such runs (and change only those that hold a look-alike), so it is tried
# only there, seeing one character on either side as over the whole text.
_LOOKALIKE_RUN = re.compile(r"[0-9IlOo]*[IlOo][0-9IlOo]*")

# Quotes this short could match almost anywhere fuzzily: exact or normalized only.
_MIN_FUZZY_LENGTH = 8
# Share of a quote's characters that may differ in a fuzzy match (OCR slips, a
# dropped word); at least one character for short quotes.
_FUZZY_ERROR_RATE = 0.12


class AlignmentStatus(StrEnum):
    """How a quote was found in the original text."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"


@dataclass(frozen=True)
class Alignment:
    span: Span
    status: AlignmentStatus
    score: float  # 100 for exact and normalized matches, the fuzzy score otherwise


@lru_cache(maxsize=8192)
def _is_ignored(char: str) -> bool:
    """Characters that never decide whether two quotes say the same: blanks, punctuation.

    "." and "%" are kept: they are part of figures ("5.2%").
    """
    if char in ".%":
        return False
    category = unicodedata.category(char)
    return char.isspace() or category.startswith("P") or category in ("Zs", "Cc", "Cf")


def _strip_ignored(text: str) -> str:
    return text.translate({ord(c): None for c in set(text) if _is_ignored(c)})


def fold_text(text: str) -> str:
    """Half-width forms and OCR look-alike digits repaired; same length as `text`.

    >>> fold_text("总投资IlOO多万元，增长５％")
    '总投资1100多万元,增长5%'
    """
    folded = _WIDE_RUN.sub(lambda m: m.group().translate(_WIDTH_TABLE), text)
    pieces: list[str] = []
    done = 0
    for run in _LOOKALIKE_RUN.finditer(folded):
        for match in _OCR_RUN.finditer(folded, run.start(), run.end() + 1):
            pieces += [folded[done : match.start()], match.group().translate(_OCR_TABLE)]
            done = match.end()
    return "".join([*pieces, folded[done:]]) if pieces else folded


def _ascii_lower(text: str) -> str:
    """`text` with ASCII capitals in lower case (same as translating `_ASCII_LOWER`, faster)."""
    return _ASCII_UPPER_RUN.sub(lambda m: m.group().lower(), text)


@lru_cache(maxsize=4096)
def normalize_for_match(text: str) -> str:
    """The normalized form used for matching: folded, lower case, no blanks or punctuation.

    >>> normalize_for_match("ＧＤＰ 增长 5.5％，以上")
    'gdp增长5.5%以上'
    """
    return _strip_ignored(_ascii_lower(fold_text(_PAGE_MARKER.sub("", text))))


class SourceText:
    """An original text with a normalized copy that maps back to it, built once per report."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.folded = fold_text(original)
        # Page markers of the original are blanked out: blanks are ignored, and the length is kept.
        pieces: list[str] = []
        done = 0
        lowered = _ascii_lower(self.folded)
        for marker in _PAGE_MARKER.finditer(original):
            pieces += [lowered[done : marker.start()], " " * (marker.end() - marker.start())]
            done = marker.end()
        kept = _kept_runs("".join([*pieces, lowered[done:]]))
        # positions[i] is where normalized[i] sits in the original.
        self.positions: list[int] = []
        for run in kept:
            self.positions.extend(range(run.start(), run.end()))
        self.normalized = "".join(run.group() for run in kept)

    def to_original(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """The original range covering the normalized range `[norm_start, norm_end)`."""
        if norm_start >= norm_end:
            pos = self.positions[norm_start] if norm_start < len(self.positions) else len(self.original)
            return pos, pos
        return self.positions[norm_start], self.positions[norm_end - 1] + 1

    def to_normalized(self, original_pos: int) -> int:
        """The normalized index of the first kept character at or after an original position."""
        return bisect_left(self.positions, original_pos)

    def align(
        self, quote: str, *, near: int | None = None, min_score: float | None = None, fuzzy: bool = True
    ) -> Alignment | None:
        """Find `quote` in the original: exact, then normalized, then fuzzy; None if absent.

        `near` prefers the occurrence closest to that original position (a span
        whose offsets drifted); `min_score` overrides the length-relative fuzzy
        threshold (0-100); `fuzzy=False` stops after the normalized search.
        """
        if not quote:
            return None
        exact = _closest_occurrence(self.original, quote, near)
        if exact is not None:
            return Alignment(Span.of(self.original, exact, exact + len(quote)), AlignmentStatus.EXACT, 100.0)
        needle = normalize_for_match(quote)
        if not needle:
            return None
        near_norm = None if near is None else self.to_normalized(near)
        found = _closest_occurrence(self.normalized, needle, near_norm)
        if found is not None:
            start, end = self.to_original(found, found + len(needle))
            return Alignment(Span.of(self.original, start, end), AlignmentStatus.NORMALIZED, 100.0)
        if not fuzzy or len(needle) < _MIN_FUZZY_LENGTH:
            return None
        threshold = fuzzy_threshold(len(needle)) if min_score is None else min_score
        match = fuzz.partial_ratio_alignment(needle, self.normalized, score_cutoff=threshold)
        if match is None or match.dest_end <= match.dest_start:
            return None
        start, end = self.to_original(match.dest_start, match.dest_end)
        return Alignment(Span.of(self.original, start, end), AlignmentStatus.FUZZY, match.score)


def _kept_runs(text: str) -> list[re.Match[str]]:
    """The runs of `text` that `normalize_for_match` keeps (no blank or punctuation in them)."""
    ignored = sorted(c for c in set(text) if _is_ignored(c))
    if not ignored:
        return [m for m in [re.match(".+", text, re.DOTALL)] if m is not None]
    return list(re.finditer(f"[^{''.join(map(re.escape, ignored))}]+", text))


def fuzzy_threshold(length: int) -> float:
    """Lowest fuzzy score (0-100) accepted for a normalized quote of `length` characters.

    About one differing character in eight is tolerated, and at least one: a
    10-character quote needs 90, a 40-character quote 87.5.
    """
    allowed = max(1, round(length * _FUZZY_ERROR_RATE))
    return 100.0 * (1.0 - allowed / max(length, 1))


def _closest_occurrence(haystack: str, needle: str, near: int | None) -> int | None:
    """Index of `needle` in `haystack`, the occurrence nearest to `near` when given."""
    first = haystack.find(needle)
    if first < 0 or near is None:
        return first if first >= 0 else None
    best, position = first, first
    while position >= 0 and position <= near + len(needle):
        if abs(position - near) < abs(best - near):
            best = position
        position = haystack.find(needle, position + 1)
    if position >= 0 and abs(position - near) < abs(best - near):
        best = position
    return best


# ---------------------------------------------------------------------------
# Sentences and negations

# Sentences end at these marks or at a line break; "；" does not end one, as the
# reports chain a whole paragraph of figures with it.
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, blanks around it left out.

    A page marker's line break ("非税收\n2、入XX万元") does not end a sentence.
    """
    bounds: list[tuple[int, int]] = []
    joined = _PAGE_MARKER.sub(lambda m: " " + m.group()[1:], text)
    for match in _SENTENCE.finditer(joined):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            bounds.append((start, end))
    return bounds


# Abbreviations a summary may use for the report's full terms (matched lower case).
ABBREVIATIONS = {"gdp": "地区生产总值", "规上": "规模以上", "限上": "限额以上", "固投": "固定资产投资"}
_ABBREVIATION = re.compile("|".join(ABBREVIATIONS))


def expand_abbreviations(normalized: str) -> str:
    """A normalized claim with abbreviations written out ("gdp" -> "地区生产总值")."""
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group()], normalized)


# Words that negate a statement ("未发生", "没有", "无一例"), not their look-alikes
# ("未来", "无害化", "无障碍", "无偿").
_NEGATION = re.compile(r"未(?!来)|没有?|无(?!害化|公害|障碍|偿)")
_NEGATED_WORDS = 2  # characters after a negation that say what it negates


def negation_differs(claim: str, evidence: str) -> bool:
    """Whether the claim drops the evidence's negation, or negates what the evidence affirms.

    Matching characters in order cannot see this: "全镇发生一起较大安全事故" is
    every character of "全镇未发生一起较大安全事故" but one.  A negation counts
    as dropped when the claim has none but repeats the words right after one of
    the evidence's ("发生"), and as added the other way round; rewording one
    negation as another ("无" -> "没有") is neither.
    """
    claim_key, evidence_key = match_key(claim), normalize_for_match(evidence)
    return _repeats_negated_words(evidence_key, claim_key) or _repeats_negated_words(claim_key, evidence_key)


def _repeats_negated_words(negating: str, other: str) -> bool:
    """`negating` negates words that `other` states without any negation."""
    if _NEGATION.search(other):
        return False
    return any(
        len(following) == _NEGATED_WORDS and following in other
        for following in (negating[m.end() : m.end() + _NEGATED_WORDS] for m in _NEGATION.finditer(negating))
    )


def match_key(text: str) -> str:
    """A claim as the negation check compares it: normalized, abbreviations written out."""
    return expand_abbreviations(normalize_for_match(text))
