"""How fast is the whole offline pipeline?  Printed beside `jieba.analyse.textrank`.

    .venv/bin/python bench/offline.py [--repeat N]

For each seed report: the median latency of `summarize()` (ingest, normalize,
sections, facts, extractive engine, verification) and of `jieba.analyse.textrank`
alone on the same text, in the same run, plus characters per second.  The goal
is a pipeline no slower than TextRank alone.  Nothing is asserted: read the table.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, summarize  # noqa: E402


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import jieba.analyse

    settings = Settings(engine="extractive", cache=None)
    seeds = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    # Warm both up once (jieba's dictionary, regex compilation) so neither pays it in the table.
    summarize(texts[0], settings)
    jieba.analyse.textrank(texts[0])

    print(
        f"{'report':<28}{'chars':>7}{'pipeline ms':>13}{'textrank ms':>13}{'ratio':>8}{'pipeline chars/s':>18}"
    )
    total_chars = total_pipe = total_rank = 0.0
    for path, text in zip(seeds, texts, strict=True):
        pipe = median_seconds(functools.partial(summarize, text, settings), args.repeat)
        rank = median_seconds(functools.partial(jieba.analyse.textrank, text, topK=20), args.repeat)
        total_chars += len(text)
        total_pipe += pipe
        total_rank += rank
        print(
            f"{path.name:<28}{len(text):>7}{pipe * 1000:>13.1f}{rank * 1000:>13.1f}{pipe / rank:>8.2f}{len(text) / pipe:>18,.0f}"
        )
    print(
        f"{'all':<28}{int(total_chars):>7}{total_pipe * 1000:>13.1f}{total_rank * 1000:>13.1f}"
        f"{total_pipe / total_rank:>8.2f}{total_chars / total_pipe:>18,.0f}"
    )
    verdict = "meets" if total_pipe <= total_rank else "misses"
    print(f"goal (pipeline no slower than textrank alone): {verdict} ({total_pipe / total_rank:.2f}x)")


if __name__ == "__main__":
    main()
