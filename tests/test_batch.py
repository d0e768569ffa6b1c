"""Batch: inputs, one line per report, error lines, resume after a kill, CSV, the LLM and Batch API paths.

Real parts throughout: real files in tmp_path, the CLI as a subprocess (killed
for real), the scripted OpenAI-compatible server for the LLM path.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from summarizer.batch.batch_api import collect_batch_results, manifest_path, write_batch_requests
from summarizer.batch.inputs import iter_input_paths
from summarizer.batch.outcome import Outcome, summarize_path
from summarizer.batch.output import CSV_COLUMNS, find_summary_line, jsonl_to_csv, summary_sha
from summarizer.batch.pool import _worker_summarize, summarize_offline
from summarizer.batch.run import run_batch
from summarizer.config import Settings
from summarizer.schema import ReportSummary
from summarizer.text.ingest import read_document, text_sha256
from tests.conftest import ROOT, SEED_PATHS, assert_spans_match
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, cooperative_answer, json_answer

OFFLINE = Settings(engine="extractive", cache=None)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def varied(text: str, n: int) -> str:
    """The n-th variant of a report: digits shifted by n, and from n = 10 on its lines after the first rotated.

    Every variant has a different text (so a different sha256) and the shape of a real report.
    """
    shifted = re.sub(r"[0-9]", lambda m: str((int(m.group(0)) + n) % 10), text)
    head, *body = shifted.split("\n")
    turn = (n // 10) % max(1, len(body))
    return "\n".join([head, *body[turn:], *body[:turn]])


def make_reports(directory: Path, count: int) -> list[Path]:
    """`count` report files made from the seeds, each with different figures."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        seed = SEED_PATHS[i % len(SEED_PATHS)]
        path = directory / f"r{i:03d}_{seed.stem[:3]}.txt"
        path.write_text(varied(seed.read_text(encoding="utf-8"), i // len(SEED_PATHS)), encoding="utf-8")
        paths.append(path)
    return paths


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def input_hashes(paths: list[Path]) -> set[str]:
    return {text_sha256(read_document(p).text) for p in paths}


def run_cli(*args: str, **popen: Any) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    environ["SUMMARIZER_CACHE"] = "off"
    return subprocess.Popen(
        [sys.executable, "-m", "summarizer", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


# ---------------------------------------------------------------- inputs


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """reports/a.txt, reports/sub/b.HTM, reports/sub/c.json (not a report suffix), reports/d.pdf, reports/e.md."""
    root = tmp_path / "reports"
    (root / "sub").mkdir(parents=True)
    for name in ("a.txt", "sub/b.HTM", "sub/c.json", "d.pdf", "e.md"):
        (root / name).write_text("x", encoding="utf-8")
    return root


INPUT_CASES = [
    ("directory_recursive", ["{root}"], ["a.txt", "d.pdf", "e.md", "sub/b.HTM"]),
    ("glob_recursive", ["{root}/**/*.txt"], ["a.txt"]),
    ("glob_matching_a_directory", ["{root}/su*"], ["sub/b.HTM"]),
    ("named_file_any_suffix", ["{root}/sub/c.json"], ["sub/c.json"]),
    ("duplicates_once", ["{root}/a.txt", "{root}", "{root}/*.txt"], ["a.txt", "d.pdf", "e.md", "sub/b.HTM"]),
    ("missing_kept_for_an_error_line", ["{root}/missing.txt"], ["missing.txt"]),
]


@pytest.mark.parametrize(
    ("inputs", "expected"), [c[1:] for c in INPUT_CASES], ids=[c[0] for c in INPUT_CASES]
)
def test_inputs_are_files_directories_and_globs(tree: Path, inputs: list[str], expected: list[str]) -> None:
    found = [p.relative_to(tree).as_posix() for p in iter_input_paths(i.format(root=tree) for i in inputs)]
    assert found == expected


# ---------------------------------------------------------------- one line per report


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    """Three reports with an empty file and a PNG named .txt in the middle."""
    directory = tmp_path / "in"
    reports = make_reports(directory, 3)
    (directory / "r001_empty.txt").write_bytes(b"  \n")
    (directory / "r001_png.txt").write_bytes(PNG)
    assert len(reports) == 3
    return directory


@pytest.mark.parametrize("jobs", [1, 2], ids=["in_process", "workers_write_their_lines"])
def test_bad_files_become_error_lines_and_the_rest_is_done(
    batch_dir: Path, tmp_path: Path, jobs: int
) -> None:
    out = tmp_path / "out.jsonl"
    outcomes: list[Outcome] = []
    stats = run_batch([batch_dir], out, OFFLINE, jobs=jobs, progress=False, on_outcome=outcomes.append)
    assert len(outcomes) == 5
    if jobs > 1:
        assert all(o.line is None for o in outcomes), "the workers wrote every line, error lines too"
    lines = read_lines(out)  # every line whole, whichever process wrote it
    errors = {Path(line["path"]).name: line for line in lines if "error" in line}
    summaries = [ReportSummary.model_validate(line) for line in lines if "error" not in line]
    assert (stats.done, stats.failed) == (3, 2)
    assert set(errors) == {"r001_empty.txt", "r001_png.txt"}
    assert {e["code"] for e in errors.values()} == {"empty", "binary"}
    assert all(" / " in e["error"] and "\n" not in e["error"] for e in errors.values()), "one line, zh / en"
    assert {s.source.sha256 for s in summaries} == input_hashes(sorted(batch_dir.glob("r*_00?.txt")))
    for summary in summaries:
        assert summary.engine.name == "extractive"
        assert assert_spans_match(summary.source.text, summary.all_spans()) > 0


def test_a_line_is_what_summarize_gives(tmp_path: Path) -> None:
    from summarizer.pipeline import summarize

    (report,) = make_reports(tmp_path / "in", 1)
    run_batch([report], tmp_path / "out.jsonl", OFFLINE, jobs=1, progress=False)
    (line,) = read_lines(tmp_path / "out.jsonl")
    alone = json.loads(summarize(report, OFFLINE).model_dump_json())
    line["engine"]["elapsed_s"] = alone["engine"]["elapsed_s"] = 0
    assert line == alone


def test_a_summary_line_is_model_dump_json_as_utf8(tmp_path: Path) -> None:
    from summarizer.batch.output import summary_line
    from summarizer.pipeline import summarize

    (report,) = make_reports(tmp_path / "in", 1)
    summary = summarize(report, OFFLINE)
    assert summary_line(summary) == summary.model_dump_json().encode("utf-8")


def test_an_in_process_batch_gives_the_collector_back_as_it_was(tmp_path: Path) -> None:
    import gc

    reports = make_reports(tmp_path / "in", 2)
    before = gc.get_threshold(), gc.get_freeze_count()
    seen: list[tuple[int, int, int]] = []
    run_batch(
        reports,
        tmp_path / "out.jsonl",
        OFFLINE,
        jobs=1,
        progress=False,
        on_outcome=lambda _: seen.append(gc.get_threshold()),
    )
    assert len(seen) == 2 and all(t != before[0] for t in seen), "paced for the batch while it runs"
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_lines_are_compact_utf8_json(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch([batch_dir / "r000_000.txt"], out, OFFLINE, jobs=1, progress=False)
    raw = out.read_bytes()
    assert raw.count(b"\n") == 1 and raw.endswith(b"\n")
    text = raw.decode("utf-8")
    assert "\\u" not in text[:2000] and re.search(r"[\u4e00-\u9fff]", text), "Chinese as is"


def test_csv_has_one_row_per_indicator(batch_dir: Path, tmp_path: Path) -> None:
    out, table = tmp_path / "out.jsonl", tmp_path / "out.csv"
    stats = run_batch([batch_dir], out, OFFLINE, csv_path=table, jobs=1, progress=False)
    assert table.read_bytes().startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads the Chinese"
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    summaries = [line for line in read_lines(out) if "error" not in line]
    total = sum(len(s["indicators"]) for s in summaries)
    assert rows[0] == CSV_COLUMNS
    assert len(rows) - 1 == total == stats.csv_rows == stats.indicators > 0
    by_column = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert {r["file"] for r in by_column} == {s["source"]["filename"] for s in summaries}
    first = summaries[0]["indicators"][0]
    assert by_column[0]["quote"] == first["evidence"]["quote"] and by_column[0]["raw"] == first["raw"]
    # The same function turns an existing JSONL into the same CSV.
    again = tmp_path / "again.csv"
    assert jsonl_to_csv(out, again) == total and again.read_bytes() == table.read_bytes()


def crash_on_a_named_file(path: Path) -> Outcome:
    """A worker function that dies like a C library crash on files named "*crash*"."""
    if "crash" in path.name:
        os._exit(70)
    return summarize_path(path, OFFLINE, frozenset())


def test_a_worker_crash_fails_only_its_own_report(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 4)
    crashing = tmp_path / "in" / "r001_crash.txt"
    crashing.write_text(SEED_PATHS[0].read_text(encoding="utf-8"), encoding="utf-8")
    paths = [*reports[:2], crashing, *reports[2:]]
    outcomes = list(summarize_offline(paths, OFFLINE, frozenset(), 2, worker=crash_on_a_named_file))
    assert sorted(o.path for o in outcomes) == sorted(map(str, paths)), "every report exactly once"
    (failed,) = [o for o in outcomes if o.status == "failed"]
    assert failed.path == str(crashing) and failed.line is not None
    assert json.loads(failed.line)["code"] == "crashed"


def die_after_writing_a_named_file(path: Path) -> Outcome:
    """A worker function that writes the line of a "*crash*" file to OUT, then dies before it can answer."""
    outcome = _worker_summarize(path)
    if "crash" in path.name:
        os._exit(70)
    return outcome


def test_a_worker_that_dies_after_writing_a_line_does_not_get_it_written_twice(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 4)
    crashing = tmp_path / "in" / "r001_crash.txt"
    crashing.write_text(varied(SEED_PATHS[0].read_text(encoding="utf-8"), 1), encoding="utf-8")
    paths = [*reports[:2], crashing, *reports[2:]]
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"")
    outcomes = list(
        summarize_offline(paths, OFFLINE, frozenset(), 2, output=out, worker=die_after_writing_a_named_file)
    )
    assert sorted(o.path for o in outcomes) == sorted(map(str, paths)), "every report exactly once"
    assert {o.status for o in outcomes} == {"done"}, "the line written before the crash counts"
    assert all(o.line is None for o in outcomes), "every line written by a worker"
    shas = [summary_sha(line) for line in out.read_bytes().splitlines(keepends=True)]
    assert None not in shas and len(shas) == len(paths) == len(set(shas)), "one line per report, none twice"
    (crashed,) = [o for o in outcomes if o.path == str(crashing)]
    line = find_summary_line(out, crashed.sha256 or "")
    assert line is not None
    written = json.loads(line)
    assert (crashed.chars, crashed.indicators) == (written["source"]["chars"], len(written["indicators"]))
    assert crashed.indicators > 0


def test_find_summary_line_takes_only_complete_lines_from_its_start(tmp_path: Path) -> None:
    def line(sha: str, tail: bytes = b'","chars":1}}\n') -> bytes:
        return b'{"schema_version":"1.0","source":{"sha256":"' + sha.encode() + tail

    first, torn, other, second = (
        line(SHA),
        line(SHA, b'","cha'),
        line("b" * 64),
        line(SHA, b'","chars":2}}\n'),
    )
    out = tmp_path / "out.jsonl"
    out.write_bytes(first + torn + other + second)
    assert find_summary_line(out, SHA) == first
    assert find_summary_line(out, SHA, len(first)) == second, (
        "not the torn record, nor the line before the start"
    )
    assert find_summary_line(out, SHA, len(first + torn + other + second)) is None
    assert find_summary_line(out, "c" * 64) is None


def always_crash(path: Path) -> Outcome:
    """A worker function that dies on every file, as a worker whose library cannot load would."""
    os._exit(70)


def test_workers_that_always_die_end_the_batch_with_error_lines(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 3)
    outcomes = list(summarize_offline(reports, OFFLINE, frozenset(), 2, worker=always_crash))
    assert sorted(o.path for o in outcomes) == sorted(map(str, reports)), "every report once, none lost"
    assert {o.status for o in outcomes} == {"failed"}
    assert {json.loads(o.line or "")["code"] for o in outcomes} == {"crashed"}


SHA = "a" * 64
LINE_CASES = [
    ("our_layout", b'{"schema_version":"1.0","source":{"sha256":"' + SHA.encode() + b'","chars":1}}\n', SHA),
    ("other_key_order", b'{"source": {"chars": 1, "sha256": "' + SHA.encode() + b'"}, "x": 1}\n', SHA),
    ("error_line", b'{"path": "a.txt", "error": "x / x", "code": "empty"}\n', None),
    ("torn_tail", b'{"schema_version":"1.0","source":{"sha256":"' + SHA.encode() + b'","cha', None),
    (
        "torn_then_the_next_summary",
        b'{"schema_version":"1.0","source":{"sha256":"' + SHA.encode() + b'","cha'
        b'{"schema_version":"1.0","source":{"sha256":"' + b"b" * 64 + b'","chars":1}}\n',
        None,
    ),
    (
        "torn_then_an_error_line",
        b'{"schema_version":"1.0","source":{"sha256":"' + SHA.encode() + b'","cha'
        b'{"path": "a.txt", "error": "x / x", "code": "empty"}\n',
        None,
    ),
    ("garbage", b"not json\n", None),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES])
def test_summary_sha_of_a_line(line: bytes, expected: str | None) -> None:
    assert summary_sha(line) == expected


# ---------------------------------------------------------------- resume


def test_resume_after_a_kill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 60)
    out = tmp_path / "out.jsonl"
    args = ("batch", str(tmp_path / "in"), "-o", str(out), "--jobs", "2", "--quiet")
    first = run_cli(*args, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 2:
                break
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)  # the CLI and its workers, mid-batch
    finally:
        first.wait(timeout=30)
    written_before = out.read_bytes().count(b"\n")
    assert 2 <= written_before < len(reports), "killed mid-batch"

    second = run_cli(*args, "--resume")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr.decode()
    lines = read_lines(out)
    hashes = [line["source"]["sha256"] for line in lines]
    assert len(hashes) == len(set(hashes)), "no report twice"
    assert set(hashes) == input_hashes(reports), "no report lost"
    assert f"跳过 {written_before} 篇" in stderr.decode(), "the done reports were skipped, not redone"


def _group(group: int) -> list[tuple[str, float]]:
    """(command line, seconds since it started) of each live process of a process group."""
    import psutil

    now, found = time.time(), []
    for process in psutil.process_iter(["cmdline", "create_time", "status"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) == group and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append((" ".join(process.info["cmdline"] or []), now - process.info["create_time"]))
    return found


def _others_in_group(group: int) -> list[str]:
    """The group's live processes but multiprocessing's resource tracker, which ends by
    itself a moment after its last user."""
    return [command for command, _ in _group(group) if "resource_tracker" not in command]


def _workers_started(group: int, for_s: float) -> list[str]:
    """The group's batch workers that started at least `for_s` seconds ago."""
    return [command for command, age in _group(group) if "spawn_main" in command and age >= for_s]


def test_ctrl_c_lets_the_reports_in_flight_end_and_leaves_no_worker(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 60)
    out = tmp_path / "out.jsonl"
    args = ("batch", str(tmp_path / "in"), "-o", str(out), "--jobs", "2", "--quiet")
    first = run_cli(*args, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    at_interrupt = out.read_bytes().count(b"\n")
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr.decode()
    assert stderr.decode().strip().endswith("已中断 / Interrupted") and "Traceback" not in stderr.decode()
    assert _others_in_group(first.pid) == [], "no worker outlives its parent"
    written = read_lines(out)  # every line whole
    assert at_interrupt < len(written) < len(reports), "the reports in flight were finished, no new one begun"
    assert {line["source"]["sha256"] for line in written} <= input_hashes(reports)

    second = run_cli(*args, "--resume")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr.decode()
    hashes = [line["source"]["sha256"] for line in read_lines(out)]
    assert sorted(hashes) == sorted(input_hashes(reports)), "each report once after the resume"


def test_ctrl_c_while_the_workers_start_is_one_line_too(tmp_path: Path) -> None:
    # Enough reports that the batch cannot end before the Ctrl-C reaches it: with 6, two warm
    # workers finished them all in 1.1 s, once, before the signal was handled (exit 0, not 130).
    make_reports(tmp_path / "in", 40)
    out = tmp_path / "out.jsonl"
    first = run_cli(
        "batch", str(tmp_path / "in"), "-o", str(out), "--jobs", "2", "--quiet", start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_workers_started(first.pid, for_s=0.1)) < 2:
        time.sleep(0.01)  # until both workers have left the parent's hands; they take ~1 s to import
    assert not out.exists() or out.read_bytes() == b"", "interrupted before any report was done"
    os.killpg(first.pid, signal.SIGINT)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr.decode()
    assert stderr.decode().strip() == "已中断 / Interrupted", "no worker's traceback, only the one line"


def test_resume_cuts_a_torn_line_and_retries_errors(tmp_path: Path) -> None:
    directory = tmp_path / "in"
    reports = make_reports(directory, 2)
    broken = directory / "r002_later.txt"
    broken.write_bytes(b"")
    out = tmp_path / "out.jsonl"
    assert run_batch([directory], out, OFFLINE, jobs=1, progress=False).failed == 1
    with out.open("ab") as f:
        f.write(b'{"schema_version":"1.0","source":{"sha256":"ab')  # a kill in the middle of a line
    broken.write_text(varied(SEED_PATHS[2].read_text(encoding="utf-8"), 7), encoding="utf-8")

    stats = run_batch([directory], out, OFFLINE, resume=True, jobs=1, progress=False)
    lines = read_lines(out)  # every line parses: the torn one is gone
    assert (stats.skipped, stats.done, stats.failed) == (2, 1, 0)
    assert not any("error" in line for line in lines), "the error line was dropped and its report retried"
    assert {line["source"]["sha256"] for line in lines} == input_hashes([*reports, broken])


def test_resume_redoes_a_torn_record_and_the_one_joined_to_it(tmp_path: Path) -> None:
    """A worker killed mid-write leaves part of its line; the next record starts right after it."""
    reports = make_reports(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    run_batch(reports, out, OFFLINE, jobs=1, progress=False)
    first, second, third = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(first[: len(first) // 2] + second + third)

    stats = run_batch(reports, out, OFFLINE, resume=True, jobs=1, progress=False)
    assert (stats.skipped, stats.done) == (1, 2), "the torn report and the one joined to it are done again"
    hashes = [line["source"]["sha256"] for line in read_lines(out)]  # every line parses
    assert sorted(hashes) == sorted(input_hashes(reports)), "each report once"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_is_one_clear_line(tmp_path: Path, jobs: str) -> None:
    make_reports(tmp_path / "in", 2)
    done = run_cli("batch", str(tmp_path / "in"), "-o", "/dev/full", "--jobs", jobs, "--quiet")
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 2, stderr.decode()
    line = stderr.decode()
    assert line.count("\n") == 1 and "Traceback" not in line, line
    assert "无法写入输出文件：/dev/full" in line and "cannot write the output file: /dev/full" in line, line


def test_lines_can_go_to_a_pipe(tmp_path: Path) -> None:
    """A FIFO (or `-o /dev/stdout` into a pipe) takes the lines; fsync, which a pipe refuses, is skipped."""
    from summarizer.batch.output import LineWriter

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    writer = LineWriter(fifo)
    writer.write(b'{"a":1}')
    writer.write('{"b":"二"}')
    writer.close()
    reader.join(timeout=10)
    assert received == ['{"a":1}\n{"b":"二"}\n'.encode()]


# ---------------------------------------------------------------- progress bar


def test_progress_bar_only_on_a_terminal_or_when_asked(batch_dir: Path, tmp_path: Path, capsys: Any) -> None:
    run_batch([batch_dir / "r000_000.txt"], tmp_path / "a.jsonl", OFFLINE, jobs=1)  # stderr is no tty here
    assert "reports" not in capsys.readouterr().err
    run_batch([batch_dir / "r000_000.txt"], tmp_path / "b.jsonl", OFFLINE, jobs=1, progress=True)
    bar = capsys.readouterr().err
    assert "1/1" in bar and "reports" in bar and "100%" in bar


def test_cli_batch_writes_no_bar_into_a_pipe(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = run_cli("batch", str(batch_dir / "r00*.txt"), "-o", str(out), "--jobs", "1")
    _, stderr = done.communicate(timeout=120)
    assert done.returncode == 1, "a report failed: exit 1, the rest done"
    text = stderr.decode()
    assert "\r" not in text and "it/s" not in text and "reports/s" in text, "only the closing line"
    names = {
        Path(line["path"]).name if "path" in line else line["source"]["filename"] for line in read_lines(out)
    }
    assert names == {"r000_000.txt", "r001_001.txt", "r002_002.txt", "r001_empty.txt", "r001_png.txt"}


# ---------------------------------------------------------------- the LLM engine in a batch


def test_llm_batch_shares_one_call_limit_and_the_cache(fake_llm: FakeLLM, tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 3)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow_model(request: dict[str, Any]) -> FakeResponse:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.2)  # long enough for the calls of several reports to overlap
        with lock:
            in_flight[0] -= 1
        return FakeResponse(body=json_answer(cooperative_answer(request)))

    fake_llm.script(handler=slow_model)
    settings = Settings(
        engine="llm",
        base_url=fake_llm.base_url,
        model=FAKE_MODEL,
        api_key="sk-test",
        json_mode="json_schema",
        concurrency=3,
        cache=str(tmp_path / "cache.sqlite3"),
    )
    stats = run_batch(reports, tmp_path / "out.jsonl", settings, progress=False)
    calls = len(fake_llm.chat_requests)
    lines = read_lines(tmp_path / "out.jsonl")
    assert stats.done == 3 and calls >= 6, "three reports, a reduce and sections each"
    assert peak[0] == 3, "calls of several reports ran at once, never more than the limit"
    assert sum(line["engine"]["calls"] for line in lines) == calls, "calls counted per report"
    assert all(line["engine"]["name"] == "llm" and not line["engine"]["fallbacks"] for line in lines)

    run_batch(reports, tmp_path / "again.jsonl", settings, progress=False)
    assert len(fake_llm.chat_requests) == calls, "the second run is answered by the cache"


# ---------------------------------------------------------------- the OpenAI Batch API


def provider_results(requests: Path, failing: set[str]) -> list[dict[str, Any]]:
    """What the Batch API hands back: a cooperative answer per request, an HTTP 500 for `failing` ids."""
    results = []
    for n, line in enumerate(requests.read_text(encoding="utf-8").splitlines()):
        request = json.loads(line)
        cid = request["custom_id"]
        if cid in failing:
            body: dict[str, Any] = {"error": {"message": "server overloaded", "type": "server_error"}}
            response = {"status_code": 500, "request_id": f"req_{n}", "body": body}
        else:
            response = {
                "status_code": 200,
                "request_id": f"req_{n}",
                "body": json_answer(cooperative_answer(request["body"])),
            }
        results.append({"id": f"batch_req_{n}", "custom_id": cid, "response": response, "error": None})
    return results


def test_openai_batch_requests_and_results_round_trip(tmp_path: Path) -> None:
    reports = make_reports(tmp_path / "in", 2)
    (tmp_path / "in" / "r002_empty.txt").write_bytes(b"")
    requests = tmp_path / "requests.jsonl"
    settings = Settings(engine="llm", model="gpt-test", cache=str(tmp_path / "cache.sqlite3"))
    written = write_batch_requests([tmp_path / "in"], requests, settings, progress=False)
    assert (written.done, written.failed) == (2, 1)

    lines = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines()]
    manifest = [json.loads(line) for line in manifest_path(requests).read_text(encoding="utf-8").splitlines()]
    header, entries = manifest[0], manifest[1:]
    assert header["model"] == "gpt-test" and header["json_mode"] == "json_schema"
    assert {tuple(sorted(line)) for line in lines} == {("body", "custom_id", "method", "url")}
    assert {(line["method"], line["url"], line["body"]["model"]) for line in lines} == {
        ("POST", "/v1/chat/completions", "gpt-test")
    }
    assert all(line["body"]["response_format"]["type"] == "json_schema" for line in lines)
    ids = [line["custom_id"] for line in lines]
    assert len(ids) == len(set(ids)) and all(len(i) <= 64 for i in ids)
    good = [e for e in entries if "error" not in e]
    assert sorted(i for e in good for i in e["custom_ids"]) == sorted(ids), "the manifest lists every request"
    assert {e["sha256"] for e in good} == input_hashes(reports)
    reduce_ids = [i for i in ids if "-reduce-" in i]
    assert len(reduce_ids) == 2, "one reduce per report"

    # The second report's first section request failed at the provider.
    failed_report = good[1]
    failing = {next(i for i in failed_report["custom_ids"] if "-chunk-" in i)}
    results = tmp_path / "results.jsonl"
    results.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in provider_results(requests, failing)),
        encoding="utf-8",
    )
    out, table = tmp_path / "out.jsonl", tmp_path / "out.csv"
    collected = collect_batch_results(
        requests, [results], out, Settings(cache=None), csv_path=table, progress=False
    )
    assert (collected.done, collected.failed) == (2, 1)

    by_sha = {line["source"]["sha256"]: line for line in read_lines(out) if "source" in line}
    whole, partial = by_sha[good[0]["sha256"]], by_sha[failed_report["sha256"]]
    for line in (whole, partial):
        summary = ReportSummary.model_validate(line)
        assert summary.engine.name == "llm" and summary.engine.model == "gpt-test"
        assert summary.verification.claims > 0, "verified like an online run"
        assert assert_spans_match(summary.source.text, summary.all_spans()) > 0
    assert whole["engine"]["fallbacks"] == [] and whole["engine"]["calls"] == len(good[0]["custom_ids"])
    assert partial["engine"]["fallbacks"] and "reduce" not in partial["engine"]["fallbacks"]
    assert any(w["code"] == "llm_fallback" for w in partial["source"]["warnings"])
    assert any(line.get("code") == "empty" for line in read_lines(out)), (
        "the unreadable report is an error line"
    )
    assert collected.csv_rows == sum(len(line["indicators"]) for line in by_sha.values())


def test_cli_openai_batch_then_collect(tmp_path: Path) -> None:
    make_reports(tmp_path / "in", 1)
    requests = tmp_path / "requests.jsonl"
    written = run_cli("batch", str(tmp_path / "in"), "--openai-batch", str(requests), "--model", "gpt-test")
    _, stderr = written.communicate(timeout=120)
    assert written.returncode == 0, stderr.decode()
    results = tmp_path / "results.jsonl"
    results.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in provider_results(requests, set())),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    collected = run_cli("batch-collect", str(requests), str(results), "-o", str(out))
    _, stderr = collected.communicate(timeout=120)
    assert collected.returncode == 0, stderr.decode()
    (line,) = read_lines(out)
    assert line["engine"]["name"] == "llm" and line["engine"]["fallbacks"] == []
