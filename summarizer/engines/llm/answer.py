"""What the model is asked to fill, and the checks of its answer against the source.

The answer schema is deliberately small and separate from the output contract
(`schema.py`): the model writes sentences in its own words, cites verbatim
quotes and fact ids, and never gives offsets.  We compute every span ourselves
by locating each quote in the original text of the section it came from
(`align.SourceText`: exactly, then normalized, then fuzzily), and we check
every figure of a sentence against its quotes and cited facts.  The problems
found are phrased as short Chinese lines that the engine sends back when it
re-asks the model.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ...facts.numbers import Figure, find_figures, same_quantity
from ...schema import AdminLevel, Span
from ...text.offsets import CleanText
from ...text.sentences import split_sentences
from ...verification.align import SourceText, normalize_for_match

# ---------------------------------------------------------------------------
# The answer schema
# ---------------------------------------------------------------------------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerSentence(_Answer):
    text: str
    quotes: list[str]
    fact_ids: list[str]

    @field_validator("quotes", "fact_ids", mode="before")
    @classmethod
    def _one_string_is_a_list(cls, value: Any) -> Any:
        # Small models often give a single quote as a bare string; that is not worth a re-ask.
        return [value] if isinstance(value, str) else value


class ShortSentence(_Answer):
    """A summary sentence as the summary-v4 calls ask for it: the text and one verbatim quote."""

    text: str
    quote: str

    def as_answer(self) -> AnswerSentence:
        quote = self.quote.strip()
        return AnswerSentence(text=self.text, quotes=[quote] if quote else [], fact_ids=[])


def keyed_schema(counts: Mapping[str, int | None], item: dict[str, Any]) -> dict[str, Any]:
    """An object with one required key per entry: an array of 1 to n `item`s (None: the item itself)."""
    properties: dict[str, Any] = {}
    for key, n in counts.items():
        properties[key] = (
            item if n is None else {"type": "array", "items": item, "minItems": 1, "maxItems": n}
        )
    return {
        "type": "object",
        "properties": properties,
        "required": list(counts),
        "additionalProperties": False,
    }


class MetaAnswerField(_Answer):
    value: str
    quote: str


class MetaAnswer(_Answer):
    title: MetaAnswerField | None
    place: MetaAnswerField | None
    admin_level: MetaAnswerField | None
    meeting: MetaAnswerField | None
    date: MetaAnswerField | None
    speaker: MetaAnswerField | None
    review_period: MetaAnswerField | None
    plan_period: MetaAnswerField | None


class ReduceAnswer(_Answer):
    """The reduce answer: the report-level overview, lists and meta."""

    meta: MetaAnswer
    overview: list[AnswerSentence]
    achievements: list[AnswerSentence]
    problems: list[AnswerSentence]
    plans: list[AnswerSentence]


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A self-contained JSON schema for `model` that strict structured-output modes accept.

    Every property is required, optional values are nullable instead, objects
    forbid extra keys, `$ref`s are inlined and titles dropped (shorter when the
    schema is pasted into the prompt in `json_object` mode).
    """
    raw = model.model_json_schema()
    defs: dict[str, Any] = raw.pop("$defs", {})

    def resolve(node: Any, *, names: bool = False) -> Any:
        # `names`: the keys of this dict are property names ("title" is a meta field), not keywords.
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]))
            if names:
                return {k: resolve(v) for k, v in node.items()}
            out = {
                k: resolve(v, names=k == "properties")
                for k, v in node.items()
                if k not in ("title", "default", "description")
            }
            if out.get("type") == "object":
                out["additionalProperties"] = False
                out["required"] = list(out.get("properties", {}))
            return out
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    schema: dict[str, Any] = resolve(raw)
    return schema


def schema_problems(error: ValidationError, limit: int = 6) -> list[str]:
    """The validation errors of an answer as short lines for the re-ask message."""
    lines = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(根)"
        lines.append(f"字段 {where}：{item['msg']}")
    return lines


