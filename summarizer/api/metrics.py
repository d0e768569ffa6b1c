"""GET /metrics (Prometheus text format), and the outermost middleware of the API.

The middleware times and counts every request by its route's path template
(`/v1/jobs/{job_id}`, so job ids do not make new series), refuses a body over
the size limit with 413, and turns a bug that escapes a route into the generic
500 body (logged once, with its traceback, never sent).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HTTP_MESSAGES, ApiError, internal_error
from .pool import PoolStats

log = logging.getLogger("summarizer.api")
_TOO_LARGE = HTTP_MESSAGES[413]


class Metrics:
    """One registry per app (not the process-wide default), so two apps in one process do not clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "summarizer_api_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "summarizer_api_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
        self.jobs = Counter("summarizer_api_jobs", "LLM jobs ended, by status", ["status"], registry=r)
        self.jobs_started = Counter("summarizer_api_jobs_started", "LLM jobs accepted", registry=r)
        self.jobs_running = Gauge("summarizer_api_jobs_running", "LLM jobs queued or running", registry=r)
        self.llm_calls = Counter("summarizer_api_llm_calls", "model calls made by jobs", registry=r)
        self.llm_tokens = Counter("summarizer_api_llm_tokens", "model tokens", ["kind"], registry=r)

    def watch_pool(self, stats: Callable[[], PoolStats]) -> None:
        """Export the worker pool's own counts, read when scraped."""
        self.registry.register(_PoolCollector(stats))

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _PoolCollector(Collector):
    def __init__(self, stats: Callable[[], PoolStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats()
        yield CounterMetricFamily(
            "summarizer_api_pool_rejected", "requests refused with 503: workers busy", value=stats.rejected
        )
        yield CounterMetricFamily(
            "summarizer_api_worker_crashes", "worker processes that died", value=stats.crashes
        )
        yield GaugeMetricFamily(
            "summarizer_api_pool_running", "tasks in the worker processes", value=stats.running
        )
        yield GaugeMetricFamily(
            "summarizer_api_pool_waiting", "tasks waiting for a worker", value=stats.waiting
        )


class ApiMiddleware:
    """Pure ASGI: counting and timing, the body size limit, and the last line of defence against tracebacks."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_counted(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            # A body sent without Content-Length (chunked) is counted as it comes.  The route reading
            # it gets an HTTPException (FastAPI passes those on; it would turn others into a 400).
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413)
            return message

        try:
            if (_content_length(scope) or 0) > self.max_body_bytes:
                await _send_error(send_counted, ApiError(413, *_TOO_LARGE))
                return
            await self.app(scope, receive_limited, send_counted)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not response_started:
                await _send_error(send_counted, internal_error())
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope.get("method", ""), path, str(status)).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _send_error(send: Send, error: ApiError) -> None:
    body = json.dumps({"error": error.detail.model_dump()}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
