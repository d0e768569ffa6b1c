"""Batch: many reports in, one JSON line each out; resumable, streaming, on every core.

    inputs (files, directories, globs) ─► iter_input_paths (lazy)
      ─► offline: worker processes, each with the segmenter loaded once, fed through its own pipe
         and holding ≤ 2 reports at a time
         llm:     asyncio, one global call limit and one cache over all reports (batch_llm)
      ─► OUT.jsonl, one line per report, written as each finishes (by the worker that made it,
         O_APPEND: see batch_output), fsync'd at the end
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

import contextlib
import dataclasses
import gc
import glob
import json
import os
import re
import signal
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .batch_output import (
    LineWriter,
    error_line,
    find_summary_line,
    jsonl_to_csv,
    output_error,
    prepare_output,
    progress_bar,
    progress_enabled,
    summary_line,
)
from .config import Settings
from .errors import InputError
from .ingest import Document, text_sha256
from .pipeline import prepare_document, summarize_context
from .schema import ReportSummary

INPUT_SUFFIXES = frozenset({".txt", ".docx", ".pdf", ".html", ".htm"})
# In-flight reports per worker: enough to keep every core busy while the parent takes the
# next outcome, few enough that memory does not grow with the batch.
IN_FLIGHT_PER_WORKER = 2
_GLOB_CHARS = re.compile(r"[*?\[]")
# A small report-like text that warms a worker (segmenter, IDF table, compiled patterns) before real work.
_WARM_UP_TEXT = (
    "一、工作回顾\n过去一年，全镇地区生产总值增长5.2%，新建道路3公里。\n二、下一步工作\n持续推进乡村振兴。"
)

# Garbage collector thresholds in a worker process (the default is (700, 10, 10)).
_WORKER_GC_THRESHOLDS = (20_000, 20, 20)

Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class Outcome:
    """One report's result as it travels from a worker to the parent."""

    status: Status
    path: str
    # The JSON line to write (summary or error), without its newline; None when skipped, or
    # once a worker has written it.
    line: str | bytes | None = None
    sha256: str | None = None
    chars: int = 0
    indicators: int = 0

    @classmethod
    def done(cls, path: str, summary: ReportSummary) -> Outcome:
        return cls(
            "done",
            path,
            line=summary_line(summary),
            sha256=summary.source.sha256,
            chars=summary.source.chars,
            indicators=len(summary.indicators),
        )


@dataclass
class BatchStats:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    chars: int = 0
    indicators: int = 0
    elapsed_s: float = 0.0
    csv_rows: int | None = None
    failures: list[str] = field(default_factory=list)  # paths, for the closing message

    @property
    def reports(self) -> int:
        return self.done + self.skipped + self.failed

    def add(self, outcome: Outcome) -> None:
        if outcome.status == "done":
            self.done += 1
            self.chars += outcome.chars
            self.indicators += outcome.indicators
        elif outcome.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(outcome.path)

    def line(self) -> str:
        """The closing line of the CLI, in Chinese and English."""
        rate = self.done / self.elapsed_s if self.elapsed_s else 0.0
        return (
            f"完成 {self.done} 篇，跳过 {self.skipped} 篇，失败 {self.failed} 篇，用时 {self.elapsed_s:.1f} 秒 / "
            f"done {self.done}, skipped {self.skipped}, failed {self.failed} in {self.elapsed_s:.1f}s "
            f"({rate:.1f} reports/s)"
        )


# ---------------------------------------------------------------- inputs


