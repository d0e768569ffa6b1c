"""Support rules: the ways an abstractive claim goes wrong while its words stay close to the source.

Each rule reads the claim and the evidence retrieved for it (`evidence.py`) and
returns findings: a label (`partial` or `unsupported`) and a reason in Chinese
and English.  The figure checks (`figures.py`) run beside these and win.

* coverage: the claim's content words, synonyms counted, must be in its evidence;
* evaluative words (大幅, 显著, 首次, 第一, 创历史新高 …) only where the evidence has them;
* direction (增长/下降, 提高/降低, 扩大/缩小 …) as in the evidence for the same item;
* modality: done (已, 建成, 完成, 实现) against a plan or target (力争, 预计, 将, 计划), and the reverse;
* links: "A和B均…" needs each of them to have it; "分别" must pair as the evidence pairs;
* cause (由于, 得益于, 受…影响 …) only where one sentence of the evidence gives a cause;
* codes and slogans ("1269", "1+8+8+1", "5+N", "两不愁三保障") character for character;
* a figure the claim states more often than its evidence does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ..facts.numbers import Figure, find_figures, same_quantity
from ..facts.units import DURATION_UNITS
from ..text.words import segmenter
from .evidence import ClaimWords, SourceWords, claim_words
from .lexicon import lexicon

__all__ = [
    "Finding",
    "Modality",
    "clause_modality",
    "figure_modality",
    "is_duration",
    "judge_claim",
    "measures",
]

Label = Literal["partial", "unsupported"]
Modality = Literal["plan", "done"] | None

# Coverage thresholds: share of the claim's content weight in its evidence.
COVERAGE_SUPPORTED = 0.8
COVERAGE_RELATED = 0.5
# A cause needs one evidence sentence holding a cause marker and this share of the claim.
_CAUSE_COVERAGE = 0.7

_CLAUSE = re.compile(r"[^，,；;：:。！？!?\n]+")
# 均 in 人均, 年均, 平均, 均衡, 均等 is no link.
_ALL_GUARD = re.compile(r"(?<![人年平])均(?![衡等匀值])")
_MEMBER_SEPARATORS = re.compile(r"[、和与及]|以及")
# A code or slogan: a quoted phrase with a number in it, or digits joined by "+".
_QUOTED = re.compile(r"[“\"「『《‘]([^”\"」』》’]{1,24})[”\"」』》’]")
_NUMBERISH = re.compile(r"[0-9０-９〇零一二两三四五六七八九十百千万]")
_PLUS_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:\s*[+＋]\s*(?:[0-9]+|[NnXx]))+(?![0-9A-Za-z])")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋“”‘’", "0123456789+\"\"''")


@lru_cache(maxsize=8192)
def _cut(text: str) -> tuple[str, ...]:
    """The words of a claim, clause or passage: the rules ask for the same ones many times."""
    return tuple(segmenter().cut(text))


@lru_cache(maxsize=8192)
def _figures(text: str) -> tuple[Figure, ...]:
    return tuple(find_figures(text))


@dataclass(frozen=True)
class Finding:
    label: Label
    zh: str
    en: str

    @property
    def reason(self) -> str:
        return f"{self.zh} / {self.en}"


def judge_claim(
    claim: ClaimWords,
    claim_figures: Sequence[Figure],
    evidence: Sequence[int],
    source: SourceWords,
    *,
    coverage: float,
    missing: Sequence[str],
    evidence_figures: Sequence[Figure],
    section_modality: Callable[[int], Modality],
) -> list[Finding]:
    """Every rule's findings for a claim whose evidence is the source sentences `evidence`."""
    text = claim.text
    ev_text = source.text_of(evidence)
    findings: list[Finding] = []
    findings += _coverage(coverage, missing)
    findings += _evaluative(text, ev_text)
    findings += _direction(text, claim, evidence, source)
    findings += _modality(text, claim, evidence, source, section_modality)
    findings += _links(text, claim_figures, ev_text, evidence_figures, source, evidence)
    findings += _cause(text, claim, evidence, source)
    findings += _codes(text, source.original)
    findings += _repeated(claim_figures, evidence_figures)
    findings += _attachment(claim, claim_figures, evidence, source)
    return findings


