"""The report files a batch reads: files, directories and globs, lazily and each once."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import Settings
from ..text.ingest import INPUT_SUFFIXES, Document

_GLOB_CHARS = re.compile(r"[*?\[]")


def iter_input_paths(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The report files named by `inputs`, lazily and each once.

    A file is taken whatever its suffix (the user named it); a directory is
    walked recursively for the files ingest reads (`INPUT_SUFFIXES`: .txt .text .md
    .docx .pdf .html .htm), in sorted order; a glob
    (`reports/**/*.txt`) is expanded here too, for shells that do not.  A name
    that matches nothing is yielded as is, so that it becomes an error line
    rather than silently vanishing.
    """
    seen: set[Path] = set()

    def first_time(path: Path) -> bool:
        key = path.resolve()
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in inputs:
        given = Path(raw)
        if given.is_file():
            if first_time(given):
                yield given
        elif given.is_dir():
            yield from (p for p in _walk(given) if first_time(p))
        elif _GLOB_CHARS.search(str(raw)):
            for match in glob.iglob(str(raw), recursive=True):
                path = Path(match)
                if path.is_dir():
                    yield from (p for p in _walk(path) if first_time(p))
                elif path.is_file() and first_time(path):
                    yield path
        elif first_time(given):
            yield given


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in INPUT_SUFFIXES:
                yield Path(root) / name


def load(path: Path, settings: Settings) -> Document:
    """The original text of a report file (raises InputError), named by its file name."""
    from ..pipeline import load as load_source

    return load_source(path, settings)
