"""Folding and normalizing text for quote matching (`align.fold_text`, `align.SourceText`).

Both rewrite only runs of the text (full-width forms, capitals, digits with
look-alike letters) and keep the rest as is; these tests pin what a run is.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.verification.align import SourceText, _is_ignored, fold_text, normalize_for_match


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("增长５．５％，达到", "增长5.5%,达到", id="full-width"),
        pytest.param("一、\u3000工作回顾", "一、 工作回顾", id="ideographic-space"),
        pytest.param("总投资IlOO多万元", "总投资1100多万元", id="look-alikes-before-a-counting-word"),
        pytest.param("投资1O0万元", "投资100万元", id="look-alike-among-digits"),
        pytest.param("2O23年", "2023年", id="look-alike-in-a-year"),
        pytest.param("Hello World 2024", "Hello World 2024", id="english-words-kept"),
        pytest.param("10Ox", "10Ox", id="run-before-a-letter-kept"),
        pytest.param("lO多户", "10多户", id="look-alikes-only-before-a-counting-word"),
        pytest.param("lO户", "lO户", id="look-alikes-only-elsewhere-kept"),
        pytest.param("Ｏ1", "01", id="full-width-look-alike"),
        pytest.param("12，O3", "12,03", id="look-alike-after-punctuation"),
        pytest.param("", "", id="empty"),
    ],
)
def test_fold_text(text: str, folded: str) -> None:
    assert fold_text(text) == folded
    assert len(fold_text(text)) == len(text)


@pytest.mark.parametrize(
    ("original", "normalized"),
    [
        pytest.param("ＧＤＰ增长５．５％，以上", "gdp增长5.5%以上", id="width-case-punctuation"),
        pytest.param("非税收\n2、入XX万元。", "非税收入xx万元", id="page-marker-dropped"),
        pytest.param("工作。\n2、目标", "工作2目标", id="list-number-after-a-sentence-kept"),
        pytest.param("总投资 1O0 万元", "总投资100万元", id="ocr-digits-and-blanks"),
        pytest.param("总投资 IlOO 多万元", "总投资iloo多万元", id="look-alikes-apart-from-their-word"),
        pytest.param("，。！", "", id="punctuation-only"),
        pytest.param("abc", "abc", id="nothing-ignored"),
    ],
)
def test_source_text_normalizes_like_a_quote(original: str, normalized: str) -> None:
    source = SourceText(original)
    assert source.normalized == normalized == normalize_for_match(original)
    assert len(source.positions) == len(normalized)


_TRICKY = "0123456789IlOoxXab多余万亿元%％，。、；：! \t\n\u3000Ａ１Ｏ年增长ABZ-.[]^\\"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_TRICKY, max_size=40))
def test_source_text_maps_every_kept_character_back(text: str) -> None:
    """Each normalized character is the folded, lower-case character at its original position,
    and every character left out is ignored or part of a page marker."""
    source = SourceText(text)
    lowered = source.folded.lower()  # the alphabet's letters are ASCII
    assert source.positions == sorted(set(source.positions))
    assert source.normalized == "".join(lowered[i] for i in source.positions)
    kept = set(source.positions)
    markers = {
        i for m in re.finditer(r"(?<![。！？!?：:；;\n])\n[ \t]*\d{1,3}、", text) for i in range(*m.span())
    }
    for index, char in enumerate(lowered):
        if index not in kept:
            assert _is_ignored(char) or index in markers
        else:
            assert not _is_ignored(char) and index not in markers
