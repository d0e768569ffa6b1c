"""Evidence retrieval: the source passages that best support a claim, found by words.

A claim's own quotes are hints, never trusted: the checker finds the passages
that carry the claim itself.  Words are jieba's (`text.words`), each weighed by
its IDF, folded through the synonym groups of `lexicon.toml` (提升 = 提高); the
claim's figures are anchors (a sentence stating one of them ranks higher).  The
claim's section is searched first, then the whole report; a claim that merges
facts gets up to three sentences of one part of the report.

Coverage is the share of the claim's content-word weight that its evidence
holds: a word counts when its group is among the evidence's words, when it
stands in the evidence's text (segmentation differs between a claim and a
report), or when it names the report itself (the place in the title).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..facts.numbers import Figure
from ..text.words import idf_table, segmenter
from .lexicon import lexicon

__all__ = ["ClaimWords", "Retrieved", "SourceWords", "claim_words", "passages"]

# A content word: two or more CJK characters, or letters and digits that are not only digits ("GDP", "M2").
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
_LATIN_WORD = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{2,}$")
# Years, figures and numeral words are the figure checks' business.
_NUMERAL_WORD = re.compile(r"^[0-9０-９.．%％〇零一二两三四五六七八九十百千万亿余多几]+$")
MAX_SENTENCES = 3  # sentences of the report; their passages (cut at semicolons) join freely
MAX_PASSAGES = 6
# A further sentence joins the evidence only if it adds this share of the claim's weight (or a figure).
_MIN_GAIN = 0.15
# First passages tried, each completed with the passages that add most to it.
_FIRST_PICKS = 5
# Where a report names itself: the title, the meeting, the speaker.
_HEAD_CHARS = 400
_PASSAGE = re.compile(r"[^；;]+[；;]?")


def _is_content(word: str) -> bool:
    if word in lexicon().filler or _NUMERAL_WORD.match(word):
        return False
    return bool(_CJK_WORD.match(word) or _LATIN_WORD.match(word))


def _weight(word: str) -> float:
    table, median = idf_table()
    return table.get(word, median)


@dataclass(frozen=True)
class ClaimWords:
    """A claim's content words (as written, their group's name, their weight) and its text."""

    text: str
    words: tuple[tuple[str, str, float], ...]

    @property
    def total(self) -> float:
        return sum(weight for _, _, weight in self.words)


def claim_words(text: str, figures: Sequence[Figure] = ()) -> ClaimWords:
    """The content words of `text`, once each, outside its figures and its evaluative words
    (those are judged by their own rule, `support._evaluative`)."""
    spans = [(f.start, f.end) for f in figures]
    for term in lexicon().evaluative:
        spans += [m.span() for m in re.finditer(re.escape(term), text)]
    seen: set[str] = set()
    words = []
    position = 0
    for word in segmenter().cut(text):
        start, position = position, position + len(word)
        if word in seen or any(s < position and start < e for s, e in spans) or not _is_content(word):
            continue
        seen.add(word)
        words.append((word, lexicon().canon(word), _weight(word)))
    return ClaimWords(text, tuple(words))


@dataclass(frozen=True)
class Retrieved:
    """The sentences chosen as a claim's evidence, and what of the claim they leave uncovered."""

    sentences: tuple[int, ...]
    coverage: float  # share of the claim's content weight covered, 1.0 when it has none
    missing: tuple[str, ...]  # the claim's words the evidence does not hold, heaviest first


