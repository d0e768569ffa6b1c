"""The layers of docs/ARCHITECTURE.md, enforced: who may import what."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_PATHS

PACKAGE = ROOT / "summarizer"
LLM_MODULES = {
    "llm_client",
    "llm_modes",
    "llm_failures",
    "llm_presets",
    "engines.llm",
    "engines.llm_answer",
    "engines.llm_prompts",
}
RULE_BASED = [
    "ingest",
    "normalize",
    "offsets",
    "sections",
    "headings",
    "heading_tree",
    "sentences",
    "chunks",
    "units",
    "names",
    "projects",
    "numbers",
    "facts",
    "meta",
    "ranking",
    "engines.extractive",
]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    """Top-level names imported by a module; our own modules as 'summarizer.<name>'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package_parts = ["summarizer", *module.split(".")[:-1]]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                found.add(target)
                if not node.module:
                    found.update(f"{target}.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(node.module)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_no_streamlit_in_the_library(path: Path) -> None:
    assert not any(name.split(".")[0] == "streamlit" for name in _imports(path))


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_only_llm_modules_import_openai(path: Path) -> None:
    if _module_name(path) in LLM_MODULES:
        return
    assert not any(name.split(".")[0] == "openai" for name in _imports(path))


def test_schema_imports_nothing_of_ours() -> None:
    assert not any(name.startswith("summarizer") for name in _imports(PACKAGE / "schema.py"))


@pytest.mark.parametrize("module", RULE_BASED)
def test_rule_based_stages_never_reach_the_llm(module: str) -> None:
    path = PACKAGE / (module.replace(".", "/") + ".py")
    ours = {name.removeprefix("summarizer.") for name in _imports(path) if name.startswith("summarizer")}
    assert not ours & LLM_MODULES


def test_offline_run_loads_neither_openai_nor_streamlit() -> None:
    code = (
        "import sys, summarizer\n"
        f"summarizer.summarize({str(SEED_PATHS[0])!r})\n"
        "print(sorted(m for m in ('openai', 'streamlit') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_package_verify_is_the_api_function_even_after_the_stage_loads() -> None:
    import summarizer
    import summarizer.verification  # the stage module, as summarize() loads it
    from summarizer import verify

    assert callable(verify) and verify.__module__ == "summarizer.pipeline"
    assert summarizer.verify is verify