def iter_input_paths(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The report files named by `inputs`, lazily and each once.

    A file is taken whatever its suffix (the user named it); a directory is
    walked recursively for .txt .docx .pdf .html .htm, in sorted order; a glob
    (`reports/**/*.txt`) is expanded here too, for shells that do not.  A name
    that matches nothing is yielded as is, so that it becomes an error line
    rather than silently vanishing.
    """
    seen: set[Path] = set()

    def first_time(path: Path) -> bool:
        key = path.resolve()
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in inputs:
        given = Path(raw)
        if given.is_file():
            if first_time(given):
                yield given
        elif given.is_dir():
            yield from (p for p in _walk(given) if first_time(p))
        elif _GLOB_CHARS.search(str(raw)):
            for match in glob.iglob(str(raw), recursive=True):
                path = Path(match)
                if path.is_dir():
                    yield from (p for p in _walk(path) if first_time(p))
                elif path.is_file() and first_time(path):
                    yield path
        elif first_time(given):
            yield given


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in INPUT_SUFFIXES:
                yield Path(root) / name


# ---------------------------------------------------------------- one report


def load(path: Path, settings: Settings) -> Document:
    """The original text of a report file (raises InputError), named by its file name."""
    from .pipeline import load as load_source

    return load_source(path, settings)


def summarize_path(path: Path, settings: Settings, skip: frozenset[str] | set[str]) -> Outcome:
    """One report through the offline pipeline, as an `Outcome`; never raises.

    Every failure becomes an error line here, in the worker: our errors do not
    survive pickling back to the parent (their constructor wants zh and en).
    """
    name = str(path)
    started = time.perf_counter()
    try:
        document = load(path, settings)
        sha = text_sha256(document.text)
        if sha in skip:
            return Outcome("skipped", name, sha256=sha)
        summary = summarize_context(prepare_document(document), settings, started=started)
    except Exception as e:  # one bad file never stops the batch: it becomes an error line
        return Outcome("failed", name, line=error_line(name, e))
    return Outcome.done(name, summary)


# ---------------------------------------------------------------- the worker processes

_worker_settings: Settings | None = None
_worker_skip: frozenset[str] = frozenset()
_worker_out: LineWriter | None = None


def _init_worker(settings: Settings, skip: frozenset[str], output: Path | None) -> None:
    """Runs once per worker process: keep the settings, open OUT, load the segmenter, warm the pipeline."""
    global _worker_settings, _worker_skip, _worker_out
    _worker_settings, _worker_skip = settings, skip
    # Not fsync'd here: the parent's writer syncs the whole file when the batch ends.
    _worker_out = None
    if output is not None:
        with contextlib.suppress(InputError):  # then the parent writes this worker's lines
            _worker_out = LineWriter(output, sync=False)
    # Ctrl-C is the parent's to handle: it stops feeding the workers and lets the few reports in flight end.
    # Started from the main thread, a worker already ignores SIGINT (`_sigint_ignored`); from another, here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .pipeline import summarize

    summarize(_WARM_UP_TEXT, settings)
    _batch_gc().__enter__()  # for the worker's whole life


@contextlib.contextmanager
def _batch_gc() -> Iterator[None]:
    """Garbage collection paced for a batch, restored on exit.

    A report allocates hundreds of thousands of short-lived objects and almost no
    cycles, so the collector's default pace (a young pass every 700 allocations,
    the older generations walking every module loaded) cost ~10 % of the time.
    Freezing what exists now and collecting less often leaves garbage collection to
    rare passes; memory stays flat (bench/batch.py measures it at 100 and 1000 reports).
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_WORKER_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _worker_summarize(path: Path) -> Outcome:
    """One report, its line appended to OUT here: the outcome that goes back is a few fields.

    A summary line is ~15 times the report's size.  Sent back, it would cost the
    parent a read and a write per report, and the worker a wait whenever the
    parent was slow to read the pipe: 8 % per core in a 2-core batch (median of
    7 alternating pairs of bench/batch.py runs, docs/PERFORMANCE.md).
    Should the write fail (a full disk), the line goes back and the parent's
    writer raises the error the user sees.
    """
    if _worker_settings is None:
        raise RuntimeError("worker used before _init_worker")
    outcome = summarize_path(path, _worker_settings, _worker_skip)
    if _worker_out is None or outcome.line is None:
        return outcome
    try:
        _worker_out.write(outcome.line)
    except InputError:
        return outcome
    return dataclasses.replace(outcome, line=None)


class _Job(NamedTuple):
    """A report as sent to a worker process."""

    path: Path
    # Set when a worker died on this report: OUT's size when the report was sent to it.
    # That worker may have written the report's line and died before it could answer.
    written_from: int | None = None


def _written_before(job: _Job, settings: Settings, output: Path | None) -> Outcome | None:
    """The outcome of a report whose line the worker that died on it had already written; else None.

    The line is looked for in OUT from `job.written_from` on (what was written
    since the report was first sent), by the sha256 of the report's text as on
    resume: found, the report is done and its line is not written twice.
    """
    if job.written_from is None or output is None:
        return None
    try:
        sha = text_sha256(load(job.path, settings).text)
        line = find_summary_line(output, sha, job.written_from)
        if line is None:
            return None
        written = json.loads(line)
        chars, indicators = written["source"]["chars"], len(written["indicators"])
    except Exception:  # then the report is simply done again, and any error it has is reported then
        return None
    return Outcome("done", str(job.path), sha256=sha, chars=chars, indicators=indicators)