def passages(original: str, sentences: Iterable[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[int]]:
    """The sentences cut further at semicolons (reports chain a dozen facts in one sentence),
    and the sentence each passage is of."""
    out: list[tuple[int, int]] = []
    of: list[int] = []
    for number, (start, end) in enumerate(sentences):
        for match in _PASSAGE.finditer(original, start, end):
            s, e = match.span()
            while s < e and original[s].isspace():
                s += 1
            if s < e:
                out.append((s, e))
                of.append(number)
    return out, of


class SourceWords:
    """The source's passages (sentences cut at semicolons) as words, indexed for retrieval.

    Built once per verified text; `sentences` below are these passages.
    """

    def __init__(
        self,
        original: str,
        sentences: list[tuple[int, int]],
        regions: Sequence[int],
        sentence_of: list[int] | None = None,
    ) -> None:
        self.original = original
        self.sentences = sentences
        self.starts = [start for start, _ in sentences]
        self.sentence_of: list[int] = sentence_of or list(range(len(sentences)))
        self.regions = regions  # the heading region of each passage
        self.groups: list[frozenset[str]] = []
        self.postings: dict[str, list[int]] = {}
        cut = segmenter().cut
        canon = lexicon().canon
        markers = lexicon().instructions
        for index, (start, end) in enumerate(sentences):
            passage = original[start:end]
            if any(marker in passage.lower() for marker in markers):
                self.groups.append(frozenset())  # instructions to a summarizer are never evidence
                continue
            groups = frozenset(canon(w) for w in cut(passage) if len(w) > 1)
            self.groups.append(groups)
            for group in groups:
                self.postings.setdefault(group, []).append(index)

    def units_between(self, start: int, end: int) -> tuple[int, ...]:
        """The passages overlapping `[start, end)`."""
        first = self.unit_of(start)
        return tuple(
            i for i in range(first, len(self.sentences)) if self.sentences[i][0] < end and self.groups[i]
        )

    def unit_of(self, position: int) -> int:
        """The passage holding (or last starting before) `position`."""
        return max(0, bisect_right(self.starts, position) - 1)

    @cached_property
    def head(self) -> str:
        return self.original[:_HEAD_CHARS]

    def text_of(self, indices: Iterable[int]) -> str:
        return "".join(self.original[s:e] for s, e in (self.sentences[i] for i in sorted(indices)))

    def covers(self, word: str, group: str, indices: Iterable[int], text: str | None = None) -> bool:
        """Whether the sentences `indices` (whose joined text is `text`) hold a claim word."""
        indices = list(indices)
        if any(group in self.groups[i] for i in indices):
            return True
        text = self.text_of(indices) if text is None else text
        if word in text or self.background(word):
            return True
        # A two-character piece cut out of a longer word ("率降" of "贷款率降至"): its characters suffice;
        # a longer word the evidence writes apart ("化解矛盾" in "矛盾纠纷…化解"): its two-character pieces.
        if len(word) == 2:
            return word[0] in text and word[1] in text
        pieces = [word[i : i + 2] for i in range(0, len(word) - 1, 2)] + ([word[-1]] if len(word) % 2 else [])
        return len(word) >= 4 and all(piece in text for piece in pieces)

    def background(self, word: str) -> bool:
        """A word naming the report itself (its place, in the title): it tells nothing to look for."""
        return word in self.head and _names_report(word)

    def coverage(self, claim: ClaimWords, indices: Iterable[int]) -> tuple[float, tuple[str, ...]]:
        indices = list(indices)
        text = self.text_of(indices)
        words = [(w, g, weight) for w, g, weight in claim.words if not self.background(w)]
        total = sum(weight for _, _, weight in words)
        if not total:
            return 1.0, ()
        missing = [(w, weight) for w, g, weight in words if not self.covers(w, g, indices, text)]
        uncovered = sum(weight for _, weight in missing)
        missing.sort(key=lambda pair: -pair[1])
        return 1.0 - uncovered / total, tuple(w for w, _ in missing)

    def retrieve(
        self,
        claim: ClaimWords,
        anchors: dict[int, set[int]],
        *,
        hints: Iterable[int] = (),
        within: tuple[int, int] | None = None,
    ) -> Retrieved:
        """The best evidence for `claim`: its section first (`within`, original coordinates), then anywhere.

        `anchors` maps a sentence to the positions of the claim's figures it states;
        `hints` are the sentences the claim cites.
        """

        def rank(found: Retrieved) -> tuple[float, int]:
            return found.coverage, _anchored(found, anchors)

        best = self._retrieve(claim, anchors, set(hints), within)
        complete = best.coverage >= 0.999 and _anchored(best, anchors) == _figure_count(anchors)
        if within is not None and not complete:
            anywhere = self._retrieve(claim, anchors, set(hints), None)
            if rank(anywhere) > rank(best):
                best = anywhere
        return best

    def _retrieve(
        self,
        claim: ClaimWords,
        anchors: dict[int, set[int]],
        hints: set[int],
        scope: tuple[int, int] | None,
    ) -> Retrieved:
        figure_weight = 2 * idf_table()[1]  # a figure stated weighs as two words of median rarity
        weights = {group: weight for word, group, weight in claim.words if not self.background(word)}
        total = sum(weights.values()) or 1.0
        candidates: set[int] = set(anchors) | hints
        for group in weights:
            candidates.update(self.postings.get(group, ()))
        if scope is not None:
            candidates = {i for i in candidates if scope[0] <= self.sentences[i][0] < scope[1]}
        if not candidates:
            return Retrieved((), 0.0 if weights else 1.0, tuple(w for w, _, _ in claim.words))

        def gain(index: int, covered: set[str], stated: set[int]) -> float:
            words = sum(w for g, w in weights.items() if g not in covered and g in self.groups[index])
            figures = len(anchors.get(index, set()) - stated) * figure_weight
            return words + figures

        def first_score(index: int) -> tuple[float, int]:
            bonus = 0.5 * total if index in hints else 0.0
            return gain(index, set(), set()) + bonus, -index

        def joins(i: int, region: int, covered: set[str], stated: set[int]) -> bool:
            """A passage joins when it adds enough of the claim's words (a figure alone is too common
            to go by); from another part of the report, only if it also states one of its figures."""
            new_figures = anchors.get(i, set()) - stated
            words = gain(i, covered, stated) - len(new_figures) * figure_weight
            return words >= _MIN_GAIN * total and (self.regions[i] == region or bool(new_figures))

        def complete(first: int) -> tuple[list[int], float]:
            """`first` and the passages that add most to it; their combined gain."""
            chosen = [first]
            covered = {g for g in weights if g in self.groups[first]}
            stated = set(anchors.get(first, set()))
            region = self.regions[first]
            while len(chosen) < MAX_PASSAGES:
                # A passage joins when it adds enough of the claim's words, or one of its figures and
                # some of its words; from another part of the report, only with a figure and enough words.
                rest = [i for i in candidates if i not in chosen and joins(i, region, covered, stated)]
                if not rest:
                    break
                nxt = max(rest, key=lambda i: (gain(i, covered, stated), -abs(i - first)))
                chosen.append(nxt)
                covered |= {g for g in weights if g in self.groups[nxt]}
                stated |= anchors.get(nxt, set())
            return chosen, sum(weights[g] for g in covered) + len(stated) * figure_weight

        # The best few first passages, each completed: the set that carries most of the claim wins,
        # then the one with fewer passages, then the best first passage.
        # A first passage must carry some of the claim's words: a figure alone is too common.
        wordy = [
            i
            for i in candidates
            if gain(i, set(), set()) - len(anchors.get(i, ())) * figure_weight >= _MIN_GAIN * total
        ]
        firsts = sorted(wordy or candidates, key=first_score, reverse=True)[:_FIRST_PICKS]
        completed = [(*complete(first), rank) for rank, first in enumerate(firsts)]
        best_set = max(completed, key=lambda c: (round(c[1], 6), -len(c[0]), -c[2]))[0]
        coverage, missing = self.coverage(claim, best_set)
        return Retrieved(tuple(sorted(best_set)), coverage, missing)


def _anchored(found: Retrieved, anchors: dict[int, set[int]]) -> int:
    return len(set().union(*(anchors.get(i, set()) for i in found.sentences))) if found.sentences else 0


def _figure_count(anchors: dict[int, set[int]]) -> int:
    return len(set().union(*anchors.values())) if anchors else 0


# Words that name a report's place or government ("岑阳镇", "海拉尔区", "国务院"): a summary names
# the place where the report says 全镇 or 我镇.
_PLACE = re.compile(r"(?:镇|乡|区|县|市|旗|州|省|街道|政府|国务院|人民政府)$")


def _names_report(word: str) -> bool:
    return bool(_PLACE.search(word))
