"""Known OpenAI-compatible endpoints: where they live, a model to start with, the JSON mode that suits them.

The README's provider table is generated from `PRESETS` by `presets_markdown()`,
so documentation and code cannot drift apart.  A preset is only a suggestion:
any OpenAI-compatible base URL works, and `json_mode="auto"` finds the right
mode by itself (see `modes`).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Preset:
    """A known endpoint: where it lives, a model to start with, the JSON mode that works best there."""

    name: str
    label: str
    base_url: str
    example_model: str
    json_mode: str
    needs_key: bool


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("openai", "OpenAI", DEFAULT_BASE_URL, "gpt-4o-mini", "json_schema", True),
        Preset("deepseek", "DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat", "json_object", True),
        Preset(
            "qwen",
            "Qwen (DashScope)",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "qwen-plus",
            "json_object",
            True,
        ),
        Preset(
            "moonshot",
            "Moonshot (Kimi)",
            "https://api.moonshot.cn/v1",
            "moonshot-v1-32k",
            "json_object",
            True,
        ),
        Preset(
            "zhipu", "Zhipu (GLM)", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash", "json_object", True
        ),
        Preset("ollama", "Ollama", "http://localhost:11434/v1", "qwen2.5:7b", "json_schema", False),
        Preset("vllm", "vLLM", "http://localhost:8000/v1", "Qwen/Qwen2.5-7B-Instruct", "json_schema", False),
        Preset(
            "llamacpp",
            "llama.cpp server",
            "http://localhost:8080/v1",
            "qwen2.5-7b-instruct",
            "json_object",
            False,
        ),
    )
}


def presets_markdown() -> str:
    """The README table of known endpoints, generated from PRESETS."""
    lines = [
        "| Provider | OPENAI_BASE_URL | SUMMARIZER_MODEL (example) | SUMMARIZER_JSON_MODE | API key |",
        "|---|---|---|---|---|",
    ]
    for p in PRESETS.values():
        key = "OPENAI_API_KEY" if p.needs_key else "not needed"
        lines.append(f"| {p.label} | `{p.base_url}` | `{p.example_model}` | `{p.json_mode}` | {key} |")
    return "\n".join(lines) + "\n"
