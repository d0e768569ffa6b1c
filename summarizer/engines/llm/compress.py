"""The compress design: the rules pick each section's key sentences, the model compresses them.

    extractive summary (sections of levels 1-2, overview, achievements, problems, plans: the rules' picks)
      └─ its distinct sentences, in calls of at most `COMPRESS_BATCH` ─► the model writes one short
         sentence for each ([s1] …), each taken as the compression of the sentence it has most of
         ─► each checked against its own source sentence, as the verifier will (asking.py:
         quotes, figures, form, the verifier's rules, copies)
             └─ failed ─► one short re-ask with the source sentence beside it
         a call whose answer is no JSON even after its re-asks ─► asked again in two halves, once
    a sentence the model could not write faithfully keeps the source sentence (author "extractive")

It is the default for a local endpoint (`Settings.effective_strategy`): a small
model reading a whole report restates targets as results, parrots its
instructions and copies headings, but it compresses one given sentence well.
Structure, lists and evidence come from the rules; every sentence the reader
sees is the model's where the model got it right.  The calls hold only the
picked sentences, so a report costs far less prefill than one pass over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Protocol

from ...config import Settings
from ...errors import LLMBadOutput, LLMError, LLMTruncated
from ...schema import Claim, ReportSummary, SourceWarning
from ..base import ReportContext
from ..extractive.engine import summarize_extractive
from .answer import AnswerSentence, CheckedSentence, SourceScope, keyed_schema, topic_only
from .asking import Asker, Question, Read
from .assemble import CHUNK_LEVEL, failure_warning
from .prompts import PromptTemplate, neutralise_delimiters


class _Run(Protocol):
    """What compressing needs of the engine's run (`engine._LLMRun`)."""

    ctx: ReportContext
    settings: Settings
    asker: Asker
    compress_prompt: PromptTemplate
    unsummarized: set[str]
    topics: set[str]
    failed_sections: list[str]
    total: int

    def verdict(self, key: str, sentence: CheckedSentence) -> list[str]: ...

    def _tick(self) -> None: ...


COMPRESS_BATCH = 12  # sentences per call: a small model keeps a short list aligned with its keys
MIN_HALF = 3  # a failed call of at least twice this many sentences is asked again in halves
# An answer belongs to the sentence holding at least this share of its characters (in order).
MIN_SHARE = 0.6
PER_COMPRESSED_TOKENS = 80  # output tokens per compressed sentence: at most MAX_CHARS and its key
ANSWER_OVERHEAD_TOKENS = 40
# A compressed sentence is 15-40 characters; a server that constrains decoding to the schema (llama.cpp)
# stops a runaway one here, so one answer cannot repeat itself up to the token limit (seen: 1,520
# tokens of repetition, then a second truncation and a failed call).
MAX_CHARS = 80
STRING_SCHEMA: dict[str, Any] = {"type": "string", "maxLength": MAX_CHARS}


@dataclass(frozen=True)
class Pick:
    """One sentence the rules picked: its key in the call, its text, where it is, whose section it is."""

    key: str
    claim: Claim
    scope: SourceScope


def _share_of(text: str, source: str) -> float:
    """How much of `text` is in `source`, in order: a compression is mostly its source's characters."""
    matcher = SequenceMatcher(None, text, source, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(text))


def _tidy(text: str) -> str:
    """A compressed sentence without the JSON a small model writes into it at the end (”, or ",).

    >>> _tidy('力争新增规上企业1家。”,'), _tidy('涌山村获评“全国文明村”')
    ('力争新增规上企业1家。', '涌山村获评“全国文明村”')
    """
    text = text.strip().rstrip(",，").rstrip()
    while text.endswith("”") and text.count("”") > text.count("“"):
        text = text[:-1].rstrip()
    if text.endswith('"') and text.count('"') % 2:
        text = text[:-1].rstrip()
    return text


def compress_budget(sentences: int, cap: int | None) -> int:
    budget = ANSWER_OVERHEAD_TOKENS + PER_COMPRESSED_TOKENS * max(1, sentences)
    return min(budget, cap) if cap is not None else budget


def _outline_level(summary: ReportSummary) -> ReportSummary:
    """The rules' summary without the claims of sections below level 2 (the 一是/1. items): the reading
    strategies write for levels 1-2 only, and the rules summarize every item, most of a report."""
    sections = [
        s if s.level <= CHUNK_LEVEL else s.model_copy(update={"summary": []}) for s in summary.sections
    ]
    return summary.model_copy(update={"sections": sections})


def picks_of(run: _Run, summary: ReportSummary) -> list[Pick]:
    """The distinct claims of the extractive summary that quote the source, in output order."""
    clean = run.ctx.norm.clean
    seen: set[str] = set()
    picks: list[Pick] = []
    for claim in summary.all_claims():
        if claim.text in seen or not claim.evidence or claim.section_id in run.unsummarized:
            continue
        seen.add(claim.text)
        start = clean.to_clean(claim.evidence[0].start)
        end = clean.to_clean(claim.evidence[-1].end)
        if end <= start:
            continue
        scope = SourceScope.of(clean, start, end)
        if topic_only(claim.text, scope):
            run.topics.add(claim.text)  # a heading or a lead phrase: nothing to compress, nothing to keep
            continue
        picks.append(Pick(f"s{len(picks) + 1}", claim, scope))
    return picks


