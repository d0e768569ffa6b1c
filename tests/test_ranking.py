"""The keyword index segments with rjieba (jieba-rs): the same words as jieba's own `cut`."""

from __future__ import annotations

import logging

import pytest

from summarizer.normalize import normalize
from summarizer.ranking import WordIndex, _keep, keyword_weights


def _jieba_index(text: str) -> list[tuple[int, str]]:
    """What WordIndex.build gave with pure-Python jieba: kept words with their starts."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    out, pos = [], 0
    for word in jieba.cut(text):
        if _keep(word):
            out.append((pos, word))
        pos += len(word)
    return out


def test_index_equals_jieba_cut_on_every_seed(seed: tuple[str, str]) -> None:
    _, text = seed
    clean = normalize(text).clean.text
    index = WordIndex.build(clean)
    ours = list(zip(index.starts, index.words, strict=True))
    theirs = _jieba_index(clean)
    assert len(ours) > 500
    assert ours == theirs
    assert all(clean[s : s + len(w)] == w for s, w in ours)


@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("乡村振兴", True),
        ("产业", True),
        ("工作", False),  # generic: every report says it
        ("我们", False),
        ("第十八届", False),  # number words carry no topic
        ("余万元", False),
        ("镇", False),  # one character
        ("GDP", False),  # not Chinese
        ("2023", False),
        ("，", False),
    ],
)
def test_keep(word: str, kept: bool) -> None:
    assert _keep(word) is kept


def test_words_in_a_range_and_their_weights() -> None:
    text = "我们大力发展乡村旅游，乡村旅游收入增长。新建污水处理厂一座。"
    index = WordIndex.build(text)
    first = index.words_in(0, text.index("。") + 1)
    assert "乡村旅游" in first or "旅游" in first
    assert "污水处理" not in first and "污水" not in first
    weights = keyword_weights(index.words_in(0, len(text)), top=3)
    assert len(weights) == 3
    assert list(weights.values()) == sorted(weights.values(), reverse=True)


def test_idf_table_is_jiebas() -> None:
    from jieba import analyse

    from summarizer.ranking import _idf_table

    idf, median = _idf_table()
    assert idf == analyse.default_tfidf.idf_freq
    assert median == analyse.default_tfidf.median_idf
    assert len(idf) > 100_000
