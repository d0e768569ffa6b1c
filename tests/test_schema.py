"""The output contract: the committed JSON Schema is the models' schema, and it round-trips."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from summarizer.cli import main
from summarizer.schema import ReportSummary, Span
from tests.regen_golden import SCHEMA_PATH, schema_json


def test_committed_schema_equals_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json(), "run `make golden` and review the diff"


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(schema_json())
    assert printed["properties"]["schema_version"]["const"] == "1.0"


@pytest.mark.parametrize(
    ("text", "start", "end", "quote"),
    [("财政总收入5.2亿元", 5, 10, "5.2亿元"), ("ＧＤＰ", 0, 3, "ＧＤＰ"), ("", 0, 0, "")],
    ids=["figure", "full-width", "empty"],
)
def test_span_of_quotes_the_text(text: str, start: int, end: int, quote: str) -> None:
    span = Span.of(text, start, end)
    assert span.quote == quote and span.matches(text)


@pytest.mark.parametrize(
    ("start", "end"), [(-1, 2), (3, 2), (0, 99)], ids=["negative", "reversed", "past-end"]
)
def test_span_of_refuses_ranges_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        Span.of("财政总收入", start, end)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Span.model_validate({"start": 0, "end": 1, "quote": "a", "extra": 1})


def test_json_keeps_chinese_as_is() -> None:
    summary = ReportSummary.model_validate(
        {
            "source": {"sha256": "0" * 64, "chars": 2, "text": "报告"},
            "engine": {"name": "extractive"},
        }
    )
    assert "报告" in summary.to_json() and "\\u" not in summary.to_json()


def test_readme_provider_table_is_the_presets() -> None:
    from summarizer.engines.llm.presets import presets_markdown
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- presets:start -->")[1].split("<!-- presets:end -->")[0]
    assert table.strip() == presets_markdown().strip()
