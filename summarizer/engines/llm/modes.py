"""Structured-output modes: how a JSON answer is requested, and how it is read back.

Endpoints differ in how they can be made to answer with JSON, so the client
climbs a ladder of three modes and remembers the first one an endpoint accepts:

    json_schema   response_format json_schema, strict: the server enforces the schema (OpenAI, vLLM, Ollama)
    json_object   response_format json_object, plus the schema in the system prompt and as
                  response_format.schema, which llama.cpp's server uses to constrain decoding
                  (left out again for servers that refuse unknown fields)
    tools         one function whose parameters are the schema, forced by tool_choice

This module only builds request payloads and parses answer text; it knows
nothing of HTTP (and does not import `openai`), so it is tested with plain data.
Models wrap JSON in ```json fences, prefix it with a <think> block or a
sentence, or add a remark after it: `parse_json_object` tolerates all of that
but insists on exactly one JSON *object*.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ...errors import LLMBadOutput
from .prompts import PromptTemplate, load_prompt

Mode = Literal["json_schema", "json_object", "tools"]
LADDER: tuple[Mode, ...] = ("json_schema", "json_object", "tools")


def schema_prompt() -> PromptTemplate:
    """prompts/schema_v1.md: the instruction that precedes the JSON Schema in json_object mode."""
    return load_prompt("schema_v1", ("system",))


# Reasoning models (DeepSeek-R1, Qwen3 via Ollama…) may put their thoughts before the answer.
_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def with_schema_instruction(messages: list[dict[str, str]], schema: dict[str, Any]) -> list[dict[str, str]]:
    """The messages with the schema instruction appended to the last one (a user message).

    json_object mode only promises *some* JSON object; the schema in the prompt is
    what tells the model which one.  OpenAI also requires the word "JSON" in the
    messages for this mode, which the instruction contains.  It goes last, not into
    the system message, so that the system message and the report stay a prefix
    shared by every call and its re-asks (a server's prefix cache reuses them).
    """
    instruction = (
        schema_prompt().system + "\n" + json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    )
    if messages and messages[-1].get("role") == "user":
        last = {**messages[-1], "content": f"{messages[-1].get('content', '')}\n\n{instruction}"}
        return [*messages[:-1], last]
    return [*messages, {"role": "user", "content": instruction}]


def build_request(
    mode: Mode,
    *,
    model: str,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    schema_name: str,
    max_tokens: int,
    schema_in_response_format: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of `chat.completions.create` for one mode.

    `schema_in_response_format` adds the schema to json_object's response_format, a non-standard
    field that llama.cpp uses to constrain decoding; strict servers refuse it, so it can be left out.
    """
    # No temperature: reasoning models reject any value but the default, and a 400 here would be
    # mistaken for a rejected response_format.
    request: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
    if mode == "json_schema":
        request["messages"] = messages
        request["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": schema, "strict": True},
        }
    elif mode == "json_object":
        request["messages"] = with_schema_instruction(messages, schema)
        request["response_format"] = {"type": "json_object"}
        if schema_in_response_format:
            request["response_format"]["schema"] = schema
    else:
        request["messages"] = messages
        request["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": schema_name,
                    "description": "Return the answer as the arguments of this function.",
                    "parameters": schema,
                },
            }
        ]
        request["tool_choice"] = {"type": "function", "function": {"name": schema_name}}
    return request


def parse_json_object(raw: str) -> dict[str, Any]:
    """The one JSON object in a model's answer, tolerating fences and text around it.

    >>> parse_json_object('好的：\\n```json\\n{"a": 1}\\n```\\n以上。')
    {'a': 1}

    Raises LLMBadOutput (with `raw_output`) when there is no parseable JSON, or the JSON is not an object.
    """
    text = _THINK_BLOCK.sub("", raw).strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = _first_object(text)
    if not isinstance(value, dict):
        kind = "nothing parseable" if value is None else type(value).__name__
        raise LLMBadOutput(
            f"模型的回答不是一个 JSON 对象（{kind}）",
            f"the model's answer is not a JSON object ({kind})",
            raw_output=raw,
        )
    return value


def _first_object(text: str) -> dict[str, Any] | None:
    """The JSON object starting at the first "{", skipping prose before it and ignoring anything after.

    Only the first brace is tried: when that object is cut or broken, a later brace is
    usually one of its inner objects, and returning that fragment would be worse than failing.
    """
    start = text.find("{")
    if start == -1:
        return None
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
