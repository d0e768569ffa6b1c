"""Batch: many reports in, one JSON line each out.

    inputs (files, directories, globs) ─► outcome (one report ─► Outcome, for every path)
    ─► pool (offline worker processes) | llm (one event loop, one call limit)
    ─► output (JSONL lines, CSV);  run: the batch;  batch_api: the OpenAI Batch API files
`llm` and `batch_api` load the LLM engine: import them where they are used.
"""

from .inputs import iter_input_paths
from .outcome import BatchStats, Outcome, report_outcome
from .run import run_batch, run_batch_command

__all__ = ["BatchStats", "Outcome", "iter_input_paths", "report_outcome", "run_batch", "run_batch_command"]
