"""Checks the hand-labelled abstractive claim set in fixtures/verify/abstractive/.

The set measures a claim checker that does not exist yet, so these tests check the data
itself: the schema, that every evidence quote is really in its source, the label rules and
the counts per kind and split (see fixtures/verify/abstractive/README.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEVSET_DIR = FIXTURES / "verify" / "abstractive"

KEYS = frozenset({"id", "source", "claim", "label", "kind", "evidence", "reason", "split"})
FAITHFUL_KINDS = frozenset({"near_verbatim", "reworded", "merged", "characterisation"})
WRONG_KINDS = frozenset(
    {
        "evaluative",
        "modality_done",
        "modality_plan",
        "direction",
        "attribution",
        "repeated_figure",
        "code_digits",
        "link",
        "cause",
        "unstated",
        "figure",
    }
)
SPLITS = frozenset({"dev", "holdout"})
ID_RE = re.compile(r"^(?:00[0-4]|h1[45]|n1[34])-\d{2}$")
SOURCES = (
    "seeds/000_d8f1d79376eff192.txt",
    "seeds/001_08af8ba22e60be61.txt",
    "seeds/002_f84413ca2bb7db7d.txt",
    "seeds/003_c2f9cf5b24e8760e.txt",
    "seeds/004_a1402d6e438c0524.txt",
    "tracking/hailar_2014.txt",
    "tracking/hailar_2015.txt",
    "tracking/national_2013.txt",
    "tracking/national_2014.txt",
)

MIN_CLAIMS = 200
MIN_FAITHFUL = 90
MIN_FAITHFUL_KIND = {"reworded": 20, "merged": 20, "characterisation": 12, "near_verbatim": 1}
MIN_WRONG_KIND = 12
MIN_PER_SOURCE = 15


@cache
def source_text(rel: str) -> str:
    """A source file as UTF-8 text with its line endings kept (CRLF in the hailar files)."""
    with (FIXTURES / rel).open(encoding="utf-8", newline="") as fh:
        return fh.read()


def devset_files() -> list[Path]:
    return sorted(DEVSET_DIR.glob("*.jsonl"))


@cache
def load_records() -> tuple[tuple[str, int, dict[str, Any]], ...]:
    """(file name, line number, record) for every line of every JSONL file."""
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for path in devset_files():
        with path.open(encoding="utf-8", newline="") as fh:
            for lineno, line in enumerate(fh, 1):
                assert line.endswith("\n"), f"{path.name}:{lineno}: no final newline"
                rows.append((path.name, lineno, json.loads(line)))
    return tuple(rows)


def record_problems(record: dict[str, Any], file_name: str) -> list[str]:
    """Every rule a single record breaks; empty when it is valid."""
    problems: list[str] = []
    keys = set(record)
    if keys != KEYS:
        return [f"keys {sorted(keys)} != {sorted(KEYS)}"]
    cid, source, claim = record["id"], record["source"], record["claim"]
    label, kind, evidence = record["label"], record["kind"], record["evidence"]
    reason, split = record["reason"], record["split"]
    for name in ("id", "source", "claim", "label", "kind", "reason", "split"):
        if not isinstance(record[name], str):
            problems.append(f"{name} is not a string")
    if problems:
        return problems
    if not ID_RE.match(cid):
        problems.append(f"bad id {cid!r}")
    if source not in SOURCES:
        problems.append(f"unknown source {source!r}")
        return problems
    if Path(source).stem + ".jsonl" != file_name:
        problems.append(f"source {source} is not the file's source ({file_name})")
    if split not in SPLITS:
        problems.append(f"bad split {split!r}")
    if label == "faithful":
        if kind not in FAITHFUL_KINDS:
            problems.append(f"kind {kind!r} is not a faithful kind")
        if reason != "":
            problems.append("a faithful claim has a reason")
    elif label == "wrong":
        if kind not in WRONG_KINDS:
            problems.append(f"kind {kind!r} is not a wrong kind")
        if " / " not in reason or "\n" in reason:
            problems.append("a wrong claim's reason must be one line 'Chinese / English'")
    else:
        problems.append(f"bad label {label!r}")
    if not claim.strip() or "\n" in claim:
        problems.append("empty or multi-line claim")
    if not isinstance(evidence, list) or not 1 <= len(evidence) <= 3:
        problems.append("evidence must be a list of 1 to 3 quotes")
        return problems
    text = source_text(source)
    for quote in evidence:
        if not isinstance(quote, str) or not quote:
            problems.append(f"bad quote {quote!r}")
            continue
        if "\n" in quote or "\r" in quote:
            problems.append(f"quote spans a line break: {quote!r}")
        if quote not in text:
            problems.append(f"quote not in {source}: {quote!r}")
    if label == "wrong" and claim in evidence:
        problems.append("a wrong claim is identical to one of its evidence quotes")
    return problems


def test_files_exist_one_per_source() -> None:
    names = {p.name for p in devset_files()}
    assert names == {Path(s).stem + ".jsonl" for s in SOURCES}


def test_every_record_is_valid() -> None:
    rows = load_records()
    assert rows, "no records"
    failures = [
        f"{name}:{lineno} {record.get('id')}: {problem}"
        for name, lineno, record in rows
        for problem in record_problems(record, name)
    ]
    assert not failures, "\n".join(failures)


def test_ids_unique_across_files() -> None:
    counts = Counter(record["id"] for _, _, record in load_records())
    duplicates = sorted(cid for cid, n in counts.items() if n > 1)
    assert not duplicates, duplicates


def test_counts_per_label_and_kind() -> None:
    records = [record for _, _, record in load_records()]
    labels = Counter(r["label"] for r in records)
    kinds = Counter(r["kind"] for r in records)
    assert len(records) >= MIN_CLAIMS
    assert labels["faithful"] >= MIN_FAITHFUL
    short = {k: kinds[k] for k, n in MIN_FAITHFUL_KIND.items() if kinds[k] < n}
    short |= {k: kinds[k] for k in WRONG_KINDS if kinds[k] < MIN_WRONG_KIND}
    assert not short, f"kinds below their minimum: {short}"


def test_every_kind_has_holdout_and_dev() -> None:
    pairs = Counter((r["kind"], r["split"]) for _, _, r in load_records())
    missing = sorted(
        f"{kind}/{split}"
        for kind in FAITHFUL_KINDS | WRONG_KINDS
        for split in SPLITS
        if not pairs[kind, split]
    )
    assert not missing, missing


def test_every_source_is_covered() -> None:
    per_source = Counter(r["source"] for _, _, r in load_records())
    thin = {s: per_source[s] for s in SOURCES if per_source[s] < MIN_PER_SOURCE}
    assert not thin, thin
    holdout_sources = {r["source"] for _, _, r in load_records() if r["split"] == "holdout"}
    assert holdout_sources == set(SOURCES)


def test_wrong_claims_are_not_copies_of_the_source() -> None:
    copies = [
        r["id"]
        for _, _, r in load_records()
        if r["label"] == "wrong" and r["claim"] in source_text(r["source"])
    ]
    assert not copies, copies


# ---------------------------------------------------------------------------
# The checks themselves must be able to fail.

GOOD = {
    "id": "003-99",
    "source": "seeds/003_c2f9cf5b24e8760e.txt",
    "claim": "涌山镇地区生产总值83.98亿元，同比下降2.3%",
    "label": "wrong",
    "kind": "direction",
    "evidence": ["地区生产总值83.98亿元，同比增长2.3%"],
    "reason": "原文为增长，摘要写下降 / the source says it grew, the claim says it fell",
    "split": "dev",
}


def test_good_record_passes() -> None:
    assert record_problems(dict(GOOD), "003_c2f9cf5b24e8760e.jsonl") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"extra": 1}, "keys", id="extra-key"),
        pytest.param({"label": "right"}, "bad label", id="label"),
        pytest.param({"kind": "reworded"}, "not a wrong kind", id="kind-label-mismatch"),
        pytest.param({"split": "test"}, "bad split", id="split"),
        pytest.param({"reason": "原文为增长"}, "reason", id="reason-without-english"),
        pytest.param(
            {"evidence": ["地区生产总值83.98亿元,同比增长2.3%"]}, "quote not in", id="half-width-comma"
        ),
        pytest.param({"evidence": ["一、2023年工作回顾\n"]}, "line break", id="line-break"),
        pytest.param({"evidence": []}, "1 to 3", id="no-evidence"),
        pytest.param({"claim": "地区生产总值83.98亿元，同比增长2.3%"}, "identical", id="wrong-equals-quote"),
        pytest.param({"source": "seeds/000_d8f1d79376eff192.txt"}, "not the file's source", id="wrong-file"),
        pytest.param({"id": "3-99"}, "bad id", id="id"),
    ],
)
def test_bad_record_is_caught(change: dict[str, Any], expected: str) -> None:
    record = dict(GOOD) | change
    problems = record_problems(record, "003_c2f9cf5b24e8760e.jsonl")
    assert any(expected in p for p in problems), problems


def test_faithful_record_with_reason_is_caught() -> None:
    record = dict(GOOD) | {"label": "faithful", "kind": "reworded", "claim": "涌山镇地区生产总值增长2.3%"}
    assert record_problems(record, "003_c2f9cf5b24e8760e.jsonl") == ["a faithful claim has a reason"]


def test_crlf_kept_when_reading_sources() -> None:
    assert "\r\n" in source_text("tracking/hailar_2014.txt")
