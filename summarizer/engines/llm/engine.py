"""The LLM engine: section summaries in the model's own words, every one checked against the source.

    plan (strategy per endpoint, `plan.py`) ─► chunk calls ─┬─ serial: one after the other, then one
                                                            │  digest over their summaries (or none:
                                                            │  the one pass wrote the lists itself)
                                                            └─ parallel: all at once with the reduce
    every call ─► checks per sentence ─► re-ask only the failed sentences (`asking.py`)
    a call whose answers stay unusable ──► extractive fallback, listed and warned

The model never gives offsets: we locate its quotes in the original text
(`answer.SourceScope`), within the section it writes about.  Meta, indicators,
projects and keywords come from the rules, never from the model.  Checked
answers are cached per call, so the same report summarized twice makes no
second call.  Claims leave here `unchecked` (or `unsupported` when our own
checks already failed), each marked as written by the model or by the
extractive fallback; the pipeline's verifier has the last word.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ...config import Settings
from ...errors import LLMError
from ...facts.numbers import find_figures
from ...schema import Engine, Meta, MetaField, ReportSummary, Span
from ...sections.lookup import SectionIndex
from ...sections.split import find_problem_paragraphs
from ...verification import ClaimSource, check_claim_text
from ..base import ProgressCallback, ReportContext, build_source
from .answer import (
    AnswerSentence,
    CheckedSentence,
    FactRef,
    MetaAnswerField,
    ReduceAnswer,
    ShortSentence,
    SourceScope,
    check_meta_field,
    keyed_schema,
    strict_json_schema,
)
from .asking import Answered, Asker, Question, Read
from .assemble import ChunkResult, ReduceResult, assemble_summary
from .cache import Cache
from .client import ChatClient, LLMClient
from .compress import compress_summary
from .modes import schema_prompt
from .plan import LIST_SENTENCES, UNSUMMARIZED_KINDS, Call, Plan, output_budget, plan_calls
from .prompts import (
    facts_block,
    headings_block,
    indicator_line,
    load_prompt,
    neutralise_delimiters,
    project_line,
    trim,
)
from .tokens import measure_tokens

MAX_OVERVIEW_SENTENCES = 6
MAX_LIST_SENTENCES = 6
# What the parallel reduce sees of the report besides the headings: enough to write an
# abstract, little enough that the reduce costs a fraction of the map.
PREAMBLE_CHARS = 600
PROBLEM_CHARS = 800
DIGEST_PROBLEM_CHARS = 800
REDUCE_FACT_LINES = 20
REDUCE_HEADING_LEVEL = 2
# Meta fields (8) of the parallel reduce, in output tokens.
META_TOKENS = 480
# Units of the figures an abstract quotes first: money and rates.
HEADLINE_UNITS = frozenset({"亿元", "万元", "元", "%", "百分点", "倍"})
LISTS = tuple(LIST_SENTENCES)
PARROT_CHARS = 6
# Where a report list may not quote from, unless also inside a part it may: (forbidden kinds, allowed
# kinds, the problem told to the model).
LIST_PARTS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "achievements": (
        frozenset({"plan", "targets"}),
        frozenset({"review"}),
        "achievements 只写已经做到的成绩：这句的引文出自报告的计划或目标部分，那是还没做到的事。",
    ),
    "plans": (
        frozenset({"review"}),
        frozenset({"plan", "targets"}),
        "plans 只写今后的任务或目标：这句的引文出自报告回顾已做工作的部分。",
    ),
}

REDUCE_SCHEMA = strict_json_schema(ReduceAnswer)
SHORT_SCHEMA = strict_json_schema(ShortSentence)
ANSWER_SENTENCE_SCHEMA = strict_json_schema(AnswerSentence)
_KEYED = TypeAdapter(dict[str, list[ShortSentence]])


class _FactTable:
    """The rule-based facts with the short ids the parallel reduce cites ("i3", "p1")."""

    def __init__(self, ctx: ReportContext) -> None:
        self.refs: dict[str, FactRef] = {}
        self.lines: list[tuple[int, str]] = []  # (original position, line), in id order
        self.weights: list[int] = []  # how much each line tells about the report as a whole
        for n, indicator in enumerate(ctx.facts.indicators, 1):
            if indicator.redacted:
                continue  # a masked figure supports nothing and must not be restated: not offered
            weight = 2 * (indicator.unit in HEADLINE_UNITS or indicator.change is not None)
            weight += indicator.kind == "target"
            self._add(f"i{n}", indicator.evidence, indicator_line(f"i{n}", indicator), indicator.raw, weight)
        for n, project in enumerate(ctx.facts.projects, 1):
            raw = project.investment.raw if project.investment else ""
            self._add(f"p{n}", project.evidence, project_line(f"p{n}", project), raw, 2 * bool(raw))

    def _add(self, prompt_id: str, evidence: Span, line: str, raw: str, weight: int) -> None:
        figures = tuple(find_figures(evidence.quote)) + tuple(find_figures(raw))
        self.refs[prompt_id] = FactRef(prompt_id, evidence, figures)
        self.lines.append((evidence.start, line))
        self.weights.append(weight)

    def headline_lines(self, limit: int) -> list[str]:
        """At most `limit` lines for the reduce: money, rates and targets first, kept in report order."""
        ranked = sorted(range(len(self.lines)), key=lambda i: (-self.weights[i], i))[:limit]
        return [self.lines[i][1] for i in sorted(ranked)]


def _read_keyed(keys: dict[str, int]) -> Callable[[dict[str, Any]], Read]:
    """Reads a keyed answer: for each key asked, at most its count of sentences, in the order asked."""

    def read(data: dict[str, Any]) -> Read:
        answer = _KEYED.validate_python(data)  # every value a list of sentences, or a re-ask
        if keys and not set(keys) & set(answer):
            missing = [{"type": "missing", "loc": (key,), "input": data} for key in keys]
            raise ValidationError.from_exception_data("answer", missing)  # type: ignore[arg-type]
        pairs = [(k, s.as_answer()) for k, n in keys.items() for s in answer.get(k, [])[:n] if s.text.strip()]
        return pairs, {}

    return read


def _read_short(_key: str, value: Any) -> AnswerSentence:
    return ShortSentence.model_validate(value).as_answer()


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
        self.progress = progress
        self.prompt = load_prompt("summary_v4", ("system", "sections", "lists", "digest", "reask"))
        self.reduce_prompt = load_prompt("reduce_v2")
        self.compress_prompt = load_prompt("compress_v2", ("system", "user", "reask"))
        reask = load_prompt("reask_v1", ("user", "not_json"))
        prompts = (self.prompt, self.reduce_prompt, self.compress_prompt, reask, schema_prompt())
        self.prompt_version = "+".join(prompt.version for prompt in prompts)
        self.asker = Asker(
            settings,
            client,
            cache,
            semaphore,
            version=self.prompt_version,
            whole_reask=reask,
            item_reask=self.prompt,
        )
        self.facts = _FactTable(ctx)
        self.whole = SourceScope.of(ctx.norm.clean, 0, len(ctx.norm.clean.text))
        clean = ctx.norm.clean
        # The verifier's view of the report, built once: each sentence is checked as the pipeline will.
        self.regions = {n.id: clean.to_original(n.start, n.end) for n in ctx.nodes}
        levels = [self.regions[n.id] for n in ctx.nodes if n.level <= 2]
        same_text = clean.text == ctx.original
        self.claims = ClaimSource(ctx.original, levels or None, ctx.facts.figures if same_text else None)
        self.index = SectionIndex(ctx.nodes)
        self.instructions = "\n".join(
            text
            for prompt in (self.prompt, self.reduce_prompt, self.compress_prompt)
            for text in prompt.parts.values()
        )
        self.failed_sections: list[str] = []
        self.topics: set[str] = set()  # compress: picked sentences that only name a topic
        # Sections in a preamble or the closing rally (and their parts): nothing there is summarized.
        tops = {n.id: n.kind for n in ctx.nodes if n.level == 1}
        self.unsummarized = {n.id for n in ctx.nodes if tops.get(n.id.split(".")[0]) in UNSUMMARIZED_KINDS}
        self.done = 0
        self.total = 0

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress("summarize", self.done, self.total)

    def verdict(self, key: str, sentence: CheckedSentence) -> list[str]:
        """What the verifier would say against `sentence` (of section `key`, or a report list), in Chinese;
        and for a list sentence, whether its quote comes from a part of the report that list may draw on."""
        refused = self._misplaced(key, sentence.anchor) or self._parroted(sentence.text)
        if refused:
            return [refused]
        support, reasons = check_claim_text(
            self.claims, sentence.text, sentence.evidence, self.regions.get(key)
        )
        if support == "supported":
            return []
        return [f"核对未通过：{reason.split(' / ')[0]}" for reason in reasons[:3]]

    def _parroted(self, text: str) -> str | None:
        """A sentence repeating our own instructions (a small model's habit): a run of `PARROT_CHARS`
        characters shared with the prompts that the report itself does not have."""
        matcher = SequenceMatcher(None, text, self.instructions, autojunk=False)
        match = matcher.find_longest_match(0, len(text), 0, len(self.instructions))
        run = text[match.a : match.a + match.size]
        if match.size >= PARROT_CHARS and not self.whole.contains(run):
            return f"这句抄了给你的说明文字（“{run}”），不是报告的内容：请写报告里具体的事或数字。"
        return None

    def _misplaced(self, key: str, anchor: int | None) -> str | None:
        """An achievement quoted from the plan or targets, or a plan quoted from the review: a target is
        no result, and a result is no plan, however faithfully the words are copied."""
        if key not in LIST_PARTS or anchor is None:
            return None
        kinds = self._kinds_at(anchor)
        forbidden, needed, problem = LIST_PARTS[key]
        if kinds & forbidden and not kinds & needed:
            return problem
        return None

    def _counts(self, lists: dict[str, int] = LIST_SENTENCES) -> str:
        return "\n".join(f"- {name}：{n} 句" for name, n in lists.items())

    # -- a chunk -----------------------------------------------------------------------------
    def chunk_question(self, call: Call) -> Question:
        clean = self.ctx.norm.clean
        chunk = call.chunk
        outline = "\n".join(f'- "{a.section_id}"：{a.title[:40]}（{a.sentences} 句）' for a in call.asks)
        user = self.prompt.fill(
            "sections",
            report=neutralise_delimiters(clean.text[chunk.start : chunk.end]),
            outline=neutralise_delimiters(outline),
            lists=self.prompt.fill("lists", counts=self._counts(call.lists)) if call.lists else "",
        )
        keys = {a.section_id: a.sentences for a in call.asks} | call.lists
        scopes = {a.section_id: SourceScope.of(clean, a.start, a.end) for a in call.asks}
        chunk_scope = SourceScope.of(clean, chunk.start, chunk.end)
        return Question(
            kind="chunk",
            messages=[
                {"role": "system", "content": self.prompt.system},
                {"role": "user", "content": user.strip()},
            ],
            schema=keyed_schema(keys, SHORT_SCHEMA),
            max_tokens=output_budget(call.sentences, self.settings),
            read=_read_keyed(keys),
            scope_of=lambda key: scopes.get(key, chunk_scope),
            item_schema=SHORT_SCHEMA,
            read_item=_read_short,
            verdict=self.verdict,
        )

    async def summarize_chunk(self, call: Call) -> ChunkResult | LLMError:
        try:
            answered = await self.asker.ask(self.chunk_question(call))
        except LLMError as e:
            return e
        finally:
            self._tick()
        lists = {name: answered.sentences.get(name, []) for name in call.lists}
        sections = {a.section_id: answered.sentences.get(a.section_id, []) for a in call.asks}
        return ChunkResult(sections, lists)

    # -- one pass: the report lists from its own checked sentences ------------------------------
    def compose_lists(self, result: ChunkResult) -> dict[str, list[CheckedSentence]]:
        """The overview (each part's first sentence), achievements (from the review), plans (from the
        plan or targets) and problems (as the model wrote them, else from a problems part): the pass's
        checked sentences, figures first, each list as long as `LIST_SENTENCES` allows."""
        parts: dict[str, list[CheckedSentence]] = {"review": [], "plan": [], "problems": []}
        overview: list[CheckedSentence] = []
        for sentences in result.sections.values():  # in report order
            clean = [s for s in sentences if not s.problems]
            overview.extend(clean[:1])
            for sentence in clean:
                part = self._part_of(sentence.anchor)
                if part is not None:
                    parts[part].append(sentence)

        def best(sentences: list[CheckedSentence], name: str) -> list[CheckedSentence]:
            ranked = sorted(sentences, key=lambda s: not find_figures(s.text))  # stable: report order
            return ranked[: LIST_SENTENCES[name]]

        written = [s for s in (result.lists or {}).get("problems", []) if not s.problems]
        return {
            "overview": overview[: LIST_SENTENCES["overview"]],
            "achievements": best(parts["review"], "achievements"),
            "problems": written or best(parts["problems"], "problems"),
            "plans": best(parts["plan"], "plans"),
        }

    def _kinds_at(self, anchor: int | None) -> set[str]:
        """The kinds of the section holding clean position `anchor` and of its ancestors."""
        return {node.kind for node in self.index.chain(anchor)} if anchor is not None else set()

    def _part_of(self, anchor: int | None) -> str | None:
        kinds = self._kinds_at(anchor)
        if kinds & {"plan", "targets"}:
            return "plan"
        if "review" in kinds:
            return "review"
        return "problems" if "problems" in kinds else None

    # -- the digest (serial, several chunks): the report lists from the section summaries ---------
    def digest_question(self, plan: Plan, results: list[ChunkResult | LLMError]) -> Question:
        ctx, text = self.ctx, self.ctx.norm.clean.text
        titles = {n.id: n.title for n in ctx.nodes}
        lines: list[str] = []
        for call, result in zip(plan.calls, results, strict=True):
            if isinstance(result, LLMError):
                continue
            for ask in call.asks:
                lines.append(f"{ask.section_id} {titles.get(ask.section_id, '')[:40]}")
                lines.extend(
                    f"  - {s.text}（{_quote_of(s)}）" for s in result.sections.get(ask.section_id, [])
                )
        problems = "\n".join(text[s:e].strip() for s, e in find_problem_paragraphs(ctx.norm, ctx.nodes))
        user = self.prompt.fill(
            "digest",
            summaries=neutralise_delimiters("\n".join(lines)) or "（无）",
            problems=neutralise_delimiters(trim(problems, DIGEST_PROBLEM_CHARS)) or "（无）",
            counts=self._counts(),
        )
        return Question(
            kind="digest",
            messages=[
                {"role": "system", "content": self.prompt.system},
                {"role": "user", "content": user.strip()},
            ],
            schema=keyed_schema(LIST_SENTENCES, SHORT_SCHEMA),
            max_tokens=output_budget(sum(LIST_SENTENCES.values()), self.settings),
            read=_read_keyed(LIST_SENTENCES),
            scope_of=lambda _key: self.whole,
            item_schema=SHORT_SCHEMA,
            read_item=_read_short,
            verdict=self.verdict,
        )

    # -- the reduce (parallel): the report lists and meta from raw material, beside the chunks ----
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
        return self.reduce_prompt.messages(
            headings=headings_block(headings) or "（无）",
            preamble=neutralise_delimiters(trim(preamble.strip(), PREAMBLE_CHARS)) or "（无）",
            problems=neutralise_delimiters(trim(problems, PROBLEM_CHARS)) or "（无）",
            facts=facts_block(self.facts.headline_lines(REDUCE_FACT_LINES)),
        )

    def reduce_question(self) -> Question:
        limits = {"overview": MAX_OVERVIEW_SENTENCES} | dict.fromkeys(LISTS[1:], MAX_LIST_SENTENCES)

        def read(data: dict[str, Any]) -> Read:
            answer = ReduceAnswer.model_validate(data)
            pairs = [
                (name, s) for name in LISTS for s in getattr(answer, name)[: limits[name]] if s.text.strip()
            ]
            meta = {name: field.model_dump() if field else None for name, field in answer.meta}
            return pairs, {"meta": meta}

        sentences = sum(LIST_SENTENCES.values())
        return Question(
            kind="reduce",
            messages=self.reduce_messages(),
            schema=REDUCE_SCHEMA,
            max_tokens=output_budget(sentences + META_TOKENS // 100, self.settings),
            read=read,
            scope_of=lambda _key: self.whole,
            item_schema=ANSWER_SENTENCE_SCHEMA,
            read_item=lambda _key, value: AnswerSentence.model_validate(value),
            verdict=self.verdict,
            facts=self.facts.refs,
        )

    def _reduce_result(self, answered: Answered) -> ReduceResult:
        meta: dict[str, MetaField] = {}
        for name, raw in (answered.extra.get("meta") or {}).items():
            if name not in Meta.model_fields or not raw:
                continue
            try:
                value = MetaAnswerField.model_validate(raw)
            except ValidationError:
                continue
            checked, _problem = check_meta_field(name, value, self.whole)  # a bad field: the rules' value
            if checked is not None:
                meta[name] = MetaField(value=checked.value, evidence=checked.evidence)
        return ReduceResult(meta, {name: answered.sentences.get(name, []) for name in LISTS})

    async def summarize_report(self, question: Question) -> ReduceResult | LLMError:
        try:
            return self._reduce_result(await self.asker.ask(question))
        except LLMError as e:
            return e
        finally:
            self._tick()

    # -- the whole report --------------------------------------------------------------------
    async def run(self, started: float) -> ReportSummary:
        if self.settings.effective_strategy == "compress":
            return await self.run_compress(started)
        measured = None
        if self.settings.effective_strategy == "serial" and self.settings.chunk_tokens is None:
            # Once per run: the model's own count decides whether the report fits in one pass.
            measured = await asyncio.to_thread(measure_tokens, self.settings, self.ctx.norm.clean.text)
        plan = plan_calls(self.ctx, self.settings, measured)
        self.total = plan.total
        reduce_result: ReduceResult | LLMError | None = None
        # Section failures come back as values; what escapes (ConfigError: a bad key) ends every call.
        try:
            if plan.strategy == "serial":
                # One call after the other, each with its re-ask at once: the re-ask repeats the call's
                # messages, which the server still holds in its prefix cache.
                results = [await self.summarize_chunk(c) for c in plan.calls]
                reduce_task = None
            else:
                async with asyncio.TaskGroup() as group:
                    reduce_task = (
                        group.create_task(self.summarize_report(self.reduce_question()))
                        if plan.reduce == "reduce"
                        else None
                    )
                    chunk_tasks = [group.create_task(self.summarize_chunk(c)) for c in plan.calls]
                results = [t.result() for t in chunk_tasks]
            if reduce_task is not None:
                reduce_result = reduce_task.result()
            elif plan.reduce == "digest":
                reduce_result = await self.summarize_report(self.digest_question(plan, results))
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the caller expects our error, not a group of them
        if reduce_result is None:  # one pass: the lists from its own sentences
            first = results[0]
            reduce_result = (
                first if isinstance(first, LLMError) else ReduceResult({}, self.compose_lists(first))
            )
        return assemble_summary(
            self.ctx,
            self.settings,
            plan=plan,
            chunk_results=results,
            reduce_result=reduce_result,
            engine=self.engine(started),
        )

    async def run_compress(self, started: float) -> ReportSummary:
        """The compress design (`compress.py`): the rules' picks, each compressed by the model."""
        summary, warnings = await compress_summary(self)
        engine = self.engine(started)
        engine.fallbacks = self.failed_sections
        claims = summary.all_claims()
        engine.model_claims = sum(c.author == "model" for c in claims)
        engine.fallback_claims = sum(c.author == "extractive" for c in claims)
        return summary.model_copy(update={"engine": engine, "source": build_source(self.ctx, warnings)})

    def engine(self, started: float) -> Engine:
        usage = self.client.usage
        modes = self.asker.modes
        return Engine(
            name="llm",
            model=self.settings.model,
            base_url_host=self.settings.base_url_host,
            prompt_version=self.prompt_version,
            json_mode=modes.most_common(1)[0][0] if modes else None,
            calls=usage.calls,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            elapsed_s=round(time.perf_counter() - started, 4),
        )


def _quote_of(sentence: CheckedSentence) -> str:
    return sentence.evidence[0].quote if sentence.evidence else ""


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
    (`settings.call_limit`: 1 for a serial endpoint, 16 for a parallel one).  A
    batch passes its own: a `semaphore` shared by every report keeps one limit
    over all their calls, one open `cache` serves them all, and `client` may be
    any `ChatClient` (the Batch API's recorder or replayer).  A client passed in
    is not closed here.
    """
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        if cache is None:
            cache = stack.enter_context(Cache.open(settings.cache))
        if client is None:
            own = LLMClient(settings, cache=cache)  # raises ConfigError: no model, no endpoint
            stack.push_async_callback(own.aclose)
            client = own
        semaphore = semaphore or asyncio.Semaphore(settings.call_limit)
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
