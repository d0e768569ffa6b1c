"""The layers of docs/ARCHITECTURE.md, enforced: who may import what, no cycles, and what each package exports."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_PATHS

PACKAGE = ROOT / "summarizer"

# Bottom to top.  A module may import from its own unit and from any unit below it.
# A unit is a subpackage (all its modules) or a top-level module.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "schema"),
    ("config",),
    ("text",),
    ("sections",),
    ("facts",),
    ("verification",),
    ("engines.base",),
    ("engines",),
    ("engines.extractive",),
    ("engines.llm",),
    ("render", "history"),
    ("pipeline",),
    ("batch",),
    ("tracking",),
    ("api",),
    ("cli",),
    ("__main__", ""),  # "" is the package itself (summarizer/__init__.py)
]
LAYER_OF = {unit: n for n, units in enumerate(LAYERS) for unit in units}
# The only module that may import openai; the LLM engine's modules; the offline stages.
OPENAI_MODULE = "engines.llm.client"
RULE_BASED_UNITS = ("text", "sections", "facts", "verification", "engines.base", "engines.extractive")


def _module_name(path: Path) -> str:
    """`facts.numbers` for summarizer/facts/numbers.py, `facts` for its __init__, "" for the package's."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports_of(source: str, module: str, *, is_package: bool) -> frozenset[str]:
    """Every name a module imports, at any depth (functions, TYPE_CHECKING too); ours as 'summarizer.<name>'."""
    package_parts = ["summarizer", *(module.split(".") if module else [])]
    if not is_package:
        package_parts = package_parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from . import x` and `from .pkg import module` name modules too
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return frozenset(found)


@cache
def _imports(path: Path) -> frozenset[str]:
    return _imports_of(path.read_text(encoding="utf-8"), _module_name(path), is_package=_is_package(path))


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = {_module_name(p): p for p in MODULES}


def _ours(imports: frozenset[str]) -> set[str]:
    """The modules and packages of ours among `imports`, as module names ("facts.numbers", "facts")."""
    out = set()
    for name in imports:
        if name == "summarizer" or name.startswith("summarizer."):
            inner = name.removeprefix("summarizer").lstrip(".")
            if inner in NAMES:
                out.add(inner)
    return out


def _unit(module: str) -> str:
    """The unit a module belongs to: its subpackage (the longest one in LAYER_OF), or itself."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in LAYER_OF:
            return candidate
    return module


def _graph() -> dict[str, set[str]]:
    """Import edges between our modules, with the packages a module enters on the way.

    `from ..facts.numbers import X` runs `summarizer/facts/__init__.py` first, so an
    edge goes to "facts" as well, unless the importer is inside that package.
    """
    edges: dict[str, set[str]] = {}
    for name, path in NAMES.items():
        targets = set()
        for target in _ours(_imports(path)):
            parts = target.split(".")
            for n in range(1, len(parts) + 1):
                prefix = ".".join(parts[:n])
                inside = name == prefix or name.startswith(prefix + ".")
                if prefix in NAMES and (prefix == target or not inside):
                    targets.add(prefix)
        targets.discard(name)
        edges[name] = targets
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_inside_the_package() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    """The check above could not fail if this did not: a two-module and a three-module cycle."""
    edges = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "a"}, "f": {"a"}}
    assert sorted(_cycles(edges)) == [["a", "b"], ["c", "d", "e"]]


def test_every_module_has_a_layer() -> None:
    assert [name for name in NAMES if _unit(name) not in LAYER_OF] == []


def _upward(module: str, imports: frozenset[str]) -> list[str]:
    """What `module` imports from its own layer or above, outside its own unit."""
    unit = _unit(module)
    return [
        target
        for target in sorted(_ours(imports))
        if _unit(target) != unit and LAYER_OF[_unit(target)] >= LAYER_OF[unit]
    ]


@pytest.mark.parametrize("module", sorted(NAMES), ids=lambda m: m or "summarizer")
def test_imports_point_down_the_layers(module: str) -> None:
    assert _upward(module, _imports(NAMES[module])) == [], f"{module or 'summarizer'} imports upward"


def test_the_layer_check_sees_upward_and_sideways_imports() -> None:
    """The check reads relative imports right, lazy ones too: a fact module may not reach the pipeline."""
    source = (
        "from __future__ import annotations\n"
        "from . import units\n"
        "from ..text.sentences import split_sentences\n"
        "def late():\n"
        "    from ..pipeline import summarize\n"
        "    from ..verification import check\n"
    )
    imports = _imports_of(source, "facts.numbers", is_package=False)
    assert _upward("facts.numbers", imports) == ["pipeline", "verification", "verification.check"]
    assert _upward("pipeline", imports) == []


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) or "summarizer" for p in MODULES])
def test_no_streamlit_in_the_library(path: Path) -> None:
    assert not any(name.split(".")[0] == "streamlit" for name in _imports(path))


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) or "summarizer" for p in MODULES])
def test_only_the_client_imports_openai(path: Path) -> None:
    imports_openai = any(name.split(".")[0] == "openai" for name in _imports(path))
    assert imports_openai == (_module_name(path) == OPENAI_MODULE)


def test_schema_and_errors_import_nothing_of_ours() -> None:
    for name in ("schema", "errors"):
        assert not any(n.startswith("summarizer") for n in _imports(NAMES[name])), name


@pytest.mark.parametrize("module", [m for m in sorted(NAMES) if _unit(m) in RULE_BASED_UNITS])
def test_rule_based_stages_never_reach_the_llm(module: str) -> None:
    assert not any(target.startswith("engines.llm") for target in _ours(_imports(NAMES[module])))


def test_offline_run_loads_neither_openai_nor_streamlit() -> None:
    code = (
        "import sys, summarizer\n"
        f"summarizer.summarize({str(SEED_PATHS[0])!r})\n"
        "import summarizer.batch.pool\n"
        "print(sorted(m for m in ('openai', 'streamlit') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_package_verify_is_the_api_function_even_after_the_stage_loads() -> None:
    import summarizer
    import summarizer.verification  # the stage package, as summarize() loads it
    from summarizer import verify

    assert callable(verify) and verify.__module__ == "summarizer.pipeline"
    assert summarizer.verify is verify


# ---------------------------------------------------------------- exported members (as httpx checks its own)

PACKAGES = sorted(name for name, path in NAMES.items() if _is_package(path) and name)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_subpackage_exports_exactly_its_public_names(package: str) -> None:
    """`__all__` lists every public name the package's namespace holds (submodules aside), sorted."""
    module = importlib.import_module(f"summarizer.{package}")
    public = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    # isort's order: CONSTANTS, then Classes, then functions
    assert module.__all__ == sorted(public, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert len(module.__all__) == len(set(module.__all__))


def test_the_package_exports_what_it_lists() -> None:
    import summarizer

    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None, name
    assert sorted(summarizer.__all__) == sorted(summarizer._EXPORTS)


@pytest.mark.parametrize(
    "path", [p for p in MODULES if not _is_package(p) and p.name != "__main__.py"], ids=_module_name
)
def test_a_module_all_names_only_what_it_has(path: Path) -> None:
    module = importlib.import_module(f"summarizer.{_module_name(path)}")
    listed = getattr(module, "__all__", [])
    assert [name for name in listed if not hasattr(module, name)] == []
    assert len(listed) == len(set(listed))
