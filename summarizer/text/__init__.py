"""Text: the report as the user gave it, and a clean copy that maps back to it.

bytes or file ─► read_document ─► Document (the original text: every span points into it)
original ─► normalize ─► Normalized (clean copy + offset map, removals, warnings)
split_sentences, count_tokens: sentences and model tokens of a text
"""

from .ingest import INPUT_SUFFIXES, Document, read_document, text_sha256
from .normalize import Normalized, Removal, normalize
from .offsets import CleanText, TextBuilder
from .sentences import Sentences, count_tokens, split_sentences
from .words import idf_table, segmenter

__all__ = [
    "INPUT_SUFFIXES",
    "CleanText",
    "Document",
    "Normalized",
    "Removal",
    "Sentences",
    "TextBuilder",
    "count_tokens",
    "idf_table",
    "normalize",
    "read_document",
    "segmenter",
    "split_sentences",
    "text_sha256",
]
