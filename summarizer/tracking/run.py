"""`track`: several reports in, targets paired with actuals out (offline, rules only).

>>> from summarizer import track
>>> result = track(["reports/2014.txt", "reports/2015.txt"])    # files, or a directory
>>> result = track([("2014.txt", text_2014), ("2015.txt", text_2015)])   # names and texts
>>> [(i.concept, i.status) for i in result.items][:2]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..batch.inputs import iter_input_paths
from ..config import Settings
from ..errors import InputError
from ..pipeline import load
from ..text.ingest import Document, read_document
from .models import TrackResult
from .pairing import pair_reports
from .readings import ReportReadings, read_report

# A report file (or a directory of them), or a (file name, text or bytes) pair.
TrackSource = str | os.PathLike[str] | tuple[str, str | bytes]


def track(
    sources: Iterable[TrackSource] | str | os.PathLike[str], settings: Settings | None = None
) -> TrackResult:
    """Read the reports, group them by place, and pair each year's targets with the next report's actuals.

    A single report, or reports of places that never meet again, give `no_actual`
    items; reports of several places for one year also give `comparison` rows.
    Raises `InputError` when a file cannot be read or nothing was given.
    """
    settings = settings or Settings.from_env()
    if isinstance(sources, str | os.PathLike):
        sources = [sources]  # one directory (or file), not its characters
    reports: list[ReportReadings] = []
    seen: set[str] = set()
    for file, document in _documents(sources, settings):
        report = read_report(document, file)
        if report.report.sha256 in seen:
            continue  # the same text twice (a file and its copy) is one report
        seen.add(report.report.sha256)
        reports.append(report)
    if not reports:
        raise InputError("没有可跟踪的报告", "no report to track", code="no_reports")
    return pair_reports(reports)


def _documents(sources: Iterable[TrackSource], settings: Settings) -> Iterator[tuple[str, Document]]:
    paths: list[str | os.PathLike[str]] = []
    for source in sources:
        if isinstance(source, tuple):
            name, content = source
            yield name, read_document(content, filename=name, settings=settings)
        else:
            paths.append(source)
    for path in iter_input_paths(paths):
        yield str(path), load(Path(path), settings)
