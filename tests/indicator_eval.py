"""Scoring the rule-based indicators against the hand-labelled sets of `fixtures/indicators/`.

A label (one JSONL line) names a figure of a real report and what a reader takes
it to say::

    {"file": "seeds/000_….txt", "context": "全镇地区生产总值增长5.5%以上", "raw": "5.5%以上",
     "name": "地区生产总值", "alt_names": ["地区生产总值增长"], "value": 5.5, "unit": "%",
     "change": null, "kind": "target", "period": "2024", "split": "dev"}

`context` is an exact substring of the file (the first occurrence is meant) and
`raw` the figure inside it.  An extracted indicator *finds* a label when its level
is that very figure (`raw` at that place); a rate stated alone is its own level.
`change` is the change's value (a decline negative) or null.  The same helpers
score kinds against the tracking answer key (`fixtures/tracking/expected.json`):
every target quote is a target, every actual quote an actual.

Used by `tests/test_indicator_labels.py` (floors) and `bench/indicators.py` (the figures).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from summarizer.facts.indicators import extract_facts
from summarizer.schema import Indicator
from summarizer.sections.split import split_sections
from summarizer.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LABELS = FIXTURES / "indicators"
LABEL_FILES = ("seeds.jsonl", "tracking.jsonl", "holdout.jsonl")


@lru_cache(maxsize=32)
def _report(path: str) -> tuple[str, tuple[Indicator, ...]]:
    text = (FIXTURES / path).read_text(encoding="utf-8")
    norm = normalize(text)
    return text, tuple(extract_facts(norm, split_sections(norm)).indicators)


def read_labels(*names: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in names or LABEL_FILES:
        with (LABELS / name).open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def _position(text: str, context: str, raw: str) -> tuple[int, int]:
    at = text.find(context)
    if at < 0:
        raise ValueError(f"context not in text: {context!r}")
    inner = context.find(raw)
    if inner < 0:
        raise ValueError(f"raw {raw!r} not in context {context!r}")
    return at + inner, at + inner + len(raw)


def _level_at(indicator: Indicator, start: int, end: int) -> bool:
    """Whether the indicator's level is the figure text[start:end]."""
    quote, offset = indicator.evidence.quote, indicator.evidence.start
    inner = quote.find(indicator.raw)
    while inner >= 0:
        if offset + inner == start and offset + inner + len(indicator.raw) == end:
            return True
        inner = quote.find(indicator.raw, inner + 1)
    return False


@dataclass
class Score:
    labels: int = 0
    found: int = 0
    kind: int = 0  # found with the right kind
    period: int = 0
    name: int = 0
    change: int = 0
    full: int = 0  # name, value, unit, change, kind and period all right
    misses: list[str] = field(default_factory=list)

    def line(self, title: str) -> str:
        n = max(self.labels, 1)
        return (
            f"{title}: {self.labels} labels; found {self.found} ({self.found / n:.3f}); "
            f"with kind {self.kind} ({self.kind / n:.3f}); period {self.period}; name {self.name}; "
            f"change {self.change}; fully right {self.full} ({self.full / n:.3f})"
        )


def _change_right(indicator: Indicator, label: dict[str, object]) -> bool:
    expected = label.get("change")
    got = None if indicator.change is None else indicator.change.value
    if expected is None or got is None:
        return expected is None and got is None
    return abs(float(got) - float(expected)) < 1e-9  # type: ignore[arg-type]


def _name_right(indicator: Indicator, label: dict[str, object]) -> bool:
    names = [label["name"], *label.get("alt_names", [])]  # type: ignore[misc]
    return indicator.name in names


def score(labels: list[dict[str, object]]) -> Score:
    result = Score()
    for label in labels:
        text, indicators = _report(str(label["file"]))
        start, end = _position(text, str(label["context"]), str(label["raw"]))
        result.labels += 1
        candidates = [i for i in indicators if _level_at(i, start, end)]
        if not candidates:
            result.misses.append(f"not found: {label['raw']} in {label['context']}")
            continue
        # One level can carry several changes (one indicator each): take the best fit.
        best = max(candidates, key=lambda i: (_change_right(i, label), _name_right(i, label)))
        result.found += 1
        kind_ok = best.kind == label["kind"]
        period_ok = best.period == label["period"]
        name_ok = _name_right(best, label)
        change_ok = _change_right(best, label)
        value_ok = best.value == label["value"] and best.unit == label["unit"]
        result.kind += kind_ok
        result.period += period_ok
        result.name += name_ok
        result.change += change_ok
        if kind_ok and period_ok and name_ok and change_ok and value_ok:
            result.full += 1
        else:
            got = f"{best.name}|{best.value}{best.unit}|{best.change and best.change.value}|{best.kind}|{best.period}"
            want = f"{label['name']}|{label['value']}{label['unit']}|{label.get('change')}|{label['kind']}|{label['period']}"
            result.misses.append(f"{label['context']}: got {got}, want {want}")
    return result


def tracking_kinds() -> Counter[tuple[str, str]]:
    """(expected kind, extracted kind) over the tracking answer key's quotes; "missing" when none is found."""
    key = json.loads((FIXTURES / "tracking" / "expected.json").read_text(encoding="utf-8"))
    confusion: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str, str]] = set()
    for pair in key["pairs"]:
        quotes = [
            (pair["target_report"], item["target_quote"], item["target_raw"], "target")
            for item in pair["items"] + pair.get("targets_without_actual", [])
        ]
        quotes += [
            (pair["review_report"], item["actual_quote"], item["actual_raw"], "actual")
            for item in pair["items"]
        ]
        for file, quote, raw, kind in quotes:
            if (file, quote, raw) in seen:
                continue
            seen.add((file, quote, raw))
            text, indicators = _report(f"tracking/{file}")
            start, end = _position(text, quote, raw)
            hits = [i for i in indicators if _level_at(i, start, end)]
            if not hits:  # a change stated with a level: the change's raw is not the level's
                hits = [
                    i
                    for i in indicators
                    if i.change is not None
                    and i.change.raw in raw
                    and i.evidence.start <= start
                    and end <= i.evidence.end
                ]
            confusion[(kind, hits[0].kind if hits else "missing")] += 1
    return confusion


def seed_kinds(labels: list[dict[str, object]]) -> Counter[tuple[str, str]]:
    """(labelled kind, extracted kind) over labels; "missing" when the figure is not found."""
    confusion: Counter[tuple[str, str]] = Counter()
    for label in labels:
        text, indicators = _report(str(label["file"]))
        start, end = _position(text, str(label["context"]), str(label["raw"]))
        hits = [i for i in indicators if _level_at(i, start, end)]
        confusion[(str(label["kind"]), hits[0].kind if hits else "missing")] += 1
    return confusion
