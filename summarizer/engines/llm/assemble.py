"""Assembling the LLM engine's checked answers into a `ReportSummary`.

The chunk answers arrive per section asked (`plan.Ask`); a sentence goes to the
deepest section, among the one asked and its level-2 children, that holds its
first quote.  A section any of whose chunks failed is summarized by the
extractive engine instead (`Extractor.section_claims`), listed in `engine.fallbacks` and
announced by an `llm_fallback` warning; a failed reduce likewise takes the
extractive overview, meta and lists.  Meta fields the model left null or could
not ground are filled by the rule-based `extract_meta`, keywords by the
extractive ranking.  Every claim says who wrote it (`Claim.author`), and the
engine block counts them.
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
from .plan import Plan

# Report-level claim ids, the same prefixes as the extractive engine's.
LIST_PREFIXES = {"overview": "o", "achievements": "a", "problems": "p", "plans": "l"}
# The deepest section level that `chunk_sections` cuts at.
CHUNK_LEVEL = 2


@dataclass(frozen=True)
class ChunkResult:
    sections: dict[str, list[CheckedSentence]]  # by the section id asked
    lists: dict[str, list[CheckedSentence]] | None  # the report lists, when the one pass wrote them


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
        author="model",
    )


def _by_extractor(claims: list[Claim]) -> list[Claim]:
    return [c.model_copy(update={"author": "extractive"}) for c in claims]


def _anchor(ctx: ReportContext, sentence: CheckedSentence) -> int | None:
    """Clean position of a sentence: its first located quote, else its first evidence (a fact)."""
    if sentence.anchor is not None:
        return sentence.anchor
    return ctx.norm.clean.to_clean(sentence.evidence[0].start) if sentence.evidence else None


def failure_warning(
    error: LLMError, section: Section | None, *, what: tuple[str, str] | None = None
) -> SourceWarning:
    """The `llm_fallback` warning of a failed call: for `section`, for the report lists (None), or for
    `what` (Chinese, English) the call was doing."""
    # The error's own message is already free of secrets (errors.py promise); keep it to one line.
    reason_zh, reason_en = error.zh.splitlines()[0][:120], error.en.splitlines()[0][:160]
    if what is not None:
        zh = f"{what[0]}失败（{reason_zh}），这些句子保留原文"
        en = f"{what[1]} failed ({reason_en}); those sentences stay as the source has them"
    elif section is None:
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
    plan: Plan,
    chunk_results: list[ChunkResult | LLMError],
    reduce_result: ReduceResult | LLMError,
    engine: Engine,
) -> ReportSummary:
    nodes = {n.id: n for n in ctx.nodes}
    failures: dict[str, LLMError] = {}
    sentences: dict[str, list[CheckedSentence]] = {}
    for call, result in zip(plan.calls, chunk_results, strict=True):
        if isinstance(result, LLMError):
            for sid in call.chunk.section_ids:
                if sid in nodes:
                    failures.setdefault(sid, result)
            continue
        for ask in call.asks:
            asked = nodes.get(ask.section_id)
            if asked is None:
                continue
            # The sentences summarize the section asked and its level-2 parts, not the 一是/1. items inside.
            owners = [asked] + [n for n in ctx.nodes if n.parent_id == asked.id and n.level <= CHUNK_LEVEL]
            by_position = SectionIndex(owners)
            for sentence in result.sections.get(ask.section_id, []):
                owner = by_position.deepest(_anchor(ctx, sentence)) or asked
                sentences.setdefault(owner.id, []).append(sentence)

    warnings: list[SourceWarning] = []
    extractor = Extractor(ctx)  # keywords always; summaries where a call failed
    sections = build_sections(ctx)
    for section in sections:
        node = nodes[section.id]
        section.keywords = extractor.section_keywords(node)[:8]
        if section.id in failures:
            section.summary = _by_extractor(extractor.section_claims(node))
            engine.fallbacks.append(section.id)
            warnings.append(failure_warning(failures[section.id], section))
            continue
        own = sentences.get(section.id, [])
        section.summary = [claim_of(f"s{section.id}-{i}", s, section.id) for i, s in enumerate(own, 1)]

    lists: dict[str, list[Claim]]
    if isinstance(reduce_result, LLMError):
        base = summarize_extractive(ctx, settings, extractor=extractor)
        meta = base.meta
        lists = {"overview": base.overview, "achievements": base.achievements}
        lists |= {"problems": base.problems, "plans": base.plans}
        lists = {name: _by_extractor(claims) for name, claims in lists.items()}
        engine.fallbacks.append("reduce")
        warnings.append(failure_warning(reduce_result, None))
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
                holder = by_position.deepest(_anchor(ctx, sentence))
                lists[name].append(claim_of(f"{prefix}-{i}", sentence, holder.id if holder else None))

    summary = ReportSummary(
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
    claims = summary.all_claims()
    summary.engine.model_claims = sum(c.author == "model" for c in claims)
    summary.engine.fallback_claims = sum(c.author == "extractive" for c in claims)
    return summary