# ---------------------------------------------------------------------------
# Locating quotes
# ---------------------------------------------------------------------------

_QUOTE_TRIM = " \t\r\n\"'“”‘’「」『』《》…"


@dataclass(frozen=True)
class SourceScope:
    """The part of the report a model answer may quote from: a clean range of it.

    Quotes are aligned with `align.SourceText` (exact, normalized, fuzzy) on the
    original text of the range only, so a quote is never credited to another
    section that happens to say the same.
    """

    clean: CleanText
    start: int
    end: int
    original_start: int
    source: SourceText = field(repr=False)

    @classmethod
    def of(cls, clean: CleanText, start: int, end: int) -> SourceScope:
        o_start, o_end = clean.to_original(start, end)
        return cls(clean, start, end, o_start, SourceText(clean.original[o_start:o_end]))

    @cached_property
    def _line_range(self) -> tuple[int, int]:
        """The clean range of the whole lines the scope touches."""
        text = self.clean.text
        end = text.find("\n", self.end)
        return text.rfind("\n", 0, self.start) + 1, len(text) if end < 0 else end

    @cached_property
    def sentences(self) -> list[str]:
        """The sentences (clean text) of the lines the scope touches, whole even where the scope holds
        only a clause of one: for telling a summary from a copy of a sentence."""
        text = self.clean.text
        start, end = self._line_range
        return [text[a:b].strip() for a, b in split_sentences(text, start, end) if text[a:b].strip()]

    @cached_property
    def lines(self) -> list[str]:
        """The whole lines of the clean text that the scope touches (a sentence's scope: its line)."""
        start, end = self._line_range
        return self.clean.text[start:end].splitlines()

    def contains(self, phrase: str) -> bool:
        needle = normalize_for_match(phrase)
        return bool(needle) and needle in self.source.normalized

    def locate(self, quote: str) -> tuple[list[Span], int | None]:
        """Original spans of `quote` inside the scope, and its clean start; ([], None) when absent.

        The spans always quote the source itself, even when the model's quote
        was only a near match, and they leave out removed text (spam, page
        markers) in the middle, like every other claim evidence.
        """
        alignment = self.source.align(quote.strip(_QUOTE_TRIM))
        if alignment is None:
            return [], None
        original = self.clean.original
        start = self.original_start + alignment.span.start
        end = self.original_start + alignment.span.end
        clean_start, clean_end = self.clean.to_clean(start), self.clean.to_clean(end)
        if clean_start >= clean_end:
            return [Span.of(original, start, end)], None
        return self.clean.spans(clean_start, clean_end), clean_start


# ---------------------------------------------------------------------------
# Checking sentences
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FactRef:
    """A pre-extracted fact as the model sees it: its prompt id, evidence and figures."""

    prompt_id: str
    evidence: Span
    figures: tuple[Figure, ...]


@dataclass
class CheckedSentence:
    """A model sentence with the spans we found for it and what is wrong with it."""

    text: str
    evidence: list[Span]
    fact_ids: list[str]
    anchor: int | None  # clean position of its first located quote, to place it in a section
    problems: list[str]
    ungrounded_figures: list[str]


_YEAR = re.compile(r"^(19|20)\d\d年?$")


def _grounded(figure: Figure, evidence_figures: list[Figure]) -> bool:
    return any(same_quantity(figure, other) for other in evidence_figures)


