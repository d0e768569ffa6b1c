"""A catalogue of bad inputs, through all three faces: the CLI, the Python API and the app.

Every input ends in one of two ways, never in a traceback:
- a valid `ReportSummary` (spans right, warnings saying what was odd), or
- an `InputError` whose one bilingual line is what the CLI prints on stderr
  (exit code 2) and what the app shows in `st.error`.

Each case is built here (no binary fixtures to keep in sync); file cases are
written to `tmp_path` and given by path (CLI, API) or dropped on the uploader
(app); text cases are piped to stdin (CLI), passed as `str` (API) or pasted
(app).  The same line must come out of every face.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from summarizer import InputError, Settings, summarize
from summarizer.schema import ReportSummary
from tests.conftest import ROOT, assert_spans_match
from tests.make_input_fixtures import make_docx, make_pdf, make_scanned_pdf, make_zip_not_docx

REPORT = """政府工作报告
——2024年1月12日在青石镇第十八届人民代表大会第四次会议上
各位代表：
现在，我代表镇人民政府向大会报告工作，请予审议。
一、2023年工作回顾
（一）经济运行稳中有进
全年实现地区生产总值83.98亿元，同比增长2.3%；一般公共预算收入1.2亿元，增长5.5%。新建高标准农田3492亩，改造农村危房32户。
（二）民生事业持续改善
新改建农村公路15公里，新增城镇就业岗位1200个，群众出行和就业条件明显改善。
二、存在的问题
一是产业结构单一，二是基础设施仍有短板，三是公共服务水平不高。
三、2024年工作安排
2024年全镇地区生产总值增长6%左右，固定资产投资增长8%以上。重点抓好产业项目建设和人居环境整治。
"""
TRADITIONAL = (
    "政府工作報告\n各位代表：\n現在，我代表鎮人民政府向大會報告工作，請予審議。\n一、2023年工作回顧\n"
    "全年實現地區生產總值83.98億元，同比增長2.3%；一般公共預算收入1.2億元，增長5.5%。"
    "新建高標準農田3492畝，改造農村危房32戶。\n二、存在的問題\n一是產業結構單一，二是基礎設施仍有短板。\n"
    "三、2024年工作安排\n全鎮地區生產總值增長6%左右。重點抓好產業項目建設和人居環境整治。\n"
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>政府工作报告</title><style>p { color: red }</style>"
    "<script>var tracker = 'SCRIPT_BODY';</script></head><body><div class='nav'>首页 > 政务公开</div>"
    + "".join(f"<p>{line}</p>" for line in REPORT.splitlines())
    + "<script>alert('SCRIPT_BODY')</script></body></html>"
)
MARKDOWN = "# 政府工作报告\n\n## 一、2023年工作回顾\n\n- **地区生产总值** 83.98亿元，增长2.3%。\n- 新建高标准农田3492亩。\n\n## 二、2024年工作安排\n\n> 地区生产总值增长6%左右。\n"
DEFAULT_LIMIT = 1_000_000
HUGE_CHARS = 2_000_000
APP = str(ROOT / "app.py")


def huge_report() -> str:
    return (REPORT * (HUGE_CHARS // len(REPORT) + 1))[:HUGE_CHARS]


def encrypted_pdf() -> bytes:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(make_pdf([REPORT.splitlines()[:6]]))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def owner_only_pdf() -> bytes:
    """Encrypted with an empty user password: readers open it without asking."""
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(make_pdf([REPORT.splitlines()[:6]]))))
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_docx() -> bytes:
    good = make_docx(REPORT.splitlines()[:3], [["指标", "数值"], ["地区生产总值", "83.98亿元"]], [])
    return good[: len(good) // 2] + b"\x00garbage\x00" * 10


def old_office_file() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)


def random_bytes() -> bytes:
    return random.Random(7).randbytes(4096)


def check_zero_width_figure(summary: ReportSummary) -> None:
    (figure,) = [i for i in summary.indicators if i.value == 12]
    assert figure.unit == "亿元"
    assert "1\u200b2亿元" in figure.evidence.quote


def check_html_scripts_dropped(summary: ReportSummary) -> None:
    assert "SCRIPT_BODY" not in summary.source.text and "color: red" not in summary.source.text
    assert "2023年工作回顾" in summary.source.text
    assert [s.title for s in summary.sections if s.level == 1][-1] == "2024年工作安排"


def check_only_headings(summary: ReportSummary) -> None:
    assert [s.level for s in summary.sections] == [1, 1, 1]
    assert summary.indicators == [] and summary.all_claims() == [], "nothing to say, nothing invented"


def check_redacted(summary: ReportSummary) -> None:
    masked = [i for i in summary.indicators if i.redacted]
    assert masked and all(i.value is None for i in masked)


def check_control_chars_out_of_quotes(summary: ReportSummary) -> None:
    for claim in summary.all_claims():
        assert "\x00" not in claim.text


@dataclass(frozen=True)
class BadInput:
    """One entry of the catalogue: a pasted `str` or a file (bytes + name), and what must happen."""

    make: Callable[[], str | bytes]
    filename: str | None = None  # set for a file
    error: str | None = None  # the InputError code expected, or None for a summary
    warnings: tuple[str, ...] = ()  # warning codes the summary must carry
    check: Callable[[ReportSummary], None] | None = None
    faces: frozenset[str] = field(default_factory=lambda: frozenset({"cli", "api", "app"}))


CATALOGUE: dict[str, BadInput] = {
    "empty": BadInput(lambda: "", error="empty"),
    "whitespace-only": BadInput(lambda: " \n\t\u3000\r\n\u200b  ", error="empty"),
    "empty-file": BadInput(lambda: b"", "empty.txt", error="empty"),
    "one-character": BadInput(lambda: "一"),
    "png-image": BadInput(lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), "report.png", error="binary"),
    "png-named-txt": BadInput(lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), "report.txt", error="binary"),
    "random-bytes": BadInput(random_bytes, "report.txt", error="binary"),
    "old-office-doc": BadInput(old_office_file, "report.doc", error="binary"),
    "zip-not-docx": BadInput(make_zip_not_docx, "report.docx", error="binary"),
    "utf16-bom": BadInput(lambda: REPORT.encode("utf-16"), "report.txt"),
    "utf16-le-no-bom": BadInput(
        lambda: REPORT.encode("utf-16-le"), "report.txt", warnings=("encoding_guessed",)
    ),
    "utf16-be-no-bom": BadInput(
        lambda: REPORT.encode("utf-16-be"), "report.txt", warnings=("encoding_guessed",)
    ),
    "utf32-bom": BadInput(lambda: REPORT.encode("utf-32"), "report.txt"),
    "utf8-bom": BadInput(lambda: b"\xef\xbb\xbf" + REPORT.encode(), "report.txt"),
    "gbk": BadInput(lambda: REPORT.encode("gbk"), "report.txt", warnings=("encoding_guessed",)),
    "gb18030": BadInput(lambda: REPORT.encode("gb18030"), "report.txt", warnings=("encoding_guessed",)),
    "big5-traditional": BadInput(
        lambda: TRADITIONAL.encode("big5"), "report.txt", warnings=("encoding_guessed",)
    ),
    "mojibake-pasted": BadInput(lambda: REPORT.encode("utf-8").decode("latin-1"), error="mojibake"),
    "mojibake-cp1252-file": BadInput(
        lambda: REPORT.encode("utf-8").decode("cp1252", "replace").encode("utf-8"), "r.txt", error="mojibake"
    ),
    "nul-and-controls": BadInput(
        lambda: REPORT.replace("各位代表", "各位\x00代\x07表\x1b").replace("15公里", "15\x01公里"),
        warnings=("control_chars",),
        check=check_control_chars_out_of_quotes,
    ),
    "zero-width-in-number": BadInput(
        lambda: REPORT.replace("83.98亿元", "1\u200b2亿元"), check=check_zero_width_figure
    ),
    "replacement-chars": BadInput(lambda: REPORT.replace("农田", "农\ufffd"), warnings=("replacement_char",)),
    "redacted-figures": BadInput(
        lambda: REPORT.replace("83.98亿元", "XX亿元").replace("5.5%", "x.x%"),
        warnings=("redacted",),
        check=check_redacted,
    ),
    "over-size-limit": BadInput(huge_report, "huge.txt", error="too_long"),
    "100k-line-no-punctuation": BadInput(lambda: "发展" * 50_000),
    "english": BadInput(lambda: "The government work report of the town. " * 50, warnings=("not_chinese",)),
    "only-headings": BadInput(
        lambda: "一、2023年工作回顾\n二、存在的问题\n三、2024年工作安排\n", check=check_only_headings
    ),
    "one-line-paste-longer-than-a-file-name": BadInput(
        lambda: "全年实现地区生产总值83.98亿元，同比增长2.3%。" * 12  # no line break: once taken for a path
    ),
    "no-headings": BadInput(lambda: "全年实现地区生产总值83.98亿元，同比增长2.3%。明年继续努力。"),
    "pasted-twice": BadInput(lambda: REPORT + "\n" + REPORT, warnings=("duplicate_text",)),
    "html-page": BadInput(
        lambda: HTML_PAGE.encode(),
        "report.html",
        warnings=("html_stripped",),
        check=check_html_scripts_dropped,
    ),
    "html-pasted": BadInput(lambda: HTML_PAGE, warnings=("html_stripped",), check=check_html_scripts_dropped),
    "markdown": BadInput(lambda: MARKDOWN.encode(), "report.md"),
    "corrupt-docx": BadInput(corrupt_docx, "report.docx", error="corrupt"),
    "encrypted-pdf": BadInput(encrypted_pdf, "report.pdf", error="encrypted"),
    "owner-password-pdf": BadInput(owner_only_pdf, "report.pdf", warnings=("pdf_converted",)),
    "scanned-pdf": BadInput(make_scanned_pdf, "scan.pdf", error="no_text_layer"),
    "pdf-named-txt": BadInput(
        lambda: make_pdf([REPORT.splitlines()]), "report.txt", warnings=("extension_mismatch",)
    ),
    "text-named-docx": BadInput(lambda: REPORT.encode(), "report.docx", warnings=("extension_mismatch",)),
    "crlf-file": BadInput(lambda: REPORT.replace("\n", "\r\n").encode(), "crlf.txt"),
    "cr-file": BadInput(lambda: REPORT.replace("\n", "\r").encode(), "cr.txt"),
    "lone-surrogate": BadInput(
        lambda: REPORT.replace("亿元", "亿\ud800元", 1),
        warnings=("invalid_chars", "replacement_char"),
        faces=frozenset({"api"}),  # no byte stream or widget can carry a lone surrogate
    ),
}


def assert_one_clear_line(line: str) -> None:
    assert line.startswith("错误：") and "/ Error: " in line, line
    assert "\n" not in line.strip() and "Traceback" not in line, line


def spans_in_json(node: Any) -> list[tuple[int, int, str]]:
    """Every `{start, end, quote}` object anywhere in a summary's JSON, found without `all_spans()`."""
    if isinstance(node, dict):
        if {"start", "end", "quote"} <= node.keys():
            return [(node["start"], node["end"], node["quote"])]
        return [span for value in node.values() for span in spans_in_json(value)]
    if isinstance(node, list):
        return [span for value in node for span in spans_in_json(value)]
    return []


