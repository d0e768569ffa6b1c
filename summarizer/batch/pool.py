"""The offline engine over many reports: worker processes, each fed through its own pipe."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
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
from typing import Any, NamedTuple

from ..config import Settings
from ..errors import InputError
from ..text.ingest import text_sha256
from .inputs import load
from .outcome import Outcome, summarize_path
from .output import (
    LineWriter,
    error_line,
    find_summary_line,
)

# In-flight reports per worker: enough to keep every core busy while the parent takes the
# next outcome, few enough that memory does not grow with the batch.
IN_FLIGHT_PER_WORKER = 2
# A small report-like text that warms a worker (segmenter, IDF table, compiled patterns) before real work.
_WARM_UP_TEXT = (
    "一、工作回顾\n过去一年，全镇地区生产总值增长5.2%，新建道路3公里。\n二、下一步工作\n持续推进乡村振兴。"
)

# Garbage collector thresholds in a worker process (the default is (700, 10, 10)).
_WORKER_GC_THRESHOLDS = (20_000, 20, 20)


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
    from ..pipeline import summarize

    summarize(_WARM_UP_TEXT, settings)
    _batch_gc().__enter__()  # for the worker's whole life


@contextlib.contextmanager
def _batch_gc() -> Iterator[None]:
    """Garbage collection paced for a batch, restored on exit.

    A report allocates hundreds of thousands of short-lived objects and almost no
    cycles, so the collector's default pace (a young pass every 700 allocations,
    the older generations walking every module loaded) is a real share of the time.
    Freezing what exists now and collecting less often leaves garbage collection to
    rare passes; memory stays flat (docs/PERFORMANCE.md has the measurements).
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
    parent was slow to read the pipe (docs/PERFORMANCE.md measures the cost).
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
    the parent once (docs/PERFORMANCE.md has what that saves).  The parent also knows what each worker holds: a
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
        """OUT's size now, if the workers write to a regular file (one stat per report)."""
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
