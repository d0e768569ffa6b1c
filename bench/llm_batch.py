"""A 20-report LLM batch against the scripted server: wall time beside the sequential sum of its calls.

    .venv/bin/python bench/llm_batch.py [--reports 20] [--latency 0.3] [--concurrency 16]

The scripted server (tests/fake_openai.py) answers every call after a fixed
`--latency`, like a cooperative model citing a line of what it was given.  The
batch runs its reports at once under one limit of `--concurrency` calls, so
its wall time should approach `calls x latency / concurrency` (plus the
offline stages), far below the sequential sum `calls x latency`.  A second run
over the same reports with the same cache must make zero calls.
Nothing is asserted: read the table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.batch.run import run_batch  # noqa: E402
from summarizer.config import Settings  # noqa: E402
from tests.fake_openai import (  # noqa: E402
    FAKE_MODEL,
    FakeLLM,
    FakeResponse,
    cooperative_answer,
    json_answer,
)

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


def shift_digits(text: str, shift: int) -> str:
    return re.sub(r"[0-9]", lambda m: str((int(m.group(0)) + shift) % 10), text)


def make_reports(directory: Path, count: int) -> list[Path]:
    """`count` distinct reports from the seeds: digits shifted per copy."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        seed = SEEDS[n % len(SEEDS)]
        text = shift_digits(seed.read_text("utf-8"), 1 + n // len(SEEDS))
        path = directory / f"{n:03d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per scripted call")
    parser.add_argument("--concurrency", type=int, default=16, help="model calls at once, over the batch")
    args = parser.parse_args()
    run(args.reports, args.latency, args.concurrency)


def run(reports: int, latency: float, concurrency: int) -> None:
    """The batch twice (the second time from the cache), one table row per run; bench/llm.py runs it too."""
    in_flight, peak, lock = [0], [0], threading.Lock()

    def model(request: dict[str, Any]) -> FakeResponse:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(latency)
        with lock:
            in_flight[0] -= 1
        return FakeResponse(body=json_answer(cooperative_answer(request)))

    fake = FakeLLM().start()
    fake.script(handler=model)
    try:
        with tempfile.TemporaryDirectory(prefix="summarizer-llm-batch-") as tmp:
            base = Path(tmp)
            paths = make_reports(base / "in", reports)
            settings = Settings(
                engine="llm",
                base_url=fake.base_url,
                model=FAKE_MODEL,
                api_key="sk-bench",
                json_mode="json_schema",
                concurrency=concurrency,
                cache=str(base / "cache.sqlite3"),
            )
            print(f"{len(paths)} reports, latency {latency:.2f} s per call, concurrency {concurrency}")
            print(
                f"{'run':<8}{'calls':>7}{'wall s':>9}{'sequential s':>14}{'speed-up':>10}{'peak calls':>12}{'fallbacks':>11}"
            )
            for label in ("first", "cached"):
                before = len(fake.chat_requests)
                peak[0] = 0
                started = time.perf_counter()
                stats = run_batch(paths, base / f"{label}.jsonl", settings, progress=False)
                wall = time.perf_counter() - started
                calls = len(fake.chat_requests) - before
                lines = [json.loads(x) for x in (base / f"{label}.jsonl").read_text("utf-8").splitlines()]
                fallbacks = sum(len(x["engine"]["fallbacks"]) for x in lines if "engine" in x)
                sequential = calls * latency
                speedup = sequential / wall if calls else 0.0
                print(
                    f"{label:<8}{calls:>7}{wall:>9.2f}{sequential:>14.2f}{speedup:>10.1f}{peak[0]:>12}{fallbacks:>11}"
                )
                if stats.failed:
                    print(f"  {stats.failed} reports failed")
    finally:
        fake.stop()
    print("sequential s = calls x latency: what one call at a time would take, the model's time alone")


if __name__ == "__main__":
    main()
