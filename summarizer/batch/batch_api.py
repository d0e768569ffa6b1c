"""The OpenAI Batch API path: write the model calls to a file, later turn the answers into summaries.

    summarizer batch INPUT… --openai-batch REQUESTS.jsonl
        one line per call the LLM engine would make (each chunk's section call and the
        report's reduce call): {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}
        plus REQUESTS.manifest.jsonl: the model and JSON mode, then one line per report
        (path, sha256 of its text, its custom_ids) or per report that could not be read
    (upload REQUESTS.jsonl to /v1/files, create a /v1/batches job, download its output)
    summarizer batch-collect REQUESTS.jsonl RESULTS.jsonl… -o OUT.jsonl

The requests are built by the engine itself: it runs with a client that records
each call instead of sending it, so prompts, schemas and token budgets are
exactly those of an online run.  Collecting runs the engine again with a client
that answers each call from the results file, so every answer is validated
like an online one: quotes located, figures grounded, fact ids known.  A
request that failed (or is missing) leaves its section to the extractive
engine, listed in `engine.fallbacks`; an answer with problems is kept and its
sentences flagged, as after an online run's last re-ask (a batch cannot
re-ask).  A custom_id is the report's hash, the call's kind and the hash of its
messages, so an answer can never be paired with the wrong request.  Answers
already in the cache are not requested again, and valid collected answers go
into the cache, so a later online run of the same reports makes no calls.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..config import Settings
from ..engines.base import ReportContext
from ..engines.llm.cache import Cache
from ..engines.llm.client import LLMReply, LLMUsage
from ..engines.llm.engine import summarize_llm_async
from ..engines.llm.modes import Mode, build_request, parse_json_object
from ..errors import ConfigError, InputError, LLMBadOutput, LLMRefused, LLMTruncated
from ..pipeline import prepare_document, verify_report
from ..schema import ReportSummary
from ..text.ingest import text_sha256
from .inputs import iter_input_paths, load
from .outcome import BatchStats, Outcome, report_outcome
from .output import LineWriter, error_line, jsonl_to_csv, prepare_output, progress_bar, progress_enabled

CHAT_URL = "/v1/chat/completions"
MANIFEST_VERSION = 1
# The mode for `json_mode="auto"`: the Batch API is OpenAI's, which enforces json_schema.
BATCH_DEFAULT_MODE: Mode = "json_schema"


def manifest_path(requests_path: str | os.PathLike[str]) -> Path:
    """REQUESTS.jsonl -> REQUESTS.manifest.jsonl, beside it."""
    path = Path(requests_path)
    return path.with_name(f"{path.stem}.manifest.jsonl")


def custom_id(sha256: str, kind: str, messages: list[dict[str, str]]) -> str:
    """`<report hash>-<kind>-<messages hash>`: the same call always gets the same id (41 characters)."""
    return f"{sha256[:16]}-{kind}-{Cache.key(json.dumps(messages, ensure_ascii=False))[:16]}"


def _mode_of(settings: Settings) -> Mode:
    return BATCH_DEFAULT_MODE if settings.json_mode == "auto" else settings.json_mode


# ---------------------------------------------------------------- writing the requests


@dataclass(frozen=True)
class RecordedCall:
    kind: str  # "chunk" | "reduce" | "chunk_fix" (a re-ask is never recorded: no answer came)
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    schema_name: str
    max_tokens: int


@dataclass
class _RecordingClient:
    """Stands in for `LLMClient`: notes each call and answers none, so the engine falls back at once."""

    calls: list[RecordedCall] = field(default_factory=list)
    usage: LLMUsage = field(default_factory=LLMUsage)

    async def chat_json(
        self, messages: list[dict[str, str]], *, schema: dict[str, Any], schema_name: str, max_tokens: int
    ) -> LLMReply:
        kind = schema_name.removesuffix("_answer")
        self.calls.append(RecordedCall(kind, messages, schema, schema_name, max_tokens))
        # Refused is the one failure the engine neither retries nor re-asks.
        raise LLMRefused("已写入批处理请求，稍后收取", "deferred to the OpenAI Batch API")


def _record_calls(path: Path, settings: Settings, cache: Cache) -> tuple[str, str | None, list[RecordedCall]]:
    """(sha256, filename, calls) of one report: every call not already answered in the cache."""
    document = load(path, settings)
    ctx = prepare_document(document)
    recorder = _RecordingClient()
    asyncio.run(summarize_llm_async(ctx, settings, client=recorder, cache=cache))
    return text_sha256(document.text), document.filename, recorder.calls


def write_batch_requests(
    inputs: Iterable[str | os.PathLike[str]],
    requests_path: str | os.PathLike[str],
    settings: Settings,
    *,
    progress: bool | None = None,
) -> BatchStats:
    """Write the OpenAI Batch API requests of every report, and their manifest (module docstring).

    `done` counts the reports written, `failed` those that could not be read
    (listed in the manifest, and as error lines once collected).
    """
    # Every call must be known before any answer: the parallel plan (chunks and a reduce over raw
    # material), never the serial digest that reads the chunks' answers.
    settings = settings.model_copy(update={"strategy": "parallel"})
    if not settings.model:
        raise ConfigError(
            "未配置模型名称：请设置 SUMMARIZER_MODEL 或 --model",
            "no model configured: set SUMMARIZER_MODEL or --model",
        )
    started = time.perf_counter()
    mode = _mode_of(settings)
    stats = BatchStats()
    requests = Path(requests_path)
    requests.parent.mkdir(parents=True, exist_ok=True)
    inputs = list(inputs)  # walked twice when a progress bar counts them first
    total = sum(1 for _ in iter_input_paths(inputs)) if progress_enabled(progress) else None
    written: set[str] = set()
    bar = progress_bar(total, progress_enabled(progress))
    with (
        Cache.open(settings.cache) as cache,
        LineWriter(_emptied(requests)) as request_lines,
        LineWriter(_emptied(manifest_path(requests))) as manifest,
    ):
        header = {
            "manifest_version": MANIFEST_VERSION,
            "model": settings.model,
            "json_mode": mode,
            "base_url_host": settings.base_url_host,
        }
        manifest.write(json.dumps(header, ensure_ascii=False))
        for path in iter_input_paths(inputs):
            try:
                sha, filename, calls = _record_calls(path, settings, cache)
            except ConfigError:
                raise
            except Exception as e:  # an unreadable file is listed, and the batch goes on
                manifest.write(error_line(str(path), e))
                stats.add(Outcome("failed", str(path)))
                bar.update(1)
                continue
            ids = []
            for call in calls:
                cid = custom_id(sha, call.kind, call.messages)
                ids.append(cid)
                if cid in written:
                    continue  # the same call twice (a repeated report): one request answers both
                written.add(cid)
                body = build_request(
                    mode,
                    model=settings.model,
                    messages=call.messages,
                    schema=call.schema,
                    schema_name=call.schema_name,
                    max_tokens=call.max_tokens,
                )
                line = {"custom_id": cid, "method": "POST", "url": CHAT_URL, "body": body}
                request_lines.write(json.dumps(line, ensure_ascii=False))
            entry = {"path": str(path), "filename": filename, "sha256": sha, "custom_ids": ids}
            manifest.write(json.dumps(entry, ensure_ascii=False))
            stats.add(Outcome("done", str(path)))
            bar.update(1)
    bar.close()
    stats.elapsed_s = round(time.perf_counter() - started, 3)
    return stats


def _emptied(path: Path) -> Path:
    path.write_bytes(b"")
    return path


# ---------------------------------------------------------------- collecting the results


class ResultsIndex:
    """Where each custom_id's answer sits in the results files: offsets only, so memory stays small."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        self._files: list[BinaryIO] = []
        self._where: dict[str, tuple[int, int]] = {}
        for path in paths:
            try:
                handle = Path(path).open("rb")  # noqa: SIM115 - open for the index's life, closed by close()
            except OSError as e:
                self.close()
                raise InputError(
                    f"无法读取批处理结果文件：{path}",
                    f"cannot read the batch results file: {path} ({e.strerror})",
                    code="not_found",
                ) from e
            self._files.append(handle)
            self._index(len(self._files) - 1, handle)

    def _index(self, file_no: int, handle: BinaryIO) -> None:
        offset = 0
        for line in handle:
            try:
                cid = json.loads(line).get("custom_id")
            except (ValueError, AttributeError):
                cid = None  # a torn or foreign line: its request counts as unanswered
            # An answer beats an error line for the same request (output file, then error file).
            if isinstance(cid, str) and (cid not in self._where or _succeeded(self.get(cid))):
                self._where[cid] = (file_no, offset)
            offset += len(line)

    def get(self, cid: str) -> dict[str, Any] | None:
        where = self._where.get(cid)
        if where is None:
            return None
        handle = self._files[where[0]]
        handle.seek(where[1])
        line = handle.readline()
        handle.seek(0, os.SEEK_END)
        data: dict[str, Any] = json.loads(line)
        return data

    def close(self) -> None:
        for handle in self._files:
            handle.close()