def assert_valid_summary(case: BadInput, summary: ReportSummary, given: str | bytes) -> None:
    json_text = summary.to_json()
    again = ReportSummary.model_validate_json(json_text)  # the JSON is valid, UTF-8-writable
    checked = again.all_spans()
    assert_spans_match(again.source.text, checked)
    # The span check covered every span the summary carries (sections, meta, claims, numbers,
    # indicators, projects, warnings), none skipped...
    every = spans_in_json(json.loads(json_text))
    assert sorted((s.start, s.end, s.quote) for s in checked) == sorted(every), "a span went unchecked"
    # ...and every claim carries one: no claim says something that points nowhere in the text.
    assert all(claim.evidence for claim in again.all_claims()), "a claim without evidence"
    if isinstance(given, str) and "invalid_chars" not in case.warnings:
        assert again.source.text == given or "html_stripped" in case.warnings
    codes = {w.code for w in again.source.warnings}
    assert set(case.warnings) <= codes, codes
    if case.check is not None:
        case.check(again)


def cases_for(face: str) -> list[Any]:
    return [pytest.param(name, id=name) for name, case in CATALOGUE.items() if face in case.faces]


def materialize(case: BadInput, tmp_path: Path) -> str | bytes | Path:
    given = case.make()
    if case.filename is None:
        return given
    path = tmp_path / case.filename
    path.write_bytes(given if isinstance(given, bytes) else given.encode("utf-8"))
    return path


