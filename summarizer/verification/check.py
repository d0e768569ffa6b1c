"""Verification: every claim and every figure of a summary checked against the source.

Being provably faithful is the product, so nothing a summary says is taken on
trust, whoever wrote it (our engines, another program, a person):

1. Evidence.  A claim's cited spans must quote the source at their offsets; a
   quote whose offsets drifted is located again (`align.py`), one that is not
   there is reported.  Citations are hints: a claim that is its evidence word
   for word passes as it is; any other is located as a quote if it is one, or
   else given the passages that carry it best (`evidence.py`).
2. Meaning.  The rules of `support.py` judge the claim against that evidence:
   its content words (synonyms counted), evaluative words, direction, done or
   planned, 均/分别 links, causes, code digits, figures stated too often, and
   no negation (未, 没有, 无) dropped or added.
3. Figures.  Each figure of the claim (`numbers.find_figures`) must equal a
   figure of the evidence (the cited passages, when there are any): same
   quantity (1.2亿元 == 12000万元, 5.2% != 5.2亿元), same role (a growth rate is
   not a level), same qualifier (5.5%以上 is not 5.5%), attached to the same
   indicator name, planned or done as the claim says.  A year may come from
   the evidence's section title.  A fuzzy text match never makes a wrong figure
   right, and a redacted figure (XX万元) supports no number.

Labels: `supported`; `partial` (a figure only elsewhere in the same section, a
changed qualifier, a claim only partly in its evidence); `unsupported` (a figure
the source does not give there, evidence not in the source, a claim that says
more than the source); `unchecked` (no text).  Every label but `supported`
comes with a reason, in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..facts.numbers import Figure, find_figures, same_quantity
from ..schema import (
    SUPPORT_SEVERITY,
    Claim,
    NumberCheck,
    ReportSummary,
    Span,
    Support,
    Verification,
    VerificationIssue,
)
from ..sections.lookup import SectionIndex
from ..sections.split import SectionNode, sections_of_text
from .align import (
    AlignmentStatus,
    SourceText,
    negation_differs,
    sentence_bounds,
)
from .evidence import Retrieved, SourceWords, claim_words, passages
from .figures import FigureMatch, FigurePositions, SourceFigures, match_figure
from .support import Modality, figure_modality, is_duration, judge_claim, measures


@dataclass
class _Verdict:
    """What the checks of one claim found: the worst label wins, every reason is kept."""

    support: Support = "supported"
    reasons: list[str] = field(default_factory=list)

    def lower(self, support: Support, reason: str) -> None:
        if SUPPORT_SEVERITY[support] > SUPPORT_SEVERITY[self.support]:
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
_ClaimKey = tuple[str, tuple[tuple[int, int, str], ...], tuple[int, int] | None]


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
        # Each claim's section, where the summary has one: its evidence is looked for there first.
        self.section_spans: dict[str, tuple[int, int]] = {}

    @cached_property
    def words(self) -> SourceWords:
        """The source's sentences as words, for evidence retrieval (built on first use)."""
        units, sentence_of = passages(self.original, self.sentences)
        regions = [self.figures.region_of(start) for start, _ in units]
        return SourceWords(self.original, units, regions, sentence_of)

    @cached_property
    def _sections(self) -> SectionIndex:
        return SectionIndex(sections_of_text(self.original))

    @cached_property
    def report_year(self) -> tuple[int, Span] | None:
        """The year the report was delivered, and where that shows: its head (title, date), or its
        part titles (the year a plan part is for, the year after a reviewed one)."""
        found: list[tuple[int, Span]] = []
        for f in find_figures(self.original[:_HEAD_CHARS]):
            if f.kind in ("year", "date") and f.value is not None and not f.high:
                year = int(f.value) // 10000 if f.kind == "date" else int(f.value)
                found.append((year, Span.of(self.original, f.start, f.end)))
        for node in self._sections.nodes:
            if node.kind not in ("review", "plan", "targets"):
                continue
            for f, where in self._title_years(node):
                found.append((int(f.value or 0) + (node.kind == "review"), where))
        return max(found, key=lambda pair: pair[0]) if found else None

    def _title_years(self, node: SectionNode) -> list[tuple[Figure, Span]]:
        start = node.heading_start
        return [
            (f, Span.of(self.original, start + f.start, start + f.end))
            for f in find_figures(self.original[start : node.heading_end])
            if f.kind == "year" and f.value is not None and not f.high
        ]

    def years_of(self, span: Span) -> dict[int, Span]:
        """The years that date a piece of evidence, and where each is stated.

        Stated in it, or in the titles of its sections ("一、2023年工作回顾"); else
        the report's own year for a plan part or 今年, the year before for a review or 去年.
        """
        years: dict[int, Span] = {}
        for figure in find_figures(span.quote):
            if figure.kind == "year" and figure.value is not None:
                years.setdefault(
                    int(figure.value),
                    Span.of(self.original, span.start + figure.start, span.start + figure.end),
                )
        chain = self._sections.chain(span.start)
        titled = {int(f.value or 0): where for node in chain for f, where in self._title_years(node)}
        if titled:
            return titled | years
        if self.report_year is not None:
            year, where = self.report_year
            kinds = {node.kind for node in chain}
            if kinds & {"plan", "targets"} or "今年" in span.quote:
                years.setdefault(year, where)
            if "review" in kinds or "去年" in span.quote or "上年" in span.quote:
                years.setdefault(year - 1, where)
        return years

    def section_modality(self, passage: int) -> Modality:
        """Plan or done by the kind of the section a passage is in (a plan part, a review), else None."""
        kinds = {node.kind for node in self._sections.chain(self.words.sentences[passage][0])}
        return "plan" if kinds & {"plan", "targets"} else "done" if "review" in kinds else None

    @cached_property
    def text(self) -> SourceText:
        """Built on first use: only quotes that are not at their offsets need it.

        Normalizing the whole report costs more than checking all the claims of
        a summary whose evidence quotes the source exactly, as ours does.
        """
        return SourceText(self.original)


