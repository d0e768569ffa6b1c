"""Sections: the report's heading tree, in clean coordinates.

headings (markers 一、 (一) 一是 1. ①, titles and kinds) ─► heading_tree (nesting)
─► split ─► SectionNode list, document order;  lookup: the section holding a position
"""

from .lookup import SectionIndex
from .split import SectionNode, find_problem_paragraphs, sections_of_text, split_sections

__all__ = ["SectionIndex", "SectionNode", "find_problem_paragraphs", "sections_of_text", "split_sections"]
