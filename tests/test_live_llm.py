"""Live: the LLM engine against a real local model (`make test-live` runs scripts/live_llm.sh).

The script starts a llama.cpp server with a small Qwen model on 127.0.0.1 and
sets OPENAI_BASE_URL / SUMMARIZER_MODEL for this run.  A small model gets much
wrong; what must hold whatever it says: a valid ReportSummary, every span
quoting the original, and every section either summarized by the model or
marked as a fallback with a warning.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytest

from summarizer.config import Settings
from summarizer.engines.llm.plan import plan_calls
from summarizer.engines.llm.tokens import measure_tokens
from summarizer.pipeline import prepare, summarize
from summarizer.schema import ReportSummary
from tests.conftest import assert_spans_match, read_seed

# Read at import: the autouse fixture of conftest clears OPENAI_* before each test.
LIVE_ENV = dict(os.environ)

pytestmark = pytest.mark.live


@dataclass(frozen=True)
class Asked:
    """One chunk the model was asked about: its sections and its range of the original text."""

    section_ids: list[str]
    start: int
    end: int


def neither_the_models_nor_a_fallback(summary: ReportSummary, chunks: list[Asked]) -> list[list[str]]:
    """The chunks whose sections are neither the model's nor marked fallbacks (empty when all is well).

    The chunks cover every section's text once, and the model is asked per chunk for 1-4 sentences
    about all its sections; each sentence quotes the chunk and goes to a section of it.  A chunk's
    sections are the model's when one of them, not fallen back, holds a claim quoting the chunk (or
    quoting nothing at all: the model's, unsupported).  Else each must be a fallback, marked by an
    `llm_fallback` warning over its span.
    """
    fallbacks = set(summary.engine.fallbacks)
    by_id = {s.id: s for s in summary.sections}
    warned = [w.span for w in summary.source.warnings if w.code == "llm_fallback"]
    neither: list[list[str]] = []
    for chunk in chunks:
        the_models = any(
            not claim.evidence or any(chunk.start <= e.start < chunk.end for e in claim.evidence)
            for sid in chunk.section_ids
            if sid not in fallbacks
            for claim in by_id[sid].summary
        )
        marked = all(sid in fallbacks and by_id[sid].span in warned for sid in chunk.section_ids)
        if not (the_models or marked):
            neither.append(chunk.section_ids)
    return neither


@pytest.mark.skipif(not LIVE_ENV.get("OPENAI_BASE_URL"), reason="no live endpoint (run scripts/live_llm.sh)")
def test_a_seed_summarized_by_a_real_local_model() -> None:
    text = read_seed("001")
    # The defaults: a 127.0.0.1 endpoint is served serially, in as few calls as the context allows.
    settings = Settings.from_env(LIVE_ENV, engine="llm", cache=None)
    started = time.perf_counter()
    summary = summarize(text, settings)
    elapsed = time.perf_counter() - started

    ReportSummary.model_validate_json(summary.to_json())
    assert_spans_match(text, summary.all_spans())
    engine = summary.engine
    assert engine.name == "llm" and engine.calls > 0
    assert engine.json_mode in ("json_schema", "json_object", "tools")
    section_ids = {s.id for s in summary.sections}
    assert set(engine.fallbacks) <= section_ids | {"reduce"}
    warned = [w for w in summary.source.warnings if w.code == "llm_fallback"]
    assert len(warned) == len(engine.fallbacks)
    model_sections = [s for s in summary.sections if s.id not in engine.fallbacks and s.summary]
    context = prepare(text, settings)
    clean = context.norm.clean
    measured = measure_tokens(settings, clean.text)  # the engine's plan: by the server's own count
    chunks = [
        Asked(c.section_ids, *clean.to_original(c.start, c.end))
        for c in (call.chunk for call in plan_calls(context, settings, measured).calls)
    ]
    assert not neither_the_models_nor_a_fallback(summary, chunks), (
        "every section is either the model's or a marked fallback"
    )
    v = summary.verification
    print(
        f"\nlive: model={engine.model} mode={engine.json_mode} calls={engine.calls} "
        f"prompt_tokens={engine.prompt_tokens} completion_tokens={engine.completion_tokens} "
        f"elapsed={elapsed:.1f}s fallbacks={engine.fallbacks} "
        f"claims={v.claims} supported={v.supported} partial={v.partial} unsupported={v.unsupported} "
        f"numbers_unsupported={v.numbers_unsupported}"
    )
    for claim in summary.overview + [c for s in model_sections for c in s.summary][:6]:
        print(f"  [{claim.support}] {claim.text}")
