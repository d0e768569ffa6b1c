"""History of past summaries: a small SQLite file the app lists and reopens.

Each row keeps the whole `ReportSummary` JSON (which carries the original
text, so a reopened summary can be shown and re-verified exactly) plus a few
columns for the list: place, date, engine, title.  Summarizing the same text
with the same engine and model again replaces the old row instead of piling
up copies.

Every row has an owner, and an owner lists and opens only its own rows.  Whose
history the app keeps is its scope (`choose_scope`):

    shared   one history for everyone who opens the page: the local single-user
             default (owner "", which rows written before owners existed also get)
    session  one per browser session (owner "session:<random token>"): the default
             when the server listens beyond loopback or is reached through a proxy
    user     one per signed-in user (owner "user:oidc:<email or subject>" or "user:password:<name>"):
             the default when sign-in (OIDC through `st.login`, or the shared app password) is on

Secrets never reach this file: a `ReportSummary` has no field for the API key
(the engine records only the model and the endpoint's host).
"""

from __future__ import annotations

import ipaddress
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Literal

from pydantic import ValidationError

from .config import HistoryScopeSetting
from .errors import ConfigError, InputError
from .schema import ReportSummary

HistoryScope = Literal["shared", "session", "user"]
# The owner of the shared (local single-user) history, and of every row older than owners.
LOCAL_OWNER = ""
SESSION_PREFIX = "session:"
USER_PREFIX = "user:"
# Rows of a browser session nobody can reach once the session is gone: dropped after this long.
SESSION_ROWS_KEPT = timedelta(days=1)

# Version 1 added `owner` (and made it part of the unique key).
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    place TEXT,
    date TEXT,
    title TEXT,
    filename TEXT,
    chars INTEGER NOT NULL,
    summary_json TEXT NOT NULL,
    UNIQUE (owner, sha256, engine, model)
)
"""
_COLUMNS = "created_at, sha256, engine, model, place, date, title, filename, chars, summary_json"


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an older file up to `_SCHEMA_VERSION`: its rows become the shared history's.

    SQLite cannot change a table's unique key in place, so the table is copied
    into a new one, in one transaction.
    """
    db.execute("BEGIN IMMEDIATE")  # DDL too: the copy is all or nothing, and one process migrates
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] < _SCHEMA_VERSION:
            columns = {row[1] for row in db.execute("PRAGMA table_info(summaries)")}
            if columns and "owner" not in columns:
                db.execute("ALTER TABLE summaries RENAME TO summaries_v0")
                db.execute(_SCHEMA)
                db.execute(
                    f"INSERT INTO summaries (owner, {_COLUMNS}) SELECT '', {_COLUMNS} FROM summaries_v0"
                )
                db.execute("DROP TABLE summaries_v0")
            else:
                db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        db.commit()
    except BaseException:
        db.rollback()
        raise


