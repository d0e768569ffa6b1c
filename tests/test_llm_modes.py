"""Structured-output modes: request payloads per mode, and tolerant parsing of JSON answers."""

from __future__ import annotations

from typing import Any

import pytest

from summarizer.engines.llm.modes import (
    LADDER,
    build_request,
    parse_json_object,
    schema_prompt,
    with_schema_instruction,
)
from summarizer.errors import LLMBadOutput

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param('{"a": 1}', {"a": 1}, id="plain"),
        pytest.param('  \n{"a": 1}\n', {"a": 1}, id="whitespace"),
        pytest.param('```json\n{"a": 1}\n```', {"a": 1}, id="json-fence"),
        pytest.param('```\n{"a": 1}\n```', {"a": 1}, id="bare-fence"),
        pytest.param('好的，结果如下：\n```json\n{"a": 1}\n```\n以上。', {"a": 1}, id="fence-with-prose"),
        pytest.param('结果：{"a": 1}', {"a": 1}, id="prose-before"),
        pytest.param('{"a": 1}\n希望对您有帮助。', {"a": 1}, id="prose-after"),
        pytest.param('{"a": 1} {"a": 2}', {"a": 1}, id="two-objects-first-wins"),
        pytest.param('<think>先想想 {"a": 0}</think>\n{"a": 1}', {"a": 1}, id="think-block"),
        pytest.param('{"a": {"b": [1, "}"]}}', {"a": {"b": [1, "}"]}}, id="nested-brace-in-string"),
        pytest.param('{"摘要": "生产总值83.98亿元"}', {"摘要": "生产总值83.98亿元"}, id="chinese"),
    ],
)
def test_parse_json_object_tolerates_wrapping(raw: str, expected: dict[str, Any]) -> None:
    assert parse_json_object(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("抱歉，我无法完成。", id="prose"),
        pytest.param("[1, 2]", id="array"),
        pytest.param("42", id="number"),
        pytest.param("null", id="null"),
        pytest.param('{"a": 1, "b": ', id="cut-object"),
        pytest.param('{"a": {"b": 1}, "c": ', id="cut-object-with-whole-inner-object"),
        pytest.param("```json\n[1]\n```", id="fenced-array"),
    ],
)
def test_parse_json_object_rejects_what_is_not_one_object(raw: str) -> None:
    with pytest.raises(LLMBadOutput) as caught:
        parse_json_object(raw)
    assert caught.value.raw_output == raw


@pytest.mark.parametrize("mode", LADDER)
def test_every_mode_sets_model_and_max_tokens_and_keeps_the_user_message(mode: str) -> None:
    messages = [{"role": "user", "content": "请总结。"}]
    request = build_request(
        mode,  # type: ignore[arg-type]
        model="m",
        messages=messages,
        schema=SCHEMA,
        schema_name="answer",
        max_tokens=77,
    )
    assert request["model"] == "m" and request["max_tokens"] == 77
    # json_object appends the schema instruction after the user's words; the others send them as they are.
    assert request["messages"][-1]["content"].startswith(messages[0]["content"])
    assert (request["messages"][-1] == messages[0]) == (mode != "json_object")
    assert "temperature" not in request  # reasoning models reject anything but their default


def test_schema_instruction_goes_last_so_the_system_prompt_stays_a_shared_prefix() -> None:
    messages = [{"role": "system", "content": "你是助手。"}, {"role": "user", "content": "问"}]
    result = with_schema_instruction(messages, SCHEMA)
    assert len(result) == 2 and result[0] == messages[0]  # the system part is the same for every schema
    assert result[1]["content"].startswith("问") and schema_prompt().system in result[1]["content"]
    assert '"required":["a"]' in result[1]["content"]
    assert messages[1]["content"] == "问"  # the caller's list is not modified