# Where a report names itself and its year: the title, the meeting, the date.
_HEAD_CHARS = 400

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
        return (
            claim.model_copy(update={"support": "unchecked", "numbers": []}),
            ["摘要句是空的 / claim has no text"],
            0,
        )
    region = source.section_spans.get(claim.section_id) if claim.section_id else None
    key = (claim.text, tuple((span.start, span.end, span.quote) for span in claim.evidence), region)
    done = source.checks.get(key)
    if done is None:
        done = source.checks[key] = _check_text(source, claim.text, claim.evidence, region)
    # Claims repeating a claim share its checks (models are never changed once built), not its lists.
    update = {"evidence": list(done.evidence), "numbers": list(done.numbers), "support": done.support}
    return claim.model_copy(update=update), list(done.reasons), done.unsupported_numbers


def _check_text(
    source: ClaimSource, text: str, cited: list[Span], region: tuple[int, int] | None = None
) -> _Checked:
    """Check a claim's text (not blank) with the spans it cites; see `_check_claim`."""
    verdict = _Verdict()
    evidence = _checked_evidence(source, cited, verdict)
    claim_figures = find_figures(text)
    # A claim that is its evidence word for word (as every claim of the offline engine is)
    # says nothing else: its figures are checked, and there is nothing more to judge.
    # A claim citing passages of the source is about them: its figures are looked for there
    # (another passage's figure is misattributed), while its words may draw on any passage.
    figure_evidence = evidence
    verbatim = bool(evidence) and text == "".join(span.quote for span in evidence)
    if not verbatim:
        # A claim that quotes the source is located as a quote is; its words need no looking for.
        hit = source.text.align(text, fuzzy=False)
        located = hit.span if hit is not None else None
        evidence = _judge(source, text, claim_figures, evidence, region, verdict, located)
        figure_evidence = figure_evidence or evidence
    numbers = _check_figures(source, text, claim_figures, figure_evidence, verdict, abstractive=not verbatim)
    unsupported = sum(1 for number in numbers if not _number_supported(evidence, number))
    return _Checked(evidence, numbers, verdict.support, verdict.reasons, unsupported)