def _succeeded(result: dict[str, Any] | None) -> bool:
    if not result or result.get("error"):
        return False
    return (result.get("response") or {}).get("status_code") == 200


@dataclass
class _ReplayClient:
    """Stands in for `LLMClient`: answers each call of one report from the Batch API results."""

    results: ResultsIndex
    sha256: str
    mode: Mode
    usage: LLMUsage = field(default_factory=LLMUsage)

    async def chat_json(
        self, messages: list[dict[str, str]], *, schema: dict[str, Any], schema_name: str, max_tokens: int
    ) -> LLMReply:
        result = self.results.get(custom_id(self.sha256, schema_name.removesuffix("_answer"), messages))
        if result is None:
            # Also what a re-ask meets: a batch has one answer per request, so the engine keeps its best.
            raise LLMBadOutput(
                "批处理结果中没有这个请求的回答", "the batch results hold no answer for this request"
            )
        response = result.get("response") or {}
        body = response.get("body") or {}
        if not _succeeded(result):
            said = (result.get("error") or body.get("error") or {}).get("message") or "?"
            status = response.get("status_code")
            raise LLMRefused(
                f"批处理请求失败（HTTP {status}）：{said}",
                f"the batch request failed (HTTP {status}): {said}",
            )
        self.usage.calls += 1
        usage = body.get("usage") or {}
        self.usage.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.usage.completion_tokens += int(usage.get("completion_tokens") or 0)
        return _reply_of(body, self.mode)


