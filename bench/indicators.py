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
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _confusion(title: str, counts: Counter[tuple[str, str]]) -> str:
    rows = [f"{title} (rows: labelled kind; columns: extracted kind)", "           target  actual  missing"]
    for kind in ("target", "actual"):
        rows.append(
            f"  {kind:<8} {counts[(kind, 'target')]:>6}  {counts[(kind, 'actual')]:>6}  {counts[(kind, 'missing')]:>7}"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose summarizer is scored")
    parser.add_argument("--misses", action="store_true", help="list every label not fully right")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    spec = importlib.util.spec_from_file_location("indicator_eval", ROOT / "tests" / "indicator_eval.py")
    assert spec is not None and spec.loader is not None
    evaluation = importlib.util.module_from_spec(spec)
    sys.modules["indicator_eval"] = evaluation  # dataclasses look their module up
    spec.loader.exec_module(evaluation)
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
