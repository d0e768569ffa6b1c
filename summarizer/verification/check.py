"""Verification: every claim and every figure of a summary checked against the source.

Being provably faithful is the product, so nothing a summary says is taken on
trust, whoever wrote it (our engines, another program, a person):

1. Evidence.  A claim's cited spans must quote the source at their offsets; a
   quote whose offsets drifted is located again (`align.py`).  A claim with no
   evidence (free text) gets the source sentence that matches it best.
2. Wording.  The claim's characters must largely appear, in order, in its
   evidence (longest common subsequence), so a claim cannot borrow a quote
   and say something else; nor may it drop or add a negation (未, 没有, 无).
   A claim that is its evidence word for word passes as it is.
3. Figures.  Each figure of the claim (`numbers.find_figures`) must equal a
   figure of the evidence: same quantity (1.2亿元 == 12000万元, 5.2% != 5.2亿元),
   same role (a growth rate is not a level), same qualifier (5.5%以上 is not
   5.5%), attached to the same indicator name.  A fuzzy text match never makes
   a wrong figure right, and a redacted figure (XX万元) supports no number.

Labels: `supported`; `partial` (a figure only elsewhere in the same section, a
changed qualifier, loose wording); `unsupported` (a figure the source does not
give there, evidence not in the source, wording unrelated); `unchecked` (no
text).  Every label but `supported` comes with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..facts.numbers import Figure, find_figures, same_quantity
from ..schema import Claim, NumberCheck, ReportSummary, Span, Support, Verification, VerificationIssue
from .align import (
    AlignmentStatus,
    SentenceIndex,
    SourceText,
    match_key,
    negation_differs,
    sentence_bounds,
    text_coverage,
)
from .figures import FigureMatch, FigurePositions, SourceFigures, match_figure

# Wording thresholds: share of the claim's characters found in order in its evidence.
_COVERAGE_SUPPORTED = 0.6
_COVERAGE_RELATED = 0.35

# Evidence search for claims without evidence: sentences ranked by wording, the
# bonus a sentence gets for stating all of the claim's figures, the lowest
# wording score accepted, how far apart merged sentences may be and how well a
# merged sentence must appear in the claim (or the claim in it).
_FREE_CANDIDATES = 5
_FIGURE_BONUS = 5.0
_FREE_MIN_SCORE = 50.0
_FREE_NEIGHBOURS = 2
_FREE_MERGE_SCORE = 70.0

_SEVERITY: dict[Support, int] = {"supported": 0, "unchecked": 1, "partial": 2, "unsupported": 3}


@dataclass
class _Verdict:
    """What the checks of one claim found: the worst label wins, every reason is kept."""

    support: Support = "supported"
    reasons: list[str] = field(default_factory=list)

    def lower(self, support: Support, reason: str) -> None:
        if _SEVERITY[support] > _SEVERITY[self.support]:
            self.support = support
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True)
class _Checked:
    """The outcome of checking one claim text with its cited spans."""

    evidence: list[Span]
    numbers: list[NumberCheck]
    support: Support
    reasons: list[str]
    unsupported_numbers: int  # figures not found inside the evidence (see `_number_supported`)


# A claim as checked: its text and its cited spans (start, end, quote).
_ClaimKey = tuple[str, tuple[tuple[int, int, str], ...]]


class ClaimSource:
    """Everything about the original text that claims are checked against, computed once."""

    def __init__(
        self,
        original: str,
        regions: list[tuple[int, int]] | None = None,
        figures: list[Figure] | None = None,
    ) -> None:
        self.original = original
        self.sentences = sentence_bounds(original)
        self.figures = SourceFigures(original, self.sentences, regions or heading_regions(original), figures)
        # Checks already made for this summary: a summary repeats claims (an overview
        # sentence is also a section's), and a check depends only on the claim's
        # text and cited spans.  At most one entry per claim checked.
        self.checks: dict[_ClaimKey, _Checked] = {}

    @cached_property
    def text(self) -> SourceText:
        """Built on first use: only quotes that are not at their offsets need it.

        Normalizing the whole report costs more than checking all the claims of
        a summary whose evidence quotes the source exactly, as ours does.
        """
        return SourceText(self.original)

    @cached_property
    def sentence_index(self) -> SentenceIndex:
        """Built on first use: only claims without evidence need it."""
        return SentenceIndex(self.text, self.sentences)


# Headings of the first two levels ("一、", "（一）") at a line start or right
# after a sentence: the reports run them inline ("…奋进。（一）社会发展…").
_HEADING = re.compile(
    r"(?:^|(?<=[\n。！？!?：:]))[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])",
    re.MULTILINE,
)


def heading_regions(original: str) -> list[tuple[int, int]]:
    """Sections of the text between headings of the first two levels (the whole text if none)."""
    starts = [0] + [m.start() for m in _HEADING.finditer(original) if m.start() > 0]
    ends = [*starts[1:], len(original)]
    return list(zip(starts, ends, strict=True))


# ---------------------------------------------------------------------------
# One claim


def _check_claim(source: ClaimSource, claim: Claim) -> tuple[Claim, list[str], int]:
    """The claim with evidence, numbers and support re-checked; the reasons if not supported;
    and how many of its figures its evidence does not hold."""
    if not claim.text.strip():
        return claim.model_copy(update={"support": "unchecked", "numbers": []}), ["claim has no text"], 0
    key = (claim.text, tuple((span.start, span.end, span.quote) for span in claim.evidence))
    done = source.checks.get(key)
    if done is None:
        done = source.checks[key] = _check_text(source, claim.text, claim.evidence)
    # Claims repeating a claim share its checks (models are never changed once built), not its lists.
    update = {"evidence": list(done.evidence), "numbers": list(done.numbers), "support": done.support}
    return claim.model_copy(update=update), list(done.reasons), done.unsupported_numbers


def _check_text(source: ClaimSource, text: str, cited: list[Span]) -> _Checked:
    """Check a claim's text (not blank) with the spans it cites; see `_check_claim`."""
    verdict = _Verdict()
    evidence = _checked_evidence(source, cited, verdict)
    claim_figures = find_figures(text)
    if not cited:
        evidence = _find_evidence(source, text, claim_figures)
        if not evidence:
            verdict.lower("unsupported", "no passage of the source matches this claim")
    if evidence and text != "".join(span.quote for span in evidence):
        # Figures are checked on their own below; in the wording they would count
        # "二〇二三" against "2023".  A claim that is its evidence word for word (as
        # every claim of the offline engine is) says nothing else, and negates
        # nothing else: there is no wording to check.
        _check_wording(_without_figures(text, claim_figures), evidence, verdict)
    numbers = _check_figures(source, text, claim_figures, evidence, verdict)
    unsupported = sum(1 for number in numbers if not _number_supported(evidence, number))
    return _Checked(evidence, numbers, verdict.support, verdict.reasons, unsupported)