def check_sentence(
    sentence: AnswerSentence, scope: SourceScope, facts: Mapping[str, FactRef], label: str
) -> CheckedSentence:
    """Locate the quotes of one sentence and check its fact ids and figures.

    A figure counts as grounded when one of the located quotes or cited facts
    states the same quantity (`numbers.same_quantity`); a bare year only needs
    to appear in the scope.
    """
    problems: list[str] = []
    evidence: list[Span] = []
    anchor: int | None = None
    for quote in sentence.quotes:
        spans, at = scope.locate(quote)
        if not spans:
            problems.append(f"{label}的引文「{quote[:40]}」在报告原文中找不到：引文必须逐字复制原文。")
            continue
        evidence.extend(spans)
        anchor = at if anchor is None else anchor
    known_ids: list[str] = []
    for fact_id in sentence.fact_ids:
        fact = facts.get(fact_id.strip().strip("[]"))
        if fact is None:
            problems.append(f"{label}引用了不存在的事实编号 {fact_id}：只能用事实清单里的编号。")
            continue
        known_ids.append(fact.prompt_id)
        evidence.append(fact.evidence)
    evidence_figures: list[Figure] = [f for span in evidence for f in find_figures(span.quote)]
    for fact_id in known_ids:
        evidence_figures.extend(facts[fact_id].figures)
    ungrounded: list[str] = []
    for figure in find_figures(sentence.text):
        if figure.value is None or _grounded(figure, evidence_figures):
            continue
        if _YEAR.match(figure.raw.strip()) and scope.contains(figure.raw):
            continue
        ungrounded.append(figure.raw)
        problems.append(
            f"{label}中的数字“{figure.raw}”不在它的引文或所引事实中：删去这个数字，或加上含有它的原文引文。"
        )
    if not sentence.quotes and not known_ids:
        problems.append(f"{label}没有任何引文：至少给出一段逐字复制的原文。")
    return CheckedSentence(
        text=sentence.text.strip(),
        evidence=_unique_spans(evidence),
        fact_ids=known_ids,
        anchor=anchor,
        problems=problems,
        ungrounded_figures=ungrounded,
    )


def _unique_spans(spans: list[Span]) -> list[Span]:
    seen: set[tuple[int, int]] = set()
    out = []
    for span in spans:
        if (span.start, span.end) not in seen and span.end > span.start:
            seen.add((span.start, span.end))
            out.append(span)
    return out


# A claim whose similarity to one source sentence reaches this is a copy, not a summary.
COPY_SIMILARITY = 0.9
_EDGE_PUNCT = "。；;，,！!？? \t\n"


def copy_similarity(text: str, sentences: Sequence[str]) -> float:
    """The highest difflib similarity (2·matched / both lengths) of `text` to one of `sentences`.

    >>> copy_similarity("全年完成投资3.2亿元。", ["全年完成投资3.2亿元，同比增长8.5%。", "粮食稳定。"]) < 0.9
    True
    """
    claim = text.strip(_EDGE_PUNCT)
    best = 0.0
    for sentence in sentences:
        matcher = SequenceMatcher(None, claim, sentence.strip(_EDGE_PUNCT), autojunk=False)
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
    return best


def is_copy(text: str, sentences: Sequence[str]) -> bool:
    return copy_similarity(text, sentences) >= COPY_SIMILARITY


# What a summary sentence must be: short (the prompt asks for 15 to 40 characters), and more than a heading.
MAX_SUMMARY_CHARS = 60
MIN_SUMMARY_CHARS = 8
# A paragraph's first sentence this short and without a figure, with more after it, is its lead phrase
# ("精准精细扩大招引力度。围绕……"): it names a topic and says nothing a reader can check.
LEAD_PHRASE_CHARS = 24
_SENTENCE_ENDS = ("。", "！", "？", "；", ";", "!", "?")


def form_problems(text: str, scope: SourceScope) -> list[str]:
    """What makes `text` no summary sentence at all: too long (a pasted paragraph), too short, a bare heading
    or lead phrase."""
    core = text.strip(_EDGE_PUNCT)
    if len(core) > MAX_SUMMARY_CHARS:
        return [f"这句有 {len(core)} 个字，是照抄的整段原文：请压缩概括成 15 到 40 个字的一句话。"]
    if len(core) < MIN_SUMMARY_CHARS:
        return ["这句太短，只是一个标题或词组：请写出这一节讲的具体工作或数字。"]
    topic = topic_only(core, scope)
    if topic == "heading":
        return ["这句只是照抄了标题：请写出这一节讲的具体工作、成绩或安排。"]
    if topic == "lead":
        return ["这句只是照抄了一个小标题或引导语，没有具体内容：请写出这一节讲的具体工作、数字或安排。"]
    return []


