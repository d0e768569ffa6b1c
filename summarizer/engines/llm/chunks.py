"""Token-budgeted chunks of a report for the LLM engine's map step.

One chunk per level-1 or level-2 section body: a top section with (一)
children gives a piece for its own text before, between and after the children,
and one piece per child; a top section without children is one piece.  A piece
over the budget is cut between sentences (a line break ends one too), a
sentence over budget between clauses, and a clause over budget where the budget
ends.  A tiny piece (under a quarter of the budget) is merged with its
neighbour while the budget allows, so a title-only preamble does not cost a
model call of its own.

Chunks are contiguous, in order, and cover the text from the first section's
start to the end: every section's text is sent exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import ConfigError
from ...text.sentences import count_tokens, split_sentences

if TYPE_CHECKING:
    from ...sections.split import SectionNode
    from ...text.normalize import Normalized

TINY_SHARE = 4  # a piece under max_tokens / TINY_SHARE is tiny


@dataclass(frozen=True)
class Chunk:
    """A clean range `start:end` sent to the model in one call; `section_ids` are the sections it holds."""

    section_ids: list[str]
    start: int
    end: int
    tokens: int


@dataclass
class _Piece:
    start: int
    end: int
    section_ids: list[str]
    tokens: int


def chunk_sections(norm: Normalized, nodes: list[SectionNode], max_tokens: int) -> list[Chunk]:
    """Contiguous chunks of at most `max_tokens` tokens covering every section once, in order."""
    if max_tokens < 1:
        raise ConfigError(
            f"分块的词元上限必须为正数：{max_tokens}", f"max_tokens must be positive: {max_tokens}"
        )
    text = norm.clean.text
    pieces = _pieces(text, nodes)
    sized: list[_Piece] = []
    for piece in pieces:
        sized.extend(_fit(text, piece, max_tokens))
    merged = _merge_tiny(text, sized, max_tokens)
    return [Chunk(p.section_ids, p.start, p.end, p.tokens) for p in merged]


def _pieces(text: str, nodes: list[SectionNode]) -> list[_Piece]:
    """Level-1 and level-2 section bodies as contiguous ranges (blank gaps join the piece before)."""
    children: dict[str, list[SectionNode]] = {}
    for node in nodes:
        if node.level == 2 and node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    ranges: list[tuple[int, int, str]] = []
    for top in (n for n in nodes if n.level == 1):
        pos = top.start
        for child in children.get(top.id, []):
            if child.start > pos:
                ranges.append((pos, child.start, top.id))
            ranges.append((child.start, child.end, child.id))
            pos = child.end
        if top.end > pos:
            ranges.append((pos, top.end, top.id))
    pieces: list[_Piece] = []
    for start, end, section_id in ranges:
        if pieces and not text[start:end].strip():
            pieces[-1].end = end  # blanks between sections travel with the text before them
            continue
        if pieces and pieces[-1].end < start:
            pieces[-1].end = start
        pieces.append(_Piece(start, end, [section_id], 0))
    for piece in pieces:
        piece.tokens = count_tokens(text[piece.start : piece.end])
    return pieces


def _fit(text: str, piece: _Piece, max_tokens: int) -> list[_Piece]:
    """`piece`, cut at sentence, then clause boundaries, then anywhere, into parts within the budget."""
    if piece.tokens <= max_tokens:
        return [piece]
    return [
        _Piece(start, end, list(piece.section_ids), tokens)
        for start, end, tokens in _split_range(text, piece.start, piece.end, max_tokens, clauses=False)
    ]


def _split_range(
    text: str, start: int, end: int, max_tokens: int, *, clauses: bool
) -> list[tuple[int, int, int]]:
    """`(start, end, tokens)` parts of `text[start:end]` within the budget, packing whole units greedily.

    Units are sentences (or clauses); each runs up to the next one's start, so the
    parts stay contiguous.  Tokens of a unit are counted once and summed; the sum
    of a packed run is then checked against an exact count, since a few tokens
    may merge across a boundary.
    """
    ends = [s for s, _ in split_sentences(text, start, end, clauses=clauses)[1:] if s > start] + [end]
    units = list(zip([start, *ends[:-1]], ends, strict=True))
    counts = [count_tokens(text[a:b]) for a, b in units]
    parts: list[tuple[int, int, int]] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and total + counts[j] <= max_tokens:
            total += counts[j]
            j += 1
        if j == i:  # one unit alone is over budget: cut it finer
            a, b = units[i]
            if clauses:
                parts.extend(_cut_anywhere(text, a, b, max_tokens))
            else:
                parts.extend(_split_range(text, a, b, max_tokens, clauses=True))
            i += 1
            continue
        exact = count_tokens(text[units[i][0] : units[j - 1][1]])
        while exact > max_tokens and j - 1 > i:
            j -= 1
            exact = count_tokens(text[units[i][0] : units[j - 1][1]])
        parts.append((units[i][0], units[j - 1][1], exact))
        i = j
    return parts


def _cut_anywhere(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    """Parts of a stretch without any usable boundary: each the longest prefix within the budget."""
    parts: list[tuple[int, int, int]] = []
    while start < end:
        low, high = start + 1, end  # at least one character per part, so the loop always advances
        while low < high:
            mid = (low + high + 1) // 2
            if count_tokens(text[start:mid]) <= max_tokens:
                low = mid
            else:
                high = mid - 1
        parts.append((start, low, count_tokens(text[start:low])))
        start = low
    return parts


def pack_chunks(norm: Normalized, chunks: list[Chunk], max_tokens: int) -> list[Chunk]:
    """Neighbouring chunks joined while the budget allows: as few chunks as possible, for a serial server."""
    text = norm.clean.text
    out: list[Chunk] = []
    for chunk in chunks:
        if out:
            last = out[-1]
            tokens = count_tokens(text[last.start : chunk.end])
            if tokens <= max_tokens:
                ids = last.section_ids + [i for i in chunk.section_ids if i not in last.section_ids]
                out[-1] = Chunk(ids, last.start, chunk.end, tokens)
                continue
        out.append(chunk)
    return out


def _merge_tiny(text: str, pieces: list[_Piece], max_tokens: int) -> list[_Piece]:
    tiny = max_tokens // TINY_SHARE
    out: list[_Piece] = []
    for piece in pieces:
        if out and (out[-1].tokens < tiny or piece.tokens < tiny):
            last = out[-1]
            tokens = count_tokens(text[last.start : piece.end])
            if tokens <= max_tokens:
                ids = last.section_ids + [i for i in piece.section_ids if i not in last.section_ids]
                out[-1] = _Piece(last.start, piece.end, ids, tokens)
                continue
        out.append(piece)
    return out
