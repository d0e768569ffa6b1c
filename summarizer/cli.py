"""The command-line face: parse arguments, call one library function, print.

    summarizer summarize PATH [-o OUT] [--engine auto|extractive|llm] [--model M] [--format json|md|csv]
    summarizer verify PATH SUMMARY [--format json|table] [--judge [--model M] [--base-url URL]]
    summarizer schema
    summarizer batch INPUT... -o OUT.jsonl [--resume] [--csv OUT.csv] [--jobs N] [--openai-batch REQUESTS]
    summarizer batch-collect REQUESTS RESULTS... -o OUT.jsonl [--csv OUT.csv]
    summarizer track FILE... | DIR [--format json|csv|md] [-o OUT]
    summarizer serve [--host 127.0.0.1] [--port 8000] [--workers N] [--queue N] [--rate 600/minute]

Errors are one line on stderr in Chinese and English and exit code 2; `verify`
exits 1 when something in the summary is not supported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .config import ENGINE_CHOICES, JSON_MODES, STRATEGIES, Settings
from .errors import InputError, SummarizerError

EXIT_OK, EXIT_UNSUPPORTED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one bilingual line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USAGE, f"错误：命令行参数有误（{message}） / Error: bad usage ({message}); see --help\n"
        )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="summarizer", description="政府工作报告摘要与核验 / Government work report summarizer"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("summarize", help="summarize a report (PATH, or - for stdin)")
    p.add_argument("path")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default=None)
    p.add_argument("--model", default=None)
    p.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint (else OPENAI_BASE_URL)")
    p.add_argument("--json-mode", choices=JSON_MODES, default=None)
    p.add_argument("--format", choices=["json", "md", "csv"], default="json")
    _add_llm_knobs(p)
    p.add_argument("--concurrency", type=int, default=None, help="model calls at once, LLM engine")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr for LLM runs (default: when stderr is a terminal)",
    )

    v = sub.add_parser("verify", help="check a summary (our JSON or free text) against its report")
    v.add_argument("path", help="the report")
    v.add_argument("summary", help="the summary: our JSON file or any text/Markdown file (- for stdin)")
    v.add_argument("--format", choices=["json", "table"], default="json")
    v.add_argument(
        "--judge",
        action="store_true",
        help="also ask the configured model for a verdict on each claim (one call per section)",
    )
    v.add_argument("--model", default=None)
    v.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint (else OPENAI_BASE_URL)")
    v.add_argument("--json-mode", choices=JSON_MODES, default=None)

    sub.add_parser("schema", help="print the JSON Schema of ReportSummary")

    b = sub.add_parser("batch", help="summarize many reports into one JSONL file (resumable)")
    b.add_argument("inputs", nargs="+", help="files, directories (recursive) and globs")
    b.add_argument("-o", "--output", help="the JSONL file: one summary or error per line")
    b.add_argument("--resume", action="store_true", help="skip reports already in OUTPUT; retry its errors")
    b.add_argument("--csv", help="also write every indicator of every report to this CSV")
    b.add_argument("--engine", choices=ENGINE_CHOICES, default=None)
    b.add_argument("--model", default=None)
    b.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint (else OPENAI_BASE_URL)")
    b.add_argument("--json-mode", choices=JSON_MODES, default=None)
    b.add_argument(
        "--jobs", type=int, default=None, help="worker processes, offline engine (default: all cores)"
    )
    b.add_argument("--concurrency", type=int, default=None, help="model calls at once, LLM engine")
    _add_llm_knobs(b)
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument(
        "--openai-batch",
        metavar="REQUESTS",
        help="write the model calls as an OpenAI Batch API JSONL file instead of making them",
    )

    c = sub.add_parser("batch-collect", help="turn OpenAI Batch API results into summaries (JSONL)")
    c.add_argument("requests", help="the REQUESTS file written by batch --openai-batch")
    c.add_argument("results", nargs="+", help="the provider's output (and error) JSONL files")
    c.add_argument("-o", "--output", required=True, help="the JSONL file of summaries")
    c.add_argument("--csv", help="also write every indicator of every report to this CSV")
    c.add_argument("--quiet", action="store_true", help="no progress bar")

    t = sub.add_parser("track", help="last year's targets against this year's actuals, across reports")
    t.add_argument(
        "inputs", nargs="+", help="report files and directories (recursive), of one or more places"
    )
    t.add_argument("--format", choices=["json", "csv", "md"], default="json")
    t.add_argument("-o", "--output", help="write here instead of stdout")

    _add_serve_parser(sub)
    return parser


def _add_serve_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    s = sub.add_parser("serve", help="the HTTP API (FastAPI on uvicorn; docs at /docs)")
    s.add_argument("--host", default="127.0.0.1", help="without SUMMARIZER_API_TOKENS: loopback only")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument(
        "--workers", type=int, default=None, help="worker processes for the CPU work (default: cores)"
    )
    s.add_argument("--queue", type=int, default=None, help="requests that may wait for a worker (then 503)")
    s.add_argument("--rate", default=None, help="requests per token, e.g. 600/minute (off: no limit)")
    s.add_argument("--engine", choices=ENGINE_CHOICES, default=None, help="the default engine")
    s.add_argument("--model", default=None)
    s.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint (else OPENAI_BASE_URL)")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])


def _add_llm_knobs(parser: argparse.ArgumentParser) -> None:
    """The LLM engine's knobs (each also an environment variable; see README)."""
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default=None,
        help="compress: a local server, the model compresses the sentences the rules pick; serial: a "
        "local server, the model reads the report in the fewest calls; parallel: a remote provider, all "
        "calls at once (default auto: compress for a local address, parallel otherwise; SUMMARIZER_STRATEGY)",
    )
    parser.add_argument(
        "--chunk-tokens",
        type=int,
        default=None,
        help="report tokens per model call (SUMMARIZER_CHUNK_TOKENS)",
    )
    parser.add_argument(
        "--max-output-tokens",
        type=int,
        default=None,
        help="cap on each call's answer (default: sized to the sentences asked; SUMMARIZER_MAX_OUTPUT_TOKENS)",
    )


