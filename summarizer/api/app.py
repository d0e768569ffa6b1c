"""The HTTP face: `create_app(settings, api_settings)` builds the FastAPI application.

    POST   /v1/summaries      JSON {text, engine, model, filename} or multipart `file`
                              extractive: 200 ReportSummary; LLM: 202 + job (or 200 with ?wait=SECONDS)
    GET    /v1/jobs/{id}      status, progress (sections done of total), then the result
    DELETE /v1/jobs/{id}      cancel
    POST   /v1/verify         {text, summary}: the same as `summarizer verify`
    POST   /v1/track          JSON {reports: [{filename, text}], format} or multipart `file` fields:
                              the same as `summarizer track` (json, csv or md)
    GET    /v1/schema         the JSON Schema of ReportSummary
    GET    /healthz           no token needed
    GET    /metrics           Prometheus text format
    GET    /docs              OpenAPI docs (public)

The routes only check and route: the work is in the worker processes (`pool`,
`tasks`) and the LLM jobs (`jobs`).  New routes go in `build_router` (or in a
router of their own, included in `create_app`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from ..config import ApiSettings, EngineChoice, Settings
from ..errors import ConfigError
from ..schema import ReportSummary
from ..verification.claims import FreeTextResult
from .access import Access, Caller
from .errors import ApiError, ErrorBody, install_error_handlers, internal_error
from .jobs import Job, Jobs, JobView
from .metrics import ApiMiddleware, Metrics
from .pool import PoolBusy, Task, TaskBug, WorkerCrashed, WorkerPool
from .tasks import SummarizeOffline, Track, Verify

JSON = "application/json"
_RequestT = TypeVar("_RequestT", bound=BaseModel)
try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "unknown"
# How long a client may ask POST /v1/summaries to wait for an LLM job (?wait=SECONDS).
MAX_WAIT_S = 600.0


class SummaryRequest(BaseModel):
    """POST /v1/summaries as JSON.  `engine`: auto (the server's default), extractive or llm.

    Nothing else: a client never sets the endpoint, its key or the limits.
    """

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the report text")
    engine: EngineChoice | None = None
    model: str | None = Field(default=None, description="LLM engine: a model name other than the server's")
    filename: str | None = None


class VerifyRequest(BaseModel):
    """POST /v1/verify: a report and a summary of it, our JSON (as an object or a string) or free text."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the report text")
    summary: str | dict[str, Any] = Field(description="our ReportSummary JSON, or any free-text summary")
    filename: str | None = None


class TrackReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, description="the report's file name, as the output names it")
    text: str = Field(description="the report text")


