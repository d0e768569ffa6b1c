"""Asking the model one question: the call, the checks of each sentence, re-asks of only what failed.

    call ──► answer not JSON / not the schema ──► re-ask the whole answer (at most twice)
      │      cut at the token limit ────────────► once more with twice the budget
      ▼
    check every sentence (quote in its section, figures grounded, its form, then the verifier's own
      rules: what the pipeline would not mark supported is a problem too; not a copy of one sentence)
      └── some failed ──► one call asking again for those sentences only (keys f1, f2, …), with
                          the system message (a server's prefix cache reuses it) and only the parts
                          of the report they are about; a rewrite replaces a sentence only when it
                          is better

A section keeps its sentences that passed; when none did, the best one stays
(flagged by the checks).  The final answer is cached, so the same question
costs no call the second time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ...config import Settings
from ...errors import LLMBadOutput, LLMError, LLMTruncated
from .answer import (
    AnswerSentence,
    CheckedSentence,
    FactRef,
    SourceScope,
    check_sentence,
    form_problems,
    is_copy,
    keyed_schema,
)
from .cache import Cache
from .client import ChatClient, LLMReply
from .plan import output_budget
from .prompts import PromptTemplate, neutralise_delimiters, trim

logger = logging.getLogger(__name__)

MAX_REASKS = 2
LABEL = "这句"  # how a problem names its sentence: the re-ask lists each under its own key
TRUNCATION_GROWTH = 2

# What `Question.read` returns: (key, sentence) pairs in answer order, and anything else kept (meta).
Read = tuple[list[tuple[str, AnswerSentence]], dict[str, Any]]


@dataclass(frozen=True)
class Question:
    """One call: its messages and schema, how to read the answer, where each key's quotes must come from."""

    kind: str  # "chunk" | "digest" | "reduce": the cache namespace and the schema's name
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    max_tokens: int
    read: Callable[[dict[str, Any]], Read]  # raises ValidationError
    scope_of: Callable[[str], SourceScope]
    item_schema: dict[str, Any]  # one sentence, for the re-ask of failed items
    read_item: Callable[[str, Any], AnswerSentence]  # (its key, the value); raises ValidationError
    facts: dict[str, FactRef] = field(default_factory=dict)
    # The verifier's problems with one checked sentence of `key` (none: it would be `supported`).
    verdict: Callable[[str, CheckedSentence], list[str]] | None = None
    reask: PromptTemplate | None = None  # the prompt whose "reask" part asks again (None: the Asker's)


@dataclass
class Item:
    key: str
    sentence: AnswerSentence
    checked: CheckedSentence
    copied: bool

    @property
    def rank(self) -> tuple[int, bool]:
        """Lower is better: problems found, then being a copy."""
        return len(self.checked.problems), self.copied


@dataclass(frozen=True)
class Answered:
    sentences: dict[str, list[CheckedSentence]]  # by key, in answer order
    extra: dict[str, Any]


