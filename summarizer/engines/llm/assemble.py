"""Assembling the LLM engine's checked answers into a `ReportSummary`.

The map answers arrive per chunk; a chunk may hold several short sections or
part of a long one, so each sentence goes to the deepest section that holds
its first quote.  A section any of whose chunks failed is summarized by the
extractive engine instead (`Extractor.section_claims`), listed in `engine.fallbacks` and
announced by an `llm_fallback` warning; a failed reduce likewise takes the
extractive overview, meta and lists.  Meta fields the model left null or could
not ground are filled by the rule-based `extract_meta`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config import Settings
from ...errors import LLMError
from ...facts.meta import extract_meta
from ...schema import Claim, Engine, Meta, MetaField, ReportSummary, Section, SourceWarning
from ...sections.lookup import SectionIndex
from ..base import ReportContext, build_sections, build_source
from ..extractive.engine import Extractor, summarize_extractive
from .answer import CheckedSentence
from .chunks import Chunk

# Report-level claim ids, the same prefixes as the extractive engine's.
LIST_PREFIXES = {"overview": "o", "achievements": "a", "problems": "p", "plans": "l"}
# The deepest section level that `chunk_sections` cuts at.
CHUNK_LEVEL = 2


@dataclass(frozen=True)
class ChunkResult:
    sentences: list[CheckedSentence]
    keywords: list[str]


@dataclass(frozen=True)
class ReduceResult:
    meta: dict[str, MetaField]
    lists: dict[str, list[CheckedSentence]]


def claim_of(claim_id: str, sentence: CheckedSentence, section_id: str | None) -> Claim:
    """A claim from a checked sentence; `unsupported` already when our checks failed for good."""
    flagged = bool(sentence.ungrounded_figures) or not sentence.evidence
    return Claim(
        id=claim_id,
        text=sentence.text,
        evidence=sentence.evidence,
        support="unsupported" if flagged else "unchecked",
        section_id=section_id,
    )


def _anchor(ctx: ReportContext, sentence: CheckedSentence) -> int | None:
    """Clean position of a sentence: its first located quote, else its first evidence (a fact)."""
    if sentence.anchor is not None:
        return sentence.anchor
    return ctx.norm.clean.to_clean(sentence.evidence[0].start) if sentence.evidence else None


def _failure_warning(error: LLMError, section: Section | None) -> SourceWarning:
    # The error's own message is already free of secrets (errors.py promise); keep it to one line.
    reason_zh, reason_en = error.zh.splitlines()[0][:120], error.en.splitlines()[0][:160]
    if section is None:
        zh = f"全文总览（overview、meta、成绩、问题、计划）的模型总结失败（{reason_zh}），已改用抽取式结果"
        en = f"report overview (reduce): the model failed ({reason_en}); filled by the extractive engine"
    else:
        zh = f"第 {section.id} 节「{section.title[:30]}」的模型摘要失败（{reason_zh}），已改用抽取式摘要"
        en = f"section {section.id}: the model failed ({reason_en}); filled by the extractive engine"
    return SourceWarning(code="llm_fallback", message=f"{zh} / {en}", span=section.span if section else None)


def assemble_summary(
    ctx: ReportContext,
    settings: Settings,
    *,
    chunks: list[Chunk],
    chunk_results: list[ChunkResult | LLMError],
    reduce_result: ReduceResult | LLMError,
    engine: Engine,
) -> ReportSummary:
    nodes = {n.id: n for n in ctx.nodes}
    clean_text = ctx.norm.clean.text
    failures: dict[str, LLMError] = {}
    sentences: dict[str, list[CheckedSentence]] = {}
    keywords: dict[str, list[str]] = {}
    for chunk, result in zip(chunks, chunk_results, strict=True):
        chunk_nodes = [nodes[sid] for sid in chunk.section_ids if sid in nodes]
        if isinstance(result, LLMError):
            for node in chunk_nodes:
                failures.setdefault(node.id, result)
            continue
        # Chunks are cut at level 1-2 sections; their sentences summarize those, not the 一是/1. items inside.
        owners = [n for n in chunk_nodes if n.level <= CHUNK_LEVEL] or chunk_nodes
        by_position = SectionIndex(owners)
        for sentence in result.sentences:
            owner = by_position.deepest(_anchor(ctx, sentence)) or (owners[0] if owners else None)
            if owner is not None:
                sentences.setdefault(owner.id, []).append(sentence)
        for node in chunk_nodes:
            section_text = clean_text[node.start : node.end]
            found = keywords.setdefault(node.id, [])
            found.extend(k for k in result.keywords if k in section_text and k not in found)

    warnings: list[SourceWarning] = []
    extractor: Extractor | None = None  # built on the first fallback, then shared
    sections = build_sections(ctx)
    for section in sections:
        if section.id in failures:
            extractor = extractor or Extractor(ctx)
            section.summary = extractor.section_claims(nodes[section.id])
            engine.fallbacks.append(section.id)
            warnings.append(_failure_warning(failures[section.id], section))
            continue
        own = sentences.get(section.id, [])
        section.summary = [claim_of(f"s{section.id}-{i}", s, section.id) for i, s in enumerate(own, 1)]
        section.keywords = keywords.get(section.id, [])[:8]

    lists: dict[str, list[Claim]]
    if isinstance(reduce_result, LLMError):
        base = summarize_extractive(ctx, settings, extractor=extractor)
        meta = base.meta
        lists = {"overview": base.overview, "achievements": base.achievements}
        lists |= {"problems": base.problems, "plans": base.plans}
        engine.fallbacks.append("reduce")
        warnings.append(_failure_warning(reduce_result, None))
    else:
        rule_meta = extract_meta(ctx.norm, ctx.nodes)
        meta = Meta(
            **{name: reduce_result.meta.get(name) or getattr(rule_meta, name) for name in Meta.model_fields}
        )
        lists = {}
        by_position = SectionIndex(ctx.nodes)
        for name, prefix in LIST_PREFIXES.items():
            lists[name] = []
            for i, sentence in enumerate(reduce_result.lists.get(name, []), 1):
                owner = by_position.deepest(_anchor(ctx, sentence))
                lists[name].append(claim_of(f"{prefix}-{i}", sentence, owner.id if owner else None))

    return ReportSummary(
        source=build_source(ctx, warnings),
        engine=engine,
        meta=meta,
        overview=lists["overview"],
        sections=sections,
        indicators=list(ctx.facts.indicators),
        projects=list(ctx.facts.projects),
        achievements=lists["achievements"],
        problems=lists["problems"],
        plans=lists["plans"],
    )
