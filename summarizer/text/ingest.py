"""Ingest: bytes, files or pasted text -> the original text of a report.

The original text is what every span points into, so this stage decides it once
and for all: a text file is exactly its decoded string (only a BOM is stripped;
`\\r\\n` and everything else stay); for .docx, .pdf and HTML the extracted text
*is* the original text from then on.

The format is decided by content first (magic bytes), the file name second, so a
.txt that is really a PDF is read as a PDF and a PNG renamed .txt is rejected.
Text encodings: strict UTF-8 first (the common case, and fast), BOMs, then
charset-normalizer among the encodings Chinese reports use (GB18030/GBK, Big5,
UTF-16/32).  Every failure is an `InputError` with one line in Chinese and
English and a `code`; no library exception escapes.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import InputError
from ..schema import SourceWarning

if TYPE_CHECKING:
    from docx.table import Table

# The report files we read, by suffix: the one list for paths given as text (`summarize("a.docx")`),
# the files a batch finds in a directory, and the app's upload box.  .docx and .pdf are read
# by their format, .html/.htm as HTML; any other file is decoded as text.
INPUT_SUFFIXES = (".txt", ".text", ".md", ".docx", ".pdf", ".html", ".htm")

# What sits at the start of files that are not text.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片 / a PNG image"),
    (b"GIF8", "GIF 图片 / a GIF image"),
    (b"\xff\xd8\xff", "JPEG 图片 / a JPEG image"),
    (b"BM", "BMP 图片 / a BMP image"),
    (b"II*\x00", "TIFF 图片 / a TIFF image"),
    (b"MM\x00*", "TIFF 图片 / a TIFF image"),
    (b"RIFF", "音视频或图片 / a media file"),
    (
        b"\xd0\xcf\x11\xe0",
        "旧版 Office 文件（.doc/.xls），请另存为 .docx / an old Office file (.doc/.xls); save it as .docx",
    ),
    (b"Rar!", "RAR 压缩包 / a RAR archive"),
    (b"7z\xbc\xaf", "7z 压缩包 / a 7z archive"),
    (b"\x1f\x8b", "gzip 压缩包 / a gzip archive"),
    (b"\x7fELF", "程序文件 / an executable"),
    (b"MZ", "程序文件 / an executable"),
    (b"{\\rtf", "RTF 文件，请另存为 .docx 或 .txt / an RTF file; save it as .docx or .txt"),
)
_PDF_MAGIC = b"%PDF"
_ZIP_MAGIC = b"PK\x03\x04"
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Encodings Chinese government files come in, when they are not UTF-8.
_CANDIDATE_ENCODINGS = ["gb18030", "gbk", "gb2312", "big5", "big5hkscs", "utf_16", "utf_32"]
_ENCODING_NAMES = {"gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "big5hkscs": "big5"}
# Bytes below 0x20 other than tab, LF, VT, FF, CR, ESC: text files (outside UTF-16/32) have none.
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B))
_MAX_CONTROL_RATIO = 0.01
_SNIFF_BYTES = 8192
_HTML_PAGE = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE | re.DOTALL
)
_HTML_BLOCKS = re.compile(r"<(?:p|div|br|table|li|h[1-6])[\s/>]", re.IGNORECASE)
_BLANK = " \t\r\n\f\v\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
# Control characters carry no text either: normalization drops them.
_BLANK_OR_CONTROL = _BLANK + "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))
# Half of a UTF-16 surrogate pair alone: it cannot be written as UTF-8, so JSON output would fail.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# UTF-8 read as Latin-1 / Windows-1252 ("æ\x94¿åº\x9c" for "政府"): a lead byte's letter followed by
# a continuation byte's C1 control or cp1252 punctuation.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_CJK = re.compile("[\u4e00-\u9fff]")
_MOJIBAKE_MIN_PAIRS = 10
_UTF16_MIN_NULS = 4
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")
_MOJIBAKE_SNIFF_CHARS = 20_000


def text_sha256(text: str) -> str:
    """The hash of an original text: `source.sha256`, and the key a batch resumes by."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Document:
    text: str  # the original text
    filename: str | None
    encoding: str | None  # "utf-8", "utf-8-sig", "utf-16", "gb18030", "docx", "pdf", "html", "text"
    warnings: list[SourceWarning] = field(default_factory=list)


