"""Summaries as claims: free text (Markdown or plain) split into sentences, or our JSON; both checked.

`verify_any` is what `summarizer verify` and the app's check page call.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from ..errors import InputError
from ..schema import Claim, ReportSummary, Verification
from .align import (
    normalize_for_match,
)
from .check import ClaimSource, check_claims, verify_summary

if TYPE_CHECKING:
    pass


class JudgeRun(BaseModel):
    """What a model judge did for a result (`verify --judge`): the model, its calls and failures, time."""

    model: str | None = None
    calls: int = 0
    failed_calls: int = 0
    seconds: float = 0.0


class FreeTextResult(BaseModel):
    """The claims of a summary (free text or our JSON) with their checks, and the totals."""

    claims: list[Claim] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    judge: JudgeRun | None = None


# Markdown decorations stripped from free text; headings are not claims.
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_MD_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)、]|[（(]?[一二三四五六七八九十]{1,3}[)）、])\s*")
_MD_QUOTE = re.compile(r"^\s*>+\s?")
_MD_EMPHASIS = re.compile(r"\*\*|__|`|~~")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_SENTENCE_END = re.compile(r"[。！？!?；;]+")
# A short line that ends with a colon introduces a list: a heading, not a claim.
_LEAD_IN = re.compile(r"^.{0,24}[:：]$")


def split_free_text(text: str) -> list[str]:
    """The sentences of a free-text summary that make claims (Markdown decorations stripped).

    >>> split_free_text("# 摘要\\n- **经济**：地区生产总值83.98亿元。增长2.3%！")
    ['经济：地区生产总值83.98亿元', '增长2.3%']
    """
    sentences: list[str] = []
    for raw_line in text.splitlines():
        if _MD_HEADING.match(raw_line) or _TABLE_RULE.match(raw_line):
            continue
        line = _MD_EMPHASIS.sub("", _MD_LIST.sub("", _MD_QUOTE.sub("", raw_line), count=1)).strip()
        line = line.strip("|").strip()
        if not line or _LEAD_IN.match(line):
            continue
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip(" \t\u3000，,、")
            if normalize_for_match(piece):
                sentences.append(piece)
    return sentences


def verify_free_text(original: str, text: str) -> FreeTextResult:
    """Check a free-text summary (Markdown or plain) sentence by sentence against `original`."""
    source = ClaimSource(original)
    claims = [Claim(id=f"s{n}", text=sentence) for n, sentence in enumerate(split_free_text(text), 1)]
    checked, verification = check_claims(source, claims)
    return FreeTextResult(claims=checked, verification=verification)


def verify_any(original: str, summary_text: str) -> FreeTextResult:
    """Check our `ReportSummary` JSON, or else any free text, against `original`.

    Text that parses as a JSON object must be a valid `ReportSummary`; anything
    else is read as free text.
    """
    stripped = summary_text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            try:
                summary = ReportSummary.model_validate(data)
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "summary"
                raise InputError(
                    f"摘要 JSON 不符合格式（{where}）：{first['msg']}",
                    f"summary JSON does not fit the schema at {where}: {first['msg']}",
                ) from e
            verified = verify_summary(original, summary)
            return FreeTextResult(claims=verified.all_claims(), verification=verified.verification)
    if not normalize_for_match(summary_text):
        raise InputError("摘要为空", "the summary is empty")
    return verify_free_text(original, summary_text)
