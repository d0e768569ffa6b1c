"""Errors as the API answers them: one JSON body, the CLI's bilingual line, never a traceback.

    {"error": {"code": "encoding", "message_zh": "…", "message_en": "…"}}

A `SummarizerError` keeps its code and both messages (the CLI prints the same
two as one line); its HTTP status comes from who must act: the input's size
413, a format we do not read 415, any other input 422, a setting 400, the
model endpoint 502.  Anything else is a bug: `metrics.ApiMiddleware` logs it
and answers with a generic 500 body.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ConfigError, InputError, LLMError, SummarizerError

# InputError codes with a status of their own (the rest: 422).
_INPUT_STATUS = {"too_long": 413, "too_large": 413, "binary": 415, "unsupported": 415, "media_type": 415}


class ErrorDetail(BaseModel):
    code: str
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    """The body of every answer that is not a success."""

    error: ErrorDetail


class ApiError(Exception):
    """An answer other than success, with its status and headers (Retry-After, WWW-Authenticate)."""

    def __init__(
        self, status: int, code: str, zh: str, en: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{zh} / {en}")
        self.status = status
        self.detail = ErrorDetail(code=code, message_zh=zh, message_en=en)
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            ErrorBody(error=self.detail).model_dump(), status_code=self.status, headers=self.headers
        )


def status_of(error: SummarizerError) -> int:
    if isinstance(error, InputError):
        return _INPUT_STATUS.get(error.code, 422)
    if isinstance(error, ConfigError):
        return 400
    if isinstance(error, LLMError):
        return 502
    return 500


def from_library(error: SummarizerError) -> ApiError:
    return ApiError(status_of(error), error.code, error.zh, error.en)


def internal_error() -> ApiError:
    return ApiError(500, "internal", "服务器内部错误", "internal server error")


# Starlette's own answers (an unknown path, a wrong method) in our shape.
HTTP_MESSAGES = {
    404: ("not_found", "找不到该资源", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    413: (
        "too_large",
        "请求内容过大（见 SUMMARIZER_API_MAX_UPLOAD_BYTES）",
        "request body too large (see SUMMARIZER_API_MAX_UPLOAD_BYTES)",
    ),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(SummarizerError)
    async def _library_error(_: Request, error: SummarizerError) -> JSONResponse:
        return from_library(error).response()

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        msg = str(first.get("msg", "invalid"))
        return ApiError(
            422, "bad_request", f"请求内容有误（{where}：{msg}）", f"bad request ({where}: {msg})"
        ).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code, zh, en = HTTP_MESSAGES.get(error.status_code, ("http", "请求失败", "request failed"))
        return ApiError(error.status_code, code, zh, en, headers=dict(error.headers or {})).response()
