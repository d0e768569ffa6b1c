"""The model judge: an entailment verdict for each checked claim, from the model, beside the rules'.

`summarizer verify --judge` and the app's check page send, for each section of
a summary (free text: each part of the report its claims' evidence is in), one
call holding every claim of the section with the evidence the checker
retrieved for it (prompts/judge_v1.md); the calls go at once, up to
`settings.concurrency`.
The model answers supported, contradicted or not_stated with a one-line reason.

The rules win: a claim they flagged stays flagged whatever the model says (a
wrong figure or modality is wrong).  A claim they passed is lowered when the
model disagrees: to `unsupported` for contradicted, to `partial` for
not_stated.  Both verdicts stay on the claim (`rules_support`, `judge`).  A
failed call leaves its claims as the rules left them, and says so.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ...config import Settings
from ...errors import LLMError
from ...schema import SUPPORT_SEVERITY, Claim, JudgeVerdict, Support
from .answer import strict_json_schema
from .client import ChatClient, LLMClient
from .prompts import load_prompt, neutralise_delimiters

__all__ = ["JUDGE_PROMPT", "JudgeOutcome", "judge_claims", "judge_claims_async"]

JUDGE_PROMPT = "judge_v1"
# Tokens asked of the model per claim judged: a verdict and a short reason.
TOKENS_PER_CLAIM = 80
_QUOTE_CHARS = 400  # of each evidence passage shown to the model
_LOWERED: dict[str, Support] = {"contradicted": "unsupported", "not_stated": "partial"}


class _Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    verdict: Literal["supported", "contradicted", "not_stated"]
    reason: str


class JudgeAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdicts: list[_Verdict]


JUDGE_SCHEMA = strict_json_schema(JudgeAnswer)


class JudgeOutcome(BaseModel):
    """The claims with the judge's verdicts, and the calls it made and failed."""

    claims: list[Claim]
    calls: int = 0
    failed_groups: int = 0
    seconds: float = 0.0


def _claims_block(claims: Sequence[Claim]) -> str:
    """The claims of one call, numbered c1, c2, … (short ids a small model copies back right)."""
    lines = []
    for n, claim in enumerate(claims, 1):
        lines.append(f"[c{n}] 摘要句：{neutralise_delimiters(claim.text)}")
        for n, span in enumerate(claim.evidence, 1):
            lines.append(f"    依据{n}：{neutralise_delimiters(span.quote[:_QUOTE_CHARS])}")
        if not claim.evidence:
            lines.append("    依据：（原文中没有找到）")
    return "\n".join(lines)


def _paired(group: Sequence[Claim], items: Sequence[_Verdict]) -> list[tuple[str, _Verdict]]:
    """Each verdict with the claim it is for: by its id (c1, c2, …); small models also write the
    claim's text as its id, or drop the ids: then by that text, or by order when every claim has one."""
    ids = {f"c{n}": c.id for n, c in enumerate(group, 1)}
    by_text = {c.text.strip("。 "): c.id for c in group}
    pairs = []
    for position, item in enumerate(items):
        key = item.id.strip().strip("[]").lower()
        claim_id = ids.get(key) or by_text.get(item.id.strip().strip("。 "))
        if claim_id is None and len(items) == len(group):
            claim_id = group[position].id
        if claim_id is not None:
            pairs.append((claim_id, item))
    return pairs


def _combined(claim: Claim, verdict: JudgeVerdict) -> Claim:
    """The claim with the judge's verdict; the rules' label wins unless the model's is worse."""
    lowered = _LOWERED.get(verdict.verdict, claim.support)
    support = lowered if SUPPORT_SEVERITY[lowered] > SUPPORT_SEVERITY[claim.support] else claim.support
    return claim.model_copy(update={"judge": verdict, "rules_support": claim.support, "support": support})


async def judge_claims_async(
    claims: Sequence[Claim],
    settings: Settings,
    *,
    sections: dict[str, str] | None = None,
    client: ChatClient | None = None,
) -> JudgeOutcome:
    """Judge `claims` (already checked by the rules), one call per section; see the module docstring.

    `sections` maps a claim id to its section (default: the claim's `section_id`).
    """
    started = time.perf_counter()
    prompt = load_prompt(JUDGE_PROMPT)
    groups: dict[str | None, list[Claim]] = defaultdict(list)
    for claim in claims:
        groups[(sections or {}).get(claim.id, claim.section_id)].append(claim)
    verdicts: dict[str, JudgeVerdict] = {}
    semaphore = asyncio.Semaphore(settings.call_limit)  # the sections' calls go at once, up to this many

    own = None
    if client is None:
        own = client = LLMClient(settings, cache=None)  # raises ConfigError: no endpoint configured
    chat: ChatClient = client

    async def ask(group: list[Claim]) -> bool:
        """One section's call; its verdicts into `verdicts`; False if it failed."""
        try:
            async with semaphore:
                reply = await chat.chat_json(
                    prompt.messages(claims=_claims_block(group)),
                    schema=JUDGE_SCHEMA,
                    schema_name="judge_answer",
                    max_tokens=max(256, TOKENS_PER_CLAIM * len(group)),
                )
            answer = JudgeAnswer.model_validate(reply.data)
        except (LLMError, ValueError):
            return False
        for claim_id, item in _paired(group, answer.verdicts):
            verdicts.setdefault(
                claim_id,
                JudgeVerdict(
                    verdict=item.verdict,
                    reason=item.reason.strip()[:200],
                    model=settings.model,
                    prompt_version=prompt.version,
                ),
            )
        return True

    try:
        answered = await asyncio.gather(*(ask(group) for group in groups.values()))
    finally:
        if own is not None:
            await own.aclose()
    calls, failed = len(answered), answered.count(False)
    judged = [_combined(c, verdicts[c.id]) if c.id in verdicts else c for c in claims]
    return JudgeOutcome(
        claims=judged, calls=calls, failed_groups=failed, seconds=round(time.perf_counter() - started, 3)
    )


def judge_claims(
    claims: Sequence[Claim], settings: Settings, *, sections: dict[str, str] | None = None
) -> JudgeOutcome:
    """The synchronous face of `judge_claims_async` (its own loop in a thread inside a running loop)."""
    run = judge_claims_async(claims, settings, sections=sections)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-judge") as pool:
        return pool.submit(asyncio.run, run).result()
