"""Verification: every claim and figure of a summary checked against the source.

    check (claims with their evidence; figures: the figure checks; align: locating quotes)
    claims (free text or our JSON, as claims) ─► verify_any;  table: the CLI's table
Named `verification` so that `summarizer.verify` stays the API function.
"""

from .align import SourceText, normalize_for_match
from .check import ClaimSource, check_claim_text, verify_summary
from .claims import FreeTextResult, JudgeRun, split_free_text, verify_any, verify_free_text
from .table import format_table

__all__ = [
    "ClaimSource",
    "FreeTextResult",
    "JudgeRun",
    "SourceText",
    "check_claim_text",
    "format_table",
    "normalize_for_match",
    "split_free_text",
    "verify_any",
    "verify_free_text",
    "verify_summary",
]