# ---------------------------------------------------------------- coverage


def _coverage(coverage: float, missing: Sequence[str]) -> list[Finding]:
    if coverage >= COVERAGE_SUPPORTED:
        return []
    words = "、".join(missing[:4])
    label: Label = "unsupported" if coverage < COVERAGE_RELATED else "partial"
    return [
        Finding(
            label,
            f"原文没有提到“{words}”（摘要内容只有{coverage:.0%}在原文中）",
            f"the source does not mention {', '.join(missing[:4])} ({coverage:.0%} of the claim is in it)",
        )
    ]


# ---------------------------------------------------------------- evaluative words


def _evaluative(text: str, evidence: str) -> list[Finding]:
    findings = []
    taken: list[tuple[int, int]] = []
    for term in lexicon().evaluative:  # longest first: 历史新高 before 新高
        for match in re.finditer(re.escape(term), text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            if not _said_alike(term, text, end, evidence):
                findings.append(
                    Finding(
                        "unsupported",
                        f"摘要用了“{term}”，原文没有这样评价",
                        f"the claim says '{term}', which its evidence does not",
                    )
                )
                break
    return findings


def _said_alike(term: str, text: str, end: int, evidence: str) -> bool:
    """Whether the evidence uses `term` as the claim does: an ordinal with the same next character
    ("第一" is not "第一方阵")."""
    if not term.startswith("第"):
        return term in evidence
    after = _next_cjk(text, end)
    return any(_next_cjk(evidence, m.end()) == after for m in re.finditer(re.escape(term), evidence))


def _next_cjk(text: str, position: int) -> str:
    char = text[position : position + 1]
    return char if "\u4e00" <= char <= "\u9fff" else ""


# ---------------------------------------------------------------- direction


def _clauses(text: str, offset: int = 0) -> list[tuple[int, int]]:
    return [(m.start() + offset, m.end() + offset) for m in _CLAUSE.finditer(text)]


def _directions(text: str) -> list[tuple[int, int]]:
    """(position, +1 or -1) of each direction word of `text`."""
    found = []
    position = 0
    for word in _cut(text):
        direction = lexicon().direction(word)
        if direction:
            found.append((position, direction))
        position += len(word)
    return found


def _best_clause(part: str, claim: ClaimWords, clauses: list[str]) -> int | None:
    """The evidence clause sharing most with a part of the claim: its figures first, then its words."""
    groups = {g: w for word, g, w in claim.words if word in part and not lexicon().direction(word)}
    figures = [f for f in _figures(part) if f.value is not None and f.kind == "amount"]
    if figures:
        stating = [
            i
            for i, clause in enumerate(clauses)
            if any(same_quantity(f, g) for g in _figures(clause) for f in figures)
        ]
        if len(stating) == 1:
            return stating[0]
    if not groups:
        return None
    canon = lexicon().canon
    best, best_score = None, 0.0
    for index, clause in enumerate(clauses):
        words = {canon(w) for w in _cut(clause)}
        score = sum(w for g, w in groups.items() if g in words) + sum(
            0.5 * w for word, g, w in claim.words if word in part and word in clause and g not in words
        )
        if score > best_score:
            best, best_score = index, score
    return best


def _direction(text: str, claim: ClaimWords, evidence: Sequence[int], source: SourceWords) -> list[Finding]:
    claim_dirs = _directions(text)
    if not claim_dirs:
        return []
    clauses = [source.original[s:e] for i in evidence for s, e in _clauses_of(source, i)]
    for start, end in _clauses(text):
        part = text[start:end]
        mine = {d for p, d in claim_dirs if start <= p < end}
        if len(mine) != 1:
            continue
        index = _best_clause(part, claim, clauses)
        if index is None:
            continue
        theirs = {d for _, d in _directions(clauses[index])}
        (direction,) = mine
        if theirs and direction not in theirs:
            said = "增长/提高" if direction < 0 else "下降/减少"
            return [
                Finding(
                    "unsupported",
                    f"方向与原文相反：原文为“{clauses[index].strip()}”（{said}）",
                    f"the direction is the opposite of the source's: '{clauses[index].strip()}'",
                )
            ]
    return []


def _clauses_of(source: SourceWords, index: int) -> list[tuple[int, int]]:
    start, end = source.sentences[index]
    return _clauses(source.original[start:end], start)


# ---------------------------------------------------------------- modality


def _has_plan(text: str) -> bool:
    return bool(lexicon().plan_words(_cut(text)))


def _done_words(text: str) -> list[str]:
    """Words saying a thing is done, unless a plan word comes before them ("将…完成")."""
    words = _cut(text)
    plans = lexicon().plan_words(words)
    if plans:
        first_plan = text.find(plans[0])
        return [w for w in lexicon().done_words(words) if text.find(w) < first_plan]
    return lexicon().done_words(words)


@dataclass(frozen=True)
class _EvidenceClause:
    text: str
    passage: str  # the passage up to the end of the clause
    whole: str  # all the evidence (the whole passage, for one figure's)
    modality: Modality


def _evidence_clauses(
    evidence: Sequence[int], source: SourceWords, section_modality: Callable[[int], Modality]
) -> list[_EvidenceClause]:
    clauses = []
    whole = source.text_of(evidence)
    for index in evidence:
        start, end = source.sentences[index]
        passage = source.original[start:end]
        section = section_modality(index)
        for s, e in _clauses(passage):
            clauses.append(
                _EvidenceClause(passage[s:e], passage[:e], whole, clause_modality(passage, s, e, section))
            )
    return clauses


def _modality(
    text: str,
    claim: ClaimWords,
    evidence: Sequence[int],
    source: SourceWords,
    section_modality: Callable[[int], Modality],
) -> list[Finding]:
    """Done against planned, clause by clause: each claim clause against the evidence clause it matches.

    A claim that says anything is done (and nothing is planned) says so of all it
    lists.  An evidence clause is done when it speaks of the past ("去年已…"),
    planned when it or an earlier clause of its passage has a plan word ("力争建成X，Y"),
    and otherwise takes its section's kind (a plan part of the report, or a review).
    Words the evidence itself uses ("加快建成" of "加快建成…") claim nothing new.
    """
    if not evidence:
        return []
    clauses = _evidence_clauses(evidence, source, section_modality)
    plans = lexicon().plan_words(_cut(text))
    done_words = _done_words(text)
    if bool(done_words) == bool(plans):
        return []
    for start, end in _clauses(text):
        part = text[start:end]
        best = _best_clause(part, claim, [c.text for c in clauses])
        if best is None:
            continue
        said = (_done_words(part) or done_words) if done_words else plans
        finding = _against(said, clauses[best], done=bool(done_words))
        if finding is not None:
            return [finding]
    return []


def _against(said: list[str], clause: _EvidenceClause, *, done: bool) -> Finding | None:
    """The finding of a claim's done (or plan) words `said` against the evidence clause it matches.

    Words the evidence's passage itself has ("加快建成…", "确保…") claim nothing the source does not.
    """
    if all(_used_alike(word, clause.whole, done=done) for word in said):
        return None
    if done and clause.modality == "plan":
        return Finding(
            "unsupported",
            f"原文是计划或目标（“{clause.text.strip()}”），摘要写成已经完成（“{'、'.join(said)}”）",
            "the source states a plan or target, the claim says it is done",
        )
    if not done and clause.modality == "done":
        return Finding(
            "unsupported",
            f"原文说的是已经做到的（“{clause.text.strip()}”），摘要写成计划或目标（“{'、'.join(said)}”）",
            "the source states it done, the claim presents it as planned",
        )
    return None


def _used_alike(word: str, passage: str, *, done: bool) -> bool:
    """Whether the passage itself says `word` as the claim does: a done word not kept undone by a
    word just before it ("加快建成" is no 建成)."""
    if not done:
        return word in passage
    keep_undone = (*lexicon().undone_before, *lexicon().plan)
    for match in re.finditer(re.escape(word), passage):
        before = passage[max(0, match.start() - 4) : match.start()]
        if not any(w in before for w in keep_undone):
            return True
    return False


def clause_modality(passage: str, start: int, end: int, section: Modality) -> Modality:
    """Plan or done for the clause `passage[start:end]` (see `_modality`).

    今年 in a work report is the year it sets targets for: what it says of 今年 is planned.
    """
    if any(marker in passage[start:end] for marker in lexicon().past_in_plan):
        return "done"
    if _has_plan(passage[:end]) or "今年" in passage[:end]:
        return "plan"
    return section


def figure_modality(
    claim_text: str,
    figure: Figure,
    stated_at: int,
    source: SourceWords,
    section_modality: Callable[[int], Modality],
) -> Finding | None:
    """A figure planned in the source and done in the claim, or the reverse ("计划新建农田1600亩",
    where 1600亩 were built last year)."""
    plans = lexicon().plan_words(_cut(claim_text[: figure.start]))
    done_words = [] if _has_plan(claim_text) else _done_words(claim_text)
    if bool(plans) == bool(done_words):
        return None
    index = source.unit_of(stated_at)
    start, end = source.sentences[index]
    passage = source.original[start:end]
    for s, e in _clauses(passage):
        if s <= stated_at - start < e:
            clause = _EvidenceClause(
                passage[s:e], passage[:e], passage, clause_modality(passage, s, e, section_modality(index))
            )
            return _against(done_words or plans, clause, done=bool(done_words))
    return None


# ---------------------------------------------------------------- links


def _members(text: str, end: int) -> list[str]:
    """The items listed before position `end` in its clause ("A、B和C均…" -> [A, B, C])."""
    clause_start = max((s for s, e in _clauses(text) if s <= end), default=0)
    head = text[clause_start:end]
    parts = [p.strip() for p in _MEMBER_SEPARATORS.split(head) if p.strip()]
    return parts if len(parts) >= 2 else []


def _links(
    text: str,
    claim_figures: Sequence[Figure],
    evidence: str,
    evidence_figures: Sequence[Figure],
    source: SourceWords,
    indices: Sequence[int],
) -> list[Finding]:
    findings: list[Finding] = []
    for match in _ALL_GUARD.finditer(text):
        findings += _each_has(text, match.start(), claim_figures, evidence, evidence_figures, source, indices)
    for word in lexicon().link_all - {"均"}:
        position = text.find(word)
        if position > 0:
            findings += _each_has(text, position, claim_figures, evidence, evidence_figures, source, indices)
    position = text.find("分别")
    if position > 0:
        findings += _respectively(text, position, claim_figures, evidence, evidence_figures)
    return findings[:1]


def _each_has(
    text: str,
    position: int,
    claim_figures: Sequence[Figure],
    evidence: str,
    evidence_figures: Sequence[Figure],
    source: SourceWords,
    indices: Sequence[int],
) -> list[Finding]:
    members = _members(text, position)
    if not members:
        return []
    after = [f for f in claim_figures if f.start > position and f.value is not None and f.kind == "amount"]
    for figure in after[:1]:
        stated = sum(1 for g in evidence_figures if same_quantity(figure, g))
        if stated < len(members) and not _linked_before(figure, source, indices):
            return [
                Finding(
                    "unsupported",
                    f"原文并非每一项都是{figure.raw}",
                    f"the source does not give {figure.raw} for each of {len(members)} items",
                )
            ]
    linked = bool(_ALL_GUARD.search(evidence)) or any(
        word in evidence for word in (*(lexicon().link_all - {"均"}), "分别")
    )
    if after or linked:
        return []
    # No figure: the predicate after the link must stand with every member.
    predicate = claim_words_of(text[position + 1 :])
    if not predicate:
        return []
    clauses = [source.original[s:e] for i in indices for s, e in _clauses_of(source, i)]
    for member in members:
        key = member[-4:] if len(member) > 4 else member
        holding = [c for c in clauses if key in c]
        if holding and not any(_share(predicate, c) >= 0.5 for c in holding):
            return [
                Finding(
                    "unsupported",
                    f"原文没有说“{member}”也是如此",
                    f"the source does not say the same of '{member}'",
                )
            ]
    return []


def _linked_before(figure: Figure, source: SourceWords, indices: Sequence[int]) -> bool:
    """Whether an evidence passage states `figure` after a link word of its own ("分别增长5%", "均达到5%")."""
    for index in indices:
        start, end = source.sentences[index]
        passage = source.original[start:end]
        for stated in _figures(passage):
            if not same_quantity(figure, stated):
                continue
            lead = passage[: stated.start]
            others = (*(lexicon().link_all - {"均"}), "分别")
            if _ALL_GUARD.search(lead) or any(word in lead for word in others):
                return True
    return False


def claim_words_of(text: str) -> list[tuple[str, float]]:
    return [(w, weight) for w, _, weight in claim_words(text).words]


def _share(words: list[tuple[str, float]], clause: str) -> float:
    total = sum(w for _, w in words)
    return sum(w for word, w in words if word in clause) / total if total else 1.0


def _respectively(
    text: str,
    position: int,
    claim_figures: Sequence[Figure],
    evidence: str,
    evidence_figures: Sequence[Figure],
) -> list[Finding]:
    members = _members(text, position)
    values = [f for f in claim_figures if f.start > position and f.value is not None]
    if len(members) < 2 or len(values) < 2:
        return []
    where = evidence.find("分别")
    if where < 0:
        return []
    theirs_members = _members(evidence, where)
    theirs_values = [f for f in evidence_figures if f.start > where and f.value is not None][: len(values)]
    if len(theirs_values) != len(values) or len(theirs_members) != len(members):
        return []
    for i, value in enumerate(values):
        j = next((k for k, g in enumerate(theirs_values) if same_quantity(value, g)), None)
        if j is None or j >= len(theirs_members):
            continue
        if not _same_member(members[i], theirs_members[j]):
            return [
                Finding(
                    "unsupported",
                    f"“分别”配错了：原文中{value.raw}属于“{theirs_members[j]}”",
                    f"'分别' pairs wrongly: in the source {value.raw} belongs to '{theirs_members[j]}'",
                )
            ]
    return []


def _same_member(a: str, b: str) -> bool:
    a, b = a[-4:], b[-4:]
    return a in b or b in a or len(set(a) & set(b)) >= min(len(a), len(b)) * 0.6


# ---------------------------------------------------------------- cause


def _cause(text: str, claim: ClaimWords, evidence: Sequence[int], source: SourceWords) -> list[Finding]:
    markers = lexicon().cause
    words = _cut(text)
    said = [w for w in words if w in markers]
    if "受" in said and "影响" not in text:
        said.remove("受")
    if not said:
        return []
    for index in evidence:
        start, end = source.sentences[index]
        sentence = source.original[start:end]
        if any(w in markers for w in _cut(sentence)):
            share, _ = source.coverage(claim, [index])
            if share >= _CAUSE_COVERAGE:
                return []
    return [
        Finding(
            "unsupported",
            f"原文没有说明这个因果关系（“{said[0]}”）",
            f"the source does not state this cause ('{said[0]}')",
        )
    ]


# ---------------------------------------------------------------- figures and statements kept whole

# A claim clause must be carried by one passage this well; a clause's figure, by a passage stating it.
CLAUSE_COVERAGE = 0.6
FIGURE_CLAUSE_COVERAGE = 0.5
# Clauses lighter than this (in IDF weight) say too little to judge alone.
_MIN_CLAUSE_WEIGHT = 12.0


def _attachment(
    claim: ClaimWords, claim_figures: Sequence[Figure], evidence: Sequence[int], source: SourceWords
) -> list[Finding]:
    """Each claim clause from one passage, each figure with its own item.

    A merged claim may join clauses from several passages, but one clause that
    takes its subject from one passage and its predicate from another ("政法考核
    连续两年在全省保持先进") says what no passage says; and a figure stated in one
    passage cannot be given to the item of another ("汽车产业园全年完成投资1.7亿元",
    where 1.7亿元 is another park's).
    """
    if len(evidence) < 2:
        return []
    text = claim.text
    for start, end in _clauses(text):
        part = ClaimWords(text[start:end], tuple(w for w in claim.words if w[0] in text[start:end]))
        part = ClaimWords(part.text, tuple(w for w in part.words if not source.background(w[0])))
        if part.total < _MIN_CLAUSE_WEIGHT:
            continue
        shares = {i: source.coverage(part, [i])[0] for i in evidence}
        figures = [f for f in claim_figures if start <= f.start < end and measures(f)]
        for figure in figures:
            stating = [i for i in evidence if any(same_quantity(figure, g) for g in _figures_of(source, i))]
            if stating and max(shares[i] for i in stating) < FIGURE_CLAUSE_COVERAGE:
                best = max(evidence, key=lambda i: shares[i])
                if best not in stating and shares[best] >= CLAUSE_COVERAGE:
                    return [
                        Finding(
                            "unsupported",
                            f"{figure.raw}在原文中属于另一件事，不是“{part.text.strip()}”所说的",
                            f"in the source {figure.raw} belongs to another item than '{part.text.strip()}'",
                        )
                    ]
        if (
            max(shares.values()) < CLAUSE_COVERAGE
            and source.coverage(part, evidence)[0] >= COVERAGE_SUPPORTED
        ):
            return [
                Finding(
                    "unsupported",
                    f"“{part.text.strip()}”把原文不同地方的内容拼成了一句话",
                    f"'{part.text.strip()}' joins pieces of different statements of the source into one",
                )
            ]
    return []


def is_duration(figure: Figure) -> bool:
    return figure.kind == "amount" and figure.unit in DURATION_UNITS


def measures(figure: Figure) -> bool:
    """A figure that measures an item: an amount, not a duration."""
    return figure.value is not None and figure.kind == "amount" and not is_duration(figure)


def _figures_of(source: SourceWords, index: int) -> tuple[Figure, ...]:
    start, end = source.sentences[index]
    return _figures(source.original[start:end])


# ---------------------------------------------------------------- codes and slogans


def codes_of(text: str) -> list[str]:
    """The codes and slogans of a text whose digits must match: quoted phrases with a number, 1+8+8+1."""
    folded = text.translate(_FULLWIDTH)
    found = [m.group(1) for m in _QUOTED.finditer(folded) if _NUMBERISH.search(m.group(1))]
    found += [m.group().replace(" ", "") for m in _PLUS_CODE.finditer(folded)]
    return found


def _codes(text: str, original: str) -> list[Finding]:
    source = original.translate(_FULLWIDTH)
    for code in codes_of(text):
        if code not in source:
            return [
                Finding(
                    "unsupported",
                    f"原文没有“{code}”这个提法（数字须与原文一字不差）",
                    f"the source has no '{code}' (the digits of a slogan or code must match exactly)",
                )
            ]
    return []


# ---------------------------------------------------------------- a figure stated too often


def _repeated(claim_figures: Sequence[Figure], evidence_figures: Sequence[Figure]) -> list[Finding]:
    readable = [f for f in claim_figures if f.value is not None and f.kind == "amount"]
    for figure in readable:
        mine = sum(1 for f in readable if same_quantity(f, figure))
        theirs = sum(1 for f in evidence_figures if same_quantity(f, figure))
        if mine > theirs >= 1:
            return [
                Finding(
                    "unsupported",
                    f"摘要写了{mine}次{figure.raw}，原文只有{theirs}次",
                    f"the claim states {figure.raw} {mine} times, its evidence {theirs}",
                )
            ]
    return []
