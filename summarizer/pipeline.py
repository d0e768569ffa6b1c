"""Orchestration: from whatever the user gave to a verified `ReportSummary`.

    read_document -> normalize -> split_sections -> extract_facts   (prepare)
    -> engine (extractive | llm) -> verify_summary                   (summarize)

The engine is chosen by `Settings.effective_engine`: the LLM engine when an
endpoint is configured (or asked for), the offline one otherwise.  The LLM
modules are imported only when that engine runs, so the offline path never
loads `openai`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .engines.base import ProgressCallback, ReportContext
from .errors import InputError
from .facts.indicators import extract_facts
from .schema import ReportSummary
from .sections.split import split_sections
from .text.ingest import INPUT_SUFFIXES, Document, read_document
from .text.normalize import normalize
from .verification.check import verify_summary

if TYPE_CHECKING:
    from .verification.claims import FreeTextResult

Source = str | bytes | os.PathLike[str]


def _looks_like_path(value: str) -> bool:
    """A one-line str naming a report file ("reports/2023.docx") is a path; anything else is text.

    Only names with a report suffix count, so pasted text such as "/etc/passwd"
    is never read from disk.  Pass a `Path` to read any other file.
    """
    if "\n" in value or "\r" in value or len(value) > 1024:
        return False
    return value.strip().lower().endswith(INPUT_SUFFIXES)


def load(source: Source, settings: Settings, *, filename: str | None = None) -> Document:
    """The original text of a str (text, or a path to a report file), bytes or a path."""
    if isinstance(source, str) and _looks_like_path(source):
        source = Path(source)
    if isinstance(source, os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"找不到文件：{path}", f"file not found: {path}", code="not_found")
        return read_document(path, filename=filename or path.name, settings=settings)
    if isinstance(source, str | bytes):
        return read_document(source, filename=filename, settings=settings)
    raise InputError(
        "不支持的输入类型", f"unsupported input type: {type(source).__name__}", code="input_type"
    )


def prepare(
    source: Source,
    settings: Settings | None = None,
    *,
    filename: str | None = None,
    progress: ProgressCallback | None = None,
) -> ReportContext:
    """The rule-based stages: original text, clean copy, section tree, grounded facts."""
    settings = settings or Settings.from_env()
    document = load(source, settings, filename=filename)
    _Progress(progress)("ingest")
    return prepare_document(document, progress=progress)


def prepare_document(document: Document, *, progress: ProgressCallback | None = None) -> ReportContext:
    """The rule-based stages after ingest (a batch reads first, to skip reports already done)."""
    report = _Progress(progress)
    norm = normalize(document.text)
    report("normalize")
    nodes = split_sections(norm)
    report("sections")
    facts = extract_facts(norm, nodes)
    report("facts")
    return ReportContext(document=document, norm=norm, nodes=nodes, facts=facts)


def summarize(
    source: Source,
    settings: Settings | None = None,
    *,
    filename: str | None = None,
    progress: ProgressCallback | None = None,
) -> ReportSummary:
    """Summarize a report (text, bytes or path) and verify every claim against it."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    ctx = prepare(source, settings, filename=filename, progress=progress)
    return summarize_context(ctx, settings, progress=progress, started=started)


def summarize_context(
    ctx: ReportContext,
    settings: Settings,
    *,
    progress: ProgressCallback | None = None,
    started: float | None = None,
) -> ReportSummary:
    """The engine `settings` choose, then the verifier, on a prepared report."""
    started = time.perf_counter() if started is None else started
    if settings.effective_engine == "llm":
        from .engines.llm.engine import summarize_llm

        summary = summarize_llm(ctx, settings, progress=progress)
    else:
        from .engines.extractive.engine import summarize_extractive

        summary = summarize_extractive(ctx, settings)
    _Progress(progress)("summarize")
    summary = verify_report(ctx, summary)
    _Progress(progress)("verify")
    summary.engine.elapsed_s = round(time.perf_counter() - started, 4)
    return summary


def verify_report(ctx: ReportContext, summary: ReportSummary) -> ReportSummary:
    """`verify_summary` of a prepared report's summary.

    When normalization changed nothing, the clean text is the original and the
    facts stage has already read its figures: one pass over the whole text is not
    made twice.
    """
    same_text = ctx.norm.clean.text == ctx.original
    return verify_summary(ctx.original, summary, figures=ctx.facts.figures if same_text else None)


class _Progress:
    """Calls `progress(stage, 1, 1)` when a whole stage is done (None: does nothing)."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress

    def __call__(self, stage: str) -> None:
        if self._progress is not None:
            self._progress(stage, 1, 1)


def verify(
    source: Source,
    summary: str | ReportSummary,
    settings: Settings | None = None,
    *,
    filename: str | None = None,
    judge: bool = False,
) -> FreeTextResult:
    """Check a summary against the report it claims to summarize.

    `summary` is a `ReportSummary`, our JSON, or any free text (Markdown or
    plain), whose sentences are then checked one by one.  With `judge`, the
    configured model also gives its verdict on each claim and its evidence
    (`engines.llm.judge`: one call per section; the rules' flags always stand).
    """
    from .verification.claims import verify_any

    settings = settings or Settings.from_env()
    document = load(source, settings, filename=filename)
    summary_text = summary.to_json() if isinstance(summary, ReportSummary) else summary
    result = verify_any(document.text, summary_text)
    return judge_result(document.text, result, settings) if judge else result


def judge_result(original: str, result: FreeTextResult, settings: Settings) -> FreeTextResult:
    """`result` with the model judge's verdicts (raises ConfigError when no endpoint is configured).

    Claims are judged a section at a time: their summary's section, or else the part of the
    report (between headings of the first two levels) that their evidence is in.
    """
    from bisect import bisect_right

    from .engines.llm.judge import judge_claims
    from .verification.check import heading_regions, summarize_checks
    from .verification.claims import JudgeRun

    starts = [start for start, _ in heading_regions(original)]
    sections = {
        c.id: c.section_id or (f"part{bisect_right(starts, c.evidence[0].start)}" if c.evidence else "none")
        for c in result.claims
    }
    outcome = judge_claims(result.claims, settings, sections=sections)
    reasons = {i.claim_id: [i.reason] for i in result.verification.issues}
    for claim in outcome.claims:
        if claim.judge is not None and claim.support != claim.rules_support:
            said = claim.judge.reason or claim.judge.verdict
            reasons.setdefault(claim.id, []).append(f"模型复核：{said} / model judge: {claim.judge.verdict}")
    run = JudgeRun(
        model=settings.model, calls=outcome.calls, failed_calls=outcome.failed_groups, seconds=outcome.seconds
    )
    verification = summarize_checks(outcome.claims, reasons)
    return result.model_copy(update={"claims": outcome.claims, "verification": verification, "judge": run})
