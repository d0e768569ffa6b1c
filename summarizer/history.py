"""History of past summaries: a small SQLite file the app lists and reopens.

Each row keeps the whole `ReportSummary` JSON (which carries the original
text, so a reopened summary can be shown and re-verified exactly) plus a few
columns for the list: place, date, engine, title.  Summarizing the same text
with the same engine and model again replaces the old row instead of piling
up copies.

Secrets never reach this file: a `ReportSummary` has no field for the API key
(the engine records only the model and the endpoint's host).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pydantic import ValidationError

from .errors import ConfigError, InputError
from .schema import ReportSummary

_SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    UNIQUE (sha256, engine, model)
)
"""


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
            connection.execute(_SCHEMA)
            connection.commit()
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"无法打开历史记录文件 {target}：{e}", f"cannot open the history file {target}: {e}"
            ) from e
        return cls(connection, target)

    def add(self, summary: ReportSummary) -> int:
        """Store a summary (replacing the same text + engine + model); returns its id."""
        meta = summary.meta
        row = (
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
                    "DELETE FROM summaries WHERE sha256 = ? AND engine = ? AND model = ?",
                    (row[1], row[2], row[3]),
                )
                cursor = self._db.execute(
                    "INSERT INTO summaries (created_at, sha256, engine, model, place, date, title, filename,"
                    " chars, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as e:
            raise ConfigError(
                f"无法写入历史记录 {self.path}：{e}", f"cannot write the history file {self.path}: {e}"
            ) from e
        if cursor.lastrowid is None:  # sqlite3 always sets it after an INSERT
            raise RuntimeError("SQLite did not return the new row id")
        return cursor.lastrowid

    def entries(self, limit: int = 50) -> list[HistoryEntry]:
        """The most recent entries first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created_at, place, date, engine, model, title, filename, chars"
                " FROM summaries ORDER BY created_at DESC, id DESC LIMIT ?",
                (limit,),
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

    def get(self, entry_id: int) -> ReportSummary:
        """The stored summary, exactly as it was saved."""
        with self._lock:
            row = self._db.execute("SELECT summary_json FROM summaries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise InputError(f"历史记录中没有第 {entry_id} 条", f"no history entry {entry_id}")
        try:
            return ReportSummary.model_validate_json(row[0])
        except ValidationError as e:
            raise InputError(
                f"历史记录第 {entry_id} 条已损坏或版本不符",
                f"history entry {entry_id} is corrupt or outdated",
            ) from e

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
