"""Regenerate fixtures/golden/: `make golden`, then review the diff before committing.

The golden files are the offline engine's whole output for each seed report,
with the run time zeroed; tests/test_golden.py compares against them.
"""

from __future__ import annotations

import json
from pathlib import Path

from summarizer import Settings, summarize
from summarizer.schema import ReportSummary
from tests.conftest import FIXTURES, SEED_PATHS

GOLDEN_DIR = FIXTURES / "golden"
SCHEMA_PATH = FIXTURES / "report_summary.schema.json"


def schema_json() -> str:
    return json.dumps(ReportSummary.model_json_schema(), ensure_ascii=False, indent=2) + "\n"


def golden_json(path: Path) -> str:
    summary = summarize(path, Settings(engine="extractive", cache=None))
    data = summary.model_dump(mode="json")
    data["engine"]["elapsed_s"] = 0.0
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def golden_path(seed: Path) -> Path:
    return GOLDEN_DIR / (seed.stem + ".json")


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(schema_json(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.relative_to(FIXTURES.parent)}")
    for seed in SEED_PATHS:
        golden_path(seed).write_text(golden_json(seed), encoding="utf-8")
        print(f"wrote {golden_path(seed).relative_to(FIXTURES.parent)}")


if __name__ == "__main__":
    main()
