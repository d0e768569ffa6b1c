"""Batch with the LLM engine: many reports at once under one limit on model calls.

Model calls wait on the network, not the CPU, so the reports of a batch run
concurrently in one event loop: their section and reduce calls share one
semaphore of `settings.concurrency` and one SQLite cache (a report summarized
before, or a chunk two reports share, costs no call).  At most
`REPORTS_PER_CALL_SLOT × concurrency` reports are prepared at a time, so memory
stays flat however long the batch.

`run_engine` is the seam to the LLM engine that the batch needs and the public
`summarize_llm_async` does not offer yet: a semaphore shared across reports, a
cache opened once, and any client that answers `chat_json` (the real one, or
the OpenAI Batch API recorder and replayer of `openai_batch`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from .batch import Outcome, load, text_sha256
from .batch_output import error_line
from .cache import Cache
from .config import Settings
from .engines.base import ReportContext
from .engines.llm import _LLMRun
from .errors import ConfigError
from .llm_client import LLMClient
from .pipeline import prepare_document
from .schema import ReportSummary

# Reports in flight per call slot: a report makes several calls, some of them waiting on others.
REPORTS_PER_CALL_SLOT = 2


async def run_engine(
    ctx: ReportContext, settings: Settings, client: Any, cache: Cache, semaphore: asyncio.Semaphore
) -> ReportSummary:
    """The LLM engine on one prepared report, its calls under `semaphore` (not yet verified).

    `client` is an `LLMClient` or anything with its `chat_json` and `usage`.
    """
    started = time.perf_counter()
    run = _LLMRun(ctx, settings, cast(LLMClient, client), cache, None)
    run.semaphore = semaphore  # one limit over every report of the batch, not one per report
    return await run.run(started)


async def summarize_llm_one(
    path: Path, settings: Settings, cache: Cache, semaphore: asyncio.Semaphore, skip: frozenset[str]
) -> Outcome:
    """One report through the LLM engine and the verifier; failures become an error line."""
    from .verification import verify_report

    name = str(path)
    started = time.perf_counter()
    try:
        document = load(path, settings)
        sha = text_sha256(document.text)
        if sha in skip:
            return Outcome("skipped", name, sha256=sha)
        ctx = prepare_document(document)
        # A client per report keeps `engine.calls` and tokens per report; the cache and the
        # limit are shared, and the endpoint's JSON mode, once learned, is read from the cache.
        client = LLMClient(settings, cache=cache)
        try:
            summary = await run_engine(ctx, settings, client, cache, semaphore)
        finally:
            await client.aclose()
        summary = verify_report(ctx, summary)
        summary.engine.elapsed_s = round(time.perf_counter() - started, 4)
    except ConfigError:
        raise  # a missing model or a rejected key fails every report: stop the batch
    except Exception as e:  # one bad report never stops the batch
        return Outcome("failed", name, line=error_line(name, e))
    return Outcome.done(name, summary)


def summarize_llm_batch(paths: Iterable[Path], settings: Settings, skip: frozenset[str]) -> Iterator[Outcome]:
    """Outcomes in completion order.  The event loop runs between yields, so the caller writes at leisure."""
    loop = asyncio.new_event_loop()
    cache = Cache.open(settings.cache)
    pending: set[asyncio.Task[Outcome]] = set()
    try:
        semaphore = loop.run_until_complete(_semaphore(settings.concurrency))
        limit = REPORTS_PER_CALL_SLOT * settings.concurrency
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
