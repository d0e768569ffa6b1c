"""The command line as a user runs it: real subprocesses, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_PATHS

SEED = SEED_PATHS[3]


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    environ["SUMMARIZER_CACHE"] = "off"
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=environ,
        timeout=120,
    )


def test_summarize_prints_json_to_stdout() -> None:
    out = run("summarize", str(SEED))
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["schema_version"] == "1.0" and data["engine"]["name"] == "extractive"
    assert data["source"]["filename"] == SEED.name
    assert "涌山镇" in out.stdout.decode("utf-8"), "Chinese is written as is"


def test_summarize_reads_stdin_and_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    out = run("summarize", "-", "-o", str(target), stdin=SEED.read_bytes())
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["source"]["text"] == SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fmt", "marker"), [("md", "# "), ("csv", "name")], ids=["markdown", "csv"])
def test_other_formats(fmt: str, marker: str) -> None:
    out = run("summarize", str(SEED), "--format", fmt)
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode("utf-8-sig")
    assert marker in text and "地区生产总值" in text


BAD = [
    ("missing-file", ["summarize", "no/such/report.txt"], None),
    ("empty-stdin", ["summarize", "-"], b""),
    ("binary-stdin", ["summarize", "-"], b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    ("bad-engine", ["summarize", str(SEED), "--engine", "magic"], None),
    ("no-command", [], None),
    (
        "llm-without-model",
        ["summarize", str(SEED), "--engine", "llm", "--base-url", "http://127.0.0.1:9"],
        None,
    ),
]


@pytest.mark.parametrize(("args", "stdin"), [(a, s) for _, a, s in BAD], ids=[b[0] for b in BAD])
def test_user_errors_are_one_bilingual_line_and_exit_2(args: list[str], stdin: bytes | None) -> None:
    out = run(*args, stdin=stdin)
    err = out.stderr.decode("utf-8").strip()
    assert out.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert "Error" in err and "错误" in err


def test_schema_command() -> None:
    out = run("schema")
    assert out.returncode == 0
    assert "ReportSummary" in json.loads(out.stdout)["title"]


def test_verify_our_own_json_exits_0(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    assert run("summarize", str(SEED), "-o", str(summary)).returncode == 0
    out = run("verify", str(SEED), str(summary))
    assert out.returncode == 0, out.stdout.decode()[:500]
    result = json.loads(out.stdout)
    assert result["verification"]["claims"] > 10
    assert result["verification"]["supported"] == result["verification"]["claims"]


FREE_TEXT = "# 摘要\n- 2023年全镇财政总收入5.2亿元，同比增长23.4%。\n- 地区生产总值83.98万元。\n"


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_verify_free_text_with_a_wrong_figure_exits_1(tmp_path: Path, fmt: str) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text(FREE_TEXT, encoding="utf-8")
    out = run("verify", str(SEED), str(summary), "--format", fmt)
    assert out.returncode == 1, out.stderr.decode()
    text = out.stdout.decode("utf-8")
    if fmt == "json":
        result = json.loads(text)
        assert (result["verification"]["supported"], result["verification"]["unsupported"]) == (1, 1)
    else:
        assert "unsupported" in text and "83.98万元" in text


def test_verify_reads_the_summary_from_stdin() -> None:
    out = run("verify", str(SEED), "-", stdin="2023年全镇财政总收入5.2亿元。".encode())
    assert out.returncode == 0, out.stdout.decode()


@pytest.mark.parametrize(
    "args",
    [["verify", "no/such/report.txt", "x.md"], ["verify", str(SEED), "no/such/summary.md"]],
    ids=["missing-report", "missing-summary"],
)
def test_verify_bad_input_exits_2(args: list[str]) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert len(out.stderr.decode().strip().splitlines()) == 1
