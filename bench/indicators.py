"""How right the rule-based indicators are, against the hand labels of `fixtures/indicators/`.

    .venv/bin/python bench/indicators.py [--code DIR] [--misses]

Prints, per labelled set (seeds and tracking texts: dev; holdout texts: not tuned
on), how many labelled figures are found, found with the right kind, and fully
right (name, value, unit, change, kind, period); then the target/actual
confusion on the seed and tracking labels and on the tracking answer key's
quotes (`fixtures/tracking/expected.json`).  `--code DIR` scores another
checkout's `summarizer` (e.g. an export of `main`) with this tree's labels.
Asserts nothing; the floors are in tests/test_indicator_labels.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _confusion(title: str, counts: Counter[tuple[str, str]]) -> str:
    rows = [f"{title} (rows: labelled kind; columns: extracted kind)", "           target  actual  missing"]
    for kind in ("target", "actual"):
        rows.append(
            f"  {kind:<8} {counts[(kind, 'target')]:>6}  {counts[(kind, 'actual')]:>6}  {counts[(kind, 'missing')]:>7}"
        )
    return "\n".join(rows)


def _print_sample(evaluation: Any, size: int, seed: int, only: str) -> None:
    """`size` indicators of the holdout texts drawn with `random.Random(seed)`, one JSON line each."""
    pool = []
    for path in sorted((ROOT / "fixtures" / "indicators" / "holdout_texts").glob(f"{only}.txt")):
        relative = path.relative_to(ROOT / "fixtures").as_posix()
        text, indicators = evaluation._report(relative)
        for indicator in indicators:
            pool.append((relative, text, indicator))
    print(json.dumps({"seed": seed, "pool": len(pool)}))
    for relative, text, indicator in random.Random(seed).sample(pool, size):
        start = max(text.rfind(stop, 0, indicator.evidence.start) for stop in "。；\n") + 1
        stops = [i for i in (text.find(stop, indicator.evidence.end) for stop in "。；\n") if i >= 0]
        change = indicator.change
        row = {
            "file": relative,
            "id": indicator.id,
            "sentence": text[start : min(stops, default=len(text)) + 1].strip(),
            "name": indicator.name,
            "value": indicator.value,
            "unit": indicator.unit,
            "qualifier": indicator.qualifier,
            "change": None
            if change is None
            else {"value": change.value, "unit": change.unit, "basis": change.basis},
            "kind": indicator.kind,
            "period": indicator.period,
        }
        print(json.dumps(row, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose summarizer is scored")
    parser.add_argument("--misses", action="store_true", help="list every label not fully right")
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="print N indicators drawn at random from the holdout texts (JSONL)",
    )
    parser.add_argument("--seed", type=int, default=17, help="the random seed of --sample")
    parser.add_argument("--only", default="*", help="draw --sample from the holdout texts matching this glob")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    spec = importlib.util.spec_from_file_location("indicator_eval", ROOT / "tests" / "indicator_eval.py")
    assert spec is not None and spec.loader is not None
    evaluation = importlib.util.module_from_spec(spec)
    sys.modules["indicator_eval"] = evaluation  # dataclasses look their module up
    spec.loader.exec_module(evaluation)
    if args.sample:
        _print_sample(evaluation, args.sample, args.seed, args.only)
        return
    print(f"code: {args.code}")
    for name in ("seeds.jsonl", "tracking.jsonl", "holdout.jsonl"):
        result = evaluation.score(evaluation.read_labels(name))
        print(result.line(name))
        if args.misses:
            for miss in result.misses:
                print("   ", miss)
    print(_confusion("seed labels", evaluation.seed_kinds(evaluation.read_labels("seeds.jsonl"))))
    print(_confusion("tracking labels", evaluation.seed_kinds(evaluation.read_labels("tracking.jsonl"))))
    print(_confusion("tracking answer key quotes", evaluation.tracking_kinds()))
    print(_confusion("holdout labels", evaluation.seed_kinds(evaluation.read_labels("holdout.jsonl"))))


if __name__ == "__main__":
    main()
