"""Wall time, round trips and prompt tokens of the LLM engine against a scripted remote server.

    .venv/bin/python bench/llm.py [--latency 2] [--batch 20] [SEED_PREFIX ...]

The scripted server (tests/fake_openai.py) answers every call after `--latency`
seconds, like a cooperative model citing a line of what it was given, and
reports as prompt tokens the cl100k tokens of what it received.  It stands for
a remote provider, so the engine runs with its defaults but the parallel
strategy (the server is on 127.0.0.1, which the auto strategy would take for a
local one).  For each seed report the table shows the calls, the waves of
calls (requests arriving within half a latency of the one before belong to
one wave), the wall time in round trips (wall / latency), prompt tokens beside
the report's own tokens, and the item re-asks.  Goals (measured, not asserted):

    round trips   ≤ 3 for seed 000 (every chunk and the reduce in the first wave)
    prompt tokens ≤ 2 × report tokens for a run with no re-ask

Then a second run of seed 000 over the same cache, which must make zero calls,
and unless `--batch 0`, a batch of `--batch` reports (bench/llm_batch.py, 0.3 s
per call, 16 calls at once over the whole batch).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.config import Settings  # noqa: E402
from summarizer.engines.llm import engine as llm_engine  # noqa: E402
from summarizer.engines.llm.plan import plan_calls  # noqa: E402
from summarizer.pipeline import prepare  # noqa: E402
from summarizer.text.sentences import count_tokens  # noqa: E402
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, cooperative_answer, json_answer  # noqa: E402

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


def request_tokens(request: dict[str, Any]) -> int:
    """What a server would count as prompt tokens: the messages and the schema it was sent."""
    text = "".join(m.get("content") or "" for m in request.get("messages", []))
    extra = json.dumps(request.get("response_format") or request.get("tools") or "", ensure_ascii=False)
    return count_tokens(text) + count_tokens(extra)


def answer_with_usage(request: dict[str, Any]) -> dict[str, Any]:
    """The cooperative answer, with the token counts a real server would report."""
    data = cooperative_answer(request, sentences=3)
    answer = json.dumps(data, ensure_ascii=False)
    return json_answer(data, prompt_tokens=request_tokens(request), completion_tokens=count_tokens(answer))


def waves(arrivals: list[float], latency: float) -> int:
    """Groups of requests: a request arriving more than half a latency after the one before starts a new one."""
    times = sorted(arrivals)
    return sum(1 for i, t in enumerate(times) if i == 0 or t - times[i - 1] > latency / 2)


def bench_seed(path: Path, fake: FakeLLM, latency: float, cache: str | None) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    settings = Settings(
        base_url=fake.base_url, model=FAKE_MODEL, api_key="sk-bench", strategy="parallel", cache=cache
    )
    ctx = prepare(text, settings)
    plan = plan_calls(ctx, settings)
    fake.script(handler=lambda request: FakeResponse(body=answer_with_usage(request), delay=latency))
    before = len(fake.chat_requests)
    started = time.perf_counter()
    summary = llm_engine.summarize_llm(ctx, settings)
    wall = time.perf_counter() - started
    requests = fake.chat_requests[before:]
    return {
        "seed": path.name[:3],
        "chunks": len(plan.calls),
        "calls": summary.engine.calls,
        "waves": waves([r.received_at for r in requests], latency),
        "wall": wall,
        "prompt": summary.engine.prompt_tokens,
        "report": count_tokens(text),
        "reasks": sum(len(r.json["messages"]) > 2 for r in requests),
        "fallbacks": len(summary.engine.fallbacks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="*", help="seed file name prefixes (default: all)")
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per scripted call")
    parser.add_argument("--batch", type=int, default=20, help="reports in the batch run afterwards (0: none)")
    args = parser.parse_args()
    paths = [p for p in SEEDS if not args.seeds or any(p.name.startswith(s) for s in args.seeds)]

    print(
        f"latency {args.latency:.2f} s per call; defaults with strategy parallel (json_mode auto, no cache)"
    )
    header = (
        f"{'seed':<5}{'chunks':>7}{'calls':>6}{'waves':>6}{'wall s':>8}{'trips':>6}"
        f"{'prompt tok':>11}{'report tok':>11}{'p/r':>6}{'reasks':>7}{'fallbk':>7}"
    )
    print(header)
    fake = FakeLLM().start()
    try:
        for path in paths:
            row = bench_seed(path, fake, args.latency, None)
            print(
                f"{row['seed']:<5}{row['chunks']:>7}{row['calls']:>6}{row['waves']:>6}{row['wall']:>8.2f}"
                f"{row['wall'] / args.latency:>6.2f}{row['prompt']:>11}{row['report']:>11}"
                f"{row['prompt'] / row['report']:>6.2f}{row['reasks']:>7}{row['fallbacks']:>7}"
            )
        with tempfile.TemporaryDirectory() as tmp:
            cache = str(Path(tmp) / "cache.sqlite3")
            first = bench_seed(paths[0], fake, args.latency, cache)
            second = bench_seed(paths[0], fake, args.latency, cache)
            print(
                f"cache: seed {first['seed']} first run {first['calls']} calls, second run {second['calls']} calls"
            )
    finally:
        fake.stop()
    print("goals: trips ≤ 3 for seed 000; p/r ≤ 2 for a run with no re-ask; second run 0 calls")
    if args.batch:
        import llm_batch  # bench/ is this script's directory, first on sys.path

        print()
        llm_batch.run(args.batch, latency=0.3, concurrency=16)


if __name__ == "__main__":
    main()
