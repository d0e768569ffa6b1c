"""Where the offline pipeline's time goes, stage by stage, over the five seeds.

    .venv/bin/python bench/stages.py [--repeat 20]

Each stage of `summarize` is timed apart (wall time, warm, one process, the
median of --repeat passes over the five seeds): ingest, normalize, sections,
facts (as `pipeline.prepare` reports them), the extractive engine (segmentation
and word index shown apart as well, though the engine builds its own), the
verifier and the JSON line a batch writes.  Prints milliseconds per pass and
the chars/s of the whole; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES = ("ingest", "normalize", "sections", "facts", "word index", "extractive", "verify", "json")


def _marker(marks: list[tuple[str, float]]) -> Callable[[str, int, int], None]:
    """A progress callback that notes when each stage ended."""

    def mark(stage: str, _done: int, _total: int) -> None:
        marks.append((stage, time.perf_counter()))

    return mark


def one_pass(texts: list[str]) -> dict[str, float]:
    from summarizer import Settings
    from summarizer.batch.output import summary_line
    from summarizer.engines.extractive.engine import summarize_extractive
    from summarizer.engines.extractive.ranking import WordIndex
    from summarizer.pipeline import prepare
    from summarizer.verification.check import verify_summary

    settings = Settings(engine="extractive", cache=None)
    spent: dict[str, float] = defaultdict(float)
    for text in texts:
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        ctx = prepare(text, settings, progress=_marker(marks))
        previous = started
        for stage, at in marks:
            spent[stage] += at - previous
            previous = at
        t0 = time.perf_counter()
        WordIndex.build(ctx.norm.clean.text)
        t1 = time.perf_counter()
        summary = summarize_extractive(ctx, settings)
        t2 = time.perf_counter()
        summary = verify_summary(ctx.original, summary)
        t3 = time.perf_counter()
        summary_line(summary)
        t4 = time.perf_counter()
        spent["word index"] += t1 - t0
        spent["extractive"] += t2 - t1
        spent["verify"] += t3 - t2
        spent["json"] += t4 - t3
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))]
    chars = sum(map(len, texts))
    one_pass(texts)  # warm: segmenter, IDF table, compiled patterns
    passes = [one_pass(texts) for _ in range(args.repeat)]
    medians = {stage: statistics.median(p[stage] for p in passes) for stage in STAGES}
    print(f"five seeds, {chars:,} chars; median of {args.repeat} passes, ms per pass")
    for stage in STAGES:
        note = "  (inside extractive; timed apart)" if stage == "word index" else ""
        print(f"{stage:<12}{medians[stage] * 1000:>8.1f}{note}")
    total = sum(v for k, v in medians.items() if k != "word index")
    print(f"{'total':<12}{total * 1000:>8.1f}  -> {chars / total:,.0f} chars/s")


if __name__ == "__main__":
    main()
