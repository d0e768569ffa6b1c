"""The model's own token count of a report, asked of a local llama.cpp-style server once per run.

Our counts (`count_tokens`, tiktoken cl100k) put Chinese at about twice what
Qwen's tokenizer does, so a report that fits a local model's context looks as if
it did not, and a serial run cuts it in chunks plus a digest for nothing.  For a
serial endpoint the engine asks the server itself:

    POST {root}/tokenize {"content": text}               llama.cpp server     -> {"tokens": [...]}
    POST {root}/extras/tokenize/count {"input": text}    llama-cpp-python     -> {"count": n}
    GET  {root}/props                                    llama.cpp server     -> n_ctx of a slot

where `root` is the base URL without its trailing /v1.  Any failure (no such
route, a timeout, another kind of server) gives None and the plan keeps our own
count; the log says which.  Never used for a parallel (remote) provider.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from ...config import Settings
from ...text.sentences import count_tokens

__all__ = ["ModelTokens", "measure_tokens", "server_root"]

logger = logging.getLogger(__name__)

TOKENIZE_TIMEOUT = 20.0  # seconds; a CPU server tokenizes 20,000 characters in well under one


@dataclass(frozen=True)
class ModelTokens:
    """One text counted twice: by the model's tokenizer and by ours; and the server's context, if it said."""

    model: int
    ours: int
    context: int | None  # n_ctx from /props, in the model's tokens
    route: str  # the route that answered, for the log

    @property
    def ours_per_model(self) -> float:
        """Our tokens per model token (about 2 for Chinese on Qwen); 1.0 for an empty text."""
        return self.ours / self.model if self.model > 0 and self.ours > 0 else 1.0


def server_root(base_url: str) -> str:
    """The server's root: the base URL without a trailing /v1."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def measure_tokens(settings: Settings, text: str, *, timeout: float = TOKENIZE_TIMEOUT) -> ModelTokens | None:
    """The model's count of `text` from the server, or None (logged) when the server cannot say."""
    if settings.base_url is None or settings.effective_strategy != "serial":
        return None
    headers = {}
    if settings.api_key is not None:  # a llama.cpp server started with --api-key wants it on every route
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    root = server_root(settings.base_url)
    try:
        with httpx.Client(base_url=root, headers=headers, timeout=timeout) as http:
            counted = _count(http, text, settings.model)
            if counted is None:
                logger.info(
                    "token count: the server at %s has no tokenize route; using cl100k", _host(settings)
                )
                return None
            model, route = counted
            context = _context(http)
    except (httpx.HTTPError, ValueError) as e:  # ValueError: a body that is not JSON
        logger.info("token count: asking %s failed (%s); using cl100k", _host(settings), type(e).__name__)
        return None
    measured = ModelTokens(model=model, ours=count_tokens(text), context=context, route=route)
    logger.info(
        "token count: %d model tokens (%s) for %d cl100k tokens; server context %s",
        measured.model,
        route,
        measured.ours,
        context if context is not None else "not given",
    )
    return measured


def _count(http: httpx.Client, text: str, model: str | None) -> tuple[int, str] | None:
    reply = http.post("/tokenize", json={"content": text})
    if reply.status_code == 200:
        tokens = _json(reply).get("tokens")
        if isinstance(tokens, list) and (tokens or not text):
            return len(tokens), "/tokenize"
    payload: dict[str, Any] = {"input": text}
    if model:
        payload["model"] = model
    reply = http.post("/extras/tokenize/count", json=payload)
    if reply.status_code == 200:
        count = _json(reply).get("count")
        if isinstance(count, int) and count >= 0 and (count or not text):
            return count, "/extras/tokenize/count"
    return None


def _context(http: httpx.Client) -> int | None:
    """n_ctx per slot from llama.cpp's /props (newer servers also give it at the top level), or None."""
    try:
        reply = http.get("/props")
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    data = _json(reply)
    settings = data.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    n_ctx = n_ctx if n_ctx is not None else data.get("n_ctx")
    return n_ctx if isinstance(n_ctx, int) and n_ctx >= 1024 else None


def _json(reply: httpx.Response) -> dict[str, Any]:
    data = reply.json()
    return data if isinstance(data, dict) else {}


def _host(settings: Settings) -> str:
    return settings.base_url_host or "the endpoint"