def _checked_evidence(source: ClaimSource, spans: list[Span], verdict: _Verdict) -> list[Span]:
    """Cited spans that quote the source; drifted ones relocated, missing ones reported."""
    kept: list[Span] = []
    for span in spans:
        if span.matches(source.original):
            kept.append(span)
            continue
        found = source.text.align(span.quote, near=span.start)
        if found is None:
            verdict.lower(
                "unsupported", f"evidence quote not found in the source: {shorten(span.quote, 30)!r}"
            )
        elif found.status is AlignmentStatus.FUZZY:
            kept.append(found.span)
            verdict.lower("partial", f"evidence quote only approximately in the source ({found.score:.0f}%)")
        else:
            kept.append(found.span)  # same words at other offsets: the citation is fixed, not penalized
    return kept


def _find_evidence(source: ClaimSource, text: str, claim_figures: list[Figure]) -> list[Span]:
    """The source sentences a claim without evidence most likely summarizes.

    The candidates are the sentences whose wording best contains the claim and
    those stating one of its figures; the best one by wording, with a bonus for
    each of the claim's figures it states, is the evidence.  Neighbouring
    sentences of the same section that state the claim's other figures join it
    (a claim may merge two sentences).  Figures are then checked as for any claim.
    """
    # Words decide which passage the claim speaks of; its figures only break ties
    # (else a figure moved from another section would drag the evidence there).
    words = match_key(_without_figures(text, claim_figures))
    whole = match_key(text)
    sentences = source.sentence_index
    ranked = dict(sentences.rank(words, limit=_FREE_CANDIDATES))
    figure_sentences: dict[int, set[int]] = {}
    for position, figure in enumerate(claim_figures):
        for index in source.figures.candidates(figure):
            stated = source.figures.figures[index]
            if stated.value is not None and same_quantity(figure, stated):
                figure_sentences.setdefault(source.figures.sentence_of(stated.start), set()).add(position)
    candidates = set(ranked) | set(figure_sentences)
    if not candidates:
        return []

    def score(sentence: int) -> float:
        if sentence not in ranked:
            ranked[sentence] = sentences.score(words, sentence)
        share = len(figure_sentences.get(sentence, ())) / len(claim_figures) if claim_figures else 0.0
        return ranked[sentence] + _FIGURE_BONUS * share

    # Equal scores (the claim's words inside several sentences) go to the sentence
    # closest to the claim as a whole.
    best = max(sorted(candidates), key=lambda s: (score(s), sentences.closeness(words, s)))
    if ranked[best] < _FREE_MIN_SCORE:
        return []
    chosen = [best]
    covered = set(figure_sentences.get(best, ()))
    region = source.figures.region_of(source.sentences[best][0])
    for sentence in sorted(figure_sentences, key=lambda s: abs(s - best)):
        extra = figure_sentences[sentence] - covered
        near = abs(sentence - best) <= _FREE_NEIGHBOURS
        near = near and sentences.overlap(whole, sentence) >= _FREE_MERGE_SCORE
        if extra and near and source.figures.region_of(source.sentences[sentence][0]) == region:
            chosen.append(sentence)
            covered |= extra
    return [Span.of(source.original, *source.sentences[i]) for i in sorted(chosen)]


