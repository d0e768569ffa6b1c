"""Secrets: a recognizable fake API key never shows up anywhere we write or show.

The key is set (environment for the CLI, `Settings` for the API, the sidebar
for the app) and used against the scripted OpenAI-compatible server on
127.0.0.1, on the success path and on the failure paths: 401 (the server echoes
the key, as some providers do), 500s that quote it, timeouts.  Then every file
written during the run (outputs, cache and history SQLite files with their
journals, anything under the temporary HOME), captured logs at DEBUG,
stdout/stderr, exception messages and the app's page are searched for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from summarizer import Settings, SummarizerError, summarize
from summarizer.history import History
from tests.app_pages import every_text_in_page
from tests.conftest import ROOT
from tests.fake_openai import FAKE_MODEL, FakeLLM, FakeResponse, cooperative_answer, error, json_answer

SECRET = "sk-test-LEAKCHECK-5f1e9a7c3b2d4e6f8a0b"
# Pieces a leak could show even when the whole key is not there: the key without its prefix, its tail.
FRAGMENTS = (SECRET, SECRET.removeprefix("sk-"), "LEAKCHECK-5f1e9a7c3b2d4e6f8a0b", "5f1e9a7c3b2d4e6f8a0b")

REPORT = """政府工作报告
各位代表：现在，我代表镇人民政府向大会报告工作，请予审议。
一、2023年工作回顾
全年实现地区生产总值83.98亿元，同比增长2.3%；一般公共预算收入1.2亿元，增长5.5%。新建高标准农田3492亩。
二、2024年工作安排
2024年全镇地区生产总值增长6%左右，固定资产投资增长8%以上。重点抓好产业项目建设和人居环境整治。
"""


def cooperative(request: dict[str, Any]) -> FakeResponse | dict[str, Any]:
    """A model answering with a verbatim quote of the material it was given."""
    return json_answer(cooperative_answer(request))


BEHAVIOURS: dict[str, Callable[[dict[str, Any]], FakeResponse | dict[str, Any]] | FakeResponse] = {
    "success": cooperative,
    "401-echoing-the-key": error(401, f"Incorrect API key provided: {SECRET}", code="invalid_api_key"),
    "500-quoting-the-key": error(500, f"upstream failed for token {SECRET}"),
    "timeout": FakeResponse(delay=3.0, body={}),
}


def assert_no_secret(where: str, content: str | bytes) -> None:
    raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    for fragment in FRAGMENTS:
        assert fragment.encode() not in raw, f"the API key ({fragment!r}) leaked into {where}"


def assert_no_secret_in_files(root: Path) -> int:
    """Search every file under `root`; returns how many were searched."""
    searched = 0
    for path in root.rglob("*"):
        if path.is_file():
            assert_no_secret(str(path), path.read_bytes())
            searched += 1
    return searched


def assert_key_was_sent(fake: FakeLLM) -> None:
    sent = [r.headers.get("authorization", "") for r in fake.chat_requests]
    assert sent and all(h == f"Bearer {SECRET}" for h in sent), "the key must really have been used"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, caches and history all inside tmp_path, so every file a run writes is searched."""
    home = tmp_path / "home"
    home.mkdir()
    for name, value in {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "SUMMARIZER_CACHE": str(tmp_path / "cache.sqlite3"),
        "SUMMARIZER_HISTORY": str(tmp_path / "history.sqlite3"),
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


# ---------------------------------------------------------------- the API and the LLM engine


@pytest.mark.parametrize("behaviour", list(BEHAVIOURS), ids=list(BEHAVIOURS))
def test_api_and_engine_never_leak_the_key(
    behaviour: str, fake_llm: FakeLLM, sandbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_llm.script(handler=BEHAVIOURS[behaviour])
    settings = Settings.from_env(
        engine="llm", api_key=SECRET, base_url=fake_llm.base_url, model=FAKE_MODEL, timeout=1.0
    )
    assert_no_secret("repr(settings)", repr(settings) + str(settings) + settings.model_dump_json())
    try:
        summary = summarize(REPORT, settings)
    except SummarizerError as e:
        assert behaviour == "401-echoing-the-key", e.line
        assert_no_secret("the exception", f"{e} {e.line} {e!r} {getattr(e, 'raw_output', '')}")
        assert e.__cause__ is None or SECRET not in str(e.__cause__)
    else:
        assert behaviour != "401-echoing-the-key", "a rejected key stops the report"
        with History.open(sandbox / "history.sqlite3") as history:
            history.add(summary)
        assert_no_secret("the summary JSON", summary.to_json())
        if behaviour != "success":
            assert summary.engine.fallbacks, "failed sections were filled by the extractive engine"
    assert_key_was_sent(fake_llm)
    assert_no_secret("the log", caplog.text)
    assert_no_secret("the log records", " ".join(str(r.args) for r in caplog.records))
    assert assert_no_secret_in_files(sandbox) >= 1


def test_a_server_quoting_part_of_the_key_is_masked_too(fake_llm: FakeLLM, sandbox: Path) -> None:
    fake_llm.script(handler=error(500, f"upstream failed for token {SECRET.removeprefix('sk-')}"))
    settings = Settings.from_env(
        engine="llm", api_key=SECRET, base_url=fake_llm.base_url, model=FAKE_MODEL, timeout=1.0
    )
    summary = summarize(REPORT, settings)
    assert summary.engine.fallbacks
    assert_no_secret("the summary JSON", summary.to_json())


# ---------------------------------------------------------------- the CLI


@pytest.mark.parametrize("fmt", ["json", "md"])
@pytest.mark.parametrize("behaviour", list(BEHAVIOURS), ids=list(BEHAVIOURS))
def test_cli_never_leaks_the_key(behaviour: str, fmt: str, fake_llm: FakeLLM, sandbox: Path) -> None:
    fake_llm.script(handler=BEHAVIOURS[behaviour])
    report = sandbox / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = sandbox / f"out.{fmt}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": fake_llm.base_url,
        "SUMMARIZER_MODEL": FAKE_MODEL,
        "SUMMARIZER_TIMEOUT": "1",
        "OPENAI_LOG": "debug",  # the SDK's own debug logging, on stderr
    }
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(report), "-o", str(out), "--format", fmt],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    if behaviour == "401-echoing-the-key":
        assert done.returncode == 2, stderr
        assert "401" in stderr
    else:
        assert done.returncode == 0, stderr
        assert out.exists()
    assert_key_was_sent(fake_llm)
    assert_no_secret("stdout", done.stdout)
    assert_no_secret("stderr", done.stderr)
    assert assert_no_secret_in_files(sandbox) >= 1


