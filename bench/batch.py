"""Offline batch throughput and memory, beside `jieba.analyse.textrank` alone on the same texts.

    .venv/bin/python bench/batch.py [--reports 500] [--jobs 2] [--repeat 3] [--memory 100 1000]

Reports are generated from the seeds in fixtures/seeds/ into a temporary
directory, each one different: digits shifted, the place name swapped for
another, a few neighbouring paragraphs swapped.  Each measurement runs in a
fresh Python process, so none inherits another's warm caches or memory:

    pipeline  run_batch (ingest, normalize, sections, facts, extractive engine, verify,
              JSON line written) with 1 process and with --jobs processes
    textrank  jieba.analyse.textrank(text, topK=20) on the same files, same process counts

"per CPU s" divides by the CPU time the processes used (user + system), which
other work on the machine does not inflate as it does wall time.  The pipeline
runs --repeat times with each process count, the counts alternating, so that a
slow minute of a noisy machine lands on both; the goal is judged on the median
run (TextRank, ~6 x slower and only a yardstick, runs once per count).
reports/s and chars/s are over the whole run (process start-up, jieba's
dictionary load and the workers' spawn included) and "steady" from the first
finished report to the last (what a long batch converges to).  Peak memory is
the highest sum of RSS of the parent and all its children, sampled every 50 ms
(psutil), at --memory report counts.  Goals, reported and not asserted:

    >= 300,000 chars/s per core for the whole offline pipeline (steady)
    peak memory at 1000 reports <= 1.2 x peak memory at 100 reports
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
# Syllables for made-up place names: 2 of them and a level give 数千 distinct towns.
SYLLABLES = "青白石云桃柳金银松竹梅兰龙凤安平和顺新华东西南北长丰泉溪湖山河川"
HEADING_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])")


# ---------------------------------------------------------------- the reports


def place_of(text: str) -> str | None:
    from summarizer import Settings, summarize

    summary = summarize(text, Settings(engine="extractive", cache=None))
    place = summary.meta.place
    return place.value if place and len(place.value) >= 2 else None


def variant(text: str, place: str | None, n: int) -> str:
    """The n-th variant of a report: shifted digits, another place name, two paragraphs swapped."""
    rng = random.Random(n)
    shift = rng.randrange(1, 10)
    text = re.sub(r"[0-9]", lambda m: str((int(m.group(0)) + shift) % 10), text)
    if place:
        level = place[-1]
        name = "".join(rng.choice(SYLLABLES) for _ in range(2)) + level
        text = text.replace(place, name)
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if len(line) > 40 and not HEADING_START.match(line)]
    for _ in range(2):
        if len(body) >= 2:
            i = rng.randrange(len(body) - 1)
            a, b = body[i], body[i + 1]
            lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


def generate(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    places = [place_of(t) for t in texts]
    paths = []
    for n in range(count):
        i = n % len(texts)
        path = directory / f"{n:05d}_{SEEDS[i].stem[:3]}.txt"
        path.write_text(variant(texts[i], places[i], n), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- one measurement (child process)


class PeakRSS:
    """The highest RSS of this process plus all its descendants, sampled in a thread.

    Listing the descendants walks all of /proc (~1.5 ms of CPU here), so the
    sampler does it at most every `refresh` seconds and keeps the list; between
    listings a sample reads only the known processes.  The measurement must not
    eat the cores it measures: at 20 ms with a fresh listing each time it took
    ~9 % of one.
    """

    def __init__(self, interval: float = 0.05, refresh: float = 0.5) -> None:
        import psutil

        self._me = psutil.Process()
        self._psutil = psutil
        self._interval = interval
        self._refresh = refresh
        self._listed_at = -1e9
        self._kids: list[Any] = []
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _processes(self) -> list[Any]:
        now = time.monotonic()
        if now - self._listed_at >= self._refresh:
            with contextlib.suppress(self._psutil.Error):
                self._kids = self._me.children(recursive=True)
                self._listed_at = now
        return [self._me, *self._kids]

    def _total(self) -> int:
        total = 0
        for process in self._processes():
            with contextlib.suppress(self._psutil.Error):  # a worker that just exited
                total += process.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of this process and its live descendants."""
        total = 0.0
        for process in self._processes():
            with contextlib.suppress(self._psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._listed_at = -1e9
        self.peak = max(self.peak, self._total())


def _textrank_file(path: str) -> int:
    import jieba.analyse

    text = Path(path).read_text(encoding="utf-8")
    jieba.analyse.textrank(text, topK=20)
    return len(text)


def measure(what: str, directory: Path, jobs: int) -> dict[str, Any]:
    """Run in a fresh process: time (and memory) of `what` over every report in `directory`."""
    paths = sorted(directory.glob("*.txt"))
    finished: list[float] = []
    cpu: list[float] = []  # CPU seconds at the first and at the latest finished report

    def tick() -> None:
        finished.append(time.perf_counter())
        if cpu:
            cpu[1:] = [memory.cpu_seconds()]
        else:
            cpu.append(memory.cpu_seconds())

    started = time.perf_counter()
    with PeakRSS() as memory:
        if what == "pipeline":
            from summarizer import Settings
            from summarizer.batch.run import run_batch

            out = directory.parent / f"out-{directory.name}-{jobs}.jsonl"
            stats = run_batch(
                [directory],
                out,
                Settings(engine="extractive", cache=None),
                jobs=jobs,
                progress=False,
                on_outcome=lambda _: tick(),
            )
            chars, failed = stats.chars, stats.failed
        else:
            chars, failed = 0, 0
            if jobs <= 1:
                for path in paths:
                    chars += _textrank_file(str(path))
                    tick()
            else:
                with ProcessPoolExecutor(jobs) as pool:
                    for n in pool.map(_textrank_file, map(str, paths), chunksize=8):
                        chars += n
                        tick()
    wall = time.perf_counter() - started
    steady = finished[-1] - finished[0] if len(finished) > 1 else wall
    import resource

    return {
        "what": what,
        "jobs": jobs,
        "reports": len(paths),
        "failed": failed,
        "chars": chars,
        "wall": wall,
        "steady": steady,
        "steady_chars": chars * (len(finished) - 1) / max(1, len(finished)),
        "steady_cpu": cpu[-1] - cpu[0] if len(cpu) > 1 else float("nan"),
        "peak_rss": memory.peak,
        "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }


def in_fresh_process(what: str, directory: Path, jobs: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", what, "--dir", str(directory), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- the table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3, help="pipeline runs per process count")
    parser.add_argument("--measure", choices=["pipeline", "textrank"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.dir, args.jobs)))
        return

    with tempfile.TemporaryDirectory(prefix="summarizer-bench-") as tmp:
        base = Path(tmp)
        paths = generate(base / f"r{args.reports}", args.reports)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
        print(f"{len(paths)} reports, {chars:,} chars ({chars // len(paths):,} per report), jobs {args.jobs}")
        print(f"python {platform.python_version()} at {os.path.realpath(sys.executable)}")
        print(
            f"{'what':<10}{'procs':>6}{'wall s':>8}{'reports/s':>11}{'chars/s':>12}"
            f"{'steady chars/s':>16}{'per proc':>12}{'per CPU s':>12}{'peak RSS MB':>13}"
        )
        counts = sorted({1, args.jobs})
        rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
        runs = [("pipeline", jobs) for _ in range(args.repeat) for jobs in counts]
        for what, jobs in [*runs, *(("textrank", jobs) for jobs in counts)]:
            row = in_fresh_process(what, base / f"r{args.reports}", jobs)
            rows.setdefault((what, jobs), []).append(row)
            steady_rate = row["steady_chars"] / row["steady"]
            print(
                f"{what:<10}{jobs:>6}{row['wall']:>8.2f}{row['reports'] / row['wall']:>11.1f}"
                f"{row['chars'] / row['wall']:>12,.0f}{steady_rate:>16,.0f}{steady_rate / jobs:>12,.0f}"
                f"{row['steady_chars'] / row['steady_cpu']:>12,.0f}"
                f"{row['peak_rss'] / 2**20:>13.0f}"
            )
        pipes, (rank,) = rows["pipeline", args.jobs], rows["textrank", args.jobs]
        per_core = sorted(p["steady_chars"] / p["steady"] / args.jobs for p in pipes)
        per_cpu = sorted(p["steady_chars"] / p["steady_cpu"] for p in pipes)
        ratios = [p["steady"] / rank["steady"] for p in pipes]
        median_core, median_cpu = statistics.median(per_core), statistics.median(per_cpu)
        print(
            f"goal >= 300,000 chars/s per core (steady, {args.jobs} procs, median of {len(pipes)} runs): "
            f"{median_core:,.0f} by wall time ({per_core[0]:,.0f}-{per_core[-1]:,.0f}), "
            f"{median_cpu:,.0f} per CPU second ({per_cpu[0]:,.0f}-{per_cpu[-1]:,.0f}) -> "
            f"{'meets' if median_core >= 300_000 else 'misses'}; "
            f"pipeline/textrank time ratio {statistics.median(ratios):.2f}"
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        if args.memory:
            print(f"\nmemory, pipeline with {args.jobs} procs (parent + children, peak of the sum)")
            print(
                f"{'reports':>8}{'peak RSS MB':>13}{'maxrss parent MB':>18}{'maxrss child MB':>17}{'wall s':>8}"
            )
            peaks = {}
            for count in args.memory:
                directory = base / f"m{count}"
                generate(directory, count)
                row = in_fresh_process("pipeline", directory, args.jobs)
                peaks[count] = row["peak_rss"]
                print(
                    f"{count:>8}{row['peak_rss'] / 2**20:>13.0f}{row['maxrss_self'] / 2**20:>18.0f}"
                    f"{row['maxrss_children'] / 2**20:>17.0f}{row['wall']:>8.2f}"
                )
            low, high = min(args.memory), max(args.memory)
            ratio = peaks[high] / peaks[low]
            print(
                f"goal peak({high}) <= 1.2 x peak({low}): {ratio:.3f} -> {'meets' if ratio <= 1.2 else 'misses'}"
            )


if __name__ == "__main__":
    main()