def is_loopback_address(address: str | None) -> bool:
    """Whether a server bound to `address` is reachable from this machine only.

    Unset or empty means every interface (Streamlit's default `server.address`),
    so not loopback; "localhost" is; a host name other than that is not known to be.
    """
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def choose_scope(
    setting: HistoryScopeSetting, *, loopback: bool, proxied: bool, signed_in: bool
) -> HistoryScope:
    """Whose history the app keeps: the setting, else per user when signed in, per session when shared.

    `proxied`: the request came through a reverse proxy (a forwarding header),
    so a server on loopback is still reached from elsewhere.
    """
    if setting != "auto":
        return setting
    if signed_in:
        return "user"
    if proxied or not loopback:
        return "session"
    return "shared"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history list (the summary itself is loaded with `History.get`)."""

    id: int
    created_at: str
    place: str | None
    date: str | None
    engine: str
    model: str | None
    title: str | None
    filename: str | None
    chars: int

    @property
    def label(self) -> str:
        """A short line for a list: place · date · engine · when."""
        place = self.place or self.title or self.filename or "未知地点"
        engine = f"{self.engine}/{self.model}" if self.model else self.engine
        return f"{place} · {self.date or '日期不详'} · {engine} · {self.created_at[:16].replace('T', ' ')}"


class History:
    """The SQLite history.  Open with `History.open(path)`; usable as a context manager.

    One object may serve several threads (the app shares it between sessions):
    every statement runs under a lock.  A path that cannot be written is a
    `ConfigError` (`SUMMARIZER_HISTORY` points somewhere wrong).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> History:
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(target, check_same_thread=False)
            _migrate(connection)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"无法打开历史记录文件 {target}：{e}", f"cannot open the history file {target}: {e}"
            ) from e
        return cls(connection, target)

    def add(self, summary: ReportSummary, owner: str = LOCAL_OWNER) -> int:
        """Store a summary of `owner` (replacing its same text + engine + model); returns its id."""
        meta = summary.meta
        row = (
            owner,
            datetime.now(UTC).isoformat(timespec="seconds"),
            summary.source.sha256,
            summary.engine.name,
            summary.engine.model or "",
            meta.place.value if meta.place else None,
            meta.date.value if meta.date else None,
            meta.title.value if meta.title else None,
            summary.source.filename,
            summary.source.chars,
            summary.to_json(indent=None),
        )
        try:
            with self._lock, self._db:
                self._db.execute(
                    "DELETE FROM summaries WHERE owner = ? AND sha256 = ? AND engine = ? AND model = ?",
                    (row[0], row[2], row[3], row[4]),
                )
                cursor = self._db.execute(
                    f"INSERT INTO summaries (owner, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as e:
            raise ConfigError(
                f"无法写入历史记录 {self.path}：{e}", f"cannot write the history file {self.path}: {e}"
            ) from e
        if cursor.lastrowid is None:  # sqlite3 always sets it after an INSERT
            raise RuntimeError("SQLite did not return the new row id")
        return cursor.lastrowid

    def entries(self, limit: int = 50, owner: str = LOCAL_OWNER) -> list[HistoryEntry]:
        """The most recent entries of `owner` first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created_at, place, date, engine, model, title, filename, chars"
                " FROM summaries WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                (owner, limit),
            ).fetchall()
        return [
            HistoryEntry(
                id=r[0],
                created_at=r[1],
                place=r[2],
                date=r[3],
                engine=r[4],
                model=r[5] or None,
                title=r[6],
                filename=r[7],
                chars=r[8],
            )
            for r in rows
        ]

    def get(self, entry_id: int, owner: str = LOCAL_OWNER) -> ReportSummary:
        """The stored summary, exactly as it was saved; another owner's entry is as good as missing."""
        with self._lock:
            row = self._db.execute(
                "SELECT summary_json FROM summaries WHERE id = ? AND owner = ?", (entry_id, owner)
            ).fetchone()
        if row is None:
            raise InputError(f"历史记录中没有第 {entry_id} 条", f"no history entry {entry_id}")
        try:
            return ReportSummary.model_validate_json(row[0])
        except ValidationError as e:
            raise InputError(
                f"历史记录第 {entry_id} 条已损坏或版本不符",
                f"history entry {entry_id} is corrupt or outdated",
            ) from e

    def drop_old_session_rows(self, kept: timedelta = SESSION_ROWS_KEPT) -> int:
        """Delete rows of browser sessions older than `kept` (no one can list them again); returns how many."""
        cutoff = (datetime.now(UTC) - kept).isoformat(timespec="seconds")
        try:
            with self._lock, self._db:
                cursor = self._db.execute(
                    "DELETE FROM summaries WHERE owner LIKE ? AND created_at < ?",
                    (SESSION_PREFIX + "%", cutoff),
                )
        except sqlite3.Error as e:
            raise ConfigError(
                f"无法写入历史记录 {self.path}：{e}", f"cannot write the history file {self.path}: {e}"
            ) from e
        return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
