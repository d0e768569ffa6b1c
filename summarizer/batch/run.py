"""Batch: many reports in, one JSON line each out; resumable, streaming, on every core.

    inputs (files, directories, globs) ─► iter_input_paths (lazy)
      ─► offline: worker processes, each with the segmenter loaded once, fed through its own pipe
         and holding ≤ 2 reports at a time
         llm:     asyncio, one global call limit and one cache over all reports (batch/llm.py)
      ─► OUT.jsonl, one line per report, written as each finishes (by the worker that made it,
         O_APPEND: see batch/output.py), fsync'd at the end
      ─► --csv: one row per indicator, rebuilt from OUT.jsonl (so a resumed run's CSV is complete)

A line is the compact `ReportSummary` JSON, or `{"path", "error", "code"}` for a
report that failed: one bad file never stops the batch.  Only a `ConfigError`
(no model, a rejected key) stops it, since it would fail every report alike.

Resume (`resume=True`): reports whose sha256 of the original text is already in
OUT are skipped.  Error lines are dropped and their reports tried again (the
error may have been transient, or the file fixed since).  A half-written last
line, left by a kill, is cut off.  Skipping is decided where the text is
decoded anyway (in the worker), so resuming costs one ingest per done report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..config import Settings
from ..errors import InputError
from .inputs import iter_input_paths
from .outcome import BatchStats, Outcome
from .output import (
    LineWriter,
    jsonl_to_csv,
    output_error,
    prepare_output,
    progress_bar,
    progress_enabled,
)
from .pool import summarize_offline


def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    settings: Settings | None = None,
    *,
    resume: bool = False,
    csv_path: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    progress: bool | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> BatchStats:
    """Summarize every report named by `inputs` into the JSONL file `output` (see the module docstring).

    `jobs`: worker processes for the offline engine (default: every core).  The
    LLM engine runs in this process with `settings.concurrency` calls at once.
    Raises `ConfigError` (bad settings) and `InputError` (OUT cannot be written).
    """
    settings = settings or Settings.from_env()
    inputs = list(inputs)  # walked twice when a progress bar counts them first
    out = Path(output)
    started = time.perf_counter()
    try:
        done = prepare_output(out, resume=resume)
    except OSError as e:
        raise output_error(out, e) from e
    stats = BatchStats()
    total = sum(1 for _ in iter_input_paths(inputs)) if progress_enabled(progress) else None
    paths = iter_input_paths(inputs)
    if settings.effective_engine == "llm":
        from .llm import summarize_llm_batch

        outcomes = summarize_llm_batch(paths, settings, frozenset(done))
    else:
        workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        outcomes = summarize_offline(paths, settings, frozenset(done), workers, output=out.resolve())
    bar = progress_bar(total, progress_enabled(progress))
    try:
        with LineWriter(out) as writer:
            for outcome in outcomes:
                if outcome.line is not None:
                    writer.write(outcome.line)
                stats.add(outcome)
                bar.update(1)
                if on_outcome is not None:
                    on_outcome(outcome)
    finally:
        bar.close()
    if csv_path is not None:
        stats.csv_rows = jsonl_to_csv(out, Path(csv_path))
    stats.elapsed_s = round(time.perf_counter() - started, 3)
    return stats


def run_batch_command(
    inputs: Iterable[str | os.PathLike[str]],
    settings: Settings,
    *,
    output: str | os.PathLike[str] | None,
    openai_batch: str | os.PathLike[str] | None = None,
    resume: bool = False,
    csv_path: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    progress: bool | None = None,
) -> BatchStats:
    """What `summarizer batch` does: summarize into OUT, or write OpenAI Batch API requests."""
    if openai_batch is not None:
        from .batch_api import write_batch_requests

        return write_batch_requests(inputs, openai_batch, settings, progress=progress)
    if output is None:
        raise InputError(
            "缺少输出文件：请用 -o OUT.jsonl 指定", "no output file: give one with -o OUT.jsonl", code="usage"
        )
    return run_batch(inputs, output, settings, resume=resume, csv_path=csv_path, jobs=jobs, progress=progress)
