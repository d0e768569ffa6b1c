"""Settings: explicit > environment > default; the key never shows."""

from __future__ import annotations

import pytest

from summarizer.config import Settings
from summarizer.errors import ConfigError

KEY = "sk-test-SECRET-0123456789"


def test_environment_is_read() -> None:
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1/",
        "SUMMARIZER_MODEL": "qwen",
        "SUMMARIZER_JSON_MODE": "tools",
        "SUMMARIZER_CONCURRENCY": "8",
        "SUMMARIZER_TIMEOUT": "12.5",
        "SUMMARIZER_CACHE": "/tmp/x.sqlite3",
    }
    s = Settings.from_env(env)
    assert (s.model, s.json_mode, s.concurrency, s.timeout, s.cache) == (
        "qwen",
        "tools",
        8,
        12.5,
        "/tmp/x.sqlite3",
    )
    assert s.base_url == "http://127.0.0.1:8000/v1"
    assert s.api_key is not None and s.api_key.get_secret_value() == KEY


def test_explicit_arguments_win_and_none_is_ignored() -> None:
    s = Settings.from_env({"SUMMARIZER_MODEL": "env-model"}, model="flag-model", engine=None)
    assert s.model == "flag-model" and s.engine == "auto"


@pytest.mark.parametrize(
    ("env", "engine"),
    [
        ({}, "extractive"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}, "llm"),
        ({"OPENAI_API_KEY": KEY}, "llm"),
        ({"OPENAI_API_KEY": KEY, "SUMMARIZER_ENGINE": "extractive"}, "extractive"),
    ],
    ids=["nothing", "base-url", "key", "forced-offline"],
)
def test_auto_engine(env: dict[str, str], engine: str) -> None:
    assert Settings.from_env(env).effective_engine == engine


@pytest.mark.parametrize("value", ["off", "OFF", "none", ""])
def test_cache_can_be_switched_off(value: str) -> None:
    assert Settings.from_env({"SUMMARIZER_CACHE": value}).cache is None


def test_the_key_never_shows() -> None:
    s = Settings.from_env({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://user:pw@api.example.com/v1"})
    for text in (repr(s), str(s), s.model_dump_json(), str(s.model_dump())):
        assert KEY not in text
    assert s.base_url_host == "api.example.com"


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"SUMMARIZER_CONCURRENCY": "zero"}, "concurrency"),
        ({"SUMMARIZER_JSON_MODE": "xml"}, "json_mode"),
        ({"OPENAI_BASE_URL": "ftp://example.com"}, "base_url"),
        ({"SUMMARIZER_TIMEOUT": "-1"}, "timeout"),
    ],
    ids=["concurrency", "json-mode", "base-url", "timeout"],
)
def test_bad_settings_are_one_clear_config_error(env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert field in str(err.value) and "无效" in str(err.value)
