"""offsets: the clean copy's map back to the original, answered from its pieces."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

import pytest

from summarizer.text.offsets import CleanText, TextBuilder


def _docstring_example() -> CleanText:
    b = TextBuilder("ＧＤＰ 1 2亿元")
    b.keep(0, 3, "GDP")
    b.keep(3, 5)
    b.keep(6, 9)
    return b.build()


def _advert_cut_out() -> CleanText:
    # "增长5%" + advert + "，达到10亿元" with a blank line dropped and a CRLF made "\n".
    b = TextBuilder("增长5%篮彩购买app，达到\r\n\n10亿元")
    b.keep(0, 4)
    b.keep(11, 14)
    b.substitute(14, 16, "\n")
    b.keep(17, 21)
    return b.build()


def _substituted_runs() -> CleanText:
    b = TextBuilder("a\r\nb\u200bc\r\nd")
    b.keep(0, 1)
    b.substitute(1, 3, "\n")
    b.keep(3, 4)
    b.keep(5, 6)
    b.substitute(6, 8, "--")  # a replacement longer than one character
    b.keep(8, 9)
    return b.build()


def _empty() -> CleanText:
    return TextBuilder("").build()


def _all_dropped() -> CleanText:
    b = TextBuilder("广告")
    return b.build()


EXAMPLES: list[tuple[str, Callable[[], CleanText], str]] = [
    ("docstring", _docstring_example, "GDP 12亿元"),
    ("advert", _advert_cut_out, "增长5%，达到\n10亿元"),
    ("substituted", _substituted_runs, "a\nbc--d"),
    ("empty", _empty, ""),
    ("all dropped", _all_dropped, ""),
]


@pytest.mark.parametrize(("name", "make", "text"), EXAMPLES)
def test_clean_text_and_per_character_map(name: str, make: Callable[[], CleanText], text: str) -> None:
    clean = make()
    assert clean.text == text
    assert len(clean.starts) == len(clean.ends) == len(text)
    assert clean.starts == sorted(clean.starts)


@pytest.mark.parametrize(("name", "make", "text"), EXAMPLES)
def test_pieces_answer_like_the_per_character_map(
    name: str, make: Callable[[], CleanText], text: str
) -> None:
    """to_original, spans and to_clean agree with their definitions over `starts`/`ends`."""
    clean = make()
    starts, ends, original, n = clean.starts, clean.ends, clean.original, len(clean.text)
    for start in range(n + 1):
        for end in range(start, n + 1):
            if start == end:
                pos = starts[start] if start < n else (ends[-1] if n else len(original))
                assert clean.to_original(start, end) == (pos, pos)
                assert clean.spans(start, end) == []
                continue
            assert clean.to_original(start, end) == (starts[start], ends[end - 1])
            expected, run_start = [], starts[start]
            for i in range(start + 1, end):
                if starts[i] != ends[i - 1] and original[ends[i - 1] : starts[i]].strip():
                    expected.append((run_start, ends[i - 1]))
                    run_start = starts[i]
            expected.append((run_start, ends[end - 1]))
            assert [(s.start, s.end) for s in clean.spans(start, end)] == expected
    for pos in range(len(original) + 2):
        assert clean.to_clean(pos) == bisect_left(starts, pos)


@pytest.mark.parametrize(
    ("make", "start", "end", "quotes"),
    [
        (_docstring_example, 4, 8, ["1 2亿元"]),
        (_docstring_example, 0, 3, ["ＧＤＰ"]),
        (_advert_cut_out, 0, 7, ["增长5%", "，达到"]),  # the advert stays out of the evidence
        (_advert_cut_out, 4, 12, ["，达到\r\n\n10亿元"]),  # only blanks were dropped: one span
        (_substituted_runs, 5, 6, ["\r\n"]),  # any part of a replacement maps to all of it
    ],
)
def test_spans_quote_the_original(
    make: Callable[[], CleanText], start: int, end: int, quotes: list[str]
) -> None:
    clean = make()
    assert [s.quote for s in clean.spans(start, end)] == quotes


def test_out_of_range_is_an_error() -> None:
    clean = _docstring_example()
    with pytest.raises(ValueError):
        clean.to_original(3, 2)
    with pytest.raises(ValueError):
        clean.to_original(0, len(clean.text) + 1)
