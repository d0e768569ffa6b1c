"""LLM jobs over HTTP: 202 and a job, polled to its result, ?wait, cancelled, failed, seen only by their owner.

The model is the scripted OpenAI-compatible server (tests/fake_openai.py) behind
the shared API server (tests/api_server.py); each test scripts it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from summarizer.schema import ReportSummary
from tests.api_server import ALICE, BOB, RunningApi, assert_error
from tests.conftest import assert_spans_match, read_seed
from tests.fake_openai import FakeLLM, FakeResponse, cooperative_answer, error, json_answer

SEED = read_seed("003")


def cooperative(request: dict[str, Any]) -> FakeResponse | dict[str, Any]:
    return json_answer(cooperative_answer(request))


def poll(client: httpx.Client, location: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        view = client.get(location)
        assert view.status_code == 200, view.text
        body: dict[str, Any] = view.json()
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def test_an_llm_job_runs_to_its_result(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script(handler=cooperative)
    calls_before = len(api_fake_llm.chat_requests)
    with api.client(ALICE) as client:
        accepted = client.post("/v1/summaries", json={"text": SEED, "engine": "llm"})
        assert accepted.status_code == 202, accepted.text
        location = accepted.headers["location"]
        job = accepted.json()
        assert location == f"/v1/jobs/{job['id']}" and job["status"] in ("queued", "running")
        assert job["result"] is None
        done = poll(client, location)
        metrics = client.get("/metrics").text
    assert done["status"] == "done", done
    assert done["progress"]["done"] == done["progress"]["total"] > 1  # the sections and the whole report
    summary = ReportSummary.model_validate(done["result"])
    calls = len(api_fake_llm.chat_requests) - calls_before
    assert summary.engine.name == "llm" and summary.engine.calls == calls
    assert summary.source.text == SEED
    assert_spans_match(SEED, [c.evidence[0] if c.evidence else None for c in summary.overview])
    assert summary.verification.claims > 0
    assert 'summarizer_api_jobs_total{status="done"}' in metrics
    assert "summarizer_api_llm_calls_total" in metrics
    llm_calls = next(
        line for line in metrics.splitlines() if line.startswith("summarizer_api_llm_calls_total")
    )
    assert float(llm_calls.split()[-1]) >= calls


def test_a_job_is_seen_only_by_the_token_that_made_it(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script(handler=cooperative)
    with api.client(ALICE) as alice, api.client(BOB) as bob:
        location = alice.post("/v1/summaries", json={"text": SEED, "engine": "llm"}).headers["location"]
        assert_error(bob.get(location), 404, "job_not_found")
        assert_error(bob.delete(location), 404, "job_not_found")
        assert poll(alice, location)["status"] == "done", "Bob's DELETE cancelled nothing"


def test_wait_answers_with_the_summary(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script(handler=cooperative)
    with api.client(ALICE) as client:
        response = client.post("/v1/summaries", params={"wait": 30}, json={"text": SEED, "engine": "llm"})
    assert response.status_code == 200, response.text
    assert ReportSummary.model_validate_json(response.content).engine.name == "llm"


def test_a_multipart_upload_with_the_llm_engine(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script(handler=cooperative)
    with api.client(ALICE) as client:
        response = client.post(
            "/v1/summaries",
            params={"wait": 30},
            files={"file": ("r.txt", SEED.encode("gb18030"))},
            data={"engine": "llm"},
        )
    summary = ReportSummary.model_validate_json(response.content)
    assert summary.engine.name == "llm" and summary.source.encoding == "gb18030"


def test_a_cancelled_job(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script(handler=FakeResponse(delay=5.0, body={}))  # a model that takes its time
    before = len(api_fake_llm.chat_requests)
    with api.client(ALICE) as client:
        location = client.post("/v1/summaries", json={"text": SEED, "engine": "llm"}).headers["location"]
        deadline = time.monotonic() + 10
        while len(api_fake_llm.chat_requests) == before:  # the job is waiting on the model
            assert time.monotonic() < deadline
            time.sleep(0.02)
        cancelled = client.delete(location)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        view = client.get(location).json()
        assert view["status"] == "cancelled" and view["result"] is None and view["finished_at"] is not None
        assert 'summarizer_api_jobs_total{status="cancelled"}' in client.get("/metrics").text


def test_a_model_endpoint_that_refuses_the_key_fails_the_job_with_502(
    api: RunningApi, api_fake_llm: FakeLLM
) -> None:
    api_fake_llm.script(handler=error(401, "Incorrect API key provided", code="invalid_api_key"))
    with api.client(ALICE) as client:
        waited = client.post("/v1/summaries", params={"wait": 30}, json={"text": SEED, "engine": "llm"})
        accepted = client.post("/v1/summaries", json={"text": SEED, "engine": "llm"})
        failed = poll(client, accepted.headers["location"])
    error_body = assert_error(waited, 502)
    assert failed["status"] == "failed" and failed["error"] == error_body
    assert "401" in error_body["message_en"]


def test_bad_input_is_refused_before_a_job_is_made(api: RunningApi, api_fake_llm: FakeLLM) -> None:
    api_fake_llm.script()  # any model call would get a 418
    with api.client(ALICE) as client:
        assert_error(client.post("/v1/summaries", json={"text": "", "engine": "llm"}), 422, "empty")
        assert_error(
            client.post("/v1/summaries", params={"wait": -1}, json={"text": SEED}), 422, "bad_request"
        )
