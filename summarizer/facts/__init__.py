"""Facts: what the rules read off the text, each with its span in the original.

numbers (figures: value, unit, qualifier; units: scales) ─► indicators (name, value,
change, kind, period; names: the indicator's name) and projects ─► Facts;  meta: place,
date, meeting, speaker
"""

from .indicators import Facts, extract_facts
from .meta import extract_meta
from .numbers import Figure, find_figures, same_qualifier, same_quantity

__all__ = [
    "Facts",
    "Figure",
    "extract_facts",
    "extract_meta",
    "find_figures",
    "same_qualifier",
    "same_quantity",
]
