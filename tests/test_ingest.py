"""ingest: every way a report arrives (text, encodings, docx, pdf, html) and every way it can fail."""

from __future__ import annotations

import codecs
import io
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from summarizer.config import Settings
from summarizer.errors import InputError
from summarizer.text.ingest import Document, read_document
from tests.make_input_fixtures import (
    REPORT_LINES,
    TABLE_ROWS,
    TRADITIONAL_TEXT,
    make_docx,
    make_pdf,
    make_scanned_pdf,
    make_zip_not_docx,
    write_all,
)

REPORT = "\n".join(REPORT_LINES) + "\n"
CRLF_REPORT = "政府工作报告\r\n各位代表：\r\n全镇财政总收入5.2亿元。\r\n"


def _random_bytes(n: int) -> bytes:
    rng = random.Random(20240127)
    return bytes(rng.randrange(256) for _ in range(n))


# (input bytes, file name, expected text, expected encoding, expected warning codes)
TEXT_CASES = [
    pytest.param(REPORT.encode("utf-8"), "r.txt", REPORT, "utf-8", [], id="utf8"),
    pytest.param(CRLF_REPORT.encode("utf-8"), "r.txt", CRLF_REPORT, "utf-8", [], id="utf8-crlf-kept"),
    pytest.param(codecs.BOM_UTF8 + REPORT.encode(), "r.txt", REPORT, "utf-8-sig", [], id="utf8-bom"),
    pytest.param(
        codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), "r.txt", REPORT, "utf-16", [], id="utf16-le-bom"
    ),
    pytest.param(
        codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), "r.txt", REPORT, "utf-16", [], id="utf16-be-bom"
    ),
    pytest.param(REPORT.encode("gbk"), "r.txt", REPORT, "gb18030", ["encoding_guessed"], id="gbk"),
    pytest.param(
        (REPORT + "㐀䶵𠀀\n").encode("gb18030"),
        "r.txt",
        REPORT + "㐀䶵𠀀\n",
        "gb18030",
        ["encoding_guessed"],
        id="gb18030",
    ),
    pytest.param(
        TRADITIONAL_TEXT.encode("big5"), "r.txt", TRADITIONAL_TEXT, "big5", ["encoding_guessed"], id="big5"
    ),
    pytest.param(REPORT.encode("utf-8"), None, REPORT, "utf-8", [], id="no-filename"),
]


@pytest.mark.parametrize(("data", "filename", "text", "encoding", "codes"), TEXT_CASES)
def test_text_bytes_decode_to_the_exact_original(
    data: bytes, filename: str | None, text: str, encoding: str, codes: list[str]
) -> None:
    document = read_document(data, filename=filename)
    assert document.text == text
    assert document.encoding == encoding
    assert [w.code for w in document.warnings] == codes
    assert all(w.span is None for w in document.warnings)


def test_pasted_text_is_kept_as_is_and_never_read_as_a_path(tmp_path: Path) -> None:
    existing = tmp_path / "r.txt"
    existing.write_text("another text", encoding="utf-8")
    assert read_document(str(existing)) == Document(str(existing), None, "text", [])
    assert read_document(CRLF_REPORT).text == CRLF_REPORT


def test_path_is_read_and_named(tmp_path: Path) -> None:
    path = tmp_path / "报告.txt"
    path.write_bytes(REPORT.encode("gbk"))
    document = read_document(path)
    assert (document.text, document.filename, document.encoding) == (REPORT, "报告.txt", "gb18030")