# ---------------------------------------------------------------- the HTTP API

TOKENS = ("tok-LEAKCHECK-a91c3e5f7b2d", "tok-LEAKCHECK-0d8b6f4a2c1e")
TOKEN_FRAGMENTS = (*TOKENS, *(t.removeprefix("tok-") for t in TOKENS), *(t[-12:] for t in TOKENS))


def assert_no_token(where: str, content: str | bytes) -> None:
    assert_no_secret(where, content)
    raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    for fragment in TOKEN_FRAGMENTS:
        assert fragment.encode() not in raw, f"an API token ({fragment!r}) leaked into {where}"


def test_http_api_never_leaks_the_key_or_its_tokens(
    fake_llm: FakeLLM, sandbox: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A real uvicorn with the LLM engine: success, a 401 that echoes the key, a 500 that quotes it;
    every response (headers too), log line, worker's output and file is searched for the key and the tokens."""
    from pydantic import SecretStr

    from summarizer.config import ApiSettings
    from tests.api_server import running_api

    caplog.set_level(logging.DEBUG)
    # The model reads the report (serial): each run's text differs in its first line, so no run is
    # answered from the cache the one before filled (compressing would ask the same body sentences).
    settings = Settings.from_env(
        engine="llm",
        api_key=SECRET,
        base_url=fake_llm.base_url,
        model=FAKE_MODEL,
        timeout=1.0,
        strategy="serial",
    )
    api_settings = ApiSettings(tokens=tuple(SecretStr(t) for t in TOKENS), workers=1)
    assert_no_token("repr(api settings)", repr(api_settings) + api_settings.model_dump_json())
    answers = []
    with running_api(settings, api_settings) as api:
        with api.client(TOKENS[0]) as client:
            for behaviour in ("success", "401-echoing-the-key", "500-quoting-the-key"):
                fake_llm.script(handler=BEHAVIOURS[behaviour])
                text = f"（{behaviour}）{REPORT}"  # not answered from the cache the run before filled
                answers.append(client.post("/v1/summaries", params={"wait": 30}, json={"text": text}))
                job = client.post("/v1/summaries", json={"text": text})
                answers += [job, client.get(job.headers["location"])]
            answers += [
                client.post(
                    "/v1/verify", json={"text": REPORT, "summary": "全年实现地区生产总值83.98亿元。"}
                ),
                client.get("/metrics"),
                client.get("/openapi.json"),
                client.get("/healthz"),
                client.post("/v1/summaries", json={"text": ""}),
            ]
        with api.client(TOKENS[1][:-1]) as wrong:
            answers.append(wrong.get("/v1/schema"))
    assert [a.status_code for a in answers[:3]] == [200, 202, 200]
    assert answers[3].status_code == 502 and answers[-1].status_code == 401
    assert_key_was_sent(fake_llm)
    for answer in answers:
        assert_no_token(f"the answer to {answer.request.url}", answer.content)
        assert_no_token("its headers", str(answer.headers))
    assert_no_token("the log", caplog.text)
    assert_no_token("the log records", " ".join(str(r.args) for r in caplog.records))
    out, err = capfd.readouterr()
    assert_no_token("stdout and stderr (the worker processes' too)", out + err)
    assert assert_no_secret_in_files(sandbox) >= 1
    for path in sandbox.rglob("*"):
        if path.is_file():
            assert_no_token(str(path), path.read_bytes())


# ---------------------------------------------------------------- the app


@pytest.mark.parametrize("behaviour", ["success", "500-quoting-the-key", "401-echoing-the-key"])
def test_app_never_shows_or_stores_the_key(
    behaviour: str, fake_llm: FakeLLM, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_TIMEOUT", "1")  # the retry deadline is three timeouts
    fake_llm.script(handler=BEHAVIOURS[behaviour])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input(FAKE_MODEL)
    at.text_input(key="api_key").input(SECRET)
    at.text_area(key="report_text").input(REPORT)
    at.button(key="summarize").click()
    at.run()
    assert not at.exception, at.exception
    assert_key_was_sent(fake_llm)
    page = every_text_in_page(at, skip_key="api_key")
    assert len(page) > 1000, "the walk saw the page"
    assert_no_secret("the app page", page)
    if behaviour == "401-echoing-the-key":
        assert at.error and "summary" not in at.session_state
    else:
        assert not at.error, [e.value for e in at.error]
        assert_no_secret("the summary in the session", at.session_state["summary"].to_json())
    assert assert_no_secret_in_files(sandbox) >= (0 if behaviour == "401-echoing-the-key" else 1)
