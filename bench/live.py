"""The LLM engine against a real model server, beside the single-pass bound measured on the same server.

    make bench-live                                   (scripts/live_llm.sh starts the server)
    OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 SUMMARIZER_MODEL=NAME \\
        .venv/bin/python bench/live.py [--claims FILE.jsonl] [REPORT_PREFIX ...]

For each seed report and each tracking report under 20,000 characters, with the
engine's defaults (only the endpoint and the model set, no cache), it prints:

    wall      the engine's own time (summary.engine.elapsed_s; the rule-based verify after it is left out)
    bound     one pass over the whole report on the same server: a max_tokens=1 call holding the
              report (its prefill, a fresh nonce first so no prefix cache helps; a report longer than
              the server's context in halves, their times added) plus the run's own
              completion tokens at the server's decode rate (a 128-token generation minus a 1-token
              one on the same short prompt); both measured before and after each run, the faster
              one used, since the machine's load changes within minutes
    ratio     wall / bound
    calls, p/r  calls made, prompt tokens per report token (the server's own token counts)
    claims    all claims; model = the share the model wrote; sup = the share the checker marks
              supported (all claims), msup = of the model-written ones
    copy      claims at least 90 % one source sentence (difflib similarity ≥ 0.9 to one sentence);
              in90 = claims whose characters lie ≥ 90 % in one source sentence (stricter)
    l1        level-1 sections (with a body of 40+ tokens; not the preamble: title, date, speaker; not
              the closing rally, 让我们……奋斗: the engine asks nothing of either)
              holding a model-written claim, of all
    fb        fallbacks (calls that failed and were filled by the extractive engine)

`--claims FILE` writes every model-written claim marked supported, with its
evidence, one JSON line each, for a hand check.  Speeds depend on the machine's
load: note `uptime` before and after.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import uuid
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402

from summarizer.config import Settings  # noqa: E402
from summarizer.engines.llm.answer import copy_similarity  # noqa: E402
from summarizer.engines.llm.plan import MIN_SECTION_TOKENS, UNSUMMARIZED_KINDS  # noqa: E402
from summarizer.pipeline import prepare, summarize_context  # noqa: E402
from summarizer.schema import ReportSummary  # noqa: E402
from summarizer.text.sentences import count_tokens, split_sentences  # noqa: E402

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
TRACKING = sorted((ROOT / "fixtures" / "tracking").glob("*.txt"))
MAX_CHARS = 20_000
DECODE_TOKENS = 128


def server_client(settings: Settings) -> openai.OpenAI:
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    return openai.OpenAI(base_url=settings.base_url, api_key=key, timeout=1800, max_retries=0)


def decode_rate(client: openai.OpenAI, model: str) -> float:
    """Output tokens per second: a 128-token generation minus a 1-token one, same short prompt."""
    messages = [{"role": "user", "content": "请用中文详细介绍一下乡镇政府工作报告通常包括哪些内容。"}]
    started = time.perf_counter()
    client.chat.completions.create(model=model, messages=messages, max_tokens=1)  # type: ignore[arg-type]
    one = time.perf_counter() - started
    started = time.perf_counter()
    reply = client.chat.completions.create(model=model, messages=messages, max_tokens=DECODE_TOKENS)  # type: ignore[arg-type]
    many = time.perf_counter() - started
    tokens = reply.usage.completion_tokens if reply.usage else DECODE_TOKENS
    if many - one < many / 4:  # the 1-token call waited behind another request: no difference to take
        return tokens / many
    return (tokens - 1) / (many - one)


def prefill(client: openai.OpenAI, model: str, text: str) -> tuple[float, int]:
    """Seconds and prompt tokens of a max_tokens=1 call holding the whole report; a report longer than
    the server's context is prefilled in halves (cut at a line), their times and tokens added."""
    messages = [{"role": "user", "content": f"{uuid.uuid4().hex}\n{text}"}]
    started = time.perf_counter()
    try:
        reply = client.chat.completions.create(model=model, messages=messages, max_tokens=1)  # type: ignore[arg-type]
    except openai.BadRequestError:  # more than the context holds
        cut = text.rfind("\n", 0, len(text) // 2) + 1 or len(text) // 2
        first, second = prefill(client, model, text[:cut]), prefill(client, model, text[cut:])
        return first[0] + second[0], first[1] + second[1]
    return time.perf_counter() - started, reply.usage.prompt_tokens if reply.usage else 0


def source_sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in split_sentences(text) if text[a:b].strip()]