def compress_question(run: _Run, batch: list[Pick]) -> Question:
    by_key = {p.key: p for p in batch}
    lines = "\n".join(f"[{p.key}] {p.claim.text}" for p in batch)

    def read(data: dict[str, Any]) -> Read:
        # A small model drifts along a list: the answer under "s3" may compress s4's sentence, or merge
        # two.  So every answer is scored against every sentence (most of the answer in the sentence,
        # then its own key, then most of the sentence in the answer) and matched greedily, each answer
        # and each sentence once, whatever the keys say.
        answers = [(k, v) for k, v in data.items() if isinstance(v, str) and v.strip()]
        scored = sorted(
            (
                (
                    round(_share_of(value, p.claim.text), 2),
                    p.key == answered_key,
                    _share_of(p.claim.text, value),
                ),
                n,
                p.key,
            )
            for n, (answered_key, value) in enumerate(answers)
            for p in batch
        )
        best: dict[str, tuple[tuple[float, bool, float], str]] = {}
        used: set[int] = set()
        for score, n, key in reversed(scored):
            if score[0] >= MIN_SHARE and n not in used and key not in best:
                best[key] = (score, answers[n][1])
                used.add(n)
        return [(key, read_item(key, best[key][1])) for key in by_key if key in best], {}

    def read_item(key: str, value: Any) -> AnswerSentence:
        text = _tidy(value) if isinstance(value, str) else ""
        return AnswerSentence(text=text, quotes=[by_key[key].claim.text], fact_ids=[])

    def verdict(key: str, sentence: CheckedSentence) -> list[str]:
        return run.verdict(by_key[key].claim.section_id or key, sentence)

    return Question(
        kind="compress",
        messages=[
            {"role": "system", "content": run.compress_prompt.system},
            {
                "role": "user",
                "content": run.compress_prompt.fill("user", sentences=neutralise_delimiters(lines)),
            },
        ],
        schema=keyed_schema({key: None for key in by_key}, STRING_SCHEMA),
        max_tokens=compress_budget(len(batch), run.settings.max_output_tokens),
        read=read,
        scope_of=lambda key: by_key[key].scope,
        item_schema=STRING_SCHEMA,
        read_item=read_item,
        verdict=verdict,
        reask=run.compress_prompt,
    )


async def _ask_halving(run: _Run, batch: list[Pick]) -> dict[str, list[CheckedSentence]]:
    """The checked answers for `batch`; a call whose answers stay unusable (no JSON after its re-asks)
    is asked again as two halves, once: a small model that loses its way in a list of twelve often
    manages six.  Raises LLMError when the halves fail too."""
    try:
        return (await run.asker.ask(compress_question(run, batch))).sentences
    except (LLMBadOutput, LLMTruncated):
        if len(batch) < 2 * MIN_HALF:
            raise
    half = len(batch) // 2
    answers: dict[str, list[CheckedSentence]] = {}
    for part in (batch[:half], batch[half:]):
        answers |= (await run.asker.ask(compress_question(run, part))).sentences
    return answers


async def compress_summary(run: _Run) -> tuple[ReportSummary, list[SourceWarning]]:
    """The extractive summary with each sentence compressed by the model where it passed our checks."""
    base = _outline_level(summarize_extractive(run.ctx, run.settings))
    picks = picks_of(run, base)
    batches = [picks[i : i + COMPRESS_BATCH] for i in range(0, len(picks), COMPRESS_BATCH)]
    run.total = len(batches)
    written: dict[str, CheckedSentence] = {}
    warnings: list[SourceWarning] = []
    failed_sections: list[str] = []
    for batch in batches:
        try:
            answers = await _ask_halving(run, batch)
        except LLMError as error:
            touched = {p.claim.section_id for p in batch if p.claim.section_id}
            failed_sections.extend(sorted(touched - set(failed_sections)))
            warnings.append(
                failure_warning(error, None, what=("所选句子的压缩", "compressing the picked sentences"))
            )
            continue
        finally:
            run._tick()
        for pick in batch:
            clean = [s for s in answers.get(pick.key, []) if not s.problems]
            if clean:
                written[pick.claim.text] = clean[0]

    def rewrite(claim: Claim) -> Claim:
        sentence = written.get(claim.text)
        if sentence is None:  # the model's sentence failed our checks, or its call failed: the source's
            return claim.model_copy(update={"author": "extractive"})
        # Its evidence is its source sentence, as the rules located it.
        return claim.model_copy(update={"text": sentence.text, "author": "model"})

    def rewritten(claims: list[Claim]) -> list[Claim]:
        # The title, date and rally are not summarized; a heading or lead phrase the rules picked says
        # nothing a reader can check and is left out.
        return [
            rewrite(c) for c in claims if c.section_id not in run.unsummarized and c.text not in run.topics
        ]

    sections = [s.model_copy(update={"summary": rewritten(s.summary)}) for s in base.sections]
    update: dict[str, Any] = {"sections": sections}
    for name in ("overview", "achievements", "problems", "plans"):
        update[name] = rewritten(getattr(base, name))
    run.failed_sections = failed_sections
    return base.model_copy(update=update), warnings
