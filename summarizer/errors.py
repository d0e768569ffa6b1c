"""The error tree: one base, branches by who must act.

    SummarizerError              anything this library raises on purpose
    ├── InputError               the user's text or file (empty, binary, corrupt, too long…)
    ├── ConfigError              settings (missing model, bad base URL, bad mode…)
    └── LLMError                 the model endpoint
        ├── LLMTransient         429, 5xx, timeouts, connection errors: retried
        ├── LLMRefused           content filter / refusal / 4xx that retrying cannot fix
        ├── LLMTruncated         finish_reason == "length"
        └── LLMBadOutput         JSON that does not parse or does not fit the answer schema

Every error carries one clear line in Chinese and English (`str(err)`); the CLI
and the app show that line and nothing else.  Messages never contain secrets.
LLM errors keep the last raw model output in `raw_output` for debugging.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error raised on purpose.  `str(e)` is "中文 / English"."""

    code: str = "error"

    def __init__(self, zh: str, en: str, *, code: str | None = None) -> None:
        self.zh = zh
        self.en = en
        if code is not None:
            self.code = code
        super().__init__(f"{zh} / {en}")

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from both messages, so errors survive pickling (batch worker processes).
        return (type(self), (self.zh, self.en), self.__dict__)

    @property
    def line(self) -> str:
        """The one line shown to the user."""
        return f"错误：{self.zh} / Error: {self.en}"


class InputError(SummarizerError):
    """The user's text or file cannot be summarized as given."""

    code = "input"


class ConfigError(SummarizerError):
    """The settings are wrong or incomplete."""

    code = "config"


class LLMError(SummarizerError):
    """The model endpoint failed; `raw_output` keeps what it last said."""

    code = "llm"

    def __init__(self, zh: str, en: str, *, code: str | None = None, raw_output: str | None = None) -> None:
        super().__init__(zh, en, code=code)
        self.raw_output = raw_output


class LLMTransient(LLMError):
    code = "llm_transient"


class LLMRefused(LLMError):
    code = "llm_refused"


class LLMTruncated(LLMError):
    code = "llm_truncated"


class LLMBadOutput(LLMError):
    code = "llm_bad_output"