def read_document(
    source: str | bytes | os.PathLike[str],
    *,
    filename: str | None = None,
    settings: Settings | None = None,
) -> Document:
    """The original text of a report given as pasted text, file bytes or a path.

    A `str` is always report text, never a path (the pipeline decides about paths).
    Raises `InputError` with `code` in: empty, binary, encoding, corrupt, no_text_layer,
    too_long, not_found, unreadable.
    """
    settings = settings or Settings()
    if isinstance(source, str):
        document = _from_str(source, filename)
    elif isinstance(source, bytes | bytearray | memoryview):
        document = _from_bytes(bytes(source), filename, settings)
    elif isinstance(source, os.PathLike):
        path = Path(source)
        document = _from_bytes(_read_file(path), filename or path.name, settings)
    else:
        raise InputError(
            f"不支持的输入类型：{type(source).__name__}",
            f"unsupported input type: {type(source).__name__}",
            code="unsupported",
        )
    _check_text(document.text, settings)
    return document


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise InputError(f"文件不存在：{path}", f"file not found: {path}", code="not_found")
    if not path.is_file():
        raise InputError(f"不是文件：{path}", f"not a file: {path}", code="not_found")
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(
            f"无法读取文件：{path}", f"cannot read file: {path} ({e.strerror})", code="unreadable"
        ) from e


def _check_text(text: str, settings: Settings) -> None:
    if not text.strip(_BLANK_OR_CONTROL):
        raise InputError("输入为空（没有文字）", "the input is empty (no text)", code="empty")
    if len(text) > settings.max_chars:
        raise InputError(
            f"文本过长：{len(text)} 字，上限 {settings.max_chars} 字（可用 SUMMARIZER_MAX_CHARS 调整）",
            f"text too long: {len(text)} characters, the limit is {settings.max_chars} (SUMMARIZER_MAX_CHARS)",
            code="too_long",
        )
    head = text[:_MOJIBAKE_SNIFF_CHARS]
    pairs = len(_MOJIBAKE.findall(head))
    if pairs >= _MOJIBAKE_MIN_PAIRS and pairs > len(_CJK.findall(head)):
        # Summarizing garbled text would only produce garbled claims: say how to get the real text.
        raise InputError(
            "文本是乱码（UTF-8 文字被按 Latin-1/Windows-1252 读取），请用 UTF-8 重新打开或复制原文",
            "the text is garbled (UTF-8 read as Latin-1/Windows-1252); reopen or copy the original as UTF-8",
            code="mojibake",
        )


def _from_str(text: str, filename: str | None) -> Document:
    warnings: list[SourceWarning] = []
    if _LONE_SURROGATE.search(text):
        # One U+FFFD for one surrogate keeps every offset of the text as given.
        text = _LONE_SURROGATE.sub("\ufffd", text)
        warnings.append(
            SourceWarning(
                code="invalid_chars",
                message="文本含无效字符（孤立的代理项），已替换为 � / invalid characters (lone surrogates) replaced by �",
            )
        )
    if _looks_like_html(text, filename):
        document = _html_document(text, filename, "html")
        return Document(document.text, filename, "html", warnings + document.warnings)
    return Document(text=text, filename=filename, encoding="text", warnings=warnings)


def _extension(filename: str | None) -> str:
    return Path(filename).suffix.lower() if filename else ""


def _looks_like_html(text: str, filename: str | None) -> bool:
    head = text[:_SNIFF_BYTES]
    if _extension(filename) in (".html", ".htm", ".xhtml"):
        return bool(_HTML_BLOCKS.search(head) or _HTML_PAGE.match(head))
    return bool(_HTML_PAGE.match(head))