def _judge(
    source: ClaimSource,
    text: str,
    claim_figures: list[Figure],
    cited: list[Span],
    region: tuple[int, int] | None,
    verdict: _Verdict,
    located: Span | None = None,
) -> list[Span]:
    """Retrieve the claim's evidence (its citations are hints), apply the support rules; the evidence.

    A claim `located` word for word in the source has the passages around that place as its evidence
    (whole passages: a copy that drops "以上" or "力争" still says less than its source).
    """
    words = claim_words(text, claim_figures)
    anchors: dict[int, set[int]] = {}
    for position, figure in enumerate(claim_figures):
        if figure.kind in ("year", "date"):
            continue  # a year says when, not what: every part of a review has one
        for index in source.figures.candidates(figure):
            stated = source.figures.figures[index]
            if stated.value is not None and same_quantity(figure, stated):
                anchors.setdefault(source.words.unit_of(stated.start), set()).add(position)
    hints = {source.words.unit_of(span.start) for span in cited}
    units = source.words.units_between(located.start, located.end) if located is not None else ()
    if units:
        found = Retrieved(units, 1.0, ())
    else:
        found = source.words.retrieve(words, anchors, hints=hints, within=region)
    if not found.sentences:
        verdict.lower(
            "unsupported", "原文中没有与这句话相符的段落 / no passage of the source matches this claim"
        )
        return cited
    bounds = [source.words.sentences[i] for i in found.sentences]
    kept = [span for span in cited if any(s < span.end and span.start < e for s, e in bounds)]
    if cited and not kept:
        verdict.lower(
            "partial",
            "摘要引用的原文并不是在说这件事 / the passages the claim cites do not say this",
        )
    evidence = kept + [
        Span.of(source.original, s, e)
        for s, e in bounds
        if not any(s <= span.start and span.end <= e for span in kept)
    ]
    evidence.sort(key=lambda span: span.start)
    quoted = "".join(span.quote for span in evidence)
    if negation_differs(_without_figures(text, claim_figures), quoted):
        verdict.lower(
            "unsupported",
            "摘要增减了否定（未/没有/无） / the claim drops or adds a negation (未/没有/无) of its evidence",
        )
    figures_in = [f for f in source.figures.figures if any(s <= f.start and f.end <= e for s, e in bounds)]
    findings = judge_claim(
        words,
        claim_figures,
        found.sentences,
        source.words,
        coverage=found.coverage,
        missing=found.missing,
        evidence_figures=figures_in,
        section_modality=source.section_modality,
    )
    for finding in findings:
        verdict.lower(finding.label, finding.reason)
    return evidence


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
                "unsupported",
                f"引文在原文中找不到：“{shorten(span.quote, 30)}” / "
                f"evidence quote not found in the source: {shorten(span.quote, 30)!r}",
            )
        elif found.status is AlignmentStatus.FUZZY:
            kept.append(found.span)
            verdict.lower(
                "partial",
                f"引文与原文只是近似（{found.score:.0f}%） / "
                f"evidence quote only approximately in the source ({found.score:.0f}%)",
            )
        else:
            kept.append(found.span)  # same words at other offsets: the citation is fixed, not penalized
    return kept


def _without_figures(text: str, figures: list[Figure]) -> str:
    pieces, position = [], 0
    for figure in figures:
        pieces.append(text[position : figure.start])
        position = figure.end
    pieces.append(text[position:])
    return "".join(pieces)


