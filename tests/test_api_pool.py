"""The API's worker pool on its own: a task's own error, a bug, a worker that exits, a full pool.

The tasks are defined here; spawned workers import this module to unpickle them.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import pytest

from summarizer.api.pool import PoolBusy, TaskBug, WorkerCrashed, WorkerPool
from summarizer.errors import InputError


@dataclass(frozen=True)
class Echo:
    value: str
    delay: float = 0.0

    def run(self) -> str:
        import time

        time.sleep(self.delay)
        return self.value


@dataclass(frozen=True)
class Refuse:
    def run(self) -> None:
        raise InputError("输入为空", "the input is empty", code="empty")


@dataclass(frozen=True)
class Bug:
    def run(self) -> None:
        raise ZeroDivisionError("a bug")


@dataclass(frozen=True)
class Exit:
    def run(self) -> None:
        os._exit(9)  # as the OOM killer would end it: no answer, the pipe closes


async def _scenario() -> None:
    pool = WorkerPool(processes=2, queue=1)
    pool.start()
    try:
        assert await pool.run(Echo("one")) == "one"
        with pytest.raises(InputError) as refused:
            await pool.run(Refuse())
        assert (refused.value.code, refused.value.en) == ("empty", "the input is empty")
        with pytest.raises(TaskBug):
            await pool.run(Bug())
        pids = set(pool.stats().pids)
        # A worker that dies fails its own task only: the one beside it ends normally.
        crashed, beside = await asyncio.gather(
            pool.run(Exit()), pool.run(Echo("beside", delay=0.3)), return_exceptions=True
        )
        assert isinstance(crashed, WorkerCrashed) and beside == "beside"
        assert len(set(pool.stats().pids) - pids) == 1 and pool.crashes == 1
        assert await asyncio.gather(*(pool.run(Echo(str(n))) for n in range(3))) == ["0", "1", "2"]
        # Two workers and a queue of one: a fourth task at once is refused, a held one waits its turn.
        slow = [asyncio.ensure_future(pool.run(Echo("slow", delay=0.5))) for _ in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(PoolBusy):
            await pool.run(Echo("refused"))
        held = await pool.run(Echo("held"), held=True)
        assert held == "held" and await asyncio.gather(*slow) == ["slow"] * 3
        assert pool.rejected == 1
    finally:
        pool.close()


def test_the_worker_pool() -> None:
    asyncio.run(_scenario())