class Asker:
    """Asks questions of one client under one semaphore, with the cache; counts the modes used."""

    def __init__(
        self,
        settings: Settings,
        client: ChatClient,
        cache: Cache,
        semaphore: asyncio.Semaphore,
        *,
        version: str,
        whole_reask: PromptTemplate,
        item_reask: PromptTemplate,
    ) -> None:
        self.settings = settings
        self.client = client
        self.cache = cache
        self.semaphore = semaphore
        self.version = version
        self.whole_reask = whole_reask
        self.item_reask = item_reask
        self.modes: Counter[str] = Counter()
        self.item_reasks = 0  # calls that asked again for failed sentences only

    def _key(self, question: Question) -> str:
        s = self.settings
        return Cache.key(
            question.kind,
            self.version,
            s.model or "",
            s.json_mode,
            s.base_url_host or "",
            str(s.max_output_tokens),
            json.dumps(question.schema, sort_keys=True, ensure_ascii=False),
            question.messages[-1]["content"],
        )

    async def _call(
        self, messages: list[dict[str, str]], schema: dict[str, Any], kind: str, max_tokens: int
    ) -> LLMReply:
        async with self.semaphore:
            reply = await self.client.chat_json(
                messages, schema=schema, schema_name=f"{kind}_answer", max_tokens=max_tokens
            )
        self.modes[reply.mode] += 1
        return reply

    def _item(self, question: Question, key: str, sentence: AnswerSentence) -> Item:
        """A sentence checked against its scope: quotes and figures, its form, being a copy."""
        scope = question.scope_of(key)
        checked = check_sentence(sentence, scope, question.facts, LABEL)
        if checked.text:
            checked.problems.extend(form_problems(checked.text, scope))
        if checked.text and not checked.problems and question.verdict is not None:
            checked.problems.extend(question.verdict(key, checked))
        return Item(key, sentence, checked, bool(checked.text) and is_copy(checked.text, scope.sentences))

    def _items(self, question: Question, pairs: list[tuple[str, AnswerSentence]]) -> list[Item]:
        items = [self._item(question, key, sentence) for key, sentence in pairs]
        return [i for i in items if i.checked.text]

    async def ask(self, question: Question) -> Answered:
        """The checked answer to `question`; raises LLMError when no usable answer came back."""
        key = self._key(question)
        cached = self.cache.get(question.kind, key)
        if cached is not None:
            try:
                stored = json.loads(cached)
                pairs = [(k, AnswerSentence.model_validate(v)) for k, v in stored["items"]]
                self.modes[stored["mode"]] += 1
                return _answered(self._items(question, pairs), stored["extra"])
            except (ValueError, KeyError, TypeError, ValidationError):
                pass  # an entry from older code or a damaged file: ask again
        reply, (pairs, extra) = await self._first_answer(question)
        items = self._items(question, pairs)
        failed = [i for i in items if i.checked.problems or i.copied]
        if failed:
            await self._reask_items(question, failed)
        kept = _prune(items)
        if not kept:
            raise LLMBadOutput(
                "模型没有写出任何摘要句", "the model wrote no summary sentence", raw_output=reply.raw
            )
        stored_items = [[i.key, i.sentence.model_dump()] for i in kept]
        self.cache.put(
            question.kind,
            key,
            json.dumps({"mode": reply.mode, "items": stored_items, "extra": extra}, ensure_ascii=False),
        )
        return _answered(kept, extra)

    async def _first_answer(self, question: Question) -> tuple[LLMReply, Read]:
        """A schema-valid answer: re-asking the whole answer when it is no JSON or not the schema."""
        history = question.messages
        max_tokens = question.max_tokens
        grown = False
        reasks = 0
        while True:
            try:
                reply = await self._call(history, question.schema, question.kind, max_tokens)
            except LLMTruncated:
                if grown:
                    raise
                grown, max_tokens = True, max_tokens * TRUNCATION_GROWTH
                continue
            except LLMBadOutput as e:
                if reasks >= MAX_REASKS:
                    raise
                reasks += 1
                history = self._whole_reask(
                    question, e.raw_output or "", [self.whole_reask.parts["not_json"]]
                )
                continue
            try:
                return reply, question.read(reply.data)
            except ValidationError as e:
                if reasks >= MAX_REASKS:
                    raise LLMBadOutput(
                        f"模型回答不符合结构（已重问 {MAX_REASKS} 次）",
                        f"the model's answer does not fit the answer schema after {MAX_REASKS} re-asks",
                        raw_output=reply.raw,
                    ) from e
                reasks += 1
                history = self._whole_reask(question, reply.raw, _schema_lines(e))

    def _whole_reask(self, question: Question, bad_answer: str, problems: list[str]) -> list[dict[str, str]]:
        listed = "\n".join(f"- {p}" for p in problems[:12])
        return [
            *question.messages,
            {"role": "assistant", "content": bad_answer},
            {"role": "user", "content": self.whole_reask.fill("user", problems=listed)},
        ]

    async def _reask_items(self, question: Question, failed: list[Item]) -> None:
        """One call for the failed sentences only; a rewrite that checks better replaces its sentence.

        The call holds the system message and only the parts of the report the failed sentences are
        about (`_material`), not the whole first call again: it is short, fits any context, and a small
        model attends to what it must fix.  The first answer is not repeated either.
        """
        lines = []
        for n, item in enumerate(failed, 1):
            problems = list(item.checked.problems)
            logger.debug("asking again for %s %r: %s", item.key, item.checked.text[:40], problems)
            if item.copied:
                problems.append("这句几乎是照抄原文的一整句：请压缩概括成 15 到 40 个字，不要照抄。")
            lines.append(f'f{n}（写给 "{item.key}"，原句：{item.checked.text[:80]}）：' + "；".join(problems))
        user = (question.reask or self.item_reask).fill(
            "reask",
            report=neutralise_delimiters(_material(question, failed)) or "（见上文）",
            items=neutralise_delimiters("\n".join(lines)),
        )
        messages = [*question.messages[:1], {"role": "user", "content": user.strip()}]
        schema = keyed_schema({f"f{n}": None for n in range(1, len(failed) + 1)}, question.item_schema)
        self.item_reasks += 1
        try:
            reply = await self._call(
                messages, schema, f"{question.kind}_fix", output_budget(len(failed), self.settings)
            )
        except LLMError:
            return  # the first answer stands
        for n, item in enumerate(failed, 1):
            try:
                sentence = question.read_item(item.key, reply.data.get(f"f{n}"))
            except ValidationError:
                continue
            fixed = self._item(question, item.key, sentence)
            if not fixed.checked.text:
                continue
            if fixed.rank < item.rank:
                item.sentence, item.checked, item.copied = fixed.sentence, fixed.checked, fixed.copied