def _without_figures(text: str, figures: list[Figure]) -> str:
    pieces, position = [], 0
    for figure in figures:
        pieces.append(text[position : figure.start])
        position = figure.end
    pieces.append(text[position:])
    return "".join(pieces)


def _check_wording(text: str, evidence: list[Span], verdict: _Verdict) -> None:
    quoted = "".join(span.quote for span in evidence)
    coverage = text_coverage(text, quoted)
    if negation_differs(text, quoted):
        verdict.lower("unsupported", "the claim drops or adds a negation (未/没有/无) of its evidence")
    if coverage < _COVERAGE_RELATED:
        verdict.lower("unsupported", f"the claim's wording is not in its evidence ({coverage:.0%} of it)")
    elif coverage < _COVERAGE_SUPPORTED:
        verdict.lower("partial", f"the claim's wording only loosely follows its evidence ({coverage:.0%})")


def _check_figures(
    source: ClaimSource, text: str, claim_figures: list[Figure], evidence: list[Span], verdict: _Verdict
) -> list[NumberCheck]:
    numbers: list[NumberCheck] = []
    positions = FigurePositions(claim_figures)
    for figure in claim_figures:
        if figure.unreadable:
            # Restating the source's mask ("xx亿元") or garbled digits says nothing
            # wrong, nor anything new.
            same = source.figures.unreadable_in(evidence, figure)
            span = None if same is None else Span.of(source.original, same.start, same.end)
            numbers.append(
                _number_check(
                    {"raw": figure.raw, "unit": figure.unit, "found": span is not None, "span": span}
                )
            )
            if span is None:
                verdict.lower("partial", f"{figure.raw}: an unreadable figure the evidence does not show")
            continue
        match: FigureMatch = match_figure(source.figures, text, figure, claim_figures, evidence, positions)
        span = match.span
        numbers.append(
            _number_check(
                {
                    "raw": figure.raw,
                    "value": figure.value,
                    "unit": figure.unit,
                    "found": span is not None,
                    "span": span,
                }
            )
        )
        if match.support != "supported":
            verdict.lower(match.support, match.reason)
    return numbers


