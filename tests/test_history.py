"""history.py: the SQLite history of past summaries (tmp paths only)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from summarizer.config import Settings
from summarizer.errors import ConfigError, InputError
from summarizer.history import LOCAL_OWNER, History, choose_scope, is_loopback_address
from tests.conftest import assert_spans_match
from tests.test_render import SAMPLE_TEXT, make_summary


def test_add_list_get_round_trip(tmp_path: Path) -> None:
    summary = make_summary()
    with History.open(tmp_path / "h.sqlite3") as history:
        entry_id = history.add(summary)
        (entry,) = history.entries()
        assert (entry.id, entry.place, entry.date, entry.engine) == (
            entry_id,
            "青石镇",
            "2024-01-05",
            "extractive",
        )
        assert entry.chars == len(SAMPLE_TEXT)
        reopened = history.get(entry_id)
    assert reopened == summary
    assert assert_spans_match(reopened.source.text, reopened.all_spans()) > 0


def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "h.sqlite3"
    with History.open(path) as history:
        entry_id = history.add(make_summary())
    with History.open(path) as history:
        assert history.get(entry_id).meta.place is not None


def test_same_text_and_engine_replaces_the_old_entry(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        history.add(make_summary())
        history.add(make_summary())
        assert len(history.entries()) == 1
        other = make_summary(SAMPLE_TEXT + "附件\n", filename="other.txt")
        history.add(other)
        entries = history.entries()
        assert len(entries) == 2
        assert entries[0].filename == "other.txt", "most recent first"


def test_a_different_model_is_a_new_entry(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        history.add(make_summary())
        llm = make_summary()
        llm.engine.name = "llm"
        llm.engine.model = "qwen2.5:7b"
        history.add(llm)
        labels = [e.label for e in history.entries()]
    assert len(labels) == 2
    assert labels[0].startswith("青石镇 · 2024-01-05 · llm/qwen2.5:7b · ")


def test_limit_keeps_the_newest(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        ids = [history.add(make_summary(SAMPLE_TEXT + str(i))) for i in range(5)]
        assert [e.id for e in history.entries(limit=3)] == sorted(ids, reverse=True)[:3]
        with pytest.raises(InputError, match="no history entry"):
            history.get(max(ids) + 1)


def test_corrupt_row_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path) as history:
        entry_id = history.add(make_summary())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE summaries SET summary_json = '{\"bad\": 1}' WHERE id = ?", (entry_id,))
    with History.open(path) as history, pytest.raises(InputError) as info:
        history.get(entry_id)
    assert "corrupt" in info.value.line and "损坏" in info.value.line


def test_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot open the history file") as info:
        History.open(blocker / "h.sqlite3")
    assert "无法打开历史记录文件" in info.value.line


def test_history_is_shared_safely_between_threads(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history, ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda i: history.add(make_summary(SAMPLE_TEXT + str(i))), range(40)))
        listed = list(pool.map(lambda _: len(history.entries(limit=100)), range(20)))
        assert len(set(ids)) == 40
        assert len(history.entries(limit=100)) == 40
        assert all(0 < n <= 40 for n in listed)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"SUMMARIZER_HISTORY": "/data/h.db"}, Path("/data/h.db"), id="explicit"),
        pytest.param({"XDG_CACHE_HOME": "/c"}, Path("/c/summarizer/history.sqlite3"), id="xdg-cache"),
        pytest.param(
            {"SUMMARIZER_HISTORY": "  "}, Path.home() / ".cache/summarizer/history.sqlite3", id="blank"
        ),
        pytest.param({}, Path.home() / ".cache/summarizer/history.sqlite3", id="default"),
    ],
)
def test_history_path(env: dict[str, str], expected: Path) -> None:
    assert Settings.from_env(env).history == str(expected)


# ---------------------------------------------------------------- owners


ALICE, BOB = "session:alice-token", "user:bob@example.org"


def test_an_owner_lists_and_opens_only_its_own_entries(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        alices = history.add(make_summary(), owner=ALICE)
        bobs = history.add(make_summary(SAMPLE_TEXT + "附件\n", filename="bob.txt"), owner=BOB)
        assert [e.id for e in history.entries(owner=ALICE)] == [alices]
        assert [e.id for e in history.entries(owner=BOB)] == [bobs]
        assert history.entries() == [], "the shared history holds neither"
        assert history.get(bobs, owner=BOB).source.filename == "bob.txt"
        for entry_id, stranger in ((bobs, ALICE), (alices, BOB), (alices, LOCAL_OWNER)):
            with pytest.raises(InputError, match=f"no history entry {entry_id}"):
                history.get(entry_id, owner=stranger)


def test_the_same_text_of_two_owners_is_two_entries(tmp_path: Path) -> None:
    # Replacing "the same text + engine + model" must never delete another owner's row.
    with History.open(tmp_path / "h.sqlite3") as history:
        first = history.add(make_summary(), owner=ALICE)
        history.add(make_summary(), owner=BOB)
        history.add(make_summary(), owner=BOB)
        assert [e.id for e in history.entries(owner=ALICE)] == [first]
        assert len(history.entries(owner=BOB)) == 1


def test_old_session_rows_are_dropped_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path) as history:
        stale = history.add(make_summary(), owner=ALICE)
        fresh = history.add(make_summary(), owner="session:another")
        mine = history.add(make_summary(), owner=LOCAL_OWNER)
        users = history.add(make_summary(), owner=BOB)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE summaries SET created_at = ? WHERE id IN (?, ?, ?)", (two_days_ago, stale, mine, users)
        )
    with History.open(path) as history:
        assert history.drop_old_session_rows() == 1
        assert history.entries(owner=ALICE) == []
        assert [e.id for e in history.entries(owner="session:another")] == [fresh]
        assert [e.id for e in history.entries()] == [mine]
        assert [e.id for e in history.entries(owner=BOB)] == [users]


OLD_SCHEMA = """
CREATE TABLE summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, sha256 TEXT NOT NULL,
    engine TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', place TEXT, date TEXT, title TEXT,
    filename TEXT, chars INTEGER NOT NULL, summary_json TEXT NOT NULL, UNIQUE (sha256, engine, model)
)
"""


def test_a_file_from_before_owners_is_migrated_into_the_shared_history(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    summary = make_summary()
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        db.execute(
            "INSERT INTO summaries (created_at, sha256, engine, model, place, date, title, filename, chars,"
            " summary_json) VALUES ('2026-01-02T03:04:05+00:00', ?, 'extractive', '', '青石镇', '2024-01-05',"
            " NULL, NULL, ?, ?)",
            (summary.source.sha256, summary.source.chars, summary.to_json(indent=None)),
        )
    db.close()
    with History.open(path) as history:
        (entry,) = history.entries()
        assert (entry.place, entry.created_at) == ("青石镇", "2026-01-02T03:04:05+00:00")
        assert history.get(entry.id) == summary
        assert history.entries(owner=ALICE) == []
        history.add(make_summary(), owner=ALICE)  # the old unique key would refuse this row
        assert len(history.entries(owner=ALICE)) == 1
    with History.open(path) as history:  # opening again migrates nothing twice
        assert len(history.entries()) == 1
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()
    assert "summaries_v0" not in tables


# ---------------------------------------------------------------- which scope


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("LocalHost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        (None, False),
        ("192.168.1.20", False),
        ("app.example.org", False),
    ],
)
def test_loopback_addresses(address: str | None, loopback: bool) -> None:
    assert is_loopback_address(address) is loopback


@pytest.mark.parametrize(
    ("setting", "loopback", "proxied", "signed_in", "scope"),
    [
        pytest.param("auto", True, False, False, "shared", id="local-default"),
        pytest.param("auto", False, False, False, "session", id="beyond-loopback"),
        pytest.param("auto", True, True, False, "session", id="loopback-behind-a-proxy"),
        pytest.param("auto", False, False, True, "user", id="signed-in"),
        pytest.param("auto", True, False, True, "user", id="signed-in-locally"),
        pytest.param("shared", False, True, True, "shared", id="setting-shared-wins"),
        pytest.param("session", True, False, True, "session", id="setting-session-wins"),
        pytest.param("user", True, False, True, "user", id="setting-user"),
    ],
)
def test_choose_scope(setting: str, loopback: bool, proxied: bool, signed_in: bool, scope: str) -> None:
    assert choose_scope(setting, loopback=loopback, proxied=proxied, signed_in=signed_in) == scope  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"), [("", "auto"), ("session", "session"), (" User ", "user"), ("SHARED", "shared")]
)
def test_history_scope_setting(value: str, expected: str) -> None:
    assert Settings.from_env({"SUMMARIZER_HISTORY_SCOPE": value}).history_scope == expected


def test_unknown_history_scope_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="history_scope"):
        Settings.from_env({"SUMMARIZER_HISTORY_SCOPE": "everyone"})
