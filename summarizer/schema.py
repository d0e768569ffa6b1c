"""The output contract: what `summarizer` hands its users (see CONTRACT.md).

These pydantic models are the single source of truth for the JSON that the CLI
writes, the app downloads and the Python API returns.  Field names are a
promise: change one only with a `SCHEMA_VERSION` bump and a CHANGELOG line.

Every `Span` is `{start, end, quote}` in code points into the *original* text
(the text exactly as the user gave it), and `text[start:end] == quote` always.
Use `Span.of(text, start, end)` to build one; it cannot be built wrong.

This module imports nothing of ours.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION: Literal["1.0"] = "1.0"

AdminLevel = Literal["镇", "乡", "街道", "县", "区", "市", "州", "盟", "省", "自治区", "国家"]
SectionKind = Literal["preamble", "review", "problems", "plan", "targets", "government", "closing", "other"]
Support = Literal["supported", "partial", "unsupported", "unchecked"]
IndicatorKind = Literal["actual", "target"]
ChangeUnit = Literal["%", "百分点", "倍"]
EngineName = Literal["extractive", "llm"]
# Who wrote a claim of an LLM summary: the model, or the extractive engine standing in for it.
Author = Literal["model", "extractive"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """A stretch of the original text: `text[start:end] == quote`."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """The span of `text[start:end]`, quote included (so it is always right).

        Validated as `cls(...)` would be, minus `BaseModel.__init__`'s Python
        frame: a report makes thousands of spans.
        """
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"span {start}:{end} outside text of length {len(text)}")
        return cls.__pydantic_validator__.validate_python(
            {"start": start, "end": end, "quote": text[start:end]}
        )

    def matches(self, text: str) -> bool:
        return 0 <= self.start <= self.end <= len(text) and text[self.start : self.end] == self.quote


class SourceWarning(_Model):
    """Something the program noticed in the input: boilerplate, redaction, OCR, …"""

    code: str
    message: str
    span: Span | None = None


class Source(_Model):
    sha256: str
    chars: int
    filename: str | None = None
    encoding: str | None = None
    text: str
    warnings: list[SourceWarning] = Field(default_factory=list)


class Engine(_Model):
    name: EngineName
    model: str | None = None
    base_url_host: str | None = None
    prompt_version: str | None = None
    json_mode: str | None = None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_s: float = 0.0
    fallbacks: list[str] = Field(default_factory=list)
    # LLM engine only (absent from the JSON otherwise): claims the model wrote, and claims the
    # extractive engine wrote in place of a failed call.
    model_claims: int | None = None
    fallback_claims: int | None = None

    @model_serializer(mode="wrap")
    def _leave_out_uncounted(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in ("model_claims", "fallback_claims"):
            if getattr(self, name) is None:
                data.pop(name, None)
        return data


class MetaField(_Model):
    value: str
    evidence: Span


class Meta(_Model):
    title: MetaField | None = None
    place: MetaField | None = None
    admin_level: MetaField | None = None
    meeting: MetaField | None = None
    date: MetaField | None = None
    speaker: MetaField | None = None
    review_period: MetaField | None = None
    plan_period: MetaField | None = None


class NumberCheck(_Model):
    """One figure of a claim's text and whether (and where) the source states it."""

    raw: str
    value: float | None = None
    unit: str | None = None
    found: bool = False
    span: Span | None = None


# How bad each label is: the worst of a claim's checks is its label, and the worst of a
# passage's claims colours its highlight.
SUPPORT_SEVERITY: dict[Support, int] = {"supported": 0, "unchecked": 1, "partial": 2, "unsupported": 3}

JudgeLabel = Literal["supported", "contradicted", "not_stated"]


class JudgeVerdict(_Model):
    """A model's entailment verdict on a claim and its retrieved evidence (`verify --judge`).

    Shown beside the rules' verdict, which always wins where it is not `supported`:
    the model can flag a claim the rules passed, never clear one they flagged.
    """

    verdict: JudgeLabel
    reason: str = ""
    model: str | None = None
    prompt_version: str | None = None


class Claim(_Model):
    id: str
    text: str
    evidence: list[Span] = Field(default_factory=list)
    support: Support = "unchecked"
    numbers: list[NumberCheck] = Field(default_factory=list)
    section_id: str | None = None
    # The rules' label before a model judge lowered `support`, and the judge's verdict; absent
    # (not null) from the JSON when no judge ran.
    rules_support: Support | None = None
    judge: JudgeVerdict | None = None
    # Who wrote it, in an LLM summary; absent (not null) from the JSON of the extractive engine.
    author: Author | None = None

    @model_serializer(mode="wrap")
    def _leave_out_unjudged(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.judge is None:
            data.pop("judge", None)
            data.pop("rules_support", None)
        if self.author is None:
            data.pop("author", None)
        return data


class Section(_Model):
    id: str
    parent_id: str | None = None
    level: int = Field(ge=1, le=4)
    title: str
    kind: SectionKind
    span: Span
    summary: list[Claim] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class Change(_Model):
    value: float | None = None
    unit: ChangeUnit | None = None
    raw: str
    basis: str | None = None


class Quantity(_Model):
    value: float | None = None
    unit: str | None = None
    raw: str


class Indicator(_Model):
    id: str
    name: str
    value: float | None = None
    unit: str | None = None
    raw: str
    change: Change | None = None
    period: str | None = None
    kind: IndicatorKind
    qualifier: str | None = None
    redacted: bool = False
    section_id: str | None = None
    evidence: Span
    # The standard indicator this is (facts/concepts.toml: "地区生产总值", "城镇登记失业率"), or null.
    concept: str | None = None


class Project(_Model):
    id: str
    name: str
    investment: Quantity | None = None
    status: str | None = None
    section_id: str | None = None
    evidence: Span


class VerificationIssue(_Model):
    claim_id: str
    reason: str


class Verification(_Model):
    claims: int = 0
    supported: int = 0
    partial: int = 0
    unsupported: int = 0
    numbers: int = 0
    numbers_unsupported: int = 0
    score: float = 0.0
    issues: list[VerificationIssue] = Field(default_factory=list)


class ReportSummary(_Model):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    source: Source
    engine: Engine
    meta: Meta = Field(default_factory=Meta)
    overview: list[Claim] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    achievements: list[Claim] = Field(default_factory=list)
    problems: list[Claim] = Field(default_factory=list)
    plans: list[Claim] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)

    def all_claims(self) -> list[Claim]:
        """Every claim of the summary, in output order (overview, sections, lists)."""
        claims = list(self.overview)
        for section in self.sections:
            claims.extend(section.summary)
        claims.extend(self.achievements)
        claims.extend(self.problems)
        claims.extend(self.plans)
        return claims

    def all_spans(self) -> list[Span]:
        """Every span the summary carries, for the `text[start:end] == quote` check."""
        spans: list[Span] = [w.span for w in self.source.warnings if w.span is not None]
        spans.extend(f.evidence for f in self.meta.__dict__.values() if isinstance(f, MetaField))
        spans.extend(s.span for s in self.sections)
        for claim in self.all_claims():
            spans.extend(claim.evidence)
            spans.extend(n.span for n in claim.numbers if n.span is not None)
        spans.extend(i.evidence for i in self.indicators)
        spans.extend(p.evidence for p in self.projects)
        return spans

    def to_json(self, indent: int | None = 2) -> str:
        """UTF-8 JSON with Chinese as is (`ensure_ascii=False`)."""
        return self.model_dump_json(indent=indent)
