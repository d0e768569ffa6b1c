"""What every engine receives: the report after the rule-based stages.

`ReportContext` bundles the original document, its normalized copy, the
section tree and the pre-extracted facts, so that the extractive and the LLM
engine start from exactly the same grounded material.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..facts import Facts
from ..ingest import Document
from ..normalize import Normalized
from ..sections import SectionNode

# progress(stage, done, total): "ingest", "sections", "facts", "summarize", "verify"
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReportContext:
    document: Document
    norm: Normalized
    nodes: list[SectionNode]
    facts: Facts

    @property
    def original(self) -> str:
        return self.document.text
