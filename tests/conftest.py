"""Shared test fixtures: the seed reports, the span check, and a network guard.

No test reaches the internet: `_no_internet` refuses every connection that is
not to the loopback interface.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from pathlib import Path

import pytest

from summarizer.schema import Span

# The scripted OpenAI-compatible server (`fake_llm` fixture) is available to every test module,
# and the API server of the API tests (`api`, a real uvicorn on 127.0.0.1) to theirs.
pytest_plugins = ("tests.fake_openai", "tests.api_server")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS_DIR = FIXTURES / "seeds"
SEED_PATHS = sorted(SEEDS_DIR.glob("*.txt"))


def read_seed(name_prefix: str) -> str:
    """The text of the seed whose file name starts with `name_prefix` ("000", "003"…)."""
    (path,) = [p for p in SEED_PATHS if p.name.startswith(name_prefix)]
    return path.read_text(encoding="utf-8")


def assert_spans_match(text: str, spans: Iterable[Span | None]) -> int:
    """The shared span assertion: `text[start:end] == quote` for every span. Returns the count."""
    count = 0
    for span in spans:
        if span is None:
            continue
        assert 0 <= span.start <= span.end <= len(text), f"span out of range: {span}"
        assert text[span.start : span.end] == span.quote, (
            f"span {span.start}:{span.end} quotes {span.quote!r} but the text has "
            f"{text[span.start : span.end]!r}"
        )
        count += 1
    return count


def _is_loopback(address: object) -> bool:
    if isinstance(address, str | bytes):
        return True  # AF_UNIX socket paths
    if not (isinstance(address, tuple) and address):
        return False
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, endpoints or cache."""
    for var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "SUMMARIZER_MODEL",
        "SUMMARIZER_JSON_MODE",
        "SUMMARIZER_CONCURRENCY",
        "SUMMARIZER_TIMEOUT",
        "SUMMARIZER_ENGINE",
        "SUMMARIZER_MAX_CHARS",
        "SUMMARIZER_API_TOKENS",
        "SUMMARIZER_API_TOKENS_FILE",
        "SUMMARIZER_API_RATE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SUMMARIZER_CACHE", str(tmp_path / "cache.sqlite3"))
    monkeypatch.setenv("SUMMARIZER_HISTORY", str(tmp_path / "history.sqlite3"))


@pytest.fixture(params=[p.name for p in SEED_PATHS], ids=[p.name[:3] for p in SEED_PATHS])
def seed(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(file name, text) of each seed report in turn."""
    name: str = request.param
    return name, (SEEDS_DIR / name).read_text(encoding="utf-8")
