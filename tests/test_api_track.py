"""POST /v1/track against a real uvicorn on 127.0.0.1 (tests/api_server.py), with httpx.

The same result as `summarizer.track()` for JSON and for multipart uploads (one
report in GB18030), the CSV and Markdown formats, and the error answers.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import track
from summarizer.tracking import TrackResult
from tests.api_server import ALICE, MAX_CHARS, RunningApi, assert_error

TRACKING = Path(__file__).resolve().parent.parent / "fixtures" / "tracking"
PAIR = ("hailar_2014.txt", "hailar_2015.txt")


def _text(name: str) -> str:
    return (TRACKING / name).read_text(encoding="utf-8")


def _json_body(fmt: str = "json") -> dict[str, Any]:
    return {"reports": [{"filename": name, "text": _text(name)} for name in PAIR], "format": fmt}


def test_json_track_is_what_the_library_gives(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        response = client.post("/v1/track", json=_json_body())
    assert response.status_code == 200, response.text
    got = TrackResult.model_validate_json(response.content)
    expected = track([(name, _text(name)) for name in PAIR])
    assert [r.file for r in got.reports] == list(PAIR)
    assert got.items and got.model_dump() == expected.model_dump()
    assert {"met", "missed"} <= {item.status for item in got.items}
    for item in got.items:  # spans point into each file's own text
        side = item.target
        assert _text(side.file)[side.evidence.start : side.evidence.end] == side.evidence.quote


def test_multipart_reports_in_any_encoding_give_csv_and_markdown(api: RunningApi) -> None:
    files = [
        ("file", (PAIR[0], _text(PAIR[0]).encode("gb18030"))),
        ("file", (PAIR[1], _text(PAIR[1]).encode("utf-8"))),
    ]
    expected = track([(name, _text(name)) for name in PAIR])
    with api.client(ALICE) as client:
        as_csv = client.post("/v1/track", files=files, data={"format": "csv"})
        as_md = client.post("/v1/track", files=files, data={"format": "md"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == len(expected.items)
    assert as_md.status_code == 200 and as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text.count("\n| 海拉尔区 |") == len(expected.items)


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {"reports": []}}, 422, "bad_request"),
        ({"json": {"reports": [{"filename": "a.txt", "text": "x"}], "format": "xlsx"}}, 422, "bad_request"),
        ({"json": {"reports": [{"text": "x"}]}}, 422, "bad_request"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "bad_request"),
        ({"content": b"reports", "headers": {"content-type": "text/plain"}}, 415, "media_type"),
        ({"files": {"other": ("a.txt", b"x")}}, 422, "bad_request"),
        ({"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + bytes(64))}}, 415, "binary"),
        ({"json": {"reports": [{"filename": "a.txt", "text": "x" * (MAX_CHARS + 1)}]}}, 413, "too_long"),
    ],
    ids=[
        "no-reports",
        "bad-format",
        "no-filename",
        "bad-json",
        "text-plain",
        "no-file-field",
        "png",
        "too-long",
    ],
)
def test_bad_track_input_gets_a_bilingual_json_error(
    api: RunningApi, request_kwargs: dict[str, Any], status: int, code: str
) -> None:
    with api.client(ALICE) as client:
        assert_error(client.post("/v1/track", **request_kwargs), status, code)


def test_track_needs_a_token(api: RunningApi) -> None:
    with api.client() as client:
        response = client.post("/v1/track", content=json.dumps(_json_body()))
    assert_error(response, 401)