def _reply_of(body: dict[str, Any], mode: Mode) -> LLMReply:
    """The answer of a chat completion body, read as `LLMClient` reads one."""
    choices = body.get("choices") or []
    if not choices:
        raise LLMBadOutput("批处理回答为空", "the batch answer has no choices", raw_output=json.dumps(body))
    choice = choices[0]
    message = choice.get("message") or {}
    finish_reason = choice.get("finish_reason")
    raw = message.get("content") or ""
    tool_calls = message.get("tool_calls") or []
    if mode == "tools" and tool_calls:
        raw = (tool_calls[0].get("function") or {}).get("arguments") or raw
    if finish_reason == "content_filter" or message.get("refusal"):
        raise LLMRefused(
            "模型服务的内容审核拒绝了这段文本",
            "the endpoint's content filter refused this text",
            raw_output=message.get("refusal") or raw,
        )
    if finish_reason == "length":
        raise LLMTruncated(
            "模型回答超出长度上限被截断",
            "the model's answer was cut at the token limit (finish_reason=length)",
            raw_output=raw,
        )
    return LLMReply(data=parse_json_object(raw), raw=raw, mode=mode, finish_reason=finish_reason)


def _read_manifest(requests_path: str | os.PathLike[str]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    path = manifest_path(requests_path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as e:
        raise InputError(
            f"找不到批处理清单：{path}（由 batch --openai-batch 写出）",
            f"batch manifest not found: {path} (written by batch --openai-batch)",
            code="not_found",
        ) from e
    header = json.loads(handle.readline() or "{}")
    if header.get("manifest_version") != MANIFEST_VERSION:
        handle.close()
        raise InputError(
            f"批处理清单格式不对：{path}", f"not a batch manifest of this version: {path}", code="manifest"
        )

    def entries() -> Iterator[dict[str, Any]]:
        with handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    return header, entries()


def _collect_one(
    entry: dict[str, Any], settings: Settings, results: ResultsIndex, cache: Cache, host: str | None
) -> Outcome:
    """One report of the manifest, its calls answered from the results (and its text unchanged)."""
    mode: Mode = settings.json_mode if settings.json_mode != "auto" else BATCH_DEFAULT_MODE
    replay = _ReplayClient(results, entry["sha256"], mode)

    async def summarize(ctx: ReportContext) -> ReportSummary:
        summary = verify_report(ctx, await summarize_llm_async(ctx, settings, client=replay, cache=cache))
        summary.engine.base_url_host = host
        return summary

    return asyncio.run(
        report_outcome(Path(entry["path"]), settings, summarize, expected_sha256=entry["sha256"])
    )


def collect_batch_results(
    requests_path: str | os.PathLike[str],
    results_paths: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    settings: Settings,
    *,
    csv_path: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> BatchStats:
    """Summaries (JSONL, one per report of the manifest) from the Batch API's results (module docstring)."""
    started = time.perf_counter()
    header, entries = _read_manifest(requests_path)
    # The model and mode the requests were written for, whatever this environment says.
    settings = settings.model_copy(
        update={"model": header["model"], "json_mode": header["json_mode"], "strategy": "parallel"}
    )
    out = Path(output)
    prepare_output(out, resume=False)
    stats = BatchStats()
    results = ResultsIndex(results_paths)
    bar = progress_bar(None, progress_enabled(progress))
    try:
        with Cache.open(settings.cache) as cache, LineWriter(out) as writer:
            for entry in entries:
                if "error" in entry:  # the report could not be read when the requests were written
                    outcome = Outcome("failed", entry["path"], line=json.dumps(entry, ensure_ascii=False))
                else:
                    outcome = _collect_one(entry, settings, results, cache, header.get("base_url_host"))
                if outcome.line is not None:
                    writer.write(outcome.line)
                stats.add(outcome)
                bar.update(1)
    finally:
        bar.close()
        results.close()
    if csv_path is not None:
        stats.csv_rows = jsonl_to_csv(out, Path(csv_path))
    stats.elapsed_s = round(time.perf_counter() - started, 3)
    return stats