def _worker_loop(
    conn: Connection,
    settings: Settings,
    skip: frozenset[str],
    output: Path | None,
    worker: Callable[[Path], Outcome],
) -> None:
    """A worker process: jobs in, outcomes out, on its own pipe to the parent, until None (or the parent is gone)."""
    _init_worker(settings, skip, output)
    with contextlib.suppress(EOFError, BrokenPipeError):
        while (job := conn.recv()) is not None:
            conn.send(_written_before(job, settings, output) or worker(job.path))


# How long closing waits for the workers to end the reports they hold before it terminates them.
_CLOSE_TIMEOUT_S = 60.0


@dataclass(eq=False)
class _Worker:
    """A worker process seen from the parent: its pipe, and the jobs sent to it not yet answered."""

    process: BaseProcess
    conn: Connection
    # In the order sent, so also in the order done; each with OUT's size when it was sent.
    jobs: deque[tuple[_Job, int | None]] = field(default_factory=deque)


class _Workers:
    """The worker processes of one batch, each fed through its own pipe by this (single-threaded) parent.

    One pipe per worker, not a `ProcessPoolExecutor`: the executor's parent runs
    three threads that all wake for every report (its manager, the caller, the
    queue's feeder), on the cores the workers run on.  Here a finished report wakes
    the parent once: its CPU fell from 0.35–0.45 s to 0.19–0.23 s per 500 reports, and
    the workers' throughput rose 7 % per core (median of 6 alternating pairs, 2
    cores, docs/PERFORMANCE.md).  The parent also knows what each worker holds: a
    worker that dies loses only the report it was on (the head of its jobs, all
    earlier ones answered), and the ones queued behind it are handed out again.
    """

    def __init__(
        self,
        settings: Settings,
        skip: frozenset[str],
        output: Path | None,
        worker: Callable[[Path], Outcome],
    ) -> None:
        self._args = (settings, skip, output, worker)
        self._output = output
        self._context = get_context("spawn")  # workers start clean, whatever threads the parent runs
        self.live: list[_Worker] = []

    def start(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_worker_loop, args=(child_end, *self._args), daemon=True)
        with _sigint_ignored():
            process.start()
        child_end.close()
        started = _Worker(process, parent_end)
        self.live.append(started)
        return started

    def send(self, worker: _Worker, job: _Job) -> bool:
        """Queue `job` on `worker`; False if the worker is gone.

        The job is the worker's either way: one sent to a dead worker is handed out
        again when its death is read (`ready`), like the others it held, so that no
        report is ever held by nobody.
        """
        worker.jobs.append((job, self._output_size()))
        try:
            worker.conn.send(job)
        except OSError:
            return False
        return True

    def _output_size(self) -> int | None:
        """OUT's size now, if the workers write to a regular file (one stat: ~1.5 µs per report)."""
        if self._output is None:
            return None
        try:
            status = os.stat(self._output)
        except OSError:
            return None
        return status.st_size if stat.S_ISREG(status.st_mode) else None

    def ready(self) -> list[_Worker]:
        """The workers with outcomes to read or that have died (waits for one at least)."""
        by_handle: dict[Any, _Worker] = {}
        for worker in self.live:
            by_handle[worker.process.sentinel] = worker  # an idle worker that dies is buried too
            if worker.jobs:
                by_handle[worker.conn] = worker
        return list(dict.fromkeys(by_handle[handle] for handle in connection_wait(list(by_handle))))

    @staticmethod
    def receive(worker: _Worker) -> tuple[list[Outcome], bool]:
        """The outcomes `worker` has sent so far, and whether it still lives.

        A dead worker's pipe holds what it sent before it died, then its end: read in that order.
        """
        outcomes: list[Outcome] = []
        try:
            while worker.jobs and worker.conn.poll():
                outcomes.append(worker.conn.recv())
                worker.jobs.popleft()
        except (EOFError, OSError):
            return outcomes, False
        return outcomes, worker.process.is_alive()

    def bury(self, worker: _Worker) -> None:
        self.live.remove(worker)
        worker.conn.close()
        worker.process.join()

    def close(self) -> None:
        """Let every worker end the reports it holds (their lines get written), then stop it."""
        for worker in self.live:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + _CLOSE_TIMEOUT_S
        for worker in self.live:
            # Read what it still sends (nobody takes it now), so that it never blocks on a full pipe.
            with contextlib.suppress(EOFError, OSError):
                while worker.process.is_alive() and time.monotonic() < deadline:
                    if worker.conn.poll(0.05):
                        worker.conn.recv()
            if worker.process.is_alive():
                worker.process.terminate()
            worker.process.join()
            worker.conn.close()
        self.live.clear()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored here while a worker process is started, which it inherits for good.

    An ignored signal stays ignored across exec, and Python then installs no
    KeyboardInterrupt handler: a Ctrl-C never reaches a worker, not even while it
    still imports (where `_init_worker` could not yet ignore it), and the parent
    alone ends the batch.  A Ctrl-C that lands in the few milliseconds of a start
    is lost (press it again).  Signals belong to the main thread: from another,
    nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def summarize_offline(
    paths: Iterable[Path],
    settings: Settings,
    skip: frozenset[str],
    jobs: int,
    *,
    output: Path | None = None,
    worker: Callable[[Path], Outcome] = _worker_summarize,
) -> Iterator[Outcome]:
    """Outcomes in completion order; `jobs` processes (1: in this process), each holding ≤ 2 reports.

    With `output`, the worker processes append their reports' lines to that file
    themselves (`_worker_summarize`) and an outcome's `line` is None once written;
    an outcome that still has its line is the caller's to write (one from this
    process, the error line of a report that crashed its worker twice, a line a
    worker could not write).

    A worker that dies (a C library crashing on a file, the OOM killer) loses the
    report it was on: that report is tried again in a fresh worker, and becomes an
    error line if it kills that one too.  Should the dead worker have written the
    report's line already (it died before it could answer), the retry finds the
    line in OUT and does not write it again (`_written_before`).  The reports
    queued behind it are handed out again as if never sent.  `worker` runs in the
    worker processes (tests pass their own).
    """
    if jobs <= 1:
        with _batch_gc():
            for path in paths:
                yield summarize_path(path, settings, skip)
        return
    todo = iter(paths)
    again: deque[_Job] = deque()  # taken back from a dead worker: handed out first
    suspects: set[Path] = set()  # reports that were on a worker when it died

    def next_job() -> _Job | None:
        if again:
            return again.popleft()
        path = next(todo, None)
        return None if path is None else _Job(path)

    def feed(target: _Worker) -> None:
        while len(target.jobs) < IN_FLIGHT_PER_WORKER and (job := next_job()) is not None:
            if not workers.send(target, job):  # dead: `ready` reports it
                return

    workers = _Workers(settings, skip, output, worker)
    try:
        while True:
            for live in list(workers.live):
                feed(live)
            while len(workers.live) < jobs and (first := next_job()) is not None:
                again.appendleft(first)  # a worker starts only when there is a report for it
                feed(workers.start())
            if not any(w.jobs for w in workers.live):
                return
            for ready in workers.ready():
                outcomes, alive = workers.receive(ready)
                if alive:
                    feed(ready)  # before the caller takes the outcomes: the worker never waits
                    yield from outcomes
                    continue
                yield from outcomes
                workers.bury(ready)
                if not ready.jobs:
                    continue
                (crashed, sent_at), *queued = ready.jobs
                again.extendleft(reversed([job for job, _ in queued]))
                if crashed.path in suspects:
                    error = InputError(
                        "处理该文件时工作进程两次崩溃",
                        "a worker process crashed twice on this file",
                        code="crashed",
                    )
                    yield Outcome("failed", str(crashed.path), line=error_line(str(crashed.path), error))
                else:
                    suspects.add(crashed.path)
                    again.appendleft(crashed._replace(written_from=sent_at))
    finally:
        workers.close()


# ---------------------------------------------------------------- the batch


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
        from .batch_llm import summarize_llm_batch

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
        from .openai_batch import write_batch_requests

        return write_batch_requests(inputs, openai_batch, settings, progress=progress)
    if output is None:
        raise InputError(
            "缺少输出文件：请用 -o OUT.jsonl 指定", "no output file: give one with -o OUT.jsonl", code="usage"
        )
    return run_batch(inputs, output, settings, resume=resume, csv_path=csv_path, jobs=jobs, progress=progress)
