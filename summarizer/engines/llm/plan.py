"""How a report is cut into model calls, per endpoint strategy, and what each call is asked for.

    serial (a local server, one request at a time)       parallel (a remote provider)
    ───────────────────────────────────────────────       ─────────────────────────────
    as few calls as the context allows:                    chunks of `PARALLEL_CHUNK_TOKENS`, every one
      the whole report fits  -> one call, which also        at once (at most `PARALLEL_CALLS`), and the
                                writes the problems; the    reduce over raw material in the same wave
                                other lists are picked
                                from its section sentences
      it does not            -> chunks as large as the
                                context allows, then one
                                digest over their summaries

Each call asks for a few short sentences per section it holds (one per
`TOKENS_PER_SENTENCE` report tokens, at most `MAX_SECTION_SENTENCES`), and its
output budget is what that needs: sentences x `PER_SENTENCE_TOKENS`, not a flat
allowance.  `settings.chunk_tokens` and `settings.max_output_tokens` override the
chunk size and cap every budget.

A serial run may bring the model's own count of the report (`tokens.ModelTokens`,
asked of a llama.cpp-style server): the fit is then judged in the model's tokens,
against the server's context when it gave one and `SUMMARIZER_CONTEXT_TOKENS` was
not set, and chunk sizes are converted back to our (cl100k) tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ...config import PARALLEL_CALLS, Settings
from ...sections.split import find_problem_paragraphs
from ...text.sentences import count_tokens
from ..base import ReportContext
from .chunks import Chunk, chunk_sections, pack_chunks
from .tokens import ModelTokens

# Output tokens per summary sentence: 15-40 characters, a quote of 8-40, the JSON around them
# (our cl100k count; Chinese costs fewer tokens on most models' own tokenizers).
PER_SENTENCE_TOKENS = 150
ANSWER_OVERHEAD_TOKENS = 60  # braces, keys, a margin
TOKENS_PER_SENTENCE = 1200  # one summary sentence per this many report tokens of a section
MAX_SECTION_SENTENCES = 4
MIN_SECTION_TOKENS = 40  # a title-only section (a bare preamble) is not worth a sentence
# Level-1 parts with nothing to summarize: the title, date and speaker; the closing rally (让我们……奋斗).
UNSUMMARIZED_KINDS = frozenset({"preamble", "closing"})
PARALLEL_CHUNK_TOKENS = 3000
# Instructions, JSON schema and outline of one call, in our tokens: what the context must hold besides the report.
PROMPT_OVERHEAD_TOKENS = 1400
# Sentences asked for the report-level lists (one pass or digest).
LIST_SENTENCES: dict[str, int] = {"overview": 2, "achievements": 2, "problems": 1, "plans": 2}
# What one pass asks of the model besides its sections: the problems the report admits (when it has a
# part or a paragraph admitting some).  The overview, achievements and plans are picked from the pass's own checked
# section sentences by the part they quote (`engine.compose_lists`): a small model asked to write them
# restates targets as results and parrots the instructions.
ONE_PASS_LISTS: dict[str, int] = {"problems": 1}
# Sentences a chunk call is expected to need at most, when sizing serial chunks.
CHUNK_SENTENCES = 8

StrategyName = Literal["serial", "parallel"]
ReduceKind = Literal["reduce", "digest"]


@dataclass(frozen=True)
class Ask:
    """One section of a chunk, how many sentences it gets, and the clean range they must quote from."""

    section_id: str
    title: str
    sentences: int
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    """One model call over a chunk: its sections, and the report lists it also writes (name -> sentences)."""

    chunk: Chunk
    asks: list[Ask]
    lists: dict[str, int] = field(default_factory=dict)

    @property
    def sentences(self) -> int:
        return sum(a.sentences for a in self.asks) + sum(self.lists.values())


@dataclass(frozen=True)
class Plan:
    strategy: StrategyName
    calls: list[Call]
    reduce: ReduceKind | None  # None: one pass; its lists come from its own sentences (`ONE_PASS_LISTS`)

    @property
    def total(self) -> int:
        return len(self.calls) + (self.reduce is not None)


def output_budget(sentences: int, settings: Settings) -> int:
    """max_tokens for an answer of `sentences` sentences, capped by `settings.max_output_tokens`."""
    budget = ANSWER_OVERHEAD_TOKENS + PER_SENTENCE_TOKENS * max(1, sentences)
    cap = settings.max_output_tokens
    return min(budget, cap) if cap is not None else budget


def plan_calls(ctx: ReportContext, settings: Settings, measured: ModelTokens | None = None) -> Plan:
    """The calls for a report; `measured` (serial only): the model's own count of the report's clean text."""
    strategy: StrategyName = "serial" if settings.serial_endpoint else "parallel"  # compress reads as serial
    if strategy == "serial":
        chunks = _serial_chunks(ctx, settings, measured)
        if len(chunks) == 1:
            admitted = any(n.kind == "problems" for n in ctx.nodes) or bool(
                find_problem_paragraphs(ctx.norm, ctx.nodes)
            )
            lists = dict(ONE_PASS_LISTS) if admitted else {}
            return Plan(strategy, [Call(chunks[0], asks_of(ctx, chunks[0]), lists)], None)
        return Plan(strategy, [Call(c, asks_of(ctx, c)) for c in chunks], "digest")
    budget = settings.chunk_tokens or PARALLEL_CHUNK_TOKENS
    chunks = chunk_sections(ctx.norm, ctx.nodes, budget)
    # Every call in one wave: the map calls and the reduce, within the provider's cap.
    while len(chunks) > PARALLEL_CALLS - 1 and settings.chunk_tokens is None:
        budget = budget * 3 // 2
        chunks = chunk_sections(ctx.norm, ctx.nodes, budget)
    return Plan(strategy, [Call(c, asks_of(ctx, c)) for c in chunks], "reduce")


def _serial_chunks(ctx: ReportContext, settings: Settings, measured: ModelTokens | None) -> list[Chunk]:
    if settings.chunk_tokens is not None:
        return pack_chunks(
            ctx.norm, chunk_sections(ctx.norm, ctx.nodes, settings.chunk_tokens), settings.chunk_tokens
        )
    # Without a measure: everything in our tokens.  With one: the report in the model's tokens (ours
    # divided by the measured ratio); the prompt overhead and the answer budget stay as they are
    # (a margin: they are our counts, and max_tokens is what the server reserves).
    scale = measured.ours_per_model if measured is not None else 1.0
    context = settings.context_tokens
    if (
        measured is not None
        and measured.context is not None
        and "context_tokens" not in settings.model_fields_set
    ):
        context = measured.context
    room = context - PROMPT_OVERHEAD_TOKENS
    tops = [n for n in ctx.nodes if n.level == 1]
    if tops:
        text = ctx.norm.clean.text
        whole = count_tokens(text[tops[0].start : tops[-1].end])
        sentences = sum(_sentences_for(count_tokens(text[n.start : n.end])) for n in tops)
        answer = output_budget(sentences + sum(ONE_PASS_LISTS.values()), settings)
        if whole / scale + answer <= room:
            return pack_chunks(ctx.norm, chunk_sections(ctx.norm, ctx.nodes, whole), whole)
    budget = max(200, int((room - output_budget(CHUNK_SENTENCES, settings)) * scale))
    return pack_chunks(ctx.norm, chunk_sections(ctx.norm, ctx.nodes, budget), budget)


def _sentences_for(tokens: int) -> int:
    if tokens < MIN_SECTION_TOKENS:
        return 0
    return min(MAX_SECTION_SENTENCES, 1 + tokens // TOKENS_PER_SENTENCE)


def asks_of(ctx: ReportContext, chunk: Chunk) -> list[Ask]:
    """The sections a chunk's call writes for: its level-1/2 pieces, grouped under their level-1 section
    when it holds more than one of them or lies wholly in the chunk."""
    nodes = {n.id: n for n in ctx.nodes}
    text = ctx.norm.clean.text
    groups: dict[str, list[str]] = {}
    for sid in chunk.section_ids:
        node = nodes.get(sid)
        if node is None:
            continue
        top = node
        while top.parent_id is not None and top.parent_id in nodes:
            top = nodes[top.parent_id]
        groups.setdefault(top.id, []).append(sid)
    asks: list[Ask] = []
    for top_id, ids in groups.items():
        top = nodes[top_id]
        whole = chunk.start <= top.start and top.end <= chunk.end
        owner = top if len(ids) > 1 or whole or ids == [top_id] else nodes[ids[0]]
        start, end = max(owner.start, chunk.start), min(owner.end, chunk.end)
        sentences = _sentences_for(count_tokens(text[start:end]))
        if top.kind in UNSUMMARIZED_KINDS:
            sentences = 0
        if sentences:
            asks.append(Ask(owner.id, owner.title, sentences, start, end))
    if not asks and chunk.section_ids:  # a chunk of tiny sections still gets one sentence
        first = nodes.get(chunk.section_ids[0])
        if first is not None:
            asks.append(Ask(first.id, first.title, 1, chunk.start, chunk.end))
    return asks
