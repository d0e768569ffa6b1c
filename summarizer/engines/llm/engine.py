"""The LLM engine: section summaries in the model's own words, every one checked against the source.

    chunk_sections ──► one map call per chunk ─┐   (concurrently, under a semaphore)
    headings, preamble, problems, facts ──► one reduce call ─┘
                         │
    validate (answer schema, quotes found, figures grounded, fact ids known)
      └── on failure: re-ask at most twice with the errors, then keep the sentences but flag them
    a chunk or reduce whose answers stay unusable ──► extractive fallback, listed and warned

The model never gives offsets: we locate its quotes in the original text
(`answer.SourceScope`).  Indicators and projects come from the rule-based
facts, never from the model.  Validated answers are cached per chunk, so the
same report summarized twice makes no second call.  Claims leave here
`unchecked` (or `unsupported` when our own checks already failed); the
pipeline's verifier has the last word.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from ...config import Settings
from ...errors import LLMBadOutput, LLMError, LLMTruncated
from ...facts.numbers import find_figures
from ...schema import Engine, Meta, MetaField, ReportSummary, Span
from ...sections.split import find_problem_paragraphs
from ..base import ProgressCallback, ReportContext
from .answer import (
    AnswerSentence,
    CheckedSentence,
    FactRef,
    ReduceAnswer,
    SectionAnswer,
    SourceScope,
    check_meta_field,
    check_sentence,
    keywords_in_scope,
    schema_problems,
    strict_json_schema,
)
from .assemble import ChunkResult, ReduceResult, assemble_summary
from .cache import Cache
from .chunks import Chunk, chunk_sections
from .client import ChatClient, LLMClient
from .modes import schema_prompt
from .prompts import (
    facts_block,
    headings_block,
    indicator_line,
    load_prompt,
    neutralise_delimiters,
    project_line,
    trim,
)

MAX_REASKS = 2
MAX_SECTION_SENTENCES = 4
MAX_OVERVIEW_SENTENCES = 6
MAX_LIST_SENTENCES = 6
# A truncated answer is retried once with this many times the token budget.
TRUNCATION_GROWTH = 2
# What the reduce call sees of the report besides the headings: enough to write an
# abstract, little enough that the reduce costs a fraction of the map.
PREAMBLE_CHARS = 600
PROBLEM_CHARS = 1500
REDUCE_FACT_LINES = 30
REDUCE_HEADING_LEVEL = 2
# Units of the figures an abstract quotes first: money and rates.
HEADLINE_UNITS = frozenset({"亿元", "万元", "元", "%", "百分点", "倍"})

SECTION_SCHEMA = strict_json_schema(SectionAnswer)
REDUCE_SCHEMA = strict_json_schema(ReduceAnswer)

R = TypeVar("R")


@dataclass(frozen=True)
class _Asked(Generic[R]):
    """The checked result of one question to the model, possibly after re-asks."""

    result: R
    problems: list[str]
    mode: str | None  # None when it came from the cache


class _FactTable:
    """The rule-based facts with the short ids the model cites ("i3", "p1")."""

    def __init__(self, ctx: ReportContext) -> None:
        self.refs: dict[str, FactRef] = {}
        # (original position, short line for a section prompt, full line for the reduce), in id order
        self.lines: list[tuple[int, str, str]] = []
        self.weights: list[int] = []  # how much each line tells about the report as a whole
        for n, indicator in enumerate(ctx.facts.indicators, 1):
            if indicator.redacted:
                continue  # a masked figure supports nothing and must not be restated: not offered
            pid = f"i{n}"
            weight = 2 * (indicator.unit in HEADLINE_UNITS or indicator.change is not None)
            weight += indicator.kind == "target"
            short = indicator_line(pid, indicator, with_period=False)
            self._add(pid, indicator.evidence, (short, indicator_line(pid, indicator)), indicator.raw, weight)
        for n, project in enumerate(ctx.facts.projects, 1):
            pid, raw = f"p{n}", project.investment.raw if project.investment else ""
            line = project_line(pid, project)
            self._add(pid, project.evidence, (line, line), raw, 2 * bool(raw))

    def _add(self, prompt_id: str, evidence: Span, lines: tuple[str, str], raw: str, weight: int) -> None:
        figures = tuple(find_figures(evidence.quote)) + tuple(find_figures(raw))
        self.refs[prompt_id] = FactRef(prompt_id, evidence, figures)
        self.lines.append((evidence.start, *lines))
        self.weights.append(weight)

    def lines_between(self, original_start: int, original_end: int) -> list[str]:
        return [short for pos, short, _ in self.lines if original_start <= pos < original_end]

    def headline_lines(self, limit: int) -> list[str]:
        """At most `limit` lines for the reduce: money, rates and targets first, kept in report order."""
        ranked = sorted(range(len(self.lines)), key=lambda i: (-self.weights[i], i))[:limit]
        return [self.lines[i][2] for i in sorted(ranked)]


class _LLMRun:
    """One report through the LLM engine: shared client, cache, semaphore and bookkeeping."""

    def __init__(
        self,
        ctx: ReportContext,
        settings: Settings,
        client: ChatClient,
        cache: Cache,
        progress: ProgressCallback | None,
        semaphore: asyncio.Semaphore,
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.client = client
        self.cache = cache
        self.progress = progress
        self.semaphore = semaphore
        self.section_prompt = load_prompt("section_v2")
        self.reduce_prompt = load_prompt("reduce_v2")
        self.reask_prompt = load_prompt("reask_v1", ("user", "not_json"))
        prompts = (self.section_prompt, self.reduce_prompt, self.reask_prompt, schema_prompt())
        self.prompt_version = "+".join(prompt.version for prompt in prompts)
        self.facts = _FactTable(ctx)
        self.modes: Counter[str] = Counter()
        self.done = 0
        self.total = 0

    # -- asking, re-asking, caching ---------------------------------------------------------
    def _cache_key(self, kind: str, messages: list[dict[str, str]]) -> str:
        s = self.settings
        return Cache.key(
            kind,
            self.prompt_version,
            s.model or "",
            s.json_mode,
            s.base_url_host or "",
            messages[-1]["content"],
        )

    async def _ask(
        self,
        kind: str,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        check: Callable[[dict[str, Any]], tuple[R, list[str]]],
    ) -> _Asked[R]:
        """Ask until the answer passes `check`, re-asking at most twice; the best answer wins.

        `check` validates the answer schema (raising `ValidationError`) and
        returns the result with the problems found against the source.  Raises
        `LLMError` when no schema-valid answer came back.
        """
        key = self._cache_key(kind, messages)
        cached = self.cache.get(kind, key)
        if cached is not None:
            try:
                stored = json.loads(cached)
                result, problems = check(stored["answer"])
                if not problems:
                    self.modes[stored["mode"]] += 1
                    return _Asked(result, [], None)
            except (ValueError, KeyError, TypeError, ValidationError):
                pass  # an entry from older code or a damaged file: ask again
        history = messages
        max_tokens = self.settings.max_output_tokens
        grown = False
        reasks = 0
        best: _Asked[R] | None = None
        while True:
            try:
                async with self.semaphore:
                    reply = await self.client.chat_json(
                        history, schema=schema, schema_name=f"{kind}_answer", max_tokens=max_tokens
                    )
            except LLMTruncated:
                if grown:
                    raise
                grown, max_tokens = True, max_tokens * TRUNCATION_GROWTH
                continue
            except LLMBadOutput as e:
                if reasks >= MAX_REASKS:
                    if best is not None:
                        return best
                    raise
                reasks += 1
                history = self._reask(messages, e.raw_output or "", [self.reask_prompt.parts["not_json"]])
                continue
            self.modes[reply.mode] += 1
            try:
                result, problems = check(reply.data)
            except ValidationError as e:
                if reasks >= MAX_REASKS:
                    if best is not None:
                        return best
                    raise LLMBadOutput(
                        f"模型回答不符合结构（已重问 {MAX_REASKS} 次）",
                        f"the model's answer does not fit the answer schema after {MAX_REASKS} re-asks",
                        raw_output=reply.raw,
                    ) from e
                reasks += 1
                history = self._reask(messages, reply.raw, schema_problems(e))
                continue
            if best is None or len(problems) < len(best.problems):
                best = _Asked(result, problems, reply.mode)
            if not problems:
                self.cache.put(
                    kind, key, json.dumps({"mode": reply.mode, "answer": reply.data}, ensure_ascii=False)
                )
                return best
            if reasks >= MAX_REASKS:
                return best
            reasks += 1
            history = self._reask(messages, reply.raw, problems)

    def _reask(
        self, messages: list[dict[str, str]], bad_answer: str, problems: list[str]
    ) -> list[dict[str, str]]:
        """The trimmed history of a re-ask: our prompt, the last bad answer, what is wrong with it."""
        listed = "\n".join(f"- {p}" for p in problems[:12])
        return [
            *messages[:2],
            {"role": "assistant", "content": bad_answer},
            {"role": "user", "content": self.reask_prompt.fill("user", problems=listed)},
        ]

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress("summarize", self.done, self.total)

    # -- map ---------------------------------------------------------------------------------
    async def summarize_chunk(self, chunk: Chunk) -> ChunkResult | LLMError:
        clean = self.ctx.norm.clean
        scope = SourceScope.of(clean, chunk.start, chunk.end)
        o_start, o_end = clean.to_original(chunk.start, chunk.end)
        messages = self.section_prompt.messages(
            facts=facts_block(self.facts.lines_between(o_start, o_end)),
            report=neutralise_delimiters(clean.text[chunk.start : chunk.end]),
        )

        def check(data: dict[str, Any]) -> tuple[ChunkResult, list[str]]:
            answer = SectionAnswer.model_validate(data)
            checked = [
                check_sentence(s, scope, self.facts.refs, f"第{i}句")
                for i, s in enumerate(answer.sentences[:MAX_SECTION_SENTENCES], 1)
                if s.text.strip()
            ]
            problems = [p for c in checked for p in c.problems]
            if not checked:
                problems.append("没有写任何摘要句：请写 1 到 4 句。")
            return ChunkResult(checked, keywords_in_scope(answer.keywords, scope)), problems

        try:
            return (await self._ask("section", messages, SECTION_SCHEMA, check)).result
        except LLMError as e:
            return e
        finally:
            self._tick()

    # -- reduce ------------------------------------------------------------------------------
    def reduce_messages(self) -> list[dict[str, str]]:
        ctx, text = self.ctx, self.ctx.norm.clean.text
        # Levels 1-2 are the report's outline; the 一是/1. items below them would cost more than they tell.
        headings = [(n.id, n.level, n.title, n.kind) for n in ctx.nodes if n.level <= REDUCE_HEADING_LEVEL]
        preamble_nodes = [n for n in ctx.nodes if n.kind == "preamble"]
        if preamble_nodes:
            preamble = text[preamble_nodes[0].start : preamble_nodes[0].end]
        else:
            first = min((n.start for n in ctx.nodes), default=len(text))
            preamble = text[:first] or text
        problems = "\n".join(text[s:e].strip() for s, e in find_problem_paragraphs(ctx.norm, ctx.nodes))
        facts = self.facts.headline_lines(REDUCE_FACT_LINES)
        return self.reduce_prompt.messages(
            headings=headings_block(headings) or "（无）",
            preamble=neutralise_delimiters(trim(preamble.strip(), PREAMBLE_CHARS)) or "（无）",
            problems=neutralise_delimiters(trim(problems, PROBLEM_CHARS)) or "（无）",
            facts=facts_block(facts),
        )

    async def summarize_report(self) -> ReduceResult | LLMError:
        clean = self.ctx.norm.clean
        scope = SourceScope.of(clean, 0, len(clean.text))

        def check(data: dict[str, Any]) -> tuple[ReduceResult, list[str]]:
            answer = ReduceAnswer.model_validate(data)
            problems: list[str] = []
            lists: dict[str, list[CheckedSentence]] = {}
            for name, label, sentences, limit in (
                ("overview", "overview", answer.overview, MAX_OVERVIEW_SENTENCES),
                ("achievements", "achievements", answer.achievements, MAX_LIST_SENTENCES),
                ("problems", "problems", answer.problems, MAX_LIST_SENTENCES),
                ("plans", "plans", answer.plans, MAX_LIST_SENTENCES),
            ):
                lists[name] = _check_all(sentences[:limit], scope, self.facts.refs, label)
                problems.extend(p for c in lists[name] for p in c.problems)
            if len(lists["overview"]) < 3:
                problems.append("overview 需要 3 到 6 句。")
            meta: dict[str, MetaField] = {}
            for name in Meta.model_fields:
                checked, problem = check_meta_field(name, getattr(answer.meta, name), scope)
                if checked is not None:
                    meta[name] = MetaField(value=checked.value, evidence=checked.evidence)
                if problem is not None:
                    problems.append(problem)
            return ReduceResult(meta, lists), problems

        try:
            return (await self._ask("reduce", self.reduce_messages(), REDUCE_SCHEMA, check)).result
        except LLMError as e:
            return e
        finally:
            self._tick()

    # -- the whole report --------------------------------------------------------------------
    async def run(self, started: float) -> ReportSummary:
        ctx = self.ctx
        chunks = chunk_sections(ctx.norm, ctx.nodes, self.settings.chunk_tokens)
        self.total = len(chunks) + 1
        # Section failures come back as values; what escapes (ConfigError: a bad key) ends every call.
        try:
            async with asyncio.TaskGroup() as group:
                reduce_task = group.create_task(self.summarize_report())
                chunk_tasks = [group.create_task(self.summarize_chunk(c)) for c in chunks]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the caller expects our error, not a group of them
        return assemble_summary(
            ctx,
            self.settings,
            chunks=chunks,
            chunk_results=[t.result() for t in chunk_tasks],
            reduce_result=reduce_task.result(),
            engine=self.engine(started),
        )

    def engine(self, started: float) -> Engine:
        usage = self.client.usage
        return Engine(
            name="llm",
            model=self.settings.model,
            base_url_host=self.settings.base_url_host,
            prompt_version=self.prompt_version,
            json_mode=self.modes.most_common(1)[0][0] if self.modes else None,
            calls=usage.calls,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            elapsed_s=round(time.perf_counter() - started, 4),
        )


def _check_all(
    sentences: list[AnswerSentence], scope: SourceScope, facts: dict[str, FactRef], label: str
) -> list[CheckedSentence]:
    return [
        check_sentence(s, scope, facts, f"{label} 第{i}句")
        for i, s in enumerate(sentences, 1)
        if s.text.strip()
    ]


async def summarize_llm_async(
    ctx: ReportContext,
    settings: Settings,
    *,
    client: ChatClient | None = None,
    cache: Cache | None = None,
    semaphore: asyncio.Semaphore | None = None,
    progress: ProgressCallback | None = None,
) -> ReportSummary:
    """Summarize a prepared report with the configured model (see the module docstring); not yet verified.

    By default the report gets its own client, cache connection and call limit
    (`settings.concurrency`).  A batch passes its own: a `semaphore` shared by
    every report keeps one limit over all their calls, one open `cache` serves
    them all, and `client` may be any `ChatClient` (the Batch API's recorder or
    replayer).  A client passed in is not closed here.
    """
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        if cache is None:
            cache = stack.enter_context(Cache.open(settings.cache))
        if client is None:
            own = LLMClient(settings, cache=cache)  # raises ConfigError: no model, no endpoint
            stack.push_async_callback(own.aclose)
            client = own
        semaphore = semaphore or asyncio.Semaphore(settings.concurrency)
        return await _LLMRun(ctx, settings, client, cache, progress, semaphore).run(started)


def summarize_llm(
    ctx: ReportContext, settings: Settings, progress: ProgressCallback | None = None
) -> ReportSummary:
    """The synchronous face of `summarize_llm_async`.

    Inside a running event loop (Streamlit, Jupyter) `asyncio.run` is not
    allowed, so the engine then runs its own loop in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(summarize_llm_async(ctx, settings, progress=progress))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-llm") as pool:
        return pool.submit(asyncio.run, summarize_llm_async(ctx, settings, progress=progress)).result()
