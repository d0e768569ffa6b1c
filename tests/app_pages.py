"""What a Streamlit AppTest page shows, for tests that search it (the app's and the secrets')."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest


def every_text_in_page(at: AppTest, skip_key: str | None = None) -> str:
    """The protobuf of every element and block in the page, except the widget `skip_key`."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if skip_key is not None and getattr(node, "key", None) == skip_key:
            return
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(found)
