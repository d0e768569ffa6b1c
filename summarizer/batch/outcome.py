"""One report -> its `Outcome`: the summary line or an error line, and the batch's totals."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from ..config import Settings
from ..engines.base import ReportContext
from ..errors import ConfigError, InputError
from ..pipeline import prepare_document, summarize_context
from ..schema import ReportSummary
from ..text.ingest import text_sha256
from .inputs import load
from .output import (
    error_line,
    summary_line,
)

Status = Literal["done", "skipped", "failed"]
T = TypeVar("T")


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


async def report_outcome(
    path: Path,
    settings: Settings,
    summarize: Callable[[ReportContext], Awaitable[ReportSummary]],
    *,
    skip: AbstractSet[str] = frozenset(),
    expected_sha256: str | None = None,
    stop_on_config_error: bool = True,
) -> Outcome:
    """One report file through `summarize` (an engine and the verifier), as an `Outcome`.

    The one place every batch path (offline workers, the LLM batch, Batch API
    collection) turns a file into a summary line or an error line.  A report whose
    sha256 is in `skip` is skipped (resume); one whose text no longer has
    `expected_sha256` fails.  Every failure becomes an error line: one bad file
    never stops the batch.  Only a `ConfigError` (no model, a rejected key) is
    raised, when `stop_on_config_error`, since it would fail every report alike.
    """
    name = str(path)
    started = time.perf_counter()
    try:
        document = load(path, settings)
        sha = text_sha256(document.text)
        if sha in skip:
            return Outcome("skipped", name, sha256=sha)
        if expected_sha256 is not None and sha != expected_sha256:
            raise InputError(
                "文件在写出批处理请求之后被修改过，请重新运行 batch --openai-batch",
                "the file changed since its batch requests were written; run batch --openai-batch again",
                code="changed",
            )
        summary = await summarize(prepare_document(document))
        summary.engine.elapsed_s = round(time.perf_counter() - started, 4)
    except Exception as e:
        if stop_on_config_error and isinstance(e, ConfigError):
            raise
        return Outcome("failed", name, line=error_line(name, e))
    return Outcome.done(name, summary)


def summarize_path(path: Path, settings: Settings, skip: AbstractSet[str]) -> Outcome:
    """One report through the offline pipeline, as an `Outcome`; never raises.

    Every failure becomes an error line here, in the worker: our errors do not
    survive pickling back to the parent (their constructor wants zh and en).
    """

    async def offline(ctx: ReportContext) -> ReportSummary:
        return summarize_context(ctx, settings)

    return run_now(report_outcome(path, settings, offline, skip=skip, stop_on_config_error=False))


def run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (the offline engine's), with no event loop to start."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return cast(T, finished.value)
    coroutine.close()
    raise RuntimeError("run_now: the coroutine waited on something; run it in an event loop")
