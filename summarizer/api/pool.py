"""The API's CPU work: a few worker processes, each fed one task at a time through its own pipe.

    request ─► WorkerPool.run(task) ─► a free worker ─► task.run() in that process ─► result

Like the batch's workers (`batch/pool.py`), each worker is a spawned process with
its own pipe, warmed by one small summary before real work; the parent knows
which task each one holds.  So a worker that dies (the OOM killer, a C library
crashing on a file, a test's `kill -9`) fails only the task it was on
(`WorkerCrashed`): it is replaced at once and the others go on.  The pipes are
read by the event loop itself (`add_reader`), so no thread waits on a worker.

The pool is bounded: at most `processes + queue` tasks are held (running or
waiting); one more raises `PoolBusy` (the API answers 503 with Retry-After),
never an unbounded backlog.  Steps of a job already accepted (`run(…, held=True)`)
wait their turn instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from ..errors import SummarizerError

log = logging.getLogger("summarizer.api")

_WARM_UP_TEXT = (
    "一、工作回顾\n过去一年，全镇地区生产总值增长5.2%，新建道路3公里。\n二、下一步工作\n持续推进乡村振兴。"
)


class Task(Protocol):
    """What a worker runs: a picklable object (tasks.py) whose `run` returns a picklable result."""

    def run(self) -> Any: ...


class PoolBusy(Exception):
    """Every worker is busy and the queue is full."""


class WorkerCrashed(Exception):
    """The worker process died while it held this task."""


class TaskBug(Exception):
    """The task raised something that is not ours: a bug, logged in the worker."""


def _worker_main(conn: Connection) -> None:
    """A worker process: tasks in, ("ok", result) | ("error", SummarizerError) | ("bug", None) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    from ..config import Settings
    from ..pipeline import summarize

    summarize(_WARM_UP_TEXT, Settings(engine="extractive", cache=None))
    with contextlib.suppress(EOFError, BrokenPipeError, KeyboardInterrupt):
        while (task := conn.recv()) is not None:
            try:
                reply: tuple[str, Any] = ("ok", task.run())
            except SummarizerError as e:
                reply = ("error", e)
            except Exception:
                log.error("worker task failed:\n%s", traceback.format_exc())
                reply = ("bug", None)
            conn.send(reply)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    busy: bool = False


@dataclass(eq=False)
class _Pending:
    task: Task
    future: asyncio.Future[Any]
    held: bool = False


@dataclass
class PoolStats:
    crashes: int = 0
    rejected: int = 0
    waiting: int = 0
    running: int = 0
    pids: list[int] = field(default_factory=list)


class WorkerPool:
    """`processes` workers and room for `queue` waiting tasks.  Start and use it inside one event loop."""

    def __init__(self, processes: int, queue: int) -> None:
        self.processes = processes
        self.queue = queue
        self._context = get_context("spawn")  # clean workers, whatever threads the server runs
        self._workers: list[_Worker] = []
        self._waiting: deque[_Pending] = deque()
        self._running: dict[_Worker, _Pending] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.crashes = 0
        self.rejected = 0

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for _ in range(self.processes):
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child_end,), daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def close(self) -> None:
        for worker in self._workers:
            self._unwatch(worker)
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        for pending in [*self._waiting, *self._running.values()]:
            if not pending.future.done():
                pending.future.set_exception(WorkerCrashed())
        self._workers.clear()
        self._waiting.clear()
        self._running.clear()

    # -- work -------------------------------------------------------------------------------
    async def run(self, task: Task, *, held: bool = False) -> Any:
        """`task.run()` in a worker process.  Raises PoolBusy when full (unless `held`),
        WorkerCrashed, the task's own SummarizerError, or TaskBug."""
        if self._loop is None:
            raise RuntimeError("WorkerPool.run before start()")
        if not held and len(self._running) + len(self._waiting) >= self.processes + self.queue:
            self.rejected += 1
            raise PoolBusy
        pending = _Pending(task, self._loop.create_future(), held)
        self._waiting.append(pending)
        self._dispatch()
        return await pending.future

    def _dispatch(self) -> None:
        for index, worker in enumerate(self._workers):
            if not self._waiting:
                return
            if worker.busy:
                continue
            if not worker.process.is_alive():  # died while idle: replaced before it is given work
                self._bury(worker)
                worker = self._workers[index] = self._spawn()
            while self._waiting and self._waiting[0].future.done():  # their callers gave up waiting
                self._waiting.popleft()
            if not self._waiting:
                return
            self._send(worker, self._waiting.popleft())

    def _send(self, worker: _Worker, pending: _Pending) -> None:
        assert self._loop is not None
        worker.busy = True
        self._running[worker] = pending
        try:
            worker.conn.send(pending.task)
        except OSError:
            self._died(worker)
            return
        self._loop.add_reader(worker.conn.fileno(), self._receive, worker)

    def _unwatch(self, worker: _Worker) -> None:
        if self._loop is not None:
            with contextlib.suppress(OSError, ValueError):
                self._loop.remove_reader(worker.conn.fileno())

    def _receive(self, worker: _Worker) -> None:
        try:
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            self._died(worker)
            return
        self._unwatch(worker)
        worker.busy = False
        pending = self._running.pop(worker)
        if not pending.future.done():
            if status == "ok":
                pending.future.set_result(value)
            elif status == "error":
                pending.future.set_exception(value)
            else:
                pending.future.set_exception(TaskBug())
        self._dispatch()

    def _died(self, worker: _Worker) -> None:
        """Fail the one task the worker held, replace the worker, go on with the others."""
        self.crashes += 1
        pending = self._running.pop(worker, None)
        log.error("a worker process (pid %s) died; starting another", worker.process.pid)
        self._bury(worker)
        self._workers[self._workers.index(worker)] = self._spawn()
        if pending is not None and not pending.future.done():
            pending.future.set_exception(WorkerCrashed())
        self._dispatch()

    def _bury(self, worker: _Worker) -> None:
        self._unwatch(worker)
        worker.conn.close()
        worker.process.join(timeout=1)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    def stats(self) -> PoolStats:
        return PoolStats(
            crashes=self.crashes,
            rejected=self.rejected,
            waiting=len(self._waiting),
            running=len(self._running),
            pids=[w.process.pid for w in self._workers if w.process.pid is not None],
        )

    def busy_pids(self) -> list[int]:
        """The workers that hold a task now (what a test kills)."""
        return [w.process.pid for w in self._running if w.process.pid is not None]
