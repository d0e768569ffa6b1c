"""Keywords and sentence scores for the extractive engine.

One segmentation pass over the clean text gives positioned words; section
keywords are TF-IDF over the words inside a range (jieba's own IDF table), and
a sentence scores by the weight of the section's keywords it contains.  This
is one pass per report instead of one TextRank graph per section.

The pass is jieba's algorithm and dictionary run by rjieba (the jieba-rs
port): the same words as `jieba.cut` on report text (tests/test_ranking.py
compares them), many times faster than jieba's own pure-Python segmentation
(docs/PERFORMANCE.md).  The segmenter and the IDF table are
loaded once per process, on first need, by `segmenter()` and `idf_table()`.
"""

from __future__ import annotations

import bisect
import heapq
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, compress, repeat

from ...text.words import idf_table, segmenter

# Words every report uses: they say nothing about what a section is about.
_GENERIC_WORDS = frozenset(
    [
        "工作",
        "请予",
        "审议",
        "报告",
        "代表",
        "列席会议",
        "推进",
        "加强",
        "全面",
        "持续",
        "坚持",
        "进一步",
        "我们",
        "全镇",
        "我镇",
        "本镇",
        "全乡",
        "全县",
        "全区",
        "全市",
        "开展",
        "实施",
        "推动",
        "提升",
        "建设",
        "发展",
        "完成",
        "实现",
        "不断",
        "积极",
        "大力",
        "着力",
        "深入",
        "切实",
        "努力",
        "扎实",
        "确保",
        "力争",
        "以上",
        "目前",
        "今年",
        "去年",
        "一年",
        "五年",
        "主要",
        "各位代表",
        "同志",
        "有效",
        "重点",
        "取得",
        "成效",
        "情况",
        "方面",
        "问题",
        "进行",
        "相关",
        "全年",
        "累计",
        "共计",
        "其中",
        "此外",
        "同时",
        "通过",
        "围绕",
        "以及",
        "一是",
        "二是",
        "三是",
        "四是",
        "五是",
        "六是",
        "今后",
        "新的",
        "更加",
        "加快",
        "做好",
        "抓好",
        "落实",
        "强化",
        "完善",
        "健全",
        "狠抓",
        "不断完善",
    ]
)
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# Number words ("余万元", "第十八届") carry no topic.
_NUMBER_WORD = re.compile(r"^第|^[一二三四五六七八九十百千万亿两余多近约元个户人亩次年届]+$")


# word -> whether it can be a keyword; reports share most of their words, so this stays small.
_KEEP: dict[str, bool] = {}
_MEMO_LIMIT = 200_000  # words per memo


def _keep(word: str) -> bool:
    """Whether `word` can be a keyword; a keyword seen for the first time has its IDF looked up now.

    Only words new to `_KEEP` come here (`WordIndex.build` reads the memo first), so a
    report's index costs no pass over all its words to find those `keyword_weights` has
    not met: they are these.  Should the IDF memo have been replaced since, `keyword_weights`
    still looks a missing word up itself.
    """
    keep = _KEEP.get(word)
    if keep is None:
        keep = bool(_CJK_WORD.match(word)) and word not in _GENERIC_WORDS and not _NUMBER_WORD.match(word)
        if len(_KEEP) < _MEMO_LIMIT:
            _KEEP[word] = keep
        if keep and word not in _NEG_IDF:
            _neg_idf((word,))
    return keep


@dataclass(frozen=True)
class WordIndex:
    """The words of a text with their start offsets, in order."""

    words: list[str]
    starts: list[int]

    @classmethod
    def build(cls, text: str) -> WordIndex:
        # Plain words (no offset tuples), their starts as running sums of lengths, and the
        # filter through the memo: all loops in C, a Python call only for a word not seen yet.
        words = segmenter().cut(text)
        starts = list(accumulate(map(len, words), initial=0))
        flags = list(map(_KEEP.get, words))
        if None in flags:
            flags = [_keep(w) if f is None else f for w, f in zip(words, flags, strict=True)]
        return cls(list(compress(words, flags)), list(compress(starts, flags)))

    def words_in(self, start: int, end: int) -> list[str]:
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_left(self.starts, end)
        return self.words[lo:hi]