def _from_bytes(data: bytes, filename: str | None, settings: Settings) -> Document:
    if not data.strip(b" \t\r\n\f\v"):
        raise InputError("输入为空（没有文字）", "the input is empty (no text)", code="empty")
    extension = _extension(filename)
    warnings: list[SourceWarning] = []
    # Readers accept a PDF header anywhere in the first kilobyte (some tools prepend junk).
    if _PDF_MAGIC in data[:1024]:
        kind = "pdf"
    elif data.startswith(_ZIP_MAGIC):
        kind = "docx"
    else:
        kind = "text"
        _reject_binary(data, extension)
        # Decoding cannot shrink text below a quarter of its bytes (UTF-32): refuse huge text early.
        if len(data) > settings.max_chars * 4:
            raise InputError(
                f"文件过大：{len(data)} 字节，文字上限 {settings.max_chars} 字（可用 SUMMARIZER_MAX_CHARS 调整）",
                f"file too large: {len(data)} bytes, the text limit is {settings.max_chars} characters "
                "(SUMMARIZER_MAX_CHARS)",
                code="too_long",
            )
    if kind != "text" and extension not in ("", f".{kind}"):
        warnings.append(
            SourceWarning(
                code="extension_mismatch",
                message=f"文件扩展名为 {extension}，内容实为 {kind.upper()} / the file is named {extension} but is a {kind.upper()}",
            )
        )
    if kind == "pdf":
        text, file_warnings = read_pdf(data)
        return Document(text, filename, "pdf", warnings + file_warnings)
    if kind == "docx":
        if not _is_docx_zip(data):
            raise InputError(
                "这是一个压缩包，不是 Word（.docx）文件",
                "this is a zip archive, not a Word (.docx) file",
                code="binary",
            )
        text, file_warnings = read_docx(data)
        return Document(text, filename, "docx", warnings + file_warnings)
    text, encoding, decode_warnings = decode_text(data)
    if extension in (".docx", ".pdf"):
        decode_warnings.append(
            SourceWarning(
                code="extension_mismatch",
                message=f"文件扩展名为 {extension}，内容实为纯文本 / the file is named {extension} but is plain text",
            )
        )
    if _looks_like_html(text, filename):
        document = _html_document(text, filename, "html")
        return Document(document.text, filename, "html", decode_warnings + document.warnings)
    return Document(text, filename, encoding, decode_warnings)


def _is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        # A broken zip named .docx is a corrupt document, not "some archive".
        return True


