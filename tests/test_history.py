"""history.py: the SQLite history of past summaries (tmp paths only)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from summarizer.config import Settings
from summarizer.errors import ConfigError, InputError
from summarizer.history import History
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