def _llm_knobs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "strategy": args.strategy,
        "chunk_tokens": args.chunk_tokens,
        "max_output_tokens": args.max_output_tokens,
        "concurrency": args.concurrency,
    }


class _ProgressBar:
    """Sections done of total and the elapsed time on stderr, while the model is asked (tqdm)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or stage != "summarize" or total <= 1:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" calls", desc="LLM", file=sys.stderr, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _read_input(path: str) -> str | bytes | Path:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path)


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"找不到文件：{path}", f"file not found: {path}", code="not_found") from None
    except (UnicodeDecodeError, IsADirectoryError) as e:
        raise InputError(
            f"无法以 UTF-8 读取：{path}", f"cannot read as UTF-8 text: {path}", code="encoding"
        ) from e


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(
            f"无法写入输出文件：{output}",
            f"cannot write the output file: {output} ({e.strerror})",
            code="output",
        ) from e


def _summarize(args: argparse.Namespace) -> int:
    from .pipeline import summarize

    settings = Settings.from_env(
        engine=args.engine,
        model=args.model,
        base_url=args.base_url,
        json_mode=args.json_mode,
        **_llm_knobs(args),
    )
    source = _read_input(args.path)
    enabled = sys.stderr.isatty() if args.progress is None else args.progress
    bar = _ProgressBar(enabled and settings.effective_engine == "llm")
    try:
        summary = summarize(
            source, settings, filename=None if isinstance(source, Path) else "stdin", progress=bar
        )
    finally:
        bar.close()
    if args.format == "md":
        from .render import to_markdown

        text = to_markdown(summary)
    elif args.format == "csv":
        from .render import indicators_csv

        text = indicators_csv(summary)
    else:
        text = summary.to_json()
    _write(text, args.output)
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from .pipeline import verify
    from .verification.table import format_table

    report = _read_input(args.path)
    settings = Settings.from_env(model=args.model, base_url=args.base_url, json_mode=args.json_mode)
    result = verify(report, _read_text(args.summary), settings, judge=args.judge)
    if args.format == "table":
        _write(format_table(result), None)
    else:
        _write(result.model_dump_json(indent=2), None)
    everything_supported = result.verification.supported == result.verification.claims
    return EXIT_OK if everything_supported else EXIT_UNSUPPORTED


def _schema(_: argparse.Namespace) -> int:
    from .schema import ReportSummary

    _write(json.dumps(ReportSummary.model_json_schema(), ensure_ascii=False, indent=2), None)
    return EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    from .batch.run import run_batch_command

    settings = Settings.from_env(
        engine=args.engine,
        model=args.model,
        base_url=args.base_url,
        json_mode=args.json_mode,
        **_llm_knobs(args),
    )
    stats = run_batch_command(
        args.inputs,
        settings,
        output=args.output,
        openai_batch=args.openai_batch,
        resume=args.resume,
        csv_path=args.csv,
        jobs=args.jobs,
        progress=False if args.quiet else None,
    )
    print(stats.line(), file=sys.stderr)
    return EXIT_OK if stats.failed == 0 else EXIT_UNSUPPORTED


def _batch_collect(args: argparse.Namespace) -> int:
    from .batch.batch_api import collect_batch_results

    stats = collect_batch_results(
        args.requests,
        args.results,
        args.output,
        Settings.from_env(),
        csv_path=args.csv,
        progress=False if args.quiet else None,
    )
    print(stats.line(), file=sys.stderr)
    return EXIT_OK if stats.failed == 0 else EXIT_UNSUPPORTED


def _track(args: argparse.Namespace) -> int:
    from .tracking import track, track_text

    _write(track_text(track(args.inputs, Settings.from_env()), args.format), args.output)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .api.server import serve
    from .config import ApiSettings

    settings = Settings.from_env(engine=args.engine, model=args.model, base_url=args.base_url)
    api_settings = ApiSettings.from_env(workers=args.workers, queue=args.queue, rate=args.rate)
    serve(settings, api_settings, host=args.host, port=args.port, log_level=args.log_level)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    handlers = {
        "summarize": _summarize,
        "verify": _verify,
        "schema": _schema,
        "batch": _batch,
        "batch-collect": _batch_collect,
        "track": _track,
        "serve": _serve,
    }
    try:
        return handlers[args.command](args)
    except SummarizerError as e:
        print(e.line, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("已中断 / Interrupted", file=sys.stderr)
        return 130