# What a re-ask shows of the report: a failed sentence's whole section when it is this short, else
# the paragraph its quote was found in; in all at most REASK_MATERIAL_CHARS.
REASK_SCOPE_CHARS = 1500
REASK_MATERIAL_CHARS = 4000


def _material(question: Question, failed: list[Item]) -> str:
    """The clean text the failed sentences are about: one block per key, headed 【"key"】, in report order."""
    blocks: dict[str, tuple[int, list[tuple[int, int]]]] = {}
    text = ""
    for item in failed:
        scope = question.scope_of(item.key)
        text = scope.clean.text
        if scope.end - scope.start <= REASK_SCOPE_CHARS:
            part = (scope.start, scope.end)
        elif item.checked.anchor is not None:
            at = item.checked.anchor
            start = max(scope.start, text.rfind("\n", scope.start, at) + 1)
            end = text.find("\n", at, scope.end)
            part = (start, scope.end if end < 0 else end)
        else:
            continue
        first, parts = blocks.setdefault(item.key, (part[0], []))
        if part not in parts:
            parts.append(part)
            blocks[item.key] = (min(first, part[0]), parts)
    shown = []
    for key, (_first, parts) in sorted(blocks.items(), key=lambda kv: kv[1][0]):
        body = "\n……\n".join(text[a:b].strip() for a, b in sorted(parts))
        shown.append(f'【"{key}"】\n{body}')
    return trim("\n\n".join(shown), REASK_MATERIAL_CHARS)


def _schema_lines(error: ValidationError, limit: int = 6) -> list[str]:
    lines = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(根)"
        lines.append(f"字段 {where}：{item['msg']}")
    return lines


def _prune(items: list[Item]) -> list[Item]:
    """Per key, the sentences without problems; when none is, the best one (flagged)."""
    by_key: dict[str, list[Item]] = {}
    for item in items:
        by_key.setdefault(item.key, []).append(item)
    keep: set[int] = set()
    for group in by_key.values():
        clean = [i for i in group if not i.checked.problems]
        keep.update(id(i) for i in (clean or [min(group, key=lambda i: i.rank)]))
    return [i for i in items if id(i) in keep]


def _answered(items: list[Item], extra: dict[str, Any]) -> Answered:
    sentences: dict[str, list[CheckedSentence]] = {}
    for item in items:
        sentences.setdefault(item.key, []).append(item.checked)
    return Answered(sentences, extra)