# (builder of the file bytes, file name, encoding, lines that must appear in this order, warning codes)
FILE_CASES = [
    pytest.param(
        lambda: make_docx(REPORT_LINES[:2], TABLE_ROWS, REPORT_LINES[2:]),
        "r.docx",
        "docx",
        [*REPORT_LINES[:2], "指标\t2023年\t增长", "地区生产总值\t83.98亿元\t2.3%", *REPORT_LINES[2:]],
        ["docx_converted"],
        id="docx-with-table-in-order",
    ),
    pytest.param(
        lambda: make_pdf([REPORT_LINES[:2], REPORT_LINES[2:]]),
        "r.pdf",
        "pdf",
        REPORT_LINES,
        ["pdf_converted"],
        id="pdf-text-layer-two-pages",
    ),
    pytest.param(
        lambda: make_pdf([REPORT_LINES]),
        "r.txt",
        "pdf",
        REPORT_LINES,
        ["extension_mismatch", "pdf_converted"],
        id="pdf-named-txt",
    ),
    pytest.param(
        lambda: b"\r\n" + make_pdf([REPORT_LINES]),
        "r.pdf",
        "pdf",
        REPORT_LINES,
        ["pdf_converted"],
        id="pdf-header-after-junk",
    ),
    pytest.param(
        lambda: make_docx(REPORT_LINES, TABLE_ROWS, []),
        "r.doc.txt",
        "docx",
        REPORT_LINES,
        ["extension_mismatch", "docx_converted"],
        id="docx-named-txt",
    ),
]


@pytest.mark.parametrize(("build", "filename", "encoding", "lines", "codes"), FILE_CASES)
def test_documents_are_converted_in_order(
    build: Callable[[], bytes], filename: str, encoding: str, lines: list[str], codes: list[str]
) -> None:
    document = read_document(build(), filename=filename)
    assert document.encoding == encoding
    assert [w.code for w in document.warnings] == codes
    text_lines = document.text.split("\n")
    positions = [text_lines.index(line) for line in lines]
    assert positions == sorted(positions)


