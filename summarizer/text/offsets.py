"""A cleaned copy of a text that remembers where every character came from.

Normalization removes boilerplate and unifies forms, but every span the program
emits points into the *original* text.  `CleanText` is the cleaned string plus,
for each of its characters, the original range it came from; `TextBuilder`
makes one piece by piece.  Worked example::

    b = TextBuilder("ＧＤＰ 1 2亿元")
    b.keep(0, 3, "GDP")      # full-width letters -> ASCII, one char each
    b.keep(3, 5)             # " 1" kept as is
                             # (the space inside "1 2": nothing kept, so it is dropped)
    b.keep(6, 9)             # "2亿元"
    clean = b.build()        # clean.text == "GDP 12亿元"
    clean.to_original(4, 8)  # -> (4, 9): "1 2亿元" in the original
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from ..schema import Span


class Piece(NamedTuple):
    """A stretch `text[clean_start:clean_end]` of the clean copy made from `original[start:end]`.

    A `copied` piece maps character by character (`text[clean_start + k]` came
    from `original[start + k]`); a substituted one maps every character to the
    whole original range.
    """

    clean_start: int
    clean_end: int
    start: int
    end: int
    copied: bool


@dataclass(frozen=True)
class CleanText:
    """`text` is the cleaned copy; `starts[i]:ends[i]` is where `text[i]` came from.

    The map is kept as the pieces the copy was built from, not per character:
    other stages ask for spans thousands of times, and a bisect over the piece
    starts answers each question without walking or allocating per character.
    """

    original: str
    text: str
    pieces: list[Piece]
    _clean_starts: list[int] = field(init=False, repr=False, compare=False)
    _first_origins: list[int] = field(init=False, repr=False, compare=False)
    _cuts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        clean_starts = [piece.clean_start for piece in self.pieces]
        object.__setattr__(self, "_clean_starts", clean_starts)
        object.__setattr__(self, "_first_origins", [piece.start for piece in self.pieces])
        object.__setattr__(self, "_cuts", self._find_cuts())

    def _find_cuts(self) -> list[int]:
        """Clean indices `i` where removed text that is not just blanks lies between `i - 1` and `i`.

        Inside a piece nothing is removed, so only piece boundaries can be cuts.
        """
        cuts = []
        for previous, piece in zip(self.pieces, self.pieces[1:], strict=False):
            gap_from, gap_to = previous.end, piece.start  # after the previous piece's last character
            if gap_to != gap_from and self.original[gap_from:gap_to].strip():
                cuts.append(piece.clean_start)
        return cuts

    def _piece(self, i: int) -> Piece:
        return self.pieces[bisect_right(self._clean_starts, i) - 1]

    def _start_of(self, i: int) -> int:
        piece = self._piece(i)
        return piece.start + i - piece.clean_start if piece.copied else piece.start

    def _end_of(self, i: int) -> int:
        piece = self._piece(i)
        return piece.start + i - piece.clean_start + 1 if piece.copied else piece.end

    @cached_property
    def starts(self) -> list[int]:
        """Per character of `text`, the start of the original range it came from."""
        out: list[int] = []
        for piece in self.pieces:
            if piece.copied:
                out.extend(range(piece.start, piece.end))
            else:
                out.extend([piece.start] * (piece.clean_end - piece.clean_start))
        return out

    @cached_property
    def ends(self) -> list[int]:
        """Per character of `text`, the end of the original range it came from."""
        out: list[int] = []
        for piece in self.pieces:
            if piece.copied:
                out.extend(range(piece.start + 1, piece.end + 1))
            else:
                out.extend([piece.end] * (piece.clean_end - piece.clean_start))
        return out

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original range covering the clean range `[start, end)` (empty stays empty)."""
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"clean range {start}:{end} outside 0:{n}")
        if start == end:
            pos = self._start_of(start) if start < n else (self._end_of(n - 1) if n else len(self.original))
            return pos, pos
        return self._start_of(start), self._end_of(end - 1)

    def span(self, start: int, end: int) -> Span:
        """The original `Span` of a clean range (it may include removed text in the middle)."""
        o_start, o_end = self.to_original(start, end)
        return Span.of(self.original, o_start, o_end)

    def spans(self, start: int, end: int) -> list[Span]:
        """Original spans of a clean range, split around removed text that is not just blanks.

        Use for claim evidence: an advertisement cut out of the middle of a
        sentence stays out of the evidence quotes.
        """
        return [Span.of(self.original, s, e) for s, e in self.ranges(start, end)]

    def ranges(self, start: int, end: int) -> list[tuple[int, int]]:
        """`spans` as (start, end) pairs, for callers that validate many spans at once."""
        if start >= end:
            return []
        out: list[tuple[int, int]] = []
        run_start = self._start_of(start)
        cuts = self._cuts
        for k in range(bisect_left(cuts, start + 1), bisect_left(cuts, end)):
            i = cuts[k]
            out.append((run_start, self._end_of(i - 1)))
            run_start = self._start_of(i)
        out.append((run_start, self._end_of(end - 1)))
        return out

    def to_clean(self, original_pos: int) -> int:
        """The clean index of the first clean character at or after an original position."""
        j = bisect_left(self._first_origins, original_pos)
        if j == 0:
            return 0
        piece = self.pieces[j - 1]  # its first character starts before the position, the next piece's do not
        if not piece.copied:
            return piece.clean_end
        return piece.clean_start + min(piece.clean_end - piece.clean_start, original_pos - piece.start)


@dataclass
class TextBuilder:
    """Builds a `CleanText` from pieces of the original, in order."""

    original: str
    _parts: list[str] = field(default_factory=list)
    _pieces: list[Piece] = field(default_factory=list)
    _length: int = 0

    def keep(self, start: int, end: int, replacement: str | None = None) -> None:
        """Append `original[start:end]`, or `replacement` of the same length in its place."""
        piece = self.original[start:end] if replacement is None else replacement
        if len(piece) == end - start:
            self._append(piece, start, end, copied=True)
        else:
            self.substitute(start, end, piece)

    def substitute(self, start: int, end: int, replacement: str) -> None:
        """Append `replacement` for `original[start:end]` (lengths may differ).

        Every replacement character maps to the whole original range, so a span
        over any part of it maps back to the whole of it.
        """
        self._append(replacement, start, end, copied=False)

    def _append(self, part: str, start: int, end: int, *, copied: bool) -> None:
        if not part:
            return
        clean_end = self._length + len(part)
        previous = self._pieces[-1] if self._pieces else None
        if copied and previous is not None and previous.copied and previous.end == start:
            self._pieces[-1] = previous._replace(clean_end=clean_end, end=end)  # one run of the original
        else:
            self._pieces.append(Piece(self._length, clean_end, start, end, copied))
        self._parts.append(part)
        self._length = clean_end

    def build(self) -> CleanText:
        return CleanText(self.original, "".join(self._parts), list(self._pieces))
