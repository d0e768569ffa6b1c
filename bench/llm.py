"""Wall time and prompt tokens of the LLM engine against a scripted server with a fixed latency.

    .venv/bin/python bench/llm.py [--latency 0.5] [--concurrency 32] [--batch 20] [SEED_PREFIX ...]

The scripted server (tests/fake_openai.py) answers every call after `--latency`
seconds, like a cooperative model citing a line of what it was given, and
reports as prompt tokens the cl100k tokens of what it received.  For each seed
report the table shows the engine's wall time beside the sequential sum of its
calls and the slowest call, the number of calls, and prompt tokens beside the
report's own tokens.  Goals (measured, not asserted):

    wall time     < 1.5 x the slowest single call   (the map and the reduce run at once:
                                                     needs concurrency > chunks + 1)
    prompt tokens < 1.5 x report tokens + calls x per-call overhead

Then, unless `--batch 0`, a batch of `--batch` reports (bench/llm_batch.py,
0.3 s per call, 16 calls at once over the whole batch): its wall time beside
the sequential sum of its calls, and a second run over the same reports with
the same cache, which must make zero calls.

json_mode is fixed to json_schema here: with "auto" on an endpoint not yet
known, the first call probes the mode ladder alone, which adds one round trip
once per endpoint (the result is remembered in the cache).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.config import Settings  # noqa: E402
from summarizer.engines.llm import client as llm_client  # noqa: E402
from summarizer.engines.llm import engine as llm_engine  # noqa: E402
from summarizer.engines.llm.chunks import chunk_sections  # noqa: E402
from summarizer.engines.llm.engine import REDUCE_SCHEMA, SECTION_SCHEMA  # noqa: E402
from summarizer.engines.llm.prompts import load_prompt  # noqa: E402
from summarizer.pipeline import prepare  # noqa: E402
from summarizer.text.sentences import count_tokens  # noqa: E402
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, cooperative_answer, json_answer  # noqa: E402

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


class TimedClient(llm_client.LLMClient):
    """The real client, timing each structured call (semaphore waits excluded)."""

    durations: list[float] = []  # noqa: RUF012 - one bench run at a time, read after it

    async def chat_json(self, *args: Any, **kwargs: Any) -> llm_client.LLMReply:
        started = time.perf_counter()
        try:
            return await super().chat_json(*args, **kwargs)
        finally:
            TimedClient.durations.append(time.perf_counter() - started)


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


def per_call_overhead() -> tuple[int, int]:
    """Prompt tokens of a section call and of the reduce call with no report material at all."""
    section = load_prompt("section_v2").messages(facts="（无）", report="")
    reduce = load_prompt("reduce_v2").messages(headings="", preamble="", problems="", facts="（无）")
    schema_tokens = [count_tokens(json.dumps(s, ensure_ascii=False)) for s in (SECTION_SCHEMA, REDUCE_SCHEMA)]
    section_tokens = count_tokens("".join(m["content"] for m in section)) + schema_tokens[0]
    reduce_tokens = count_tokens("".join(m["content"] for m in reduce)) + schema_tokens[1]
    return section_tokens, reduce_tokens


def bench_seed(path: Path, fake: FakeLLM, latency: float, concurrency: int) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    settings = Settings(
        base_url=fake.base_url,
        model=FAKE_MODEL,
        api_key="sk-bench",
        json_mode="json_schema",
        concurrency=concurrency,
        cache=None,
    )
    ctx = prepare(text, settings)
    chunks = chunk_sections(ctx.norm, ctx.nodes, settings.chunk_tokens)
    fake.script(handler=lambda request: FakeResponse(body=answer_with_usage(request), delay=latency))
    TimedClient.durations = []
    started = time.perf_counter()
    summary = llm_engine.summarize_llm(ctx, settings)
    wall = time.perf_counter() - started
    durations = TimedClient.durations
    return {
        "seed": path.name[:3],
        "chunks": len(chunks),
        "calls": summary.engine.calls,
        "wall": wall,
        "sum": sum(durations),
        "slowest": max(durations, default=0.0),
        "prompt": summary.engine.prompt_tokens,
        "report": count_tokens(text),
        "fallbacks": len(summary.engine.fallbacks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="*", help="seed file name prefixes (default: all)")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per scripted call")
    parser.add_argument("--concurrency", type=int, default=32, help="settings.concurrency for the engine")
    parser.add_argument("--batch", type=int, default=20, help="reports in the batch run afterwards (0: none)")
    args = parser.parse_args()
    paths = [p for p in SEEDS if not args.seeds or any(p.name.startswith(s) for s in args.seeds)]

    llm_engine.LLMClient = TimedClient  # type: ignore[misc]
    # socketserver's default listen backlog (5) drops simultaneous connections beyond it, and the
    # client's SYN is then retried after 1 s: a property of the test server, not of the engine.
    ThreadingHTTPServer.request_queue_size = 128
    section_overhead, reduce_overhead = per_call_overhead()
    print(f"latency {args.latency:.2f} s per call, concurrency {args.concurrency}, json_mode json_schema")
    print(
        f"per-call prompt overhead (instructions + schema): section {section_overhead}, reduce {reduce_overhead}"
    )
    header = (
        f"{'seed':<5}{'chunks':>7}{'calls':>6}{'wall s':>8}{'sum s':>8}{'slowest':>8}{'wall/slow':>10}"
        f"{'prompt tok':>11}{'report tok':>11}{'budget':>8}{'fallbk':>7}"
    )
    print(header)
    fake = FakeLLM().start()
    try:
        for path in paths:
            row = bench_seed(path, fake, args.latency, args.concurrency)
            budget = 1.5 * row["report"] + (row["calls"] - 1) * section_overhead + reduce_overhead
            ratio = row["wall"] / row["slowest"] if row["slowest"] else float("nan")
            print(
                f"{row['seed']:<5}{row['chunks']:>7}{row['calls']:>6}{row['wall']:>8.2f}{row['sum']:>8.2f}"
                f"{row['slowest']:>8.2f}{ratio:>10.2f}{row['prompt']:>11}{row['report']:>11}{budget:>8.0f}"
                f"{row['fallbacks']:>7}"
            )
    finally:
        fake.stop()
    print("goals: wall/slow < 1.5; prompt tok < budget (1.5 x report tok + per-call overheads)")
    if args.batch:
        import llm_batch  # bench/ is this script's directory, first on sys.path

        print()
        llm_batch.run(args.batch, latency=0.3, concurrency=16)


if __name__ == "__main__":
    main()
