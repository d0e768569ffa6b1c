"""Benchmark of verification: accuracy on the adversarial and abstractive sets, and time per report.

    .venv/bin/python bench/verify.py [--runs 15]

Prints, for claims citing their evidence and for the same claims as free text,
the share of corrupted claims flagged (must be 100%) and of faithful claims
flagged (at most 2%); then the abstractive set (fixtures/verify/abstractive/),
dev and holdout apart: faithful claims flagged and wrong claims flagged, per
kind; then, per seed and for a 20,000-character report made of three seeds,
the median time to verify a whole summary of 60 claims (with their evidence,
and without), a free-text summary, and 60 abstractive claims of the set.
Measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from summarizer.schema import Claim, Engine, ReportSummary, Source, Span
from summarizer.verification.check import verify_summary
from summarizer.verification.claims import verify_free_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
VERIFY = ROOT / "fixtures" / "verify"
CLAIMS_PER_SUMMARY = 60
CITED_ONLY_KINDS = {"moved_in_section", "moved_other_section"}


def load_set(path: Path) -> tuple[str, list[tuple[str, list[Span], str, bool]]]:
    """(seed text, [(claim text, cited evidence, kind, corrupted)]) of one adversarial file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    text = (SEEDS / data["seed"]).read_text(encoding="utf-8")
    cases: list[tuple[str, list[Span], str, bool]] = []
    for item in data["claims"]:
        evidence = []
        for quote in item["evidence"]:
            start = text.index(quote)
            evidence.append(Span.of(text, start, start + len(quote)))
        cases.append((item["text"], evidence, "faithful", False))
        cases += [(v["text"], evidence, v["kind"], False) for v in item["variants"]]
        cases += [(v["text"], evidence, v["kind"], True) for v in item["corruptions"]]
    return text, cases


def load_abstractive() -> list[dict[str, str]]:
    """The hand-labelled abstractive claims, each with its source text under "text"."""
    rows = []
    texts: dict[str, str] = {}
    for path in sorted((VERIFY / "abstractive").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["source"] not in texts:
                with (ROOT / "fixtures" / row["source"]).open(encoding="utf-8", newline="") as handle:
                    texts[row["source"]] = handle.read()
            rows.append(row | {"text": texts[row["source"]]})
    return rows


def abstractive_accuracy(rows: list[dict[str, str]]) -> None:
    """Faithful and wrong claims flagged, per split and kind (each claim checked alone, as free text)."""
    for split in ("dev", "holdout"):
        counts: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            if row["split"] != split:
                continue
            result = verify_free_text(row["text"], row["claim"])
            flagged = not result.claims or any(c.support != "supported" for c in result.claims)
            tally = counts.setdefault((row["label"], row["kind"]), [0, 0])
            tally[0] += flagged
            tally[1] += 1
        print(f"\nabstractive set, {split}: claims flagged per kind")
        for label in ("faithful", "wrong"):
            kinds = sorted(k for lab, k in counts if lab == label)
            flagged = sum(counts[(label, k)][0] for k in kinds)
            total = sum(counts[(label, k)][1] for k in kinds)
            print(f"  {label:8} {flagged:3}/{total:<3} ({flagged / total:.1%})")
            for kind in kinds:
                f, n = counts[(label, kind)]
                print(f"    {kind:17} {f:2}/{n:<2} ({f / n:.0%})")


def make_summary(text: str, claims: list[Claim]) -> ReportSummary:
    source = Source(sha256=hashlib.sha256(text.encode()).hexdigest(), chars=len(text), text=text)
    return ReportSummary(source=source, engine=Engine(name="extractive"), achievements=claims)


def timed(runs: int, action: Callable[[], object]) -> str:
    """ "median (fastest)" milliseconds of `runs` calls; the fastest shows the cost without other load."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return f"{statistics.median(times):6.1f} ({min(times):5.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    sets = {path.name[:3]: load_set(path) for path in sorted(VERIFY.glob("[0-9]*.json"))}

    for cited in (True, False):
        corrupted = flagged = faithful = false_flags = 0
        for text, cases in sets.values():
            claims = [
                Claim(id=f"c{n}", text=t, evidence=e if cited else []) for n, (t, e, _, _) in enumerate(cases)
            ]
            checked = verify_summary(text, make_summary(text, claims)).all_claims()
            for (_, _, kind, is_corrupted), claim in zip(cases, checked, strict=True):
                if is_corrupted and (cited or kind not in CITED_ONLY_KINDS):
                    corrupted += 1
                    flagged += claim.support != "supported"
                elif not is_corrupted:
                    faithful += 1
                    false_flags += claim.support != "supported"
        mode = "cited evidence" if cited else "free text     "
        print(
            f"{mode}: corrupted flagged {flagged}/{corrupted} ({flagged / corrupted:.1%}), "
            f"faithful flagged {false_flags}/{faithful} ({false_flags / faithful:.1%})"
        )

    abstractive = load_abstractive()
    abstractive_accuracy(abstractive)

    print(
        f"\nmilliseconds, median (fastest) wall of {args.runs} runs; {CLAIMS_PER_SUMMARY} claims per summary"
    )
    print("seed   chars  cited evidence  no evidence     free-text summary (seed 003's)  abstractive")
    free_text = (VERIFY / "free_text_003.md").read_text(encoding="utf-8")
    # A county-sized report of about 20,000 characters: three seeds one after another.
    joined = "\n".join(sets[name][0] for name in ("000", "002", "003"))
    joined_cases = [
        (t, [Span.of(joined, joined.index(e.quote), joined.index(e.quote) + len(e.quote)) for e in ev], k, c)
        for name in ("000", "002", "003")
        for t, ev, k, c in sets[name][1]
    ]
    rows = [*sets.items(), ("all", (joined, joined_cases))]
    for name, (text, cases) in rows:
        chosen = (cases * (CLAIMS_PER_SUMMARY // len(cases) + 1))[:CLAIMS_PER_SUMMARY]
        cited_claims = [Claim(id=f"c{n}", text=t, evidence=e) for n, (t, e, _, _) in enumerate(chosen)]
        free_claims = [Claim(id=f"c{n}", text=t) for n, (t, _, _, _) in enumerate(chosen)]
        cited_summary = make_summary(text, cited_claims)
        free_summary = make_summary(text, free_claims)
        with_evidence = timed(args.runs, partial(verify_summary, text, cited_summary))
        without_evidence = timed(args.runs, partial(verify_summary, text, free_summary))
        markdown = timed(args.runs, partial(verify_free_text, text, free_text))
        # The set's own claims of these seeds, as an LLM summary of them would read.
        seeds = ("000", "002", "003") if name == "all" else (name,)
        own = [r["claim"] for r in abstractive if Path(r["source"]).name[:3] in seeds]
        own = (own * (CLAIMS_PER_SUMMARY // len(own) + 1))[:CLAIMS_PER_SUMMARY]
        own_summary = make_summary(text, [Claim(id=f"c{n}", text=t) for n, t in enumerate(own)])
        abstract = timed(args.runs, partial(verify_summary, text, own_summary))
        print(
            f"{name:5} {len(text):6d}  {with_evidence}  {without_evidence}  {markdown}                  {abstract}"
        )


if __name__ == "__main__":
    main()
