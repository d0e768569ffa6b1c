"""A real uvicorn serving the API on 127.0.0.1, in a thread of the test process, for the API tests.

    with running_api(settings, api_settings) as api:
        httpx.get(f"{api.url}/healthz")
        api.app.state.api.pool.busy_pids()   # the worker processes, for a test that kills one

The socket is bound before uvicorn starts (port 0: a free port, no race), and
the server is stopped the way Ctrl-C stops it (`should_exit`), so the worker
processes end with it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from summarizer.api import create_app
from summarizer.config import ApiSettings, Settings
from tests.fake_openai import FAKE_MODEL, FakeLLM

ALICE, BOB, CAROL = "tok-alice-3b9f2c71e0d4", "tok-bob-8e1a6d5f4c2b", "tok-carol-5a7c9e1b3d6f"


@dataclass
class RunningApi:
    url: str
    app: FastAPI

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)

    def busy_pids(self) -> list[int]:
        return list(self.app.state.api.pool.busy_pids())


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The shared check of an error answer: the status, the JSON body's shape, no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message_zh", "message_en"}
    assert error["message_zh"] and error["message_en"] and error["message_zh"] != error["message_en"]
    if code is not None:
        assert error["code"] == code, error
    return error


@contextmanager
def running_api(
    settings: Settings, api_settings: ApiSettings, customize: Callable[[FastAPI], None] | None = None
) -> Iterator[RunningApi]:
    """The API on a free port of 127.0.0.1 (`customize` may add a route first, as a test needs)."""
    app = create_app(settings, api_settings)
    if customize is not None:
        customize(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None: uvicorn's loggers stay plain `logging` loggers, which caplog sees.
    config = uvicorn.Config(app, log_config=None, log_level="debug", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield RunningApi(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


# ---------------------------------------------------------------- the API tests' shared server

LLM_KEY = "sk-api-tests-7c1e5a9b3d"
MAX_CHARS = 60_000
MAX_UPLOAD_BYTES = 2_000_000


@pytest.fixture(scope="module")
def api_fake_llm() -> Iterator[FakeLLM]:
    """The scripted model server behind the shared API server (each test scripts it)."""
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api(api_fake_llm: FakeLLM) -> Iterator[RunningApi]:
    """One API server per API test module (gone before other modules run): three tokens, two worker processes, the extractive engine
    by default and the scripted model for `engine: llm`; small limits, so that 413 is cheap to reach."""
    settings = Settings(
        engine="extractive",
        base_url=api_fake_llm.base_url,
        model=FAKE_MODEL,
        api_key=LLM_KEY,
        timeout=2.0,
        cache=None,
        max_chars=MAX_CHARS,
    )
    api_settings = ApiSettings(
        tokens=(SecretStr(ALICE), SecretStr(BOB), SecretStr(CAROL)),
        rate="3000/minute",
        workers=2,
        queue=8,
        max_upload_bytes=MAX_UPLOAD_BYTES,
    )
    with running_api(settings, api_settings) as running:
        yield running
