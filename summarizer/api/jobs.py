"""LLM jobs: accepted at once (202), run in the server's event loop, polled, cancelled.

A job's model calls wait on the network, so they run as an asyncio task here,
under the engine's own call limit; its rule-based steps (prepare, verify) go to
the worker processes like every other CPU task.  A job belongs to the caller
that made it: any other caller is told it does not exist.  Finished jobs are
kept `ttl` seconds, then forgotten.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..config import Settings
from ..errors import ConfigError, SummarizerError
from .errors import ApiError, ErrorDetail, from_library, internal_error
from .pool import PoolBusy, TaskBug, WorkerCrashed, WorkerPool
from .tasks import Prepare, VerifyPrepared

log = logging.getLogger("summarizer.api")

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class Progress(BaseModel):
    stage: str = "queued"  # queued, prepare, summarize, verify, done
    done: int = 0  # sections (and the whole-report call) answered
    total: int = 0


class JobView(BaseModel):
    """What GET /v1/jobs/{id} answers (the result, a ReportSummary, once done)."""

    id: str
    status: JobStatus
    progress: Progress
    created_at: float
    finished_at: float | None = None
    error: ErrorDetail | None = None
    result: dict[str, Any] | None = Field(default=None, description="the ReportSummary, once done")


@dataclass(eq=False)
class Job:
    id: str
    owner: str
    created_at: float = field(default_factory=time.time)
    status: JobStatus = "queued"
    progress: Progress = field(default_factory=Progress)
    finished_at: float | None = None
    error: ErrorDetail | None = None
    result: bytes | None = None  # the ReportSummary's JSON
    task: asyncio.Task[None] | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    error_status: int = 500  # the HTTP status of `error` (for ?wait)
    llm_calls: int = 0
    tokens: tuple[int, int] = (0, 0)  # prompt, completion

    def fail(self, error: ApiError) -> None:
        self.status, self.error, self.error_status = "failed", error.detail, error.status

    def view_json(self) -> bytes:
        """The JobView as JSON, the result spliced in as the worker wrote it (not parsed again)."""
        view = JobView(
            id=self.id,
            status=self.status,
            progress=self.progress,
            created_at=self.created_at,
            finished_at=self.finished_at,
            error=self.error,
        ).model_dump_json()
        if self.result is None:
            return view.encode("utf-8")
        return view[: view.rindex('"result":')].encode("utf-8") + b'"result":' + self.result + b"}"


class Jobs:
    def __init__(
        self, pool: WorkerPool, *, limit: int, ttl: float, on_end: Callable[[Job], None] | None = None
    ) -> None:
        self._pool = pool
        self._limit = limit
        self._ttl = ttl
        self._jobs: dict[str, Job] = {}
        self._on_end = on_end

    @property
    def running(self) -> int:
        return sum(job.status in ("queued", "running") for job in self._jobs.values())

    def _forget_old(self) -> None:
        now = time.time()
        for job_id, job in list(self._jobs.items()):
            if job.finished_at is not None and now - job.finished_at > self._ttl:
                del self._jobs[job_id]

    async def start(self, owner: str, source: str | bytes, filename: str | None, settings: Settings) -> Job:
        """Check the input (in a worker: 4xx now, not a failed job later), then run the job."""
        self._forget_old()
        if self.running >= self._limit:
            raise PoolBusy
        ctx = await self._pool.run(Prepare(source, filename, settings))
        job = Job(id=secrets.token_urlsafe(12), owner=owner)
        self._jobs[job.id] = job
        job.task = asyncio.create_task(self._run(job, ctx, settings))
        return job

    def get(self, owner: str, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or not secrets.compare_digest(job.owner, owner):
            raise ApiError(404, "job_not_found", f"找不到任务：{job_id}", f"no such job: {job_id}")
        return job

    def cancel(self, owner: str, job_id: str) -> Job:
        job = self.get(owner, job_id)
        if job.task is not None and not job.task.done():
            job.task.cancel()
        return job

    async def _run(self, job: Job, ctx: Any, settings: Settings) -> None:
        from ..engines.llm.engine import summarize_llm_async

        started = time.time()

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "summarize":
                job.progress = Progress(stage="summarize", done=done, total=total)

        try:
            job.status = "running"
            job.progress = Progress(stage="summarize")
            summary = await summarize_llm_async(ctx, settings, progress=progress)
            job.llm_calls = summary.engine.calls or 0
            job.tokens = (summary.engine.prompt_tokens or 0, summary.engine.completion_tokens or 0)
            job.progress = job.progress.model_copy(update={"stage": "verify"})
            job.result = await self._pool.run(VerifyPrepared(ctx, summary, started), held=True)
            job.status = "done"
            job.progress = job.progress.model_copy(update={"stage": "done"})
        except asyncio.CancelledError:
            job.status = "cancelled"
        except SummarizerError as e:
            error = from_library(e)
            if isinstance(e, ConfigError):  # the server's endpoint or key, found wrong by the job
                error.status = 502
            job.fail(error)
        except Exception as e:
            if not isinstance(e, WorkerCrashed | TaskBug):
                log.exception("LLM job failed")
            job.fail(internal_error())
        finally:
            job.finished_at = time.time()
            job.finished.set()
            if self._on_end is not None:
                self._on_end(job)

    async def close(self) -> None:
        tasks = [job.task for job in self._jobs.values() if job.task is not None and not job.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