# word -> minus its IDF.  jieba's table holds ~350,000 words and probing it misses the CPU
# cache, while reports use a few thousand; negated, so that `keyword_weights` sorts its
# (-weight, word) pairs without a pass to negate them (n * -idf == -(n * idf) exactly).
# Bounded like `_KEEP`.
_NEG_IDF: dict[str, float] = {}


def _neg_idf(words: Iterable[str]) -> dict[str, float]:
    """The word -> -IDF memo, holding every one of `words` (unknown words get the median IDF, as in jieba).

    A full memo is replaced, not cleared, so a dict already handed out stays whole.
    """
    global _NEG_IDF
    memo = _NEG_IDF
    missing = set(words).difference(memo)
    if missing:
        if len(memo) + len(missing) > _MEMO_LIMIT:
            memo = _NEG_IDF = {}
            missing = set(words)
        table, median = idf_table()
        for word in missing:
            memo[word] = -table.get(word, median)
    return memo


_HEAP_FROM = 200  # distinct words; below, one C sort beats heapq's Python loop


def keyword_weights(words: list[str], top: int = 12) -> dict[str, float]:
    """TF-IDF weights of the `top` most characteristic words of a range.

    Best first, ties by the word.  The extractive engine calls this twice for
    every section, so the per-word work runs in C: `(-weight, word)` pairs made
    by `map` and ordered by plain tuple comparison; a long range keeps its
    `top` with a heap instead of sorting every word.
    """
    if not words:  # a section whose text is all in its subsections
        return {}
    return count_weights(Counter(words), top)


def count_weights(counts: Counter[str], top: int = 12) -> dict[str, float]:
    """`keyword_weights` of the words counted in `counts` (not empty)."""
    try:
        best = _best_pairs(counts, _NEG_IDF, top)
    except KeyError:  # a word met before the IDF memo was last replaced
        best = _best_pairs(counts, _neg_idf(counts), top)
    return {word: -negated for negated, word in best}


def weights_with(
    counts: Counter[str], weights: dict[str, float], extra: list[str], top: int
) -> dict[str, float]:
    """`keyword_weights(words + extra, top)`, given `counts` of `words` and `weights`, their
    `count_weights(counts, n)` for some `n` (a leaf section's keywords: its text's words plus its heading's).

    Only the weights of `extra`'s words change: the others keep their order, and every word
    below `weights` ranks below all of those in it.  So if `weights` holds all the words, or
    still `top` of them once `extra`'s are taken out, the answer is in `weights` and `extra`:
    no count or sort of all the words again.  Otherwise it counts them all.
    """
    added = Counter(extra)
    for word in added:
        added[word] += counts.get(word, 0)
    kept = [(-weight, word) for word, weight in weights.items() if word not in added]
    if len(kept) < top and len(weights) < len(counts):
        every = counts.copy()
        every.update(extra)
        return count_weights(every, top)
    neg_idf = _neg_idf(added)
    pairs = kept + [(count * neg_idf[word], word) for word, count in added.items()]
    return {word: -negated for negated, word in sorted(pairs)[:top]}


def _best_pairs(counts: Counter[str], neg_idf: dict[str, float], top: int) -> list[tuple[float, str]]:
    """The `top` smallest `(-count * idf, word)` pairs, smallest first."""
    negated = map(operator.mul, counts.values(), map(neg_idf.__getitem__, counts))
    pairs = zip(negated, counts, strict=True)
    return heapq.nsmallest(top, pairs) if len(counts) > _HEAP_FROM else sorted(pairs)[:top]


def sentence_score(words: list[str], weights: dict[str, float], length: int) -> float:
    """How much of the section's key content a sentence carries, damped for length."""
    if length <= 0:
        return 0.0
    gained = sum(map(weights.get, set(words), repeat(0.0)))
    return gained / math.sqrt(max(length, 20))
