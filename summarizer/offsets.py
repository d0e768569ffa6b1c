"""A cleaned copy of a text that remembers where every character came from.

Normalization removes boilerplate and unifies forms, but every span the program
emits points into the *original* text.  `CleanText` is the cleaned string plus,
for each of its characters, the original range it came from; `TextBuilder`
makes one piece by piece.  Worked example::

    b = TextBuilder("ＧＤＰ 1 2亿元")
    b.keep(0, 3, "GDP")      # full-width letters -> ASCII, one char each
    b.keep(3, 5)             # " 1" kept as is
    b.drop(5, 6)             # the space inside "1 2" is dropped
    b.keep(6, 9)             # "2亿元"
    clean = b.build()        # clean.text == "GDP 12亿元"
    clean.to_original(4, 8)  # -> (4, 9): "1 2亿元" in the original
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .schema import Span


@dataclass(frozen=True)
class CleanText:
    """`text` is the cleaned copy; `starts[i]:ends[i]` is where `text[i]` came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original range covering the clean range `[start, end)` (empty stays empty)."""
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"clean range {start}:{end} outside 0:{n}")
        if start == end:
            pos = self.starts[start] if start < n else (self.ends[-1] if n else len(self.original))
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def span(self, start: int, end: int) -> Span:
        """The original `Span` of a clean range (it may include removed text in the middle)."""
        o_start, o_end = self.to_original(start, end)
        return Span.of(self.original, o_start, o_end)

    def spans(self, start: int, end: int) -> list[Span]:
        """Original spans of a clean range, split around removed text that is not just blanks.

        Use for claim evidence: an advertisement cut out of the middle of a
        sentence stays out of the evidence quotes.
        """
        if start >= end:
            return []
        out: list[Span] = []
        run_start = self.starts[start]
        for i in range(start + 1, end):
            gap_from, gap_to = self.ends[i - 1], self.starts[i]
            if gap_to != gap_from and self.original[gap_from:gap_to].strip():
                out.append(Span.of(self.original, run_start, gap_from))
                run_start = gap_to
        out.append(Span.of(self.original, run_start, self.ends[end - 1]))
        return out

    def to_clean(self, original_pos: int) -> int:
        """The clean index of the first clean character at or after an original position."""
        from bisect import bisect_left

        return bisect_left(self.starts, original_pos)


@dataclass
class TextBuilder:
    """Builds a `CleanText` from pieces of the original, in order."""

    original: str
    _parts: list[str] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)

    def keep(self, start: int, end: int, replacement: str | None = None) -> None:
        """Append `original[start:end]`, or `replacement` of the same length in its place."""
        piece = self.original[start:end] if replacement is None else replacement
        if len(piece) == end - start:
            self._parts.append(piece)
            self._starts.extend(range(start, end))
            self._ends.extend(range(start + 1, end + 1))
        else:
            self.substitute(start, end, piece)

    def substitute(self, start: int, end: int, replacement: str) -> None:
        """Append `replacement` for `original[start:end]` (lengths may differ).

        Every replacement character maps to the whole original range, so a span
        over any part of it maps back to the whole of it.
        """
        self._parts.append(replacement)
        self._starts.extend([start] * len(replacement))
        self._ends.extend([end] * len(replacement))

    def drop(self, start: int, end: int) -> None:
        """Leave `original[start:end]` out of the clean copy (nothing to append)."""

    def build(self) -> CleanText:
        text = "".join(self._parts)
        if len(text) != len(self._starts):
            raise ValueError("internal offset map out of step")
        return CleanText(self.original, text, list(self._starts), list(self._ends))
