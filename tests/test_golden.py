"""End-to-end golden files: the offline output of each seed is what was reviewed.

Regenerate only with `make golden`, and review the diff.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tests.conftest import SEED_PATHS
from tests.regen_golden import golden_json, golden_path


@pytest.mark.parametrize("seed", SEED_PATHS, ids=[p.name[:3] for p in SEED_PATHS])
def test_seed_output_matches_golden(seed: Path) -> None:
    expected_path = golden_path(seed)
    assert expected_path.exists(), f"no golden file for {seed.name}: run `make golden`"
    expected = expected_path.read_text(encoding="utf-8")
    actual = golden_json(seed)
    if actual != expected:
        diff = "\n".join(
            list(
                difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "now", lineterm="")
            )[:60]
        )
        pytest.fail(
            f"output of {seed.name} differs from its golden file (run `make golden` if intended):\n{diff}"
        )
    json.loads(actual)  # and it is valid JSON