def inside_share(claim: str, sentences: list[str]) -> float:
    """The largest share of the claim's characters that one source sentence holds, in order."""
    best = 0.0
    for sentence in sentences:
        matcher = SequenceMatcher(None, claim, sentence, autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        best = max(best, matched / max(1, len(claim)))
    return best


def level1_coverage(summary: ReportSummary, ctx_text: str) -> tuple[int, int]:
    tops = [
        s
        for s in summary.sections
        if s.level == 1
        and s.kind not in UNSUMMARIZED_KINDS
        and count_tokens(s.span.quote) >= MIN_SECTION_TOKENS
    ]
    covered = 0
    for top in tops:
        inside = [s for s in summary.sections if s.id == top.id or s.id.startswith(f"{top.id}.")]
        if any(c.author == "model" for s in inside for c in s.summary):
            covered += 1
    del ctx_text
    return covered, len(tops)


def run_report(
    path: Path, settings: Settings, client: openai.OpenAI, rate: float
) -> tuple[dict[str, Any], ReportSummary]:
    text = path.read_text(encoding="utf-8")
    assert settings.model
    # The machine's load changes within minutes: the bound is measured just before and just after
    # the run, and the faster of each is used (the smaller bound: the ratio is not flattered).
    seconds, report_tokens = prefill(client, settings.model, text)
    ctx = prepare(text, settings)
    summary = summarize_context(ctx, settings)
    engine = summary.engine
    seconds = min(seconds, prefill(client, settings.model, text)[0])
    rate = max(rate, decode_rate(client, settings.model))
    bound = seconds + engine.completion_tokens / rate
    claims = summary.all_claims()
    sentences = source_sentences(ctx.norm.clean.text)
    model = [c for c in claims if c.author == "model"]
    covered, tops = level1_coverage(summary, text)
    n = max(1, len(claims))
    row = {
        "report": path.stem[:14],
        "chars": len(text),
        "wall": engine.elapsed_s,
        "prefill": seconds,
        "bound": bound,
        "ratio": engine.elapsed_s / bound,
        "calls": engine.calls,
        "prompt": engine.prompt_tokens,
        "completion": engine.completion_tokens,
        "report_tokens": report_tokens,
        "p_per_r": engine.prompt_tokens / max(1, report_tokens),
        "claims": len(claims),
        "model_share": len(model) / n,
        "supported": sum(c.support == "supported" for c in claims) / n,
        "model_supported": sum(c.support == "supported" for c in model) / max(1, len(model)),
        "copy": sum(copy_similarity(c.text, sentences) >= 0.9 for c in claims) / n,
        "inside90": sum(inside_share(c.text, sentences) >= 0.9 for c in claims) / n,
        "l1": f"{covered}/{tops}",
        "fallbacks": len(engine.fallbacks),
        "rate": rate,
        "load": os.getloadavg()[0],
    }
    return row, summary


HEADER = (
    f"{'report':<15}{'chars':>6}{'wall s':>8}{'bound s':>8}{'ratio':>6}{'calls':>6}{'p/r':>6}"
    f"{'claims':>7}{'model':>6}{'sup':>6}{'msup':>6}{'copy':>6}{'in90':>6}{'l1':>5}{'fb':>4}"
)


def format_row(r: dict[str, Any]) -> str:
    return (
        f"{r['report']:<15}{r['chars']:>6}{r['wall']:>8.1f}{r['bound']:>8.1f}{r['ratio']:>6.2f}{r['calls']:>6}"
        f"{r['p_per_r']:>6.2f}{r['claims']:>7}{r['model_share']:>6.0%}{r['supported']:>6.0%}"
        f"{r['model_supported']:>6.0%}{r['copy']:>6.0%}{r['inside90']:>6.0%}{r['l1']:>5}{r['fallbacks']:>4}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reports", nargs="*", help="report file name prefixes (default: every seed and tracking report)"
    )
    parser.add_argument(
        "--claims", help="write the supported model-written claims here (JSONL), for a hand check"
    )
    parser.add_argument("--rows", help="append each row here as JSON (JSONL)")
    parser.add_argument("--dump", help="write each summary's JSON into this directory")
    parser.add_argument("--log", help="write the engine's re-asks and their reasons here (DEBUG log)")
    args = parser.parse_args()
    if args.log:
        handler = logging.FileHandler(args.log, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        asking = logging.getLogger("summarizer.engines.llm.asking")
        asking.setLevel(logging.DEBUG)
        asking.addHandler(handler)
    os.environ["SUMMARIZER_CACHE"] = "off"
    settings = Settings.from_env(engine="llm")
    if not settings.base_url or not settings.model:
        sys.exit("set OPENAI_BASE_URL and SUMMARIZER_MODEL (scripts/live_llm.sh does) / 请设置模型服务")
    paths = [p for p in [*SEEDS, *TRACKING] if len(p.read_text(encoding="utf-8")) < MAX_CHARS]
    paths = [p for p in paths if not args.reports or any(p.name.startswith(s) for s in args.reports)]
    client = server_client(settings)
    rate = decode_rate(client, settings.model)
    print(
        f"model {settings.model} at {settings.base_url_host}; strategy {settings.effective_strategy}; "
        f"decode {rate:.1f} tokens/s; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(HEADER, flush=True)
    for path in paths:
        row, summary = run_report(path, settings, client, decode_rate(client, settings.model))
        row["model"] = settings.model
        print(format_row(row), flush=True)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            (Path(args.dump) / f"{path.stem}.{settings.model}.json").write_text(
                summary.to_json(), encoding="utf-8"
            )
        if args.rows:
            with open(args.rows, "a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        if args.claims:
            with open(args.claims, "a", encoding="utf-8") as out:
                for claim in summary.all_claims():
                    if claim.author == "model" and claim.support == "supported":
                        record = {
                            "report": path.stem,
                            "model": settings.model,
                            "id": claim.id,
                            "text": claim.text,
                            "evidence": [s.quote for s in claim.evidence],
                        }
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"load after {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