def test_docx_merged_cell_is_written_once() -> None:
    from docx import Document as new_docx

    docx = new_docx()
    docx.add_paragraph("前言")
    table = docx.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "主要经济指标"
    for column, value in enumerate(["地区生产总值", "83.98亿元", "2.3%"]):
        table.cell(1, column).text = value
    docx.add_paragraph("结语")
    out = io.BytesIO()
    docx.save(out)
    text = read_document(out.getvalue(), filename="m.docx").text
    assert text == "前言\n主要经济指标\n地区生产总值\t83.98亿元\t2.3%\n结语"


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>标题不显示</title><style>p { color: red }</style>
<script>var hidden = "脚本不显示";</script></head>
<body><!-- 注释不显示 --><noscript>请启用脚本</noscript>
<div class="nav">首页 &gt; 政务公开</div>
<h1>政府工作报告</h1>
<p>各位代表：</p><p>2023年全镇<b>财政总收入</b>5.2亿元，
同比增长23.4%。<br>一、2023年工作回顾</p>
<table><tr><td>指标</td><td>数值</td></tr></table>
<template><p>模板不显示</p></template>
</body></html>"""
HTML_LINES = [
    "首页 > 政务公开",
    "政府工作报告",
    "各位代表：",
    "2023年全镇财政总收入5.2亿元， 同比增长23.4%。",
    "一、2023年工作回顾",
    "指标\t数值",
]


@pytest.mark.parametrize(
    ("source", "filename"),
    [
        pytest.param(HTML_PAGE.encode("utf-8"), "page.html", id="html-bytes"),
        pytest.param(HTML_PAGE.encode("gb18030"), "page.htm", id="html-gbk-bytes"),
        pytest.param(HTML_PAGE, None, id="html-pasted"),
        pytest.param(HTML_PAGE.encode("utf-8"), "page.txt", id="html-named-txt"),
    ],
)
def test_html_keeps_visible_text_only(source: str | bytes, filename: str | None) -> None:
    document = read_document(source, filename=filename)
    assert document.encoding == "html"
    assert document.text.split("\n") == HTML_LINES
    assert "html_stripped" in [w.code for w in document.warnings]


def test_text_mentioning_tags_is_not_html() -> None:
    text = "各位代表：网页中的<p>标签不是本报告的内容。"
    assert read_document(text).text == text


def _too_long_settings() -> Settings:
    return Settings(max_chars=10)


# (source, file name, settings, expected error code, words the message must contain)
ERROR_CASES = [
    pytest.param(b"", "r.txt", None, "empty", "empty", id="empty-bytes"),
    pytest.param("", None, None, "empty", "empty", id="empty-str"),
    pytest.param(" \r\n\t\u3000\u200b", None, None, "empty", "empty", id="whitespace-str"),
    pytest.param(b"  \r\n\t  ", "r.txt", None, "empty", "empty", id="whitespace-bytes"),
    pytest.param("\u3000\n".encode("utf-16"), "r.txt", None, "empty", "empty", id="whitespace-utf16"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(200), "r.txt", None, "binary", "PNG", id="png-named-txt"),
    pytest.param(b"\xff\xd8\xff\xe0" + bytes(200), "r.txt", None, "binary", "JPEG", id="jpeg"),
    pytest.param(b"GIF89a" + bytes(200), None, None, "binary", "GIF", id="gif"),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "r.doc", None, "binary", ".doc", id="old-doc"
    ),
    pytest.param(_random_bytes(4000), "r.txt", None, "binary", "binary", id="random-bytes"),
    pytest.param(make_zip_not_docx(), "r.docx", None, "binary", "zip", id="zip-not-docx"),
    pytest.param(_random_bytes(4000), "r.docx", None, "corrupt", "corrupt", id="random-named-docx"),
    pytest.param(
        make_docx(REPORT_LINES, TABLE_ROWS, [])[:2000],
        "r.docx",
        None,
        "corrupt",
        "corrupt",
        id="truncated-docx",
    ),
    pytest.param(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
        "r.pdf",
        None,
        "corrupt",
        "corrupt",
        id="corrupt-pdf",
    ),
    pytest.param(make_scanned_pdf(), "scan.pdf", None, "no_text_layer", "OCR", id="pdf-without-text-layer"),
    pytest.param(
        "政府工作报告".encode() + b"\x80\x80\xff\xfe\x81",
        "r.txt",
        None,
        "encoding",
        "decode",
        id="undecodable",
    ),
    pytest.param(
        codecs.BOM_UTF8 + b"\xff\xfe\xfa", "r.txt", None, "encoding", "decode", id="bad-bytes-after-bom"
    ),
    pytest.param(REPORT, None, _too_long_settings(), "too_long", "10", id="too-long-str"),
    pytest.param(REPORT.encode(), "r.txt", _too_long_settings(), "too_long", "10", id="too-long-bytes"),
    pytest.param(Path("/nonexistent/报告.txt"), None, None, "not_found", "not found", id="missing-file"),
    pytest.param(Path("/"), None, None, "not_found", "not a file", id="directory"),
]


@pytest.mark.parametrize(("source", "filename", "settings", "code", "words"), ERROR_CASES)
def test_bad_input_is_one_clear_input_error(
    source: str | bytes | Path, filename: str | None, settings: Settings | None, code: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_document(source, filename=filename, settings=settings)
    error = caught.value
    assert error.code == code
    assert words in str(error)
    assert error.zh and error.en and "\n" not in error.line
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.zh)
    # A library exception may be the cause, never the error itself.
    assert type(error) is InputError


def test_input_fixture_files_are_readable(tmp_path: Path) -> None:
    expected = {
        "report.docx": "docx",
        "report.pdf": "pdf",
        "report_gb18030.txt": "gb18030",
        "report_utf16.txt": "utf-16",
        "report_big5.txt": "big5",
        "pdf_named.txt": "pdf",
    }
    for path in write_all(tmp_path):
        if path.name in expected:
            assert read_document(path).encoding == expected[path.name], path.name
        else:
            with pytest.raises(InputError):
                read_document(path)
