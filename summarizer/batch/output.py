"""The batch's output files: the resumable JSONL, and the CSV of every indicator.

OUT.jsonl holds one line per report: the compact `ReportSummary` JSON, or
`{"path", "error", "code"}` for a report that failed.  Each line goes out in
one `write` on a descriptor opened with O_APPEND, so several processes may
append to OUT at once (a batch's workers write their own lines) and each line
lands whole at the end of the file.  A writer killed in the middle of its
write leaves a torn record: at the end of the file (no newline), or joined by
the next record that starts after it on the same line.  On resume
`prepare_output` keeps only lines that are exactly one complete summary
(`summary_sha`) and the reports of the others are done again.  The file is
fsync'd when the batch ends.  The CSV is streamed from the JSONL (one summary
in memory at a time), so a resumed batch's CSV covers the reports of every run.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError, SummarizerError
from ..render import csv_cell
from ..schema import ReportSummary

CSV_COLUMNS = [
    "file",
    "place",
    "period",
    "name",
    "value",
    "unit",
    "kind",
    "change",
    "change_unit",
    "basis",
    "qualifier",
    "redacted",
    "raw",
    "section_id",
    "quote",
]
# `source.sha256` is the first hash of a summary line (schema_version, then source): found without
# parsing the ~100 kB line.  `summary_sha` falls back to parsing when the layout differs.
_SUMMARY_LINE_SHA = re.compile(rb'^\{"schema_version":"[^"]*","source":\{"sha256":"([0-9a-f]{64})"')
# How every record starts: a summary, an error line (json.dumps's ": ").  Compact JSON
# escapes the quotes inside strings, so inside a record these bytes can only open an
# object with that first key, which no model of a summary has: found after the line's
# start, they are the next record, joined to a torn one.
_RECORD_STARTS = (b'{"schema_version":', b'{"path":')


def summary_sha(line: bytes) -> str | None:
    """The `source.sha256` of a complete summary line; None for an error line, a torn line or garbage."""
    if not line.endswith(b"}\n"):
        return None  # the torn tail of a killed run
    if any(line.find(start, 1) >= 0 for start in _RECORD_STARTS):
        return None  # a torn record and the one written after it
    fast = _SUMMARY_LINE_SHA.match(line)
    if fast is not None:
        return fast.group(1).decode()
    try:
        data = json.loads(line)
    except ValueError:
        return None
    source = data.get("source") if isinstance(data, dict) and "error" not in data else None
    sha = source.get("sha256") if isinstance(source, dict) else None
    return sha if isinstance(sha, str) else None


def find_summary_line(output: Path, sha: str, start: int = 0) -> bytes | None:
    """The first complete summary line of the report `sha` in OUT from byte `start` (a line's start) on."""
    with output.open("rb") as f:
        f.seek(start)
        return next((line for line in f if summary_sha(line) == sha), None)


def error_line(path: str, error: BaseException) -> str:
    """The JSON line of a report that failed: path, one clear line (zh / en), code."""
    if isinstance(error, SummarizerError):
        message, code = str(error), error.code
    else:  # a bug: still one line, and the batch goes on
        message = f"内部错误 / internal error: {type(error).__name__}: {error}"
        code = "internal"
    message = " ".join(message.split())
    return json.dumps({"path": path, "error": message, "code": code}, ensure_ascii=False)


def summary_line(summary: ReportSummary) -> bytes:
    """The compact one-line JSON of a summary (Chinese as is), as the UTF-8 bytes written to OUT.

    The bytes `model_dump_json` would decode to `str`: a summary line is ~15 times
    the report's size, and as bytes it crosses from a worker to the writer without
    being decoded, pickled as text and encoded again.
    """
    return summary.__pydantic_serializer__.to_json(summary)


# ---------------------------------------------------------------- the output file


def prepare_output(output: Path, *, resume: bool) -> set[str]:
    """Make OUT ready to append to; return the hashes of the reports already in it.

    Without `resume` the file is emptied.  With it, a half-written last line
    (no newline: the writer was killed mid-line) is cut off, and error lines
    are dropped so that their reports are tried again.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    if not resume or not output.exists():
        output.write_bytes(b"")
        return set()
    done: set[str] = set()
    keep_until = 0  # bytes of good lines at the head of the file
    dropped = False
    with output.open("rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                break  # the torn tail of a killed run
            sha = summary_sha(line)
            if sha is None or sha in done:
                dropped = True  # an error line (retried now), a duplicate or garbage
            else:
                done.add(sha)
            if not dropped:
                keep_until += len(line)
    if dropped:
        _rewrite_keeping_summaries(output)
    else:
        with output.open("r+b") as f:
            f.truncate(keep_until)
    return done


def _rewrite_keeping_summaries(output: Path) -> None:
    """Rewrite OUT with only its complete, first-seen summary lines (streamed, then an atomic rename)."""
    temporary = output.with_name(output.name + ".resume-tmp")
    seen: set[str] = set()
    with output.open("rb") as source, temporary.open("wb") as target:
        for line in source:
            sha = summary_sha(line)
            if sha is not None and sha not in seen:
                seen.add(sha)
                target.write(line)
        target.flush()
        os.fsync(target.fileno())
    os.replace(temporary, output)


def output_error(output: Path, error: OSError) -> InputError:
    """The one clear line for an output file that cannot be written (a missing folder, a full disk)."""
    return InputError(
        f"无法写入输出文件：{output}",
        f"cannot write the output file: {output} ({error.strerror or error})",
        code="output",
    )


class LineWriter:
    """Appends JSON lines to OUT, each in one unbuffered `write` (O_APPEND); fsync'd on close.

    Writers in other processes may append to the same file at the same time (see
    the module docstring).  A failed or short write raises `InputError`.
    """

    def __init__(self, output: Path, *, sync: bool = True) -> None:
        self._output = output
        self._sync = sync
        try:
            self._fd: int | None = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            raise output_error(output, e) from e

    def write(self, line: str | bytes) -> None:
        data = (line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n"
        if self._fd is None:
            raise ValueError("write to a closed LineWriter")
        try:
            written = os.write(self._fd, data)
        except OSError as e:
            raise output_error(self._output, e) from e
        if written != len(data):  # a full disk: the torn record is dropped on resume
            short = OSError(f"{written} of {len(data)} bytes written")
            raise output_error(self._output, short)

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self._sync:
                os.fsync(fd)
        except OSError as e:
            if e.errno != errno.EINVAL:  # EINVAL: not a file that can be synced (a pipe, /dev/stdout)
                raise output_error(self._output, e) from e
        finally:
            os.close(fd)

    def __enter__(self) -> LineWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# ---------------------------------------------------------------- CSV


def indicator_csv_rows(summary: dict[str, Any]) -> Iterator[list[Any]]:
    """One CSV row (`CSV_COLUMNS`) per indicator of a summary given as parsed JSON."""
    source = summary.get("source") or {}
    place = ((summary.get("meta") or {}).get("place") or {}).get("value")
    for indicator in summary.get("indicators") or []:
        change = indicator.get("change") or {}
        row = {
            "file": source.get("filename"),
            "place": place,
            "period": indicator.get("period"),
            "name": indicator.get("name"),
            "value": indicator.get("value"),
            "unit": indicator.get("unit"),
            "kind": indicator.get("kind"),
            "change": change.get("value"),
            "change_unit": change.get("unit"),
            "basis": change.get("basis"),
            "qualifier": indicator.get("qualifier"),
            "redacted": indicator.get("redacted"),
            "raw": indicator.get("raw"),
            "section_id": indicator.get("section_id"),
            "quote": (indicator.get("evidence") or {}).get("quote"),
        }
        yield ["" if row[c] is None else row[c] for c in CSV_COLUMNS]


def jsonl_to_csv(jsonl_path: Path, csv_path: Path) -> int:
    """Write the indicators of every summary in a batch JSONL as one CSV; returns the row count.

    UTF-8 with a BOM so that Excel reads the Chinese; error lines have no indicators and
    are skipped.  Streams: one summary in memory at a time.
    """
    rows = 0
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with jsonl_path.open("rb") as source, csv_path.open("w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for line in source:
            if summary_sha(line) is None:
                continue
            for row in indicator_csv_rows(json.loads(line)):
                writer.writerow([csv_cell(cell) for cell in row])
                rows += 1
    return rows


# ---------------------------------------------------------------- progress


def progress_enabled(progress: bool | None) -> bool:
    """None: a bar only when stderr is a terminal (never in logs, pipes or CI)."""
    return sys.stderr.isatty() if progress is None else progress


def progress_bar(total: int | None, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=" reports",
        desc="summarize",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )
