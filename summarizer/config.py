"""Settings: the one place that reads the environment.

Precedence: explicit argument > environment > default.  A `Settings` object is
passed down to every stage that needs it; nothing else reads `os.environ`.
The API key is a `SecretStr`: it never shows in `repr`, logs, JSON or errors.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigError

_SettingsT = TypeVar("_SettingsT", bound=BaseModel)

EngineChoice = Literal["auto", "extractive", "llm"]
JsonMode = Literal["auto", "json_schema", "json_object", "tools"]
# Whose history the app keeps (summarizer/history.py); "auto" picks from how the app is served.
HistoryScopeSetting = Literal["auto", "shared", "session", "user"]
# How the LLM engine uses the model: "compress" (a local server answering one request at a time,
# a small model: the rules pick each section's key sentences and the model compresses them, in a few
# short calls), "serial" (a local server: the model reads the report, in as few calls as the context
# allows) or "parallel" (a remote provider: the model reads the report, every call at once).
Strategy = Literal["auto", "compress", "serial", "parallel"]
# The same choices as lists, for the CLI's and the app's menus.
ENGINE_CHOICES: tuple[str, ...] = get_args(EngineChoice)
JSON_MODES: tuple[str, ...] = get_args(JsonMode)
STRATEGIES: tuple[str, ...] = get_args(Strategy)
# Ports of the local servers among the presets (Ollama, vLLM, llama.cpp): an endpoint there is local.
LOCAL_PORTS = frozenset({11434, 8000, 8080})
# Calls at once when `concurrency` is not set: a local server answers one at a time; a remote
# provider gets every chunk of a report at once, up to this many.
SERIAL_CALLS = 1
PARALLEL_CALLS = 16
# Seconds one call may take when `timeout` is not set: a CPU-bound local model needs minutes for a
# long prompt and answer; a remote provider answers in seconds or is stuck.
SERIAL_TIMEOUT = 900.0
PARALLEL_TIMEOUT = 60.0

DEFAULT_MAX_CHARS = 1_000_000


def _cache_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "summarizer"


class Settings(BaseModel):
    """Everything configurable.  Build with `Settings.from_env(**overrides)`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: EngineChoice = "auto"
    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str | None = None
    json_mode: JsonMode = "auto"
    strategy: Strategy = "auto"
    concurrency: int | None = Field(default=None, ge=1, le=64)  # None: by strategy (1 or 16)
    timeout: float | None = Field(default=None, gt=0)  # seconds per call; None: by strategy (900 or 60)
    cache: str | None = None  # path of the SQLite cache; None = no cache
    history: str | None = None  # path of the app's SQLite history of summaries
    history_scope: HistoryScopeSetting = "auto"
    app_password: SecretStr | None = None  # the app's shared sign-in password (small teams)
    max_chars: int = Field(default=DEFAULT_MAX_CHARS, ge=1)
    # None: sized per call (sentences asked x a per-sentence budget); a number caps every call.
    max_output_tokens: int | None = Field(default=None, ge=64)
    # None: by strategy (serial: as large as the context allows; parallel: 3,000).
    chunk_tokens: int | None = Field(default=None, ge=200)
    context_tokens: int = Field(
        default=8192, ge=1024
    )  # the model's context (cl100k, or the model's own tokens when a local server counts them: plan.py)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, v: str | None) -> str | None:
        if not v:
            return None
        parsed = urlparse(v)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("base URL must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("history_scope", mode="before")
    @classmethod
    def _fold_history_scope(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment, with explicit overrides winning.

        Overrides whose value is None are ignored, so CLI flags can be passed as is.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        mapping = {
            "api_key": "OPENAI_API_KEY",
            "base_url": "OPENAI_BASE_URL",
            "model": "SUMMARIZER_MODEL",
            "json_mode": "SUMMARIZER_JSON_MODE",
            "concurrency": "SUMMARIZER_CONCURRENCY",
            "timeout": "SUMMARIZER_TIMEOUT",
            "max_chars": "SUMMARIZER_MAX_CHARS",
            "engine": "SUMMARIZER_ENGINE",
            "history_scope": "SUMMARIZER_HISTORY_SCOPE",
            "app_password": "SUMMARIZER_APP_PASSWORD",
            "strategy": "SUMMARIZER_STRATEGY",
            "chunk_tokens": "SUMMARIZER_CHUNK_TOKENS",
            "max_output_tokens": "SUMMARIZER_MAX_OUTPUT_TOKENS",
            "context_tokens": "SUMMARIZER_CONTEXT_TOKENS",
        }
        for field, var in mapping.items():
            if env.get(var):
                values[field] = env[var]
        history = env.get("SUMMARIZER_HISTORY", "").strip()
        values["history"] = (
            str(Path(history).expanduser()) if history else str(_cache_dir(env) / "history.sqlite3")
        )
        cache = env.get("SUMMARIZER_CACHE")
        if cache is None:
            values["cache"] = str(_cache_dir(env) / "cache.sqlite3")
        elif cache.strip().lower() not in ("", "off", "none", "0"):
            values["cache"] = cache
        values.update({k: v for k, v in overrides.items() if v is not None})
        return _validated(cls, values)

    @property
    def llm_configured(self) -> bool:
        """An endpoint is configured: a base URL, or an API key for the default one."""
        return bool(self.base_url or (self.api_key and self.api_key.get_secret_value()))

    @property
    def effective_engine(self) -> Literal["extractive", "llm"]:
        if self.engine == "auto":
            return "llm" if self.llm_configured else "extractive"
        return self.engine

    @property
    def effective_strategy(self) -> Literal["compress", "serial", "parallel"]:
        """`strategy`, or for "auto": compress for a local endpoint (a loopback, private or .local host,
        or the port of a local preset), parallel for any other."""
        if self.strategy != "auto":
            return self.strategy
        return "compress" if self.base_url and _is_local(self.base_url) else "parallel"

    @property
    def serial_endpoint(self) -> bool:
        """Whether the endpoint answers one request at a time (the compress and serial strategies)."""
        return self.effective_strategy != "parallel"

    @property
    def call_limit(self) -> int:
        """Model calls at once: `concurrency`, else 1 (serial) or 16 (parallel)."""
        if self.concurrency is not None:
            return self.concurrency
        return SERIAL_CALLS if self.serial_endpoint else PARALLEL_CALLS

    @property
    def call_timeout(self) -> float:
        """Seconds per call: `timeout`, else 900 (serial) or 60 (parallel)."""
        if self.timeout is not None:
            return self.timeout
        return SERIAL_TIMEOUT if self.serial_endpoint else PARALLEL_TIMEOUT

    @property
    def base_url_host(self) -> str | None:
        """Host (and port) of the endpoint: safe to show; never the key or the path."""
        if not self.base_url:
            return "api.openai.com" if self.llm_configured else None
        return urlparse(self.base_url).netloc.rsplit("@", 1)[-1]


# ---------------------------------------------------------------- the HTTP API (`summarizer serve`)

DEFAULT_API_RATE = "600/minute"
DEFAULT_MAX_UPLOAD_BYTES = 20_000_000


class ApiSettings(BaseModel):
    """What `summarizer serve` needs beyond `Settings`.  Build with `ApiSettings.from_env(**overrides)`.

    Tokens are `SecretStr`s: never in `repr`, logs or errors.  `rate` is per token, in the
    notation of the `limits` library ("600/minute", "20/second"); "off" turns it off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens: tuple[SecretStr, ...] = ()
    rate: str = DEFAULT_API_RATE
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1)
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    queue: int = Field(default=32, ge=0)  # requests waiting for a worker process, beyond one per worker
    jobs: int = Field(default=16, ge=1)  # LLM jobs running at once
    job_ttl_s: float = Field(default=3600.0, gt=0)  # how long a finished job's result is kept

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ApiSettings:
        """From SUMMARIZER_API_TOKENS (comma-separated) or SUMMARIZER_API_TOKENS_FILE (one a line,
        or comma-separated; # starts a comment), SUMMARIZER_API_RATE, SUMMARIZER_API_MAX_UPLOAD_BYTES,
        SUMMARIZER_API_WORKERS, SUMMARIZER_API_QUEUE, SUMMARIZER_API_JOBS; overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        tokens = _split_tokens(env.get("SUMMARIZER_API_TOKENS", ""))
        token_file = env.get("SUMMARIZER_API_TOKENS_FILE", "").strip()
        if token_file:
            try:
                lines = Path(token_file).expanduser().read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError) as e:
                raise ConfigError(
                    f"无法读取令牌文件：{token_file}", f"cannot read the tokens file: {token_file}"
                ) from e
            tokens += _split_tokens(",".join(line.split("#", 1)[0] for line in lines))
        values["tokens"] = tuple(dict.fromkeys(tokens))
        mapping = {
            "rate": "SUMMARIZER_API_RATE",
            "max_upload_bytes": "SUMMARIZER_API_MAX_UPLOAD_BYTES",
            "workers": "SUMMARIZER_API_WORKERS",
            "queue": "SUMMARIZER_API_QUEUE",
            "jobs": "SUMMARIZER_API_JOBS",
        }
        values.update({field: env[var] for field, var in mapping.items() if env.get(var, "").strip()})
        values.update({k: v for k, v in overrides.items() if v is not None})
        return _validated(cls, values)


def _validated(cls: type[_SettingsT], values: dict[str, Any]) -> _SettingsT:
    """The settings, or a ConfigError naming the first bad one (one bilingual line)."""
    try:
        return cls(**values)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(
            f"配置项 {where} 无效：{first['msg']}", f"invalid setting {where}: {first['msg']}"
        ) from None


def _split_tokens(value: str) -> list[str]:
    return [token.strip() for token in value.split(",") if token.strip()]


def _is_local(base_url: str) -> bool:
    parsed = urlparse(base_url)
    host = (parsed.hostname or "").lower()
    if host == "localhost" or host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return parsed.port in LOCAL_PORTS
    return address.is_loopback or address.is_private or address.is_unspecified or parsed.port in LOCAL_PORTS