def api_outcome(case: BadInput, source: str | bytes | Path) -> ReportSummary | InputError:
    settings = Settings.from_env(engine="extractive")
    try:
        return summarize(source, settings)
    except InputError as e:
        return e


@pytest.fixture(autouse=True)
def _history_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMMARIZER_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("SUMMARIZER_ENGINE", "extractive")


# ---------------------------------------------------------------- the API


@pytest.mark.parametrize("name", cases_for("api"))
def test_api(name: str, tmp_path: Path) -> None:
    case = CATALOGUE[name]
    source = materialize(case, tmp_path)
    outcome = api_outcome(case, source)
    if case.error is not None:
        assert isinstance(outcome, InputError), f"expected InputError({case.error}), got a summary"
        assert outcome.code == case.error, outcome.line
        assert_one_clear_line(outcome.line)
    else:
        assert isinstance(outcome, ReportSummary), outcome.line
        assert_valid_summary(case, outcome, case.make())


# ---------------------------------------------------------------- the CLI


def run_cli(
    args: list[str], stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=full_env,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("name", cases_for("cli"))
def test_cli(name: str, tmp_path: Path) -> None:
    case = CATALOGUE[name]
    source = materialize(case, tmp_path)
    if isinstance(source, Path):
        done = run_cli([str(source)])
    else:
        text = source if isinstance(source, str) else source.decode("utf-8")
        done = run_cli(["-"], stdin=text.encode("utf-8"))
    stderr = done.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    expected = api_outcome(case, source)
    if case.error is not None:
        assert done.returncode == 2, (done.returncode, stderr)
        assert isinstance(expected, InputError)
        assert stderr == expected.line + "\n", "the CLI prints the library's line and nothing else"
        assert done.stdout == b""
    else:
        assert done.returncode == 0, stderr
        summary = ReportSummary.model_validate_json(done.stdout)
        assert_valid_summary(case, summary, source if isinstance(source, str) else b"")


@pytest.mark.parametrize(
    ("limit", "expect_ok"),
    [pytest.param(None, False, id="default-limit"), pytest.param(HUGE_CHARS + 1, True, id="raised-limit")],
)
def test_cli_huge_report_and_the_size_limit(limit: int | None, expect_ok: bool, tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text(huge_report(), encoding="utf-8")
    env = {"SUMMARIZER_MAX_CHARS": str(limit)} if limit else {}
    done = run_cli([str(path), "--format", "csv"], env=env)
    stderr = done.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    if expect_ok:
        assert done.returncode == 0, stderr
        rows = done.stdout.decode("utf-8-sig").splitlines()
        per_copy = len(summarize(REPORT, Settings(engine="extractive")).indicators)
        assert len(rows) > per_copy * (HUGE_CHARS // len(REPORT)) // 2, "the indicators of every copy"
    else:
        assert done.returncode == 2
        assert_one_clear_line(stderr)
        assert f"{DEFAULT_LIMIT}" in stderr, "the message names the limit"
        assert "SUMMARIZER_MAX_CHARS" in stderr, "and how to raise it"


@pytest.mark.parametrize(
    ("args", "code_word"),
    [
        pytest.param(["/nonexistent/report.txt"], "not found", id="missing-file"),
        pytest.param(["{tmp}"], "not found", id="a-directory"),
        pytest.param(["{seed}", "-o", "/nonexistent/dir/out.json"], "cannot write", id="unwritable-output"),
        pytest.param(["{seed}", "--engine", "gpt"], "bad usage", id="bad-flag"),
    ],
)
def test_cli_usage_errors_are_one_line(args: list[str], code_word: str, tmp_path: Path) -> None:
    seed = tmp_path / "r.txt"
    seed.write_text(REPORT, encoding="utf-8")
    args = [a.format(tmp=tmp_path, seed=seed) for a in args]
    done = run_cli(args)
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2
    assert_one_clear_line(stderr)
    assert code_word in stderr


# ---------------------------------------------------------------- line ends


def test_crlf_cr_and_lf_give_the_same_summary() -> None:
    shapes = {}
    for name, newline in (("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")):
        text = REPORT.replace("\n", newline)
        summary = summarize(text, Settings.from_env(engine="extractive"))
        assert assert_spans_match(text, summary.all_spans()) > 0
        shapes[name] = (
            [(s.id, s.level, s.title, s.kind) for s in summary.sections],
            [(i.name, i.raw, i.value, i.kind) for i in summary.indicators],
        )
    assert shapes["lf"][0] and shapes["lf"][1]
    assert shapes["crlf"] == shapes["lf"]
    assert shapes["cr"] == shapes["lf"]


# ---------------------------------------------------------------- the app


def app_outcome(case: BadInput, given: str | bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    if case.filename is None:
        assert isinstance(given, str)
        at.text_area(key="report_text").input(given)
        at.button(key="summarize").click()
        at.run()
    else:
        data = given if isinstance(given, bytes) else given.encode("utf-8")
        at.file_uploader(key="upload_widget").set_value((case.filename, data, "application/octet-stream"))
        at.run()
        if not at.error:
            at.button(key="summarize").click()
            at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", cases_for("app"))
def test_app(name: str, tmp_path: Path) -> None:
    case = CATALOGUE[name]
    given = case.make()
    at = app_outcome(case, given)
    expected = api_outcome(case, materialize(case, tmp_path))
    if case.error is not None:
        assert isinstance(expected, InputError)
        (shown,) = at.error
        assert shown.value == expected.line
        assert "summary" not in at.session_state
    else:
        assert not at.error, [e.value for e in at.error]
        summary = at.session_state["summary"]
        assert_valid_summary(case, summary, b"")
