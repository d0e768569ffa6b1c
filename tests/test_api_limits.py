"""The API's limits: 429 per token, 503 when the workers are busy, and no open server beyond loopback.

A small server of its own (one worker process, no queue, 8 requests a minute,
no tokens: open, on loopback), so that the limits are cheap to reach.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from summarizer.api.errors import ApiError
from summarizer.api.server import check_host, is_loopback
from summarizer.config import ApiSettings, Settings
from summarizer.errors import ConfigError
from tests.api_server import RunningApi, assert_error, running_api
from tests.conftest import ROOT, read_seed

RATE = 8
SHORT = "政府工作报告\n一、2023年工作回顾\n全年地区生产总值83.98亿元，同比增长2.3%。\n"


@pytest.fixture(scope="module")
def tight_api() -> Iterator[RunningApi]:
    settings = Settings(engine="extractive", cache=None)
    api_settings = ApiSettings(rate=f"{RATE}/minute", workers=1, queue=0)
    with running_api(settings, api_settings, customize=_add_a_broken_route) as running:
        yield running


def _add_a_broken_route(app: FastAPI) -> None:
    async def broken() -> None:
        raise RuntimeError("a bug with a secret detail: /srv/private/path")

    app.add_api_route("/v1/broken", broken)


def test_a_bug_is_a_generic_500_never_a_traceback(
    tight_api: RunningApi, caplog: pytest.LogCaptureFixture
) -> None:
    with tight_api.client() as client:
        response = client.get("/v1/broken")
    error = assert_error(response, 500, "internal")
    assert "private" not in response.text and "RuntimeError" not in response.text
    assert error["message_en"] == "internal server error"
    assert "RuntimeError" in caplog.text, "the traceback is logged, for the operator"


def test_a_full_pool_answers_503_with_retry_after(tight_api: RunningApi) -> None:
    slow_text = (read_seed("003") + "\n") * 20  # ~120,000 characters: a few hundred ms of work
    answers: list[httpx.Response] = []

    def post_slow() -> None:
        with tight_api.client() as client:
            answers.append(client.post("/v1/summaries", json={"text": slow_text}))

    thread = threading.Thread(target=post_slow)
    thread.start()
    deadline = time.monotonic() + 30
    while not tight_api.busy_pids():
        assert time.monotonic() < deadline
        time.sleep(0.002)
    with tight_api.client() as client:
        busy = client.post("/v1/summaries", json={"text": SHORT})
        assert_error(busy, 503, "busy")
        assert int(busy.headers["retry-after"]) >= 1
        thread.join(timeout=60)
        assert answers[0].status_code == 200, "the request that held the worker was not disturbed"
        assert "summarizer_api_pool_rejected_total 1.0" in client.get("/metrics").text


def test_too_many_requests_answers_429_with_retry_after(tight_api: RunningApi) -> None:
    """The server has no tokens (it listens on loopback): every caller is the same one, and counted."""
    with tight_api.client() as client:
        statuses = []
        for _ in range(RATE + 2):
            response = client.get("/v1/schema")
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429 and set(statuses[:-1]) <= {200}  # earlier tests used some of the rate
        assert len(statuses) <= RATE + 1
        assert_error(response, 429, "rate_limited")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert client.get("/healthz").status_code == 200, "the health check is never limited"


def test_the_rate_is_per_token() -> None:
    from summarizer.api.access import Access

    access = Access(ApiSettings(tokens=(SecretStr("a-token"), SecretStr("b-token")), rate="2/minute"))
    alice, bob = access.caller("Bearer a-token"), access.caller("Bearer b-token")
    assert alice != bob and "a-token" not in repr(alice)
    access.count(alice)
    access.count(alice)
    with pytest.raises(ApiError, match="too many requests"):
        access.count(alice)
    access.count(bob)


# ---------------------------------------------------------------- who may listen where


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("::", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_without_tokens_only_loopback() -> None:
    check_host("127.0.0.1", ApiSettings())
    check_host("0.0.0.0", ApiSettings(tokens=(SecretStr("t"),)))
    with pytest.raises(ConfigError, match="SUMMARIZER_API_TOKENS"):
        check_host("0.0.0.0", ApiSettings())


def test_serve_refuses_another_host_without_tokens_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_API_")}
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and "/ Error:" in lines[0], done.stderr
    assert "loopback" in lines[0]


def test_tokens_from_the_environment_and_a_file(tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens"
    tokens_file.write_text("# the team\nfile-one\nfile-two, file-three\n\n", encoding="utf-8")
    settings = ApiSettings.from_env(
        {"SUMMARIZER_API_TOKENS": "env-one, env-two,", "SUMMARIZER_API_TOKENS_FILE": str(tokens_file)}
    )
    assert [t.get_secret_value() for t in settings.tokens] == [
        "env-one",
        "env-two",
        "file-one",
        "file-two",
        "file-three",
    ]
    assert "env-one" not in repr(settings) and "file-one" not in settings.model_dump_json()
    with pytest.raises(ConfigError, match="tokens file"):
        ApiSettings.from_env({"SUMMARIZER_API_TOKENS_FILE": str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="rate"):
        from summarizer.api.access import Access

        Access(ApiSettings(rate="lots"))
