"""The LLM engine: section summaries in the model's words, each checked against the source.

engine (the run, fallbacks) ─► plan (serial or parallel: the calls and their budgets),
asking (one call, its checks, re-asks of only the failed sentences), prompts (prompt files,
fact lines), chunks (token-budgeted chunks), answer (the model's answer schema and its checks),
assemble (answers ─► ReportSummary, extractive fallback);  client (the endpoint: modes,
failures, presets) and cache (SQLite)
"""

from .cache import Cache
from .client import ChatClient, LLMClient, LLMReply, LLMUsage
from .engine import summarize_llm, summarize_llm_async
from .judge import JudgeOutcome, judge_claims, judge_claims_async
from .presets import PRESETS

__all__ = [
    "PRESETS",
    "Cache",
    "ChatClient",
    "JudgeOutcome",
    "LLMClient",
    "LLMReply",
    "LLMUsage",
    "judge_claims",
    "judge_claims_async",
    "summarize_llm",
    "summarize_llm_async",
]