def _number_check(fields: dict[str, object]) -> NumberCheck:
    """`NumberCheck(**fields)`: validated the same, with the same fields set.

    Without `BaseModel.__init__`'s Python frame: a summary checks hundreds of figures.
    """
    return NumberCheck.__pydantic_validator__.validate_python(fields)


# ---------------------------------------------------------------------------
# Totals


def summarize_checks(
    claims: list[Claim], reasons: dict[str, list[str]], unsupported_numbers: int | None = None
) -> Verification:
    """The `Verification` totals of checked claims; `score` = (supported + ½·partial) / checked.

    `unsupported_numbers` may be passed when the checks already counted the
    figures their evidence does not hold (counted from the claims otherwise).
    """
    counts = {label: sum(1 for c in claims if c.support == label) for label in _SEVERITY}
    checked = len(claims) - counts["unchecked"]
    numbers = [n for c in claims for n in c.numbers]
    if unsupported_numbers is None:
        unsupported_numbers = sum(
            1 for c in claims for n in c.numbers if not _number_supported(c.evidence, n)
        )
    issues = [
        VerificationIssue(claim_id=c.id, reason="; ".join(reasons.get(c.id) or [c.support]))
        for c in claims
        if c.support != "supported"
    ]
    score = (counts["supported"] + 0.5 * counts["partial"]) / checked if checked else 0.0
    return Verification(
        claims=len(claims),
        supported=counts["supported"],
        partial=counts["partial"],
        unsupported=counts["unsupported"],
        numbers=len(numbers),
        numbers_unsupported=unsupported_numbers,
        score=round(score, 4),
        issues=issues,
    )


def _number_supported(evidence: list[Span], number: NumberCheck) -> bool:
    """A figure counts as supported when found inside the claim's evidence."""
    if number.span is None:
        return False
    return any(e.start <= number.span.start and number.span.end <= e.end for e in evidence)


def check_claims(source: ClaimSource, claims: Iterable[Claim]) -> tuple[list[Claim], Verification]:
    checked: list[Claim] = []
    reasons: dict[str, list[str]] = {}
    unsupported_numbers = 0
    for claim in claims:
        result, why, unsupported = _check_claim(source, claim)
        checked.append(result)
        unsupported_numbers += unsupported
        if why:
            reasons.setdefault(claim.id, []).extend(why)
    return checked, summarize_checks(checked, reasons, unsupported_numbers)


# ---------------------------------------------------------------------------
# Public API


def verify_summary(
    original: str, summary: ReportSummary, *, figures: list[Figure] | None = None
) -> ReportSummary:
    """A copy of `summary` with every claim re-checked against `original` and `verification` filled.

    `figures`, if given, must be `find_figures(original)`: a caller that has read them saves reading them again.
    """
    source = ClaimSource(original, _section_regions(original, summary), figures)
    groups = [summary.overview, *(s.summary for s in summary.sections)]
    groups += [summary.achievements, summary.problems, summary.plans]
    checked, verification = check_claims(source, [claim for group in groups for claim in group])
    results = iter(checked)
    overview, *section_claims, achievements, problems, plans = [[next(results) for _ in g] for g in groups]
    # Only the claim lists change (checked claims are new objects): copy the models that
    # hold them, each once with its new list, not the whole tree.
    sections = [
        s.model_copy(update={"summary": c}) for s, c in zip(summary.sections, section_claims, strict=True)
    ]
    update = {"overview": overview, "sections": sections, "achievements": achievements}
    update |= {"problems": problems, "plans": plans, "verification": verification}
    return summary.model_copy(update=update)


def _section_regions(original: str, summary: ReportSummary) -> list[tuple[int, int]] | None:
    """Sections of level 1-2 from the summary, when their spans quote the original."""
    regions = [
        (s.span.start, s.span.end) for s in summary.sections if s.level <= 2 and s.span.matches(original)
    ]
    return regions or None


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
