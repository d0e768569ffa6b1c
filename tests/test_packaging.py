"""The wheel: what `pip install .` puts on a machine must run without the repository beside it.

Built offline (no build isolation, the dev environment's setuptools) from a copy of
the files a build reads, then installed into a bare target directory and imported
from there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

PROMPTS = sorted(p.name for p in (ROOT / "prompts").glob("*.md"))


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def test_the_wheel_ships_the_prompts_and_the_llm_engine_finds_them(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("summarizer", "prompts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist, site = tmp_path / "dist", tmp_path / "site"
    _pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist), str(source))
    (wheel,) = dist.glob("summarizer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert PROMPTS and {f"summarizer/prompts/{name}" for name in PROMPTS} <= names
    assert "summarizer/verification/lexicon.toml" in names, "the checker's report language ships as data"
    assert "summarizer/facts/concepts.toml" in names, "the indicator catalogue ships as data"
    assert not any(name.startswith(("tests/", "fixtures/", "prompts/")) for name in names)

    _pip("install", "--quiet", "--no-deps", "--target", str(site), str(wheel))
    check = (
        "from summarizer.engines.llm.prompts import PROMPTS_DIR, load_prompt\n"
        f"for name in {[Path(n).stem for n in PROMPTS]!r}: load_prompt(name, None)\n"
        "from summarizer.verification.lexicon import lexicon\n"
        "assert lexicon().evaluative\n"
        "from summarizer.facts.concepts import catalogue\n"
        "assert len(catalogue()) >= 40\n"
        "print(PROMPTS_DIR)\n"
    )
    # From an empty directory with the target first on the path: the repository is nowhere in sight.
    done = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()) == site / "summarizer" / "prompts"
