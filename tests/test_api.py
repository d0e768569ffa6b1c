"""The HTTP API against a real uvicorn on 127.0.0.1 (tests/api_server.py), with httpx.

Every endpoint, the uploads the CLI reads (GB18030, UTF-16, docx, PDF), the
error bodies (401, 404, 413, 415, 422), jobs seen only by their owner, and a
worker process killed during a request.  The LLM engine's jobs:
test_api_jobs.py; the rate limit, the full queue and the host check:
test_api_limits.py.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from summarizer import summarize
from summarizer.config import Settings
from summarizer.schema import ReportSummary
from tests.api_server import ALICE, BOB, MAX_CHARS, MAX_UPLOAD_BYTES, RunningApi, assert_error
from tests.conftest import SEED_PATHS, assert_spans_match, read_seed
from tests.make_input_fixtures import REPORT_LINES, TABLE_ROWS, make_docx, make_pdf

SEED = read_seed("003")
SHORT = "政府工作报告\n一、2023年工作回顾\n全年地区生产总值83.98亿元，同比增长2.3%。\n二、2024年工作安排\n新建高标准农田3492亩。\n"


def summary_of(response: httpx.Response) -> ReportSummary:
    assert response.status_code == 200, response.text
    summary = ReportSummary.model_validate_json(response.content)
    assert_spans_match(summary.source.text, [i.evidence for i in summary.indicators])
    return summary


# ---------------------------------------------------------------- the endpoints


def test_healthz_needs_no_token(api: RunningApi) -> None:
    with api.client() as client:
        body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["workers"] == 2


def test_json_summary_is_the_same_as_the_library_gives(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        summary = summary_of(client.post("/v1/summaries", json={"text": SEED, "filename": "a.txt"}))
    direct = summarize(SEED, Settings(engine="extractive", cache=None), filename="a.txt")
    assert summary.source == direct.source
    assert summary.indicators == direct.indicators
    assert summary.engine.name == "extractive" and summary.verification.claims > 0


@pytest.mark.parametrize(
    ("name", "encode", "encoding"),
    [
        ("report_gb18030.txt", lambda text: text.encode("gb18030"), "gb18030"),
        ("report_utf16.txt", lambda text: text.encode("utf-16"), "utf-16"),
        ("report.txt", lambda text: text.encode("utf-8"), "utf-8"),
    ],
)
def test_multipart_text_files_in_any_common_encoding(
    api: RunningApi, name: str, encode: Any, encoding: str
) -> None:
    with api.client(ALICE) as client:
        response = client.post("/v1/summaries", files={"file": (name, encode(SEED), "text/plain")})
    summary = summary_of(response)
    assert summary.source.text == SEED
    assert summary.source.encoding == encoding and summary.source.filename == name


def test_multipart_docx_and_pdf(api: RunningApi) -> None:
    docx = make_docx(REPORT_LINES[:2], TABLE_ROWS, REPORT_LINES[2:])
    pdf = make_pdf([REPORT_LINES[:2], REPORT_LINES[2:]])
    with api.client(ALICE) as client:
        from_docx = summary_of(client.post("/v1/summaries", files={"file": ("r.docx", docx)}))
        from_pdf = summary_of(
            client.post("/v1/summaries", files={"file": ("r.pdf", pdf)}, data={"engine": "extractive"})
        )
    assert from_docx.source.encoding == "docx" and "83.98亿元" in from_docx.source.text
    assert from_pdf.source.encoding == "pdf" and "5.2亿元" in from_pdf.source.text


def test_a_path_given_as_text_is_text_never_a_file_read(api: RunningApi) -> None:
    path = str(SEED_PATHS[0].resolve())
    with api.client(ALICE) as client:
        response = client.post("/v1/summaries", json={"text": path})
    if response.status_code == 200:
        assert response.json()["source"]["text"] == path
    else:
        assert_error(response, 422)
    assert SEED_PATHS[0].read_text(encoding="utf-8")[:30] not in response.text


def test_verify_free_text_and_our_json(api: RunningApi) -> None:
    free_text = "全年地区生产总值83.98亿元，同比增长2.3%。新建高标准农田5000亩。"
    with api.client(ALICE) as client:
        checked = client.post("/v1/verify", json={"text": SHORT, "summary": free_text})
        ours = summary_of(client.post("/v1/summaries", json={"text": SHORT}))
        as_object = client.post("/v1/verify", json={"text": SHORT, "summary": json.loads(ours.to_json())})
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["verification"]["claims"] == 2
    assert result["verification"]["supported"] == 1, "the wrong figure (5000亩) is not supported"
    assert (
        as_object.status_code == 200
        and as_object.json()["verification"]["claims"] == ours.verification.claims
    )


def test_schema_and_openapi_docs(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        assert client.get("/v1/schema").json() == ReportSummary.model_json_schema()
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/summaries", "/v1/jobs/{job_id}", "/v1/verify", "/v1/schema", "/healthz", "/metrics"} <= set(
        paths
    )
    assert set(paths["/v1/summaries"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }


def test_metrics_in_prometheus_text_format(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        client.get("/v1/schema")
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'summarizer_api_requests_total{method="GET",route="/v1/schema",status="200"}' in text
    assert 'summarizer_api_request_seconds_bucket{le="0.005",route="/v1/schema"}' in text
    for name in (
        "summarizer_api_jobs_running",
        "summarizer_api_llm_calls_total",
        "summarizer_api_llm_tokens_total",
    ):
        assert name in text


# ---------------------------------------------------------------- access and errors


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {ALICE}"}]
)
def test_no_token_or_a_wrong_one_is_401(api: RunningApi, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=api.url, headers=headers) as client:
        for response in (
            client.post("/v1/summaries", json={"text": SHORT}),
            client.get("/v1/schema"),
            client.get("/metrics"),
            client.get("/v1/jobs/x"),
        ):
            assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {"text": ""}}, 422, "empty"),
        ({"json": {"text": "   \n\u3000 "}}, 422, "empty"),
        ({"json": {"txt": SHORT}}, 422, "bad_request"),
        ({"json": {"text": SHORT, "engine": "gpt"}}, 422, "bad_request"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "bad_request"),
        ({"content": SHORT.encode(), "headers": {"content-type": "text/plain"}}, 415, "media_type"),
        ({"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + bytes(64))}}, 415, "binary"),
        ({"files": {"file": ("a.docx", b"PK\x03\x04broken zip")}}, 422, None),
        ({"files": {"other": ("a.txt", SHORT.encode())}}, 422, "bad_request"),
        ({"json": {"text": "x" * (MAX_CHARS + 1)}}, 413, "too_long"),
        ({"files": {"file": ("big.txt", b"a" * (MAX_UPLOAD_BYTES + 1))}}, 413, "too_large"),
    ],
    ids=[
        "empty",
        "blank",
        "no-text-field",
        "bad-engine",
        "bad-json",
        "text-plain",
        "png",
        "corrupt-docx",
        "no-file-field",
        "too-many-chars",
        "file-too-large",
    ],
)
def test_bad_input_gets_a_bilingual_json_error(
    api: RunningApi, request_kwargs: dict[str, Any], status: int, code: str | None
) -> None:
    with api.client(ALICE) as client:
        assert_error(client.post("/v1/summaries", **request_kwargs), status, code)


def test_a_chunked_body_over_the_limit_is_413(api: RunningApi) -> None:
    """Sent without Content-Length, the body is counted as it comes."""

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(MAX_UPLOAD_BYTES // 100_000 + 2):
            yield b"a" * 100_000
        yield b'"}'

    with api.client(ALICE) as client:
        response = client.post(
            "/v1/summaries", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "too_large")


def test_the_same_message_as_the_cli(api: RunningApi) -> None:
    from summarizer.errors import InputError
    from summarizer.text.ingest import read_document

    with pytest.raises(InputError) as raised:
        read_document(b"\x89PNG\r\n\x1a\n" + bytes(64), filename="a.png")
    with api.client(ALICE) as client:
        error = assert_error(
            client.post("/v1/summaries", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + bytes(64))}), 415
        )
    assert (error["message_zh"], error["message_en"]) == (raised.value.zh, raised.value.en)


def test_verify_bad_input(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        assert_error(client.post("/v1/verify", json={"text": SHORT}), 422, "bad_request")
        assert_error(client.post("/v1/verify", json={"text": "", "summary": "x"}), 422, "empty")


def test_unknown_paths_and_methods(api: RunningApi) -> None:
    with api.client(ALICE) as client:
        assert_error(client.get("/v1/nothing"), 404, "not_found")
        assert_error(client.put("/v1/summaries", json={}), 405, "method_not_allowed")
        assert_error(client.get("/v1/jobs/no-such-job"), 404, "job_not_found")
        assert_error(client.delete("/v1/jobs/no-such-job"), 404, "job_not_found")


def test_a_client_cannot_point_the_server_at_another_endpoint(api: RunningApi) -> None:
    """The server's key would go with the calls: fields beyond text, engine, model and filename are refused."""
    with api.client(ALICE) as client:
        response = client.post(
            "/v1/summaries", json={"text": SHORT, "engine": "llm", "base_url": "http://127.0.0.1:9"}
        )
    assert_error(response, 422, "bad_request")