def _reject_binary(data: bytes, extension: str) -> None:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            zh, en = what.split(" / ")
            raise InputError(f"不是文本文件，而是{zh}", f"not a text file but {en}", code="binary")
    if any(data.startswith(bom) for bom, _, _ in _BOMS) or _utf16_without_bom(data):
        return
    sample = data[:_SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_RATIO * len(sample):
        if extension in (".docx", ".pdf"):
            raise InputError(
                f"文件已损坏，无法作为 {extension} 打开",
                f"the file is corrupt and cannot be read as {extension}",
                code="corrupt",
            )
        raise InputError("不是文本文件（二进制数据）", "not a text file (binary data)", code="binary")


def decode_text(data: bytes) -> tuple[str, str, list[SourceWarning]]:
    """(text, encoding name, warnings) of text bytes; only a BOM is stripped."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name, []
            except UnicodeDecodeError as e:
                raise InputError(
                    f"文件以 {name} 标记开头，但内容无法按该编码解码",
                    f"the file starts with a {name} byte order mark but does not decode as {name}",
                    code="encoding",
                ) from e
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        warning = SourceWarning(
            code="encoding_guessed",
            message=f"文本编码由程序推断为 {utf16.upper()}（无 BOM） / text encoding guessed as {utf16.upper()} (no BOM)",
        )
        return data.decode(utf16), "utf-16", [warning]
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_CANDIDATE_ENCODINGS).best()
    if best is None:
        raise InputError(
            "无法识别文本编码（已尝试 UTF-8、GB18030/GBK、Big5、UTF-16）",
            "cannot decode the text (tried UTF-8, GB18030/GBK, Big5, UTF-16)",
            code="encoding",
        )
    name = _ENCODING_NAMES.get(best.encoding, best.encoding.replace("_", "-"))
    try:
        # GB18030 is a superset of GBK and GB2312: decode with it so rarer characters survive.
        text = data.decode(name)
    except (UnicodeDecodeError, LookupError):
        text = str(best)
    warning = SourceWarning(
        code="encoding_guessed",
        message=f"文本编码由程序推断为 {name.upper()} / text encoding guessed as {name.upper()}",
    )
    return text, name, [warning]


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 saved without a BOM, else None.

    ASCII characters (digits, line breaks) put a NUL byte on one side of each
    pair; Chinese characters rarely do (一 U+4E00 does, on the other side).
    """
    sample = data[:_SNIFF_BYTES]
    if len(data) % 2 or len(sample) < 4:
        return None
    low_nuls, high_nuls = sample[1::2].count(0), sample[0::2].count(0)
    if low_nuls >= _UTF16_MIN_NULS and low_nuls >= 4 * high_nuls:
        codec = "utf-16-le"
    elif high_nuls >= _UTF16_MIN_NULS and high_nuls >= 4 * low_nuls:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    # Binary data can decode too: real text has no control characters besides line breaks and tabs.
    return None if _CONTROL_CHARS.search(text, 0, _SNIFF_BYTES) else codec


def _html_document(markup: str, filename: str | None, encoding: str) -> Document:
    text = html_to_text(markup)
    warning = SourceWarning(
        code="html_stripped",
        message="已从网页中提取可见文字（去除标签、脚本、样式） / visible text extracted from HTML (tags, scripts, styles removed)",
    )
    return Document(text, filename, encoding, [warning])


# ----------------------------------------------------------------------- docx
def read_docx(data: bytes) -> tuple[str, list[SourceWarning]]:
    """Paragraphs and tables of a .docx in document order: one paragraph per line, cells by tabs."""
    from docx import Document as open_docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        docx = open_docx(io.BytesIO(data))
        body = docx.element.body
        lines: list[str] = []
        # Content controls (w:sdt) wrap paragraphs and tables: look inside them.
        pending = list(body.iterchildren())
        while pending:
            child = pending.pop(0)
            if child.tag == qn("w:p"):
                lines.append(Paragraph(child, docx).text)
            elif child.tag == qn("w:tbl"):
                lines.extend(_table_rows(Table(child, docx)))
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    pending[:0] = list(content.iterchildren())
    except InputError:
        raise
    except Exception as e:  # python-docx and lxml raise many kinds on a broken file
        raise InputError(
            "Word 文件已损坏，无法读取",
            f"the Word (.docx) file is corrupt: {type(e).__name__}",
            code="corrupt",
        ) from e
    warning = SourceWarning(
        code="docx_converted",
        message="已从 Word 文件提取文字（段落与表格，表格单元格以制表符分隔） / text extracted from .docx (paragraphs and tables, cells separated by tabs)",
    )
    return "\n".join(lines), [warning]


def _table_rows(table: Table) -> list[str]:
    """One line per row, cells joined by a tab; a merged cell is written once."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # horizontally merged: python-docx repeats the cell
                continue
            previous = cell._tc
            cells.append(" ".join(p.text for p in cell.paragraphs).strip())
        rows.append("\t".join(cells))
    return rows


# ------------------------------------------------------------------------ pdf
def read_pdf(data: bytes) -> tuple[str, list[SourceWarning]]:
    """The text layer of every page, pages joined by line breaks; no OCR."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as e:  # pdfminer raises many kinds on a broken or encrypted file
        if _is_encryption_error(e):
            raise InputError(
                "PDF 文件已加密，无法读取", "the PDF is encrypted and cannot be read", code="encrypted"
            ) from e
        raise InputError(
            "PDF 文件已损坏，无法读取", f"the PDF is corrupt: {type(e).__name__}", code="corrupt"
        ) from e
    if not any(page.strip() for page in pages):
        raise InputError(
            "PDF 没有文字层（可能是扫描件；不支持OCR）",
            "the PDF has no text layer (probably scanned; OCR is not supported)",
            code="no_text_layer",
        )
    warning = SourceWarning(
        code="pdf_converted",
        message=f"已从 PDF 文字层提取文字（{len(pages)} 页） / text extracted from the PDF text layer ({len(pages)} pages)",
    )
    return "\n".join(pages), [warning]


def _is_encryption_error(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        name = type(seen).__name__.lower()
        if "password" in name or "encrypt" in name or "password" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# ----------------------------------------------------------------------- html
_HTML_DROP = frozenset(
    {"script", "style", "noscript", "template", "head", "iframe", "svg", "object", "canvas"}
)
_HTML_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
        "tfoot", "tr", "ul", "title",
    }
)  # fmt: skip
_HTML_CELL = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_LINE_EDGES = re.compile(r"[ \t]*\n[ \t\n]*")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page; block elements become line breaks, table cells tabs."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import CData

    soup = BeautifulSoup(markup, "html.parser")
    parts: list[str] = []
    # An explicit stack (not recursion): government pages nest deeply.
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            parts.append(node)  # a separator pushed below
        elif isinstance(node, Tag):
            if node.name in _HTML_DROP:
                continue
            if node.name == "br":
                parts.append("\n")
                continue
            after = "\n" if node.name in _HTML_BLOCK else "\t" if node.name in _HTML_CELL else ""
            if after == "\n":
                parts.append("\n")
            if after:
                stack.append(after)
            stack.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData):
            parts.append(_HTML_SPACE.sub(" ", str(node)))
    text = _LINE_EDGES.sub("\n", "".join(parts))
    lines = (line.strip(" \t") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
