"""The offline engine: the report's own sentences, ranked (`ranking`: keywords and sentence scores)."""

from .engine import Extractor, summarize_extractive

__all__ = ["Extractor", "summarize_extractive"]
