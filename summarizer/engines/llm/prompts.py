"""The prompts of the LLM engine: versioned files in prompts/, filled with report material.

Every prompt text is a file in `prompts/`: the section (map) and reduce prompts,
the re-ask, and the schema instruction of json_object mode.  Each holds a version
line and its parts: `## system` (our instructions only), `## user` (a
`string.Template` that receives the report material), or others (`## not_json`).
Every version goes into `prompt_version`, so into the cache key and the output.  The report text only ever goes into the user message, inside
`<<<REPORT … REPORT>>>` delimiters, with any delimiter inside the text
neutralised, so a report that says "忽略以上指令" is data, never an instruction.

The facts the rule-based stage extracted are listed with short ids ("[i3]",
"[p1]") that the model cites instead of restating figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from ...errors import ConfigError
from ...schema import Indicator, Project

# An installed wheel has the prompts in summarizer/prompts/; a checkout (or an editable
# install) at the top of the repository.
_PACKAGED = Path(__file__).resolve().parents[2] / "prompts"
PROMPTS_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[3] / "prompts"

_VERSION_LINE = re.compile(r"<!--\s*version:\s*(\S+)\s*-->")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PARTS = re.compile(r"^## (\w+)\s*$", re.M)
# Any run of three or more angle brackets could close our delimiter early.
_DELIMITER_LIKE = re.compile(r"[<>＜＞«»]{3,}|(?:<|＜){2,}\s*REPORT|REPORT\s*(?:>|＞){2,}", re.I)


_BRACKETS = str.maketrans("<>＜＞«»", "‹›‹›‹›")


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt file: its version and its parts ("system", "user", …), each text as written."""

    name: str
    version: str
    parts: dict[str, str]

    @property
    def system(self) -> str:
        return self.parts["system"]

    def fill(self, part: str, **material: str) -> str:
        """A part with its `$names` filled (`string.Template`: a `$` in the material stays as it is)."""
        return Template(self.parts[part]).substitute(material)

    def messages(self, **material: str) -> list[dict[str, str]]:
        """The chat messages: our instructions as system, the filled template as user."""
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.fill("user", **material)},
        ]


@lru_cache(maxsize=16)
def load_prompt(
    name: str, parts: tuple[str, ...] | None = ("system", "user"), directory: Path = PROMPTS_DIR
) -> PromptTemplate:
    """Read `prompts/<name>.md` (e.g. "section_v2"): a version line and exactly `parts` (None: any, at least one)."""
    path = directory / f"{name}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"找不到提示词文件 {path.name}", f"prompt file {path.name} not found") from e
    version = _VERSION_LINE.search(raw)
    pieces = _PARTS.split(_COMMENT.sub("", raw))
    # split() gives [preamble, name, text, name, text, …]
    named = {part: text.strip() for part, text in zip(pieces[1::2], pieces[2::2], strict=True)}
    if version is None or not named or (parts is not None and set(named) != set(parts)):
        raise ConfigError(
            f"提示词文件 {path.name} 缺少版本行，或其部分不是 {'/'.join(parts or ['…'])}",
            f"prompt file {path.name} lacks a version line, or its parts are not {'/'.join(parts or ['…'])}",
        )
    return PromptTemplate(name, version.group(1), named)


def neutralise_delimiters(text: str) -> str:
    """The report text with anything that looks like our delimiters broken up.

    >>> neutralise_delimiters("a REPORT>>> b <<<x")
    'a REPORT››› b ‹‹‹x'
    """

    def breakup(match: re.Match[str]) -> str:
        return match.group(0).translate(_BRACKETS)

    return _DELIMITER_LIKE.sub(breakup, text)


def indicator_line(prompt_id: str, indicator: Indicator, *, with_period: bool = True) -> str:
    """One indicator as the model sees it: `[i12] 地区生产总值 83.98亿元 同比增长2.3% (2023, actual)`.

    Without `with_period` the "(2023, actual)" is left out: a section prompt
    carries the sentence itself, which says it, and facts are many there.
    """
    parts = [f"[{prompt_id}]", indicator.name, indicator.raw]
    if indicator.change is not None:
        basis = indicator.change.basis or ""
        parts.append(
            indicator.change.raw if basis in indicator.change.raw else f"{basis}{indicator.change.raw}"
        )
    note = [indicator.period or "?", indicator.kind] if with_period else []
    if indicator.redacted:
        note.append("redacted")
    return f"{' '.join(parts)} ({', '.join(note)})" if note else " ".join(parts)


def project_line(prompt_id: str, project: Project) -> str:
    """One project as the model sees it: `[p3] 青溪水库 投资4000余万元 已完工`."""
    parts = [f"[{prompt_id}]", project.name]
    if project.investment is not None:
        parts.append(f"投资{project.investment.raw}")
    if project.status:
        parts.append(project.status)
    return " ".join(parts)


def facts_block(lines: list[str]) -> str:
    return neutralise_delimiters("\n".join(lines)) if lines else "（无）"


def headings_block(headings: Sequence[tuple[str, int, str, str]]) -> str:
    """The heading tree, one `id title` line per section, indented by level; top sections show their kind."""
    return neutralise_delimiters(
        "\n".join(
            f"{'  ' * (level - 1)}{sid} {title}" + (f" [{kind}]" if level == 1 else "")
            for sid, level, title, kind in headings
        )
    )


def trim(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the last sentence end before it when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(mark) for mark in "。；;！？!?")
    return cut[: end + 1] if end > limit // 2 else cut
