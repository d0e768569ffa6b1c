"""Build the input files that ingest must read: docx, PDF (with and without a text layer), encodings.

The tests call these builders directly (into `tmp_path`); run this file to write the
same files into `fixtures/inputs/` for trying the CLI by hand:

    .venv/bin/python -m tests.make_input_fixtures

The PDF is written by hand (no PDF library needed): a Type0 font with Identity-H
encoding and a ToUnicode CMap, which is how real Chinese PDFs carry their text layer.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

REPORT_LINES = [
    "政府工作报告",
    "各位代表：",
    "2023年全镇财政总收入5.2亿元，同比增长23.4%。",
    "一、2023年工作回顾",
]
TRADITIONAL_TEXT = "政府工作報告\n各位代表：現在，我代表鎮人民政府向大會報告工作，請予審議。過去一年，全鎮經濟社會發展取得新成績。\n"
TABLE_ROWS = [["指标", "2023年", "增长"], ["地区生产总值", "83.98亿元", "2.3%"]]

INPUTS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"


def make_docx(paragraphs_before: list[str], table: list[list[str]], paragraphs_after: list[str]) -> bytes:
    """A .docx with paragraphs, then a table, then more paragraphs."""
    from docx import Document

    document = Document()
    for text in paragraphs_before:
        document.add_paragraph(text)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    for text in paragraphs_after:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip_not_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a word document")
    return out.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """Assemble numbered objects (1..n, object 1 the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(content: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(content)} {extra}>>\nstream\n".encode() + content + b"\nendstream"


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages carry the given lines in a real text layer (CJK via Identity-H + ToUnicode)."""
    chars = sorted({ch for page in pages for line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    bfchar = "\n".join(f"<{cid[ch]:04X}> <{ord(ch):04X}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    n_pages = len(pages)
    # Objects: 1 catalog, 2 pages, 3 font, 4 descendant font, 5 ToUnicode, 6 descriptor,
    # then (page, content) pairs.
    kids = " ".join(f"{7 + 2 * i} 0 R" for i in range(n_pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 "
        b"/FontDescriptor 6 0 R >>",
        _stream(cmap),
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -141 1000 859] "
        b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>",
    ]
    for i, page in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "50 800 Td"]
        for line in page:
            ops.append("<" + "".join(f"{cid[ch]:04X}" for ch in line) + "> Tj T*")
        ops.append("ET")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {8 + 2 * i} 0 R >>".encode()
        )
        objects.append(_stream("\n".join(ops).encode()))
    return _pdf(objects)


def make_scanned_pdf() -> bytes:
    """A PDF page with only a drawn shape: no text layer, like a scan."""
    content = b"0.5 g 50 50 400 600 re f"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(content),
        ]
    )


def write_all(directory: Path = INPUTS_DIR) -> list[Path]:
    """Write every input fixture into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    text = "\n".join(REPORT_LINES) + "\n"
    files = {
        "report.docx": make_docx(REPORT_LINES[:2], TABLE_ROWS, REPORT_LINES[2:]),
        "report.pdf": make_pdf([REPORT_LINES[:2], REPORT_LINES[2:]]),
        "scanned.pdf": make_scanned_pdf(),
        "report_gb18030.txt": text.encode("gb18030"),
        "report_utf16.txt": text.encode("utf-16"),
        "report_big5.txt": TRADITIONAL_TEXT.encode("big5"),
        "pdf_named.txt": make_pdf([REPORT_LINES]),
    }
    written = []
    for name, data in files.items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
