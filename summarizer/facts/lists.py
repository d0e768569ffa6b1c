"""Parallel lists: one subject, several members, each with its own value.

"一、二、三产增加值分别增长4%、8%、6%左右" states three indicators, not one
named "三产增加值分别增长".  `list_members` splits the shared subject into its
members and gives each the words they share:

    "一、二、三产增加值"                -> 第一产业增加值, 第二产业增加值, 第三产业增加值
    "单位国内生产总值用水量、能耗、二氧化碳排放量"
                                       -> 单位国内生产总值用水量, 单位国内生产总值能耗,
                                          单位国内生产总值二氧化碳排放量   (the first's modifier)
    "二氧化硫、氮氧化物排放量"           -> 二氧化硫排放量, 氮氧化物排放量   (the last's head noun)
    "城乡居民人均可支配收入" (2 values)  -> 城镇居民人均可支配收入, 农村居民人均可支配收入

Where the head and the modifier lie is read with jieba's dictionary (rjieba),
loaded only when a report has such a list.
"""

from __future__ import annotations

import re

from ..text.words import segmenter

__all__ = ["list_members"]

_JOINERS = re.compile(r"[、和与及]")
_ORDINAL_SECTORS = {"一产": "第一产业", "二产": "第二产业", "三产": "第三产业"}
_NUMERALS = "一二三四五六七八九"
# A member that already names a quantity keeps its own head ("化学需氧量、氨氮排放量").
_QUANTITY_END = re.compile(r"[量率值额数比重]$|收入$|产值$|指数$|面积$|规模$")
_SHORT = 4


def _words(term: str) -> list[str]:
    return [w for w in segmenter().cut(term) if w.strip()]


def list_members(subject: str, count: int) -> list[str]:
    """The members of a listed subject, each named in full; [subject] when it lists nothing."""
    if count == 2 and subject.startswith("城乡") and len(subject) > 2 and not _JOINERS.search(subject):
        rest = subject[2:]
        return [f"城镇{rest}", f"农村{rest}"]
    parts = [p for p in _JOINERS.split(subject) if p]
    if len(parts) < 2:
        return [subject]
    last = parts[-1]
    members: list[str] = []
    if all(len(p) == 1 and p in _NUMERALS for p in parts[:-1]) and last[:1] in _NUMERALS:
        members = [p + last[1:] for p in parts[:-1]] + [last]  # 一、二、三产增加值
    elif len(parts[0]) > _SHORT and any(len(p) <= _SHORT for p in parts[1:]):
        words = _words(parts[0])
        prefix = "".join(words[:-1]) if len(words) > 1 else ""
        members = [parts[0]] + [p if p.startswith(prefix) else prefix + p for p in parts[1:]]
    elif all(len(p) <= _SHORT and not _QUANTITY_END.search(p) for p in parts[:-1]):
        words = _words(last)
        head = words[-1] if len(words) > 1 else ""
        members = [p if p.endswith(head) else p + head for p in parts[:-1]] + [last]
    else:
        members = parts
    return [_spelled_out(m) for m in members]


def _spelled_out(member: str) -> str:
    for short, full in _ORDINAL_SECTORS.items():
        if member.startswith(short):
            return full + member[len(short) :]
    return member
