"""The HTTP API under load, beside the same reports through `summarizer batch`.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 60] [--workers 2] [--queue 64]

Starts `summarizer serve` on a free loopback port (a subprocess, one token, no
rate limit), then `--clients` concurrent clients (httpx, one event loop) post
report texts as JSON to POST /v1/summaries, extractive engine, for `--seconds`.
The texts are variants of the seeds (bench/batch.py's: digits shifted, another
place name, paragraphs swapped), taken in turn.  Prints requests/s, latency
p50/p95/p99 of the successful requests, the answers by status (the goal: none
but 200, except deliberate 429/503), and the RSS of the server (its process and
its worker processes) after warm-up and at the end (the goal: flat).

Then the baseline: as many reports as the API answered, written to files and
run through `run_batch` with WORKERS processes (what `summarizer batch --jobs
WORKERS` runs), in a fresh process, measured by bench/batch.py.  The machine is loaded for the whole run (the clients share its cores with
the server): run it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from batch import generate, in_fresh_process  # noqa: E402  (bench/batch.py: variants, one measurement)

TOKEN = "bench-token-not-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_rss(pid: int) -> tuple[int, int]:
    """RSS of the server process, and of it with its worker processes."""
    process = psutil.Process(pid)
    own = process.memory_info().rss
    return own, own + sum(c.memory_info().rss for c in process.children(recursive=True))


def start_server(port: int, workers: int, queue: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SUMMARIZER_API_TOKENS": TOKEN,
        "SUMMARIZER_API_RATE": "off",
        "SUMMARIZER_CACHE": "off",
    }
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--workers", str(workers)]
    command += ["--queue", str(queue), "--engine", "extractive", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def load(url: str, texts: list[str], clients: int, seconds: float) -> tuple[list[float], Counter[str]]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    counter = iter(range(10**9))
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120, limits=limits
    ) as client:

        async def one_client() -> None:
            while time.monotonic() < stop_at:
                text = texts[next(counter) % len(texts)]
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/summaries", json={"text": text})
                except httpx.HTTPError as e:
                    statuses[type(e).__name__] += 1
                    continue
                statuses[str(response.status_code)] += 1
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, statuses


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else float("nan")


def run_batch_baseline(directory: Path, count: int, workers: int) -> dict[str, Any]:
    """`count` reports through `run_batch` (what `summarizer batch` runs), measured by bench/batch.py."""
    reports = directory / "baseline"
    generate(reports, count)
    return in_fresh_process("pipeline", reports, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--workers", type=int, default=2, help="the server's worker processes (and batch --jobs)"
    )
    parser.add_argument("--queue", type=int, default=64, help="the server's queue (>= clients: no 503)")
    parser.add_argument("--texts", type=int, default=100, help="distinct report variants posted in turn")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        texts = [p.read_text(encoding="utf-8") for p in generate(directory / "posted", args.texts)]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(port, args.workers, args.queue)
        try:
            asyncio.run(wait_ready(url))
            # Warm-up: every worker has summarized a report and the server has answered a few.
            asyncio.run(load(url, texts, args.workers * 2, 3))
            rss_start = server_rss(server.pid)
            started = time.perf_counter()
            latencies, statuses = asyncio.run(load(url, texts, args.clients, args.seconds))
            wall = time.perf_counter() - started
            rss_end = server_rss(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        done = statuses.get("200", 0)
        chars = sum(len(t) for t in texts) / len(texts)
        print(
            f"API: {args.clients} clients, {args.seconds:.0f} s, {args.workers} worker processes, ~{chars:,.0f} chars a report"
        )
        print(f"  requests answered 200: {done} in {wall:.1f} s = {done / wall:.1f} requests/s")
        print(
            f"  latency p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
        )
        errors = {k: v for k, v in statuses.items() if k != "200"}
        print(f"  errors by code: {errors or 'none'}")
        mb = 1024 * 1024
        print(
            f"  server RSS after warm-up {rss_start[0] / mb:.0f} MB ({rss_start[1] / mb:.0f} MB with workers), "
            f"at the end {rss_end[0] / mb:.0f} MB ({rss_end[1] / mb:.0f} MB with workers)"
        )
        batch = run_batch_baseline(directory, done, args.workers)
        print(
            f"baseline: summarizer batch --jobs {args.workers} (run_batch), the same number of reports ({done})"
        )
        print(
            f"  {batch['reports']} reports ({batch['failed']} failed) in {batch['wall']:.1f} s = "
            f"{batch['reports'] / batch['wall']:.1f} reports/s (start-up included); "
            f"steady {(batch['reports'] - 1) / batch['steady']:.1f} reports/s"
        )


if __name__ == "__main__":
    main()
