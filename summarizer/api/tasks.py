"""The CPU work the API sends to its worker processes: small picklable tasks, JSON back.

A result that goes straight to the client comes back as UTF-8 JSON bytes, made
in the worker: the server's event loop only passes them on.  A `str` is always
report text, never a path (`read_document`, not the pipeline's `load`): a client
never makes the server read one of its files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..config import Settings
from ..engines.base import ReportContext
from ..schema import ReportSummary
from ..text.ingest import read_document


@dataclass(frozen=True)
class SummarizeOffline:
    """A report through the extractive engine and the verifier: the ReportSummary's JSON."""

    source: str | bytes
    filename: str | None
    settings: Settings

    def run(self) -> bytes:
        from ..pipeline import prepare_document, summarize_context

        started = time.perf_counter()
        document = read_document(self.source, filename=self.filename, settings=self.settings)
        summary = summarize_context(prepare_document(document), self.settings, started=started)
        return summary.to_json(indent=None).encode("utf-8")


@dataclass(frozen=True)
class Prepare:
    """The rule-based stages of a report (ingest, sections, facts), for the LLM engine."""

    source: str | bytes
    filename: str | None
    settings: Settings

    def run(self) -> ReportContext:
        from ..pipeline import prepare_document

        return prepare_document(read_document(self.source, filename=self.filename, settings=self.settings))


@dataclass(frozen=True)
class VerifyPrepared:
    """The verifier over an engine's summary of a prepared report: the ReportSummary's JSON."""

    ctx: ReportContext
    summary: ReportSummary
    started: float  # time.time() when the job began, for engine.elapsed_s

    def run(self) -> bytes:
        from ..pipeline import verify_report

        summary = verify_report(self.ctx, self.summary)
        summary.engine.elapsed_s = round(time.time() - self.started, 4)
        return summary.to_json(indent=None).encode("utf-8")


@dataclass(frozen=True)
class Verify:
    """`summarizer verify`: a summary (our JSON or free text) checked against its report."""

    source: str | bytes
    summary: str
    filename: str | None
    settings: Settings

    def run(self) -> bytes:
        from ..verification.claims import verify_any

        document = read_document(self.source, filename=self.filename, settings=self.settings)
        return verify_any(document.text, self.summary).model_dump_json().encode("utf-8")


@dataclass(frozen=True)
class Track:
    """`summarizer track`: (file name, text or bytes) reports in, the tracking table out (json, csv or md)."""

    reports: tuple[tuple[str, str | bytes], ...]
    format: str
    settings: Settings

    def run(self) -> bytes:
        from ..tracking import track, track_text

        return track_text(track(list(self.reports), self.settings), self.format).encode("utf-8")
