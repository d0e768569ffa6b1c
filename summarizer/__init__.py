"""summarizer: faithful, verifiable summaries of Chinese government work reports.

    >>> from summarizer import summarize
    >>> summary = summarize("fixtures/seeds/003_c2f9cf5b24e8760e.txt")
    >>> summary.indicators[0].name, summary.verification.score

Public API: `summarize`, `verify`, `track`, `prepare`, `read_document`, `Settings`, the
output models of `summarizer.schema`, and the error tree of `summarizer.errors`.
Names are imported on first use, so `import summarizer.facts.numbers` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Settings
    from .errors import ConfigError, InputError, LLMError, SummarizerError
    from .pipeline import prepare, summarize, verify
    from .schema import ReportSummary
    from .text.ingest import Document, read_document
    from .tracking import TrackResult, track

__version__ = "0.1.0"

_EXPORTS = {
    "Settings": "config",
    "ConfigError": "errors",
    "InputError": "errors",
    "LLMError": "errors",
    "SummarizerError": "errors",
    "Document": "text.ingest",
    "read_document": "text.ingest",
    "prepare": "pipeline",
    "summarize": "pipeline",
    "verify": "pipeline",
    "ReportSummary": "schema",
    "TrackResult": "tracking",
    "track": "tracking",
}
__all__ = [
    "ConfigError",
    "Document",
    "InputError",
    "LLMError",
    "ReportSummary",
    "Settings",
    "SummarizerError",
    "TrackResult",
    "prepare",
    "read_document",
    "summarize",
    "track",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
