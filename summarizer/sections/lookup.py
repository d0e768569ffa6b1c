"""The section tree by position: which section holds a point of the clean text.

The one answer to "the deepest section containing this position", for the facts
(an indicator's period and kind follow its section), the extractive engine and
the LLM engine's assembly (a claim belongs to the section its evidence is in).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from .split import SectionNode

__all__ = ["SectionIndex"]


class SectionIndex:
    """Sections (all of a report's, or any subset) looked up by clean position."""

    def __init__(self, nodes: Sequence[SectionNode]) -> None:
        self.nodes = sorted(nodes, key=lambda node: (node.start, node.level))  # pre-order
        self.starts = [node.start for node in self.nodes]
        self.by_id = {node.id: node for node in self.nodes}
        self._chain_of: dict[str, list[SectionNode]] = {}

    def deepest(self, pos: int | None) -> SectionNode | None:
        """The innermost section containing `pos`: the last one starting at or before it, or its ancestor.

        Ancestors are climbed through the index; one missing from it (a subset
        of the tree) is passed over by stepping back in document order.
        """
        if pos is None:
            return None
        index = bisect.bisect_right(self.starts, pos) - 1
        while index >= 0:
            node: SectionNode | None = self.nodes[index]
            while node is not None and not node.start <= pos < node.end:
                node = self.by_id.get(node.parent_id) if node.parent_id else None
            if node is not None:
                return node
            index -= 1
        return None

    def chain(self, pos: int) -> list[SectionNode]:
        """The deepest node containing `pos` and its ancestors in the index, innermost first."""
        node = self.deepest(pos)
        if node is None:
            return []
        if node.id not in self._chain_of:
            out = []
            ancestor: SectionNode | None = node
            while ancestor is not None:
                out.append(ancestor)
                ancestor = self.by_id.get(ancestor.parent_id) if ancestor.parent_id else None
            self._chain_of[node.id] = out
        return self._chain_of[node.id]
