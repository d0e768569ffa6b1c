"""A small persistent key-value cache in one SQLite file.

Used to remember what is expensive to learn again: model answers (keyed by the
prompt version, model and input) and endpoint capabilities (which structured
output mode a (base URL, model) accepts).  Values are strings; callers
serialize.  Several threads of one process share a connection behind a lock,
several processes share the file through WAL journaling and short single-
statement transactions.  `Cache.open(None)` gives a disabled cache whose
methods do nothing, so callers never branch on "is caching on".

Nothing secret is ever stored: callers pass keys built from public parts, and
the client never puts the API key into a key or a value.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from types import TracebackType

from ...errors import ConfigError

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)
)
"""
# How long a writer waits for another process's transaction before giving up.
_BUSY_TIMEOUT_S = 5.0


class Cache:
    """A SQLite-backed cache; build it with `Cache.open(path)`."""

    def __init__(self, connection: sqlite3.Connection | None, path: str | None) -> None:
        self._connection = connection
        self._path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | None) -> Cache:
        """Open (creating if needed) the cache at `path`; None gives a disabled cache. Raises ConfigError."""
        if path is None:
            return cls(None, None)
        try:
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                Path(path).expanduser(),
                timeout=_BUSY_TIMEOUT_S,
                isolation_level=None,  # autocommit: every statement is its own short transaction
                check_same_thread=False,  # shared by threads, serialized by our lock
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"无法打开缓存文件 {path}：{e}（可设置 SUMMARIZER_CACHE=off 关闭缓存）",
                f"cannot open the cache file {path}: {e} (set SUMMARIZER_CACHE=off to disable caching)",
            ) from e
        return cls(connection, str(path))

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    @property
    def path(self) -> str | None:
        return self._path

    @staticmethod
    def key(*parts: str) -> str:
        """A fixed-length key from several parts: sha256 of their JSON list, so ("ab", "c") != ("a", "bc")."""
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()

    def get(self, namespace: str, key: str) -> str | None:
        """The stored value, or None (also when disabled or the file cannot be read)."""
        if self._connection is None:
            return None
        try:
            with self._lock:
                row = self._connection.execute(
                    "SELECT value FROM cache WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
        except sqlite3.Error as e:
            logger.warning("cache read failed, treated as a miss: %s", e)
            return None  # a cache miss is always a safe answer
        return None if row is None else str(row[0])

    def put(self, namespace: str, key: str, value: str) -> None:
        """Store (or replace) a value.  A write that fails (disk full, file locked too long) is skipped."""
        if self._connection is None:
            return
        try:
            with self._lock:
                self._connection.execute(
                    "INSERT OR REPLACE INTO cache (namespace, key, value, created_at) VALUES (?, ?, ?, ?)",
                    (namespace, key, value, time.time()),
                )
        except sqlite3.Error as e:
            # Caching is an optimisation: losing one entry must not fail a summary.
            logger.warning("cache write skipped: %s", e)

    def close(self) -> None:
        if self._connection is None:
            return
        with self._lock:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cache({self._path!r})" if self.enabled else "Cache(disabled)"
