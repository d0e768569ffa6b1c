"""The LLM engine under an endpoint that fails at random: does every report still complete?

    .venv/bin/python bench/faults.py [--reports 50] [--seed 7] [--concurrency 8]

The scripted server (tests/fake_openai.py) answers each chat call with one of:

    20% 5xx   10% 429   10% timeout   10% malformed JSON   10% schema-breaking JSON
     5% truncated (finish_reason "length")   35% a good answer citing the material

`--reports` reports (the seeds, repeated) go through `summarize()` with the LLM
engine, short timeouts and a short retry policy.  For every report we check
that it completed, that its spans quote the text, and that each section came
either from the model or from the marked extractive fallback
(`engine.fallbacks`, with an `llm_fallback` warning).  Printed: reports done,
sections from the model vs the fallback, calls, network retries, re-asks,
the slowest report and the wall time.  Nothing is asserted beyond the
invariants above: read the numbers.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.config import Settings  # noqa: E402
from summarizer.engines.llm import client as llm_client  # noqa: E402
from summarizer.engines.llm import engine as llm_engine  # noqa: E402
from summarizer.pipeline import summarize  # noqa: E402
from summarizer.schema import ReportSummary  # noqa: E402
from tests.fake_openai import (  # noqa: E402
    FAKE_MODEL,
    FakeLLM,
    FakeResponse,
    content_answer,
    cooperative_answer,
    error,
    json_answer,
)

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
TIMEOUT_S = 0.5  # the client's per-attempt timeout; a scripted timeout answers after twice that
FAST_RETRY = llm_client.RetryPolicy(
    max_attempts=4, backoff_initial=0.05, backoff_max=0.3, retry_after_cap=0.3, deadline=4.0
)
# (name, share of calls), in the order the dice are read.
FAULTS: list[tuple[str, float]] = [
    ("5xx", 0.20),
    ("429", 0.10),
    ("timeout", 0.10),
    ("malformed_json", 0.10),
    ("schema_breaking", 0.10),
    ("truncated", 0.05),
    ("good", 0.35),
]


class FastRetryClient(llm_client.LLMClient):
    """The real client with a short network retry policy, so the bench runs in minutes."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        kwargs.setdefault("retry", FAST_RETRY)
        super().__init__(settings, **kwargs)


class RetryCounter(logging.Handler):
    """Counts the client's "retry i/n" warnings: one per network retry."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retry" in record.getMessage():
            self.retries += 1


def good_answer(request: dict[str, Any]) -> dict[str, Any]:
    return json_answer(cooperative_answer(request))


class FaultyModel:
    """Answers each call with a fault drawn from `FAULTS` (seeded), and counts what it served."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.served: Counter[str] = Counter()

    def draw(self) -> str:
        with self._lock:
            roll = self._random.random()
        for name, share in FAULTS:
            if roll < share:
                return name
            roll -= share
        return "good"

    def __call__(self, request: dict[str, Any]) -> FakeResponse | dict[str, Any]:
        fault = self.draw()
        with self._lock:
            self.served[fault] += 1
        match fault:
            case "5xx":
                return error(random.choice([500, 502, 503]), "upstream overloaded", code="server_error")
            case "429":
                return error(429, "rate limited", code="rate_limit_exceeded", headers={"Retry-After": "0.1"})
            case "timeout":
                return FakeResponse(delay=TIMEOUT_S * 2, body=good_answer(request))
            case "malformed_json":
                return content_answer('{"sentences": [{"text": "本部分概述", "quotes": [')
            case "schema_breaking":
                return json_answer({"sentences": "这不是一个列表", "overview": 3})
            case "truncated":
                return content_answer('{"sentences": [{"text": "本部分', finish_reason="length")
        return good_answer(request)


def check_report(text: str, summary: ReportSummary) -> tuple[int, int]:
    """(sections from the model, sections from the fallback); raises on a broken invariant."""
    for span in summary.all_spans():
        if text[span.start : span.end] != span.quote:
            raise AssertionError(f"span {span.start}:{span.end} does not quote the text")
    section_ids = {s.id for s in summary.sections}
    fallen = set(summary.engine.fallbacks) - {"reduce"}
    if not fallen <= section_ids:
        raise AssertionError(f"fallbacks name unknown sections: {sorted(fallen - section_ids)}")
    if summary.engine.fallbacks and not any(w.code == "llm_fallback" for w in summary.source.warnings):
        raise AssertionError("a fallback without its llm_fallback warning")
    return len(section_ids - fallen), len(fallen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault dice")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    llm_engine.LLMClient = FastRetryClient  # type: ignore[misc]
    counter = RetryCounter()
    logging.getLogger("summarizer.engines.llm.client").addHandler(counter)
    logging.getLogger("summarizer.engines.llm.client").propagate = False  # keep the output to the table
    model = FaultyModel(args.seed)
    fake = FakeLLM().start()
    fake.script(handler=model)
    settings = Settings(
        engine="llm",
        base_url=fake.base_url,
        model=FAKE_MODEL,
        api_key="sk-bench-faults",
        json_mode="json_schema",
        concurrency=args.concurrency,
        timeout=TIMEOUT_S,
        cache=None,  # every report asks the endpoint again
    )
    texts = [SEEDS[i % len(SEEDS)].read_text(encoding="utf-8") for i in range(args.reports)]
    done = failed = from_model = from_fallback = reduce_fallbacks = calls = 0
    slowest = 0.0
    started = time.perf_counter()
    try:
        for text in texts:
            report_started = time.perf_counter()
            try:
                summary = summarize(text, settings)
            except Exception as e:  # counted and shown: the point of the bench is that this stays 0
                failed += 1
                print(f"report failed: {type(e).__name__}: {e}")
                continue
            slowest = max(slowest, time.perf_counter() - report_started)
            model_sections, fallback_sections = check_report(text, summary)
            from_model += model_sections
            from_fallback += fallback_sections
            reduce_fallbacks += "reduce" in summary.engine.fallbacks
            calls += summary.engine.calls
            done += 1
    finally:
        fake.stop()
    wall = time.perf_counter() - started
    reasks = sum(1 for r in fake.chat_requests if len(r.json.get("messages", [])) > 2)
    served = ", ".join(f"{name} {model.served[name]}" for name, _ in FAULTS)
    print(f"faults served ({sum(model.served.values())} calls): {served}")
    print(f"reports done {done}/{len(texts)}, failed {failed}")
    print(f"sections from the model {from_model}, from the extractive fallback {from_fallback}")
    print(f"reduce from the fallback in {reduce_fallbacks} reports")
    print(
        f"calls {calls} (server saw {len(fake.chat_requests)}), network retries {counter.retries}, re-asks {reasks}"
    )
    print(f"slowest report {slowest:.2f} s, wall time {wall:.1f} s for {len(texts)} reports")
    print(f"retry policy: {FAST_RETRY}, timeout {TIMEOUT_S} s")


if __name__ == "__main__":
    main()
