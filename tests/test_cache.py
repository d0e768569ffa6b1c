"""The SQLite cache: round trips, persistence, the disabled cache, threads and processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from summarizer.engines.llm.cache import Cache
from summarizer.errors import ConfigError


def write_many(path: str, prefix: str, count: int) -> None:
    """Worker for the multi-process test (module level so a spawned process can import it)."""
    cache = Cache.open(path)
    for i in range(count):
        cache.put("proc", f"{prefix}-{i}", f"value {prefix} {i}")
    cache.close()


def process_class() -> type[BaseProcess]:
    """fork where the platform has it (quick); spawn elsewhere, which imports `write_many` from here."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork").Process
    return multiprocessing.get_context("spawn").Process


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    opened = Cache.open(str(tmp_path / "cache.sqlite3"))
    yield opened
    opened.close()


def test_put_then_get_round_trips_unicode(cache: Cache) -> None:
    cache.put("llm", "k1", '{"摘要": "2024年地区生产总值83.98亿元"}')
    assert cache.get("llm", "k1") == '{"摘要": "2024年地区生产总值83.98亿元"}'
    assert cache.enabled


def test_missing_key_and_other_namespace_are_misses(cache: Cache) -> None:
    cache.put("llm", "k1", "a")
    assert cache.get("llm", "k2") is None
    assert cache.get("capabilities", "k1") is None


def test_put_replaces_the_previous_value(cache: Cache) -> None:
    cache.put("capabilities", "endpoint", "json_schema")
    cache.put("capabilities", "endpoint", "json_object")
    assert cache.get("capabilities", "endpoint") == "json_object"


def test_values_survive_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "nested" / "dir" / "cache.sqlite3")  # parent directories are created
    with Cache.open(path) as first:
        first.put("llm", "k", "v")
    with Cache.open(path) as second:
        assert second.get("llm", "k") == "v"


def test_uses_wal_journaling(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    Cache.open(str(path)).close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [row[1] for row in raw.execute("PRAGMA table_info(cache)")]
    assert columns == ["namespace", "key", "value", "created_at"]


def test_disabled_cache_does_nothing() -> None:
    disabled = Cache.open(None)
    disabled.put("llm", "k", "v")
    assert disabled.get("llm", "k") is None
    assert not disabled.enabled and disabled.path is None
    assert repr(disabled) == "Cache(disabled)"
    disabled.close()


def test_a_closed_cache_behaves_as_disabled(tmp_path: Path) -> None:
    closed = Cache.open(str(tmp_path / "c.sqlite3"))
    closed.put("llm", "k", "v")
    closed.close()
    assert closed.get("llm", "k") is None and not closed.enabled
    closed.put("llm", "k2", "v")  # no error


@pytest.mark.parametrize(
    ("parts_a", "parts_b"),
    [
        pytest.param(("ab", "c"), ("a", "bc"), id="boundaries-matter"),
        pytest.param(("prompt-v1", "model"), ("prompt-v2", "model"), id="any-part-matters"),
        pytest.param(("a",), ("a", ""), id="count-matters"),
    ],
)
def test_keys_differ_when_parts_differ(parts_a: tuple[str, ...], parts_b: tuple[str, ...]) -> None:
    assert Cache.key(*parts_a) != Cache.key(*parts_b)


def test_key_is_a_stable_sha256_hex() -> None:
    key = Cache.key("http://127.0.0.1:8080/v1", "qwen2.5:7b")
    assert key == Cache.key("http://127.0.0.1:8080/v1", "qwen2.5:7b")
    assert len(key) == 64 and int(key, 16) >= 0


@pytest.mark.parametrize("kind", ["directory", "not-a-database"])
def test_unusable_path_is_a_config_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "cache.sqlite3"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not an SQLite file, just some bytes " * 100)
    with pytest.raises(ConfigError, match="SUMMARIZER_CACHE=off"):
        Cache.open(str(path))


def test_many_threads_share_one_cache(cache: Cache) -> None:
    threads = 8
    start_together = threading.Barrier(threads)

    def work(thread: int) -> list[tuple[str, str | None]]:
        """Write 50 values, reading each back at once; returns the (key, value read) that were wrong."""
        start_together.wait()
        wrong = []
        for i in range(50):
            key, value = f"{thread}-{i}", str(thread * 1000 + i)
            cache.put("threads", key, value)
            got = cache.get("threads", key)
            if got != value:
                wrong.append((key, got))
        return wrong

    # The workers only report; the main thread asserts (an assert in a worker is lost: pytest only warns).
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, t) for t in range(threads)]
        wrong = [bad for future in futures for bad in future.result()]  # re-raises a worker's exception
    assert wrong == [], "a thread did not read back what it had just written"
    assert all(
        cache.get("threads", f"{t}-{i}") == str(t * 1000 + i) for t in range(threads) for i in range(50)
    )


def test_several_processes_write_the_same_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    Cache.open(path).close()
    workers = [process_class()(target=write_many, args=(path, f"p{n}", 100)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    with Cache.open(path) as cache:
        assert all(cache.get("proc", f"p{n}-{i}") == f"value p{n} {i}" for n in range(3) for i in range(100))
