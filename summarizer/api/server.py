"""`summarizer serve`: the host check, then uvicorn.

With no tokens configured anyone who can reach the server may use it, so it then
listens on loopback only: another host is refused with one line (exit 2).
One server process holds the LLM jobs in memory; the CPU work runs in its
worker processes (`--workers`).  More capacity: more replicas, each its own jobs.
"""

from __future__ import annotations

import ipaddress

from ..config import ApiSettings, Settings
from ..errors import ConfigError


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, api_settings: ApiSettings) -> None:
    """ConfigError when the server would listen beyond loopback without tokens."""
    if not api_settings.tokens and not is_loopback(host):
        raise ConfigError(
            f"未配置访问令牌（SUMMARIZER_API_TOKENS），只能监听本机地址，不能监听 {host}",
            f"no access tokens configured (SUMMARIZER_API_TOKENS): listening on {host} is refused, "
            "only on loopback (127.0.0.1)",
            code="no_tokens",
        )


def serve(
    settings: Settings,
    api_settings: ApiSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
) -> None:
    """Run the API until interrupted (blocks)."""
    import uvicorn

    from .app import create_app

    check_host(host, api_settings)
    uvicorn.run(
        create_app(settings, api_settings),
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