TrackFormat = Literal["json", "csv", "md"]
TRACK_MEDIA = {"json": JSON, "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}
MAX_TRACK_REPORTS = 50


class TrackRequest(BaseModel):
    """POST /v1/track as JSON: the reports (one place over the years, or several places) and the format."""

    model_config = ConfigDict(extra="forbid")

    reports: list[TrackReport] = Field(min_length=1, max_length=MAX_TRACK_REPORTS)
    format: TrackFormat = "json"


class Health(BaseModel):
    status: str
    version: str
    workers: int
    jobs_running: int


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def _request_body(json_model: type[BaseModel], form: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of a route that takes JSON or a multipart form with `file`."""
    multipart = {"type": "object", "required": ["file"], "properties": form}
    return {
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": json_model.model_json_schema()},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


_SUMMARY_BODY = _request_body(
    SummaryRequest,
    {
        "file": {"type": "string", "format": "binary", "description": ".txt/.docx/.pdf/.html"},
        "engine": {"type": "string", "enum": ["auto", "extractive", "llm"]},
        "model": {"type": "string"},
    },
)
_TRACK_BODY = _request_body(
    TrackRequest,
    {
        "file": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "the reports: .txt/.docx/.pdf/.html",
        },
        "format": {"type": "string", "enum": list(TRACK_MEDIA)},
    },
)


class _Api:
    """What the routes share: settings, access, the worker pool, the jobs, the metrics."""

    def __init__(self, settings: Settings, api_settings: ApiSettings) -> None:
        self.settings = settings
        self.api_settings = api_settings
        self.access = Access(api_settings)
        self.metrics = Metrics()
        self.pool = WorkerPool(api_settings.workers, api_settings.queue)
        self.jobs = Jobs(
            self.pool, limit=api_settings.jobs, ttl=api_settings.job_ttl_s, on_end=self._job_ended
        )
        self.metrics.jobs_running.set_function(lambda: self.jobs.running)
        self.metrics.watch_pool(self.pool.stats)

    def _job_ended(self, job: Job) -> None:
        self.metrics.jobs.labels(job.status).inc()
        self.metrics.llm_calls.inc(job.llm_calls)
        self.metrics.llm_tokens.labels("prompt").inc(job.tokens[0])
        self.metrics.llm_tokens.labels("completion").inc(job.tokens[1])

    @contextmanager
    def pool_errors(self) -> Iterator[None]:
        """The worker pool's failures as API errors: full 503 (Retry-After), a crash or a bug 500."""
        try:
            yield
        except PoolBusy:
            raise ApiError(
                503,
                "busy",
                "服务器繁忙，请稍后再试",
                "the server is busy; retry later",
                headers={"Retry-After": "1"},
            ) from None
        except WorkerCrashed:
            raise ApiError(
                500,
                "worker_crashed",
                "处理该请求的工作进程崩溃，请重试",
                "the worker process handling this request crashed; retry",
            ) from None
        except TaskBug:
            raise internal_error() from None

    async def in_worker(self, task: Task) -> Any:
        with self.pool_errors():
            return await self.pool.run(task)

    def request_settings(self, engine: str | None, model: str | None) -> Settings:
        """The server's settings with the client's engine and model (never its endpoint or key)."""
        try:
            settings = Settings.model_validate(
                {
                    **self.settings.model_dump(),
                    **{k: v for k, v in {"engine": engine, "model": model}.items() if v},
                }
            )
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ApiError(422, "bad_request", f"请求内容有误（{where}）", f"bad request ({where})") from None
        if settings.effective_engine == "llm" and not (settings.llm_configured and settings.model):
            raise ConfigError(
                "服务器未配置大模型接口或模型，请用 extractive 引擎",
                "no LLM endpoint or model is configured on this server; use the extractive engine",
                code="no_llm",
            )
        return settings


_bearer = HTTPBearer(auto_error=False, description="one of SUMMARIZER_API_TOKENS")


async def _caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """The caller of a request (401 without a valid token), counted toward its rate (429)."""
    api: _Api = request.app.state.api
    who = api.access.caller(f"Bearer {credentials.credentials}" if credentials else None)
    api.access.count(who)
    return who


Who = Annotated[Caller, Depends(_caller)]


def build_router(api: _Api) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/v1/summaries",
        summary="Summarize a report",
        openapi_extra=_SUMMARY_BODY,
        responses={
            200: {"model": ReportSummary, "description": "the verified summary"},
            202: {"model": JobView, "description": "LLM engine: the job (Location: /v1/jobs/{id})"},
            **_errors(400, 401, 413, 415, 422, 429, 500, 502, 503),
        },
    )
    async def post_summary(
        request: Request,
        who: Who,
        wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="LLM engine: wait this long")] = 0,
    ) -> Response:
        source, filename, engine, model = await _summary_input(request)
        settings = api.request_settings(engine, model)
        if settings.effective_engine == "extractive":
            body = await api.in_worker(SummarizeOffline(source, filename, settings))
            return Response(body, media_type=JSON)
        with api.pool_errors():
            job = await api.jobs.start(who.key, source, filename, settings)
        api.metrics.jobs_started.inc()
        if wait > 0:
            await asyncio.wait([asyncio.ensure_future(job.finished.wait())], timeout=wait)
            if job.status == "done" and job.result is not None:
                return Response(job.result, media_type=JSON)
            if job.status == "failed" and job.error is not None:
                raise ApiError(job.error_status, job.error.code, job.error.message_zh, job.error.message_en)
        return Response(
            job.view_json(), status_code=202, media_type=JSON, headers={"Location": f"/v1/jobs/{job.id}"}
        )

    @router.get("/v1/jobs/{job_id}", responses={200: {"model": JobView}, **_errors(401, 404, 429)})
    async def get_job(job_id: str, who: Who) -> Response:
        return Response(api.jobs.get(who.key, job_id).view_json(), media_type=JSON)

    @router.delete("/v1/jobs/{job_id}", responses={200: {"model": JobView}, **_errors(401, 404, 429)})
    async def cancel_job(job_id: str, who: Who) -> Response:
        job = api.jobs.cancel(who.key, job_id)
        await asyncio.wait([asyncio.ensure_future(job.finished.wait())], timeout=5)
        return Response(job.view_json(), media_type=JSON)

    @router.post(
        "/v1/verify",
        responses={200: {"model": FreeTextResult}, **_errors(401, 413, 415, 422, 429, 500, 503)},
    )
    async def post_verify(body: VerifyRequest, who: Who) -> Response:
        summary = (
            body.summary if isinstance(body.summary, str) else json.dumps(body.summary, ensure_ascii=False)
        )
        result = await api.in_worker(Verify(body.text, summary, body.filename, api.settings))
        return Response(result, media_type=JSON)

    @router.post(
        "/v1/track",
        summary="Track targets against the next year's actuals",
        openapi_extra=_TRACK_BODY,
        responses={
            200: {"description": "the TrackResult (json), or CSV or Markdown"},
            **_errors(401, 413, 415, 422, 429, 500, 503),
        },
    )
    async def post_track(request: Request, who: Who) -> Response:
        reports, fmt = await _track_input(request)
        body = await api.in_worker(Track(reports, fmt, api.settings))
        return Response(body, media_type=TRACK_MEDIA[fmt])

    @router.get("/v1/schema", responses=_errors(401, 429))
    async def get_schema(who: Who) -> dict[str, Any]:
        return ReportSummary.model_json_schema()

    @router.get("/healthz")
    async def healthz() -> Health:
        return Health(
            status="ok", version=__version__, workers=api.pool.processes, jobs_running=api.jobs.running
        )

    @router.get("/metrics", responses=_errors(401, 429))
    async def metrics(who: Who) -> Response:
        body, content_type = api.metrics.exposition()
        return Response(body, media_type=content_type)

    return router


