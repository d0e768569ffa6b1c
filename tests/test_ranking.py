"""The keyword index segments with rjieba (jieba-rs): the same words as jieba's own `cut`."""

from __future__ import annotations

import logging

import pytest

from summarizer.engines.extractive.ranking import WordIndex, _keep, keyword_weights
from summarizer.text.normalize import normalize


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

    from summarizer.text.words import idf_table

    idf, median = idf_table()
    assert idf == analyse.default_tfidf.idf_freq
    assert median == analyse.default_tfidf.median_idf
    assert len(idf) > 100_000


def _reference_weights(words: list[str], top: int) -> dict[str, float]:
    """TF-IDF top words the plain way: every word scored, sorted by (-weight, word)."""
    from collections import Counter

    from summarizer.text.words import idf_table

    idf, median = idf_table()
    scored = {w: n * idf.get(w, median) for w, n in Counter(words).items()}
    return dict(sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


WEIGHT_CASES = [
    pytest.param([], 8, id="empty"),
    pytest.param(["乡村振兴"], 8, id="one-word"),
    pytest.param(["产业", "产业", "旅游", "乡村振兴", "旅游", "产业"], 2, id="counts-decide"),
    # Words missing from jieba's IDF table share the median: their ties go by the word.
    pytest.param(["甲乙丙丁戊", "丁戊甲乙丙", "丙丁戊甲乙", "乙丙丁戊甲"], 3, id="unknown-words-tie"),
    pytest.param(["污水处理", "污水处理", "道路硬化", "道路硬化", "产业"], 12, id="top-above-distinct"),
    pytest.param([f"词{i:04d}" for i in range(600)] + ["产业"] * 3, 8, id="long-range-heap"),
    # A long range whose `top`-th weight is shared by many words: all of them compete, by the word.
    pytest.param([f"词{i:02d}" for i in range(40, 0, -1)] + ["产业", "产业"], 3, id="ties-at-the-bound"),
    pytest.param(["产业", "旅游", "乡村振兴"] * 5, 0, id="top-zero"),
]


@pytest.mark.parametrize(("words", "top"), WEIGHT_CASES)
def test_keyword_weights_equal_the_plain_computation(words: list[str], top: int) -> None:
    weights = keyword_weights(words, top)
    assert list(weights.items()) == list(_reference_weights(words, top).items())


def test_keyword_weights_stay_right_when_the_idf_memo_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.engines.extractive import ranking

    monkeypatch.setattr(ranking, "_MEMO_LIMIT", 5)
    monkeypatch.setattr(ranking, "_NEG_IDF", {})
    batches = [["产业", "旅游", "乡村振兴"], ["污水处理", "道路硬化", "产业", "养老服务"], ["产业"] * 2]
    for words in batches:
        assert keyword_weights(words, 3) == _reference_weights(words, 3)
        assert len(ranking._NEG_IDF) <= 5


# (a leaf's text words, its heading's words, how many weights the text's count kept, top)
WITH_CASES = [
    pytest.param(["产业", "旅游", "产业", "乡村振兴"], ["旅游", "产业"], 12, 8, id="all-words-in-weights"),
    pytest.param(
        [f"词{i:02d}" for i in range(30)] + ["产业"] * 2, ["养老服务"], 12, 8, id="heading-word-new"
    ),
    pytest.param(
        [f"词{i:02d}" for i in range(30)], [f"词{i:02d}" for i in range(6)], 12, 8, id="heading-takes-top"
    ),
    pytest.param(
        [f"词{i:02d}" for i in range(30)], [f"词{i:02d}" for i in range(29, 20, -1)], 8, 8, id="recount"
    ),
    pytest.param([], ["产业", "旅游"], 12, 8, id="heading-only"),
    pytest.param(["产业", "旅游"], [], 12, 8, id="no-heading"),
    pytest.param([], [], 12, 8, id="nothing"),
]


@pytest.mark.parametrize(("words", "extra", "kept", "top"), WITH_CASES)
def test_weights_with_equal_the_weights_of_all_words(
    words: list[str], extra: list[str], kept: int, top: int
) -> None:
    from collections import Counter

    from summarizer.engines.extractive.ranking import count_weights, weights_with

    counts = Counter(words)
    weights = count_weights(counts, kept) if counts else {}
    got = weights_with(counts, weights, extra, top)
    assert list(got.items()) == list(keyword_weights(words + extra, top).items())
