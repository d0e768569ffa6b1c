"""Batch with the LLM engine: many reports at once under one limit on model calls.

Model calls wait on the network, not the CPU, so the reports of a batch run
concurrently in one event loop: their section and reduce calls share one
semaphore of `settings.concurrency` and one SQLite cache (a report summarized
before, or a chunk two reports share, costs no call).  At most
`REPORTS_PER_CALL_SLOT × concurrency` reports are prepared at a time, so memory
stays flat however long the batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import Settings
from ..engines.base import ReportContext
from ..engines.llm.cache import Cache
from ..engines.llm.client import LLMClient
from ..engines.llm.engine import summarize_llm_async
from ..pipeline import verify_report
from ..schema import ReportSummary
from .outcome import Outcome, report_outcome

# Reports in flight per call slot: a report makes several calls, some of them waiting on others.
REPORTS_PER_CALL_SLOT = 2


async def summarize_llm_one(
    path: Path, settings: Settings, cache: Cache, semaphore: asyncio.Semaphore, skip: frozenset[str]
) -> Outcome:
    """One report through the LLM engine and the verifier; failures become an error line."""

    async def summarize(ctx: ReportContext) -> ReportSummary:
        # A client per report keeps `engine.calls` and tokens per report; the cache and the
        # limit are shared, and the endpoint's JSON mode, once learned, is read from the cache.
        client = LLMClient(settings, cache=cache)
        try:
            summary = await summarize_llm_async(
                ctx, settings, client=client, cache=cache, semaphore=semaphore
            )
        finally:
            await client.aclose()
        return verify_report(ctx, summary)

    return await report_outcome(path, settings, summarize, skip=skip)


def summarize_llm_batch(paths: Iterable[Path], settings: Settings, skip: frozenset[str]) -> Iterator[Outcome]:
    """Outcomes in completion order.  The event loop runs between yields, so the caller writes at leisure."""
    loop = asyncio.new_event_loop()
    cache = Cache.open(settings.cache)
    pending: set[asyncio.Task[Outcome]] = set()
    try:
        semaphore = loop.run_until_complete(_semaphore(settings.call_limit))
        limit = REPORTS_PER_CALL_SLOT * settings.call_limit
        path_iter = iter(paths)
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                path = next(path_iter, None)
                if path is None:
                    exhausted = True
                else:
                    pending.add(loop.create_task(summarize_llm_one(path, settings, cache, semaphore, skip)))
            if not pending:
                return
            finished, pending = loop.run_until_complete(
                asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            )
            for task in finished:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        cache.close()


async def _semaphore(limit: int) -> asyncio.Semaphore:
    """A semaphore made inside the loop that will use it."""
    return asyncio.Semaphore(limit)