def topic_only(text: str, scope: SourceScope) -> str | None:
    """ "heading" when `text` is (part of) a heading line, "lead" when it is a paragraph's lead phrase:
    words that name a topic and say nothing a reader can check; else None."""
    core = text.strip(_EDGE_PUNCT)
    # A heading: a short line that does not end a sentence ("2024年工作安排", "主要做了以下工作:").
    headings = {
        line.strip(_EDGE_PUNCT)
        for line in scope.lines
        if len(line.strip()) <= 30 and not line.strip().endswith(_SENTENCE_ENDS)
    }
    if any(core == heading or core in heading for heading in headings if heading):
        return "heading"
    if (
        len(core) <= LEAD_PHRASE_CHARS
        and not any(ch.isdigit() for ch in core)
        and _opens_a_paragraph(core, scope)
    ):
        return "lead"
    return None


def _opens_a_paragraph(core: str, scope: SourceScope) -> bool:
    """Whether `core` is (nearly) the whole first sentence of a paragraph that goes on after it."""
    for line in scope.lines:
        line = line.strip()
        end = min((i for i in (line.find(mark) for mark in _SENTENCE_ENDS) if i >= 0), default=-1)
        if end < 0 or len(line) <= end + 2:
            continue  # one sentence only: the paragraph is that sentence, not a topic before details
        first = line[:end].strip(_EDGE_PUNCT)
        if first and SequenceMatcher(None, core, first, autojunk=False).ratio() >= COPY_SIMILARITY:
            return True
    return False


# ---------------------------------------------------------------------------
# Checking meta
# ---------------------------------------------------------------------------

_ADMIN_LEVELS: frozenset[str] = frozenset(AdminLevel.__args__)  # type: ignore[attr-defined]
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class CheckedMeta:
    name: str
    value: str
    evidence: Span


def check_meta_field(
    name: str, answer: MetaAnswerField | None, scope: SourceScope
) -> tuple[CheckedMeta | None, str | None]:
    """A meta value with the span of its quote, or the problem that rules it out.

    The value must be backed by its quote: it appears in it (a date's year,
    month and day appear in it; an admin level is one of the allowed ones and
    appears in it).  Anything else is a guess, and unknown is null.
    """
    if answer is None or not answer.value.strip():
        return None, None
    value = answer.value.strip()
    spans, _ = scope.locate(answer.quote)
    if not spans:
        return None, f"meta.{name} 的引文「{answer.quote[:40]}」在原文中找不到。"
    quoted = normalize_for_match("".join(s.quote for s in spans))
    if name == "date":
        match = _ISO_DATE.match(value)
        if match is None:
            return None, f"meta.date 必须写成 YYYY-MM-DD，而不是“{value}”。"
        year, month, day = (int(g) for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            return None, f"meta.date “{value}” 不是有效日期。"
        digits = [int(d) for d in re.findall(r"\d+", quoted)]
        if not all(part in digits for part in (year, month, day)):
            return None, f"meta.date “{value}” 与其引文不符。"
        value = f"{year:04d}-{month:02d}-{day:02d}"
    elif name == "admin_level" and value not in _ADMIN_LEVELS:
        return None, f"meta.admin_level 只能是 {'/'.join(sorted(_ADMIN_LEVELS))} 之一或 null。"
    if name != "date" and normalize_for_match(value) not in quoted:
        return None, f"meta.{name} 的值“{value}”没有出现在其引文中。"
    return CheckedMeta(name, value, spans[0]), None


def keywords_in_scope(keywords: list[str], scope: SourceScope, limit: int = 8) -> list[str]:
    """The model's keywords that the scope really contains, deduplicated, at most `limit`."""
    out: list[str] = []
    for word in keywords:
        word = word.strip()
        if word and word not in out and scope.contains(word):
            out.append(word)
    return out[:limit]
