"""What the model judge adds to the rules, on the hand-labelled abstractive set.

    OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 SUMMARIZER_MODEL=NAME .venv/bin/python bench/judge.py \
        [--split dev|holdout|all] [--sources 3] [--json-mode auto]
    .venv/bin/python bench/judge.py --scripted 2.0      # the scripted server (tests/fake_openai.py), 2 s a call

Every claim of the set is checked by the rules, then judged by the configured
model (one call per part of each report), as `summarizer verify --judge` does.
Prints, per label: flagged by the rules alone, by the model alone (any verdict
but "supported"), and combined (the rules' flags stand; the model may add
flags); then calls and seconds.  scripts/live_llm.sh starts a local Qwen for
it (LIVE_BENCH=judge); any OpenAI-compatible endpoint works.  `--scripted S`
runs against the scripted server instead, which answers "supported" to every
claim after S seconds: the calls and the wall time of the plumbing alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings  # noqa: E402
from summarizer.pipeline import judge_result  # noqa: E402
from summarizer.schema import Claim, Engine, ReportSummary, Source  # noqa: E402
from summarizer.verification.check import verify_summary  # noqa: E402
from summarizer.verification.claims import FreeTextResult  # noqa: E402
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, json_answer  # noqa: E402

SET_DIR = ROOT / "fixtures" / "verify" / "abstractive"


def _scripted(latency: float) -> FakeLLM:
    """The scripted server, agreeing with every claim it is asked about after `latency` seconds."""
    fake = FakeLLM().start()

    def agree(request: dict[str, Any]) -> FakeResponse:
        ids = re.findall(r"^\[(\w[\w-]*)\] 摘要句", request["messages"][1]["content"], re.M)
        verdicts = [{"id": i, "verdict": "supported", "reason": "依据中有"} for i in ids]
        return FakeResponse(body=json_answer({"verdicts": verdicts}), delay=latency)

    fake.script(handler=agree)
    return fake


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["dev", "holdout", "all"], default="all")
    parser.add_argument("--sources", type=int, default=0, help="only the first N source reports (0: all)")
    parser.add_argument("--json-mode", default=None)
    parser.add_argument(
        "--scripted", type=float, default=None, help="seconds per call of the scripted server"
    )
    args = parser.parse_args()
    settings = Settings.from_env(json_mode=args.json_mode)
    if args.scripted is not None:
        fake = _scripted(args.scripted)
        settings = Settings(
            base_url=fake.base_url, model=FAKE_MODEL, api_key="sk-bench", json_mode="json_schema"
        )

    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    for path in sorted(SET_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if args.split in ("all", row["split"]):
                by_source[row["source"]].append(row)
    sources = list(by_source.items())[: args.sources or None]

    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    calls = failed = 0
    started = time.perf_counter()
    for source, rows in sources:
        with (ROOT / "fixtures" / source).open(encoding="utf-8", newline="") as handle:
            text = handle.read()
        claims = [Claim(id=row["id"], text=row["claim"]) for row in rows]
        summary = ReportSummary(
            source=Source(sha256=hashlib.sha256(text.encode()).hexdigest(), chars=len(text), text=text),
            engine=Engine(name="extractive"),
            achievements=claims,
        )
        ruled = verify_summary(text, summary)
        result = FreeTextResult(claims=ruled.all_claims(), verification=ruled.verification)
        began = time.perf_counter()
        judged = judge_result(text, result, settings)
        run = judged.judge
        calls += run.calls if run else 0
        failed += run.failed_calls if run else 0
        print(
            f"{source}: {len(rows)} claims, {run.calls if run else 0} calls, {time.perf_counter() - began:.0f} s"
        )
        for row, claim in zip(rows, judged.claims, strict=True):
            label = row["label"]
            rules_flag = (claim.rules_support or claim.support) != "supported"
            model_flag = claim.judge is not None and claim.judge.verdict != "supported"
            tally[(label, "rules")][0] += rules_flag
            tally[(label, "model")][0] += model_flag
            tally[(label, "combined")][0] += claim.support != "supported"
            tally[(label, "judged")][0] += claim.judge is not None
            for key in ("rules", "model", "combined", "judged"):
                tally[(label, key)][1] += 1
    elapsed = time.perf_counter() - started
    print(f"\nmodel {settings.model} at {settings.base_url_host}; split {args.split}; {len(sources)} reports")
    for label in ("faithful", "wrong"):
        n = tally[(label, "rules")][1]
        if not n:
            continue
        cells = ", ".join(
            f"{key} {tally[(label, key)][0]}/{n} ({tally[(label, key)][0] / n:.0%})"
            for key in ("rules", "model", "combined")
        )
        print(f"{label:8} flagged: {cells}; judged {tally[(label, 'judged')][0]}/{n}")
    print(f"calls {calls} ({failed} failed), {elapsed:.0f} s in all")


if __name__ == "__main__":
    main()