# ---------------------------------------------------------------- a worker that dies


def test_a_worker_killed_during_a_request_fails_only_that_request(api: RunningApi) -> None:
    """The request gets a 5xx JSON body; the pool replaces the worker; the next 100 requests succeed."""
    long_text = (SEED + "\n") * 9  # ~55,000 characters: a few hundred ms of work
    assert len(long_text) <= MAX_CHARS
    answers: list[httpx.Response] = []

    def post_long() -> None:
        with api.client(BOB) as client:
            answers.append(client.post("/v1/summaries", json={"text": long_text}))

    pids_before = set(api.app.state.api.pool.stats().pids)
    thread = threading.Thread(target=post_long)
    thread.start()
    deadline = time.monotonic() + 20
    while not (busy := api.busy_pids()):
        assert time.monotonic() < deadline, "the request never reached a worker"
        time.sleep(0.002)
    os.kill(busy[0], signal.SIGKILL)
    thread.join(timeout=30)
    assert_error(answers[0], 500, "worker_crashed")
    pids_after = set(api.app.state.api.pool.stats().pids)
    assert busy[0] not in pids_after and len(pids_after) == len(pids_before)

    with api.client(BOB) as client:
        statuses = [client.post("/v1/summaries", json={"text": SHORT}).status_code for _ in range(100)]
    assert statuses == [200] * 100