async def _summary_input(request: Request) -> tuple[str | bytes, str | None, str | None, str | None]:
    """(source, filename, engine, model) of a JSON or multipart POST /v1/summaries."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form() as form:  # closed here: an upload spooled to disk is deleted
            upload, text = form.get("file"), form.get("text")
            engine, model = form.get("engine"), form.get("model")
            if any(v is not None and not isinstance(v, str) for v in (engine, model)):
                raise ApiError(
                    422, "bad_request", "engine 和 model 须为文本字段", "engine and model must be text fields"
                )
            if isinstance(upload, UploadFile):
                return await upload.read(), upload.filename, _str(engine), _str(model)
            if isinstance(text, str):
                return text, None, _str(engine), _str(model)
        raise ApiError(422, "bad_request", "缺少文件字段 file", "the multipart body has no `file` field")
    if content_type not in (JSON, ""):
        raise ApiError(
            415,
            "media_type",
            "请以 JSON 或 multipart/form-data 提交",
            "send JSON or multipart/form-data",
        )
    body = _parse(SummaryRequest, await request.body())
    return body.text, body.filename, body.engine, body.model


async def _track_input(request: Request) -> tuple[tuple[tuple[str, str | bytes], ...], TrackFormat]:
    """The reports and the format of a JSON or multipart POST /v1/track."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form() as form:
            files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
            fmt = form.get("format") or "json"
            if fmt not in TRACK_MEDIA:
                raise ApiError(
                    422, "bad_request", "format 须为 json、csv 或 md", "format must be json, csv or md"
                )
            if not files or len(files) > MAX_TRACK_REPORTS:
                raise ApiError(
                    422,
                    "bad_request",
                    f"请上传 1 至 {MAX_TRACK_REPORTS} 个文件（字段 file）",
                    f"send 1 to {MAX_TRACK_REPORTS} files (field `file`)",
                )
            reports = [
                (f.filename or f"report_{n}.txt", await f.read()) for n, f in enumerate(files, start=1)
            ]
            return tuple(reports), fmt  # type: ignore[return-value]
    if content_type not in (JSON, ""):
        raise ApiError(
            415, "media_type", "请以 JSON 或 multipart/form-data 提交", "send JSON or multipart/form-data"
        )
    body = _parse(TrackRequest, await request.body())
    return tuple((r.filename, r.text) for r in body.reports), body.format


def _parse(model: type[_RequestT], body: bytes) -> _RequestT:
    """A JSON request body as its model, or a 422 naming the first bad field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(
            422,
            "bad_request",
            f"请求内容有误（{where}：{first['msg']}）",
            f"bad request ({where}: {first['msg']})",
        ) from None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def create_app(settings: Settings | None = None, api_settings: ApiSettings | None = None) -> FastAPI:
    """The API application; its worker processes start with the server (lifespan) and stop with it."""
    settings = settings or Settings.from_env()
    api_settings = api_settings or ApiSettings.from_env()
    api = _Api(settings, api_settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        api.pool.start()
        try:
            yield
        finally:
            await api.jobs.close()
            api.pool.close()

    app = FastAPI(
        title="summarizer",
        version=__version__,
        description="政府工作报告摘要与核验 / Summaries of Chinese government work reports, every claim checked",
        lifespan=lifespan,
    )
    app.state.api = api
    install_error_handlers(app)
    app.add_middleware(ApiMiddleware, metrics=api.metrics, max_body_bytes=api_settings.max_upload_bytes)
    app.include_router(build_router(api))
    return app
