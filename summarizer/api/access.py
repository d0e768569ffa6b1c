"""Who may call: bearer tokens compared in constant time, and a request rate per token.

A caller is known by a short hash of its token (`Caller.key`), never by the token:
the key owns jobs, counts toward the rate limit and is all that is kept.  With no
tokens configured every caller is the same anonymous one, and the server only
listens on loopback (`server.check_host`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ..config import ApiSettings
from ..errors import ConfigError
from .errors import ApiError

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    key: str  # "anonymous", or "t-" and 16 hex digits of the token's sha256


def token_key(token: str) -> str:
    return "t-" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class Access:
    """Checks the Authorization header and the caller's rate."""

    def __init__(self, settings: ApiSettings) -> None:
        self._tokens = [t.get_secret_value().encode("utf-8") for t in settings.tokens]
        self._rate = _parse_rate(settings.rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage()) if self._rate is not None else None

    @property
    def open(self) -> bool:
        """No tokens configured: anyone who can reach the (loopback) server may call."""
        return not self._tokens

    def caller(self, authorization: str | None) -> Caller:
        """The caller of `Authorization: Bearer <token>`; 401 without a token or with a wrong one."""
        if self.open:
            return Caller(ANONYMOUS)
        scheme, _, given = (authorization or "").partition(" ")
        offered = given.strip().encode("utf-8")
        # Every token is compared, each in constant time: the time taken tells nothing of which matched.
        matched = False
        for token in self._tokens:
            matched |= hmac.compare_digest(token, offered)
        if scheme.lower() != "bearer" or not offered or not matched:
            raise ApiError(
                401,
                "unauthorized",
                "缺少或无效的访问令牌（Authorization: Bearer <令牌>）",
                "missing or invalid access token (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Caller(token_key(offered.decode("utf-8")))

    def count(self, caller: Caller) -> None:
        """One request of `caller`; 429 with Retry-After when over its rate."""
        if self._limiter is None or self._rate is None:
            return
        if self._limiter.hit(self._rate, caller.key):
            return
        reset_at, _ = self._limiter.get_window_stats(self._rate, caller.key)
        wait = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"请求过于频繁，请 {wait} 秒后再试",
            f"too many requests; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def _parse_rate(rate: str) -> RateLimitItem | None:
    if rate.strip().lower() in ("off", "none", "0", ""):
        return None
    try:
        return parse(rate)
    except ValueError:
        raise ConfigError(
            f"请求速率设置无效：{rate}（例如 600/minute）", f"invalid rate: {rate} (e.g. 600/minute)"
        ) from None