def _check_figures(
    source: ClaimSource,
    text: str,
    claim_figures: list[Figure],
    evidence: list[Span],
    verdict: _Verdict,
    *,
    abstractive: bool = True,
) -> list[NumberCheck]:
    """The claim's figures against its evidence; an `abstractive` claim's years and modality too."""
    numbers: list[NumberCheck] = []
    positions = FigurePositions(claim_figures)
    for figure in claim_figures:
        if abstractive and figure.kind == "year" and figure.value is not None and not figure.high:
            # A summary dates what its evidence says from the section it is in ("2023年工作回顾"),
            # unless the evidence dates that very thing otherwise ("2024年医疗保险", not "2023年医疗保险").
            year = int(figure.value)
            stated = any(
                f.kind == "year" and f.value == year for e in evidence for f in find_figures(e.quote)
            )
            otherwise = None if stated else _dated_otherwise(text, figure, evidence)
            dated = None
            if otherwise is None:
                dated = next((y[year] for e in evidence if year in (y := source.years_of(e))), None)
            else:
                verdict.lower(
                    "unsupported",
                    f"原文中这件事的年份是{otherwise}，摘要写{figure.raw} / "
                    f"the source dates this {otherwise}, the claim {figure.raw}",
                )
            if dated is not None or otherwise is not None:
                fields = {"raw": figure.raw, "value": figure.value, "unit": figure.unit}
                numbers.append(_number_check(fields | {"found": dated is not None, "span": dated}))
                continue
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
                verdict.lower(
                    "partial",
                    f"{figure.raw}：依据中没有这个无法辨认的数字 / {figure.raw}: an unreadable figure the evidence does not show",
                )
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
        if abstractive and match.support != "supported" and span is not None and is_duration(figure):
            # A duration ("五年来") says how long, which a summary takes from its section's lead.
            continue
        if match.support != "supported":
            verdict.lower(match.support, match.reason)
        elif abstractive and span is not None and measures(figure):
            finding = figure_modality(text, figure, span.start, source.words, source.section_modality)
            if finding is not None:
                verdict.lower(finding.label, f"{figure.raw}: {finding.reason}")
    return numbers


def _dated_otherwise(text: str, year: Figure, evidence: list[Span]) -> str | None:
    """The other year the evidence gives to what follows the claim's year ("2024年医疗保险"), if any."""
    follows = text[year.end : year.end + 2]
    if len(follows) < 2:
        return None
    for span in evidence:
        for figure in find_figures(span.quote):
            after = span.quote[figure.end : figure.end + 2]
            if figure.kind == "year" and after == follows and figure.value != year.value:
                return figure.raw
    return None


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
    counts = {label: sum(1 for c in claims if c.support == label) for label in SUPPORT_SEVERITY}
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


def check_claim_text(
    source: ClaimSource, text: str, cited: list[Span], region: tuple[int, int] | None = None
) -> tuple[Support, list[str]]:
    """The label `verify_summary` would give one claim (its text and cited spans, in the original),
    and the reasons when it is not `supported`; `region`: its section's original range, if any.

    The LLM engine asks this of every sentence the model writes, so that what it asks the model
    to rewrite is exactly what the verifier would flag.
    """
    if not text.strip():
        return "unchecked", ["摘要句是空的 / claim has no text"]
    checked = _check_text(source, text, cited, region)
    return checked.support, list(checked.reasons)


def verify_summary(
    original: str, summary: ReportSummary, *, figures: list[Figure] | None = None
) -> ReportSummary:
    """A copy of `summary` with every claim re-checked against `original` and `verification` filled.

    `figures`, if given, must be `find_figures(original)`: a caller that has read them saves reading them again.
    """
    source = ClaimSource(original, _section_regions(original, summary), figures)
    source.section_spans = {
        s.id: (s.span.start, s.span.end) for s in summary.sections if s.span.matches(original)
    }
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
