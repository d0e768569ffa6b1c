"""Words of report text: jieba's dictionary cut by rjieba, and jieba's IDF table.

rjieba (the jieba-rs port) gives the same words as `jieba.cut` on report text
(tests/test_ranking.py compares them), many times faster.  The segmenter and
the table are loaded once per process, on first need.  The extractive engine
ranks sentences with them; the verifier retrieves a claim's evidence with them.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["idf_table", "segmenter"]


@lru_cache(maxsize=1)
def segmenter() -> Any:
    import rjieba

    rjieba.cut("预热")  # builds the dictionary now, not inside the first report
    return rjieba


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table (jieba/analyse/idf.txt) and its median, as `jieba.analyse` reads them.

    Read straight from jieba's package data: importing `jieba.analyse` costs seconds per
    process (it loads the part-of-speech tables and pkg_resources), which every batch
    worker and the app's first summary would pay for nothing.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "analyse" / "idf.txt"
    # "word idf" per line, no blank inside a word: one split and a zip, not a Python loop
    # over 270,000 lines, at every worker's start.
    fields = path.read_text(encoding="utf-8").split()
    idf = dict(zip(fields[0::2], map(float, fields[1::2]), strict=True))
    return idf, sorted(idf.values())[len(idf) // 2]
