"""Units, scales and qualifiers of figures: what "亿元", "万亩" and "以上" mean.

A report writes its figures in its own units ("83.98亿元", "4.2万亩"); comparing
them needs one base unit per kind of quantity.  `split_unit` turns a unit as
written into (base unit, factor): "亿元" -> ("元", 1e8), "公里" -> ("米", 1e3),
"万" -> (None, 1e4).  Units are never converted across kinds: 亩 stays 亩, %
stays %, and 百分点 is not %.  `qualifier_meaning` groups qualifiers that say
the same thing (余 and 多, 以上 and 不低于).
"""

from __future__ import annotations

from functools import lru_cache

# Units that are not a scale word in front of another unit.  A base unit maps to
# (the unit it is compared in, factor).  千瓦/千米/千克 are units of their own,
# not 千 × 瓦.
BASE_UNITS: dict[str, tuple[str, float]] = {
    "%": ("%", 1.0),
    "‰": ("%", 0.1),
    "百分点": ("百分点", 1.0),
    "个百分点": ("百分点", 1.0),
    "倍": ("倍", 1.0),
    "元": ("元", 1.0),
    "美元": ("美元", 1.0),
    "亩": ("亩", 1.0),
    "公顷": ("平方米", 1e4),
    "平方公里": ("平方米", 1e6),
    "平方米": ("平方米", 1.0),
    "平米": ("平方米", 1.0),
    "立方米": ("立方米", 1.0),
    "公里": ("米", 1e3),
    "千米": ("米", 1e3),
    "米": ("米", 1.0),
    "吨": ("吨", 1.0),
    "公斤": ("公斤", 1.0),
    "千克": ("公斤", 1.0),
    "斤": ("斤", 1.0),
    "千瓦时": ("千瓦时", 1.0),
    "千瓦": ("千瓦", 1.0),
    "周年": ("周年", 1.0),
    "年": ("年", 1.0),
    "个月": ("月", 1.0),
    "天": ("天", 1.0),
    "小时": ("小时", 1.0),
    "岁": ("岁", 1.0),
    "人次": ("人次", 1.0),
    "人": ("人", 1.0),
    "名": ("人", 1.0),  # 40名学子 are 40人
}
# Units of durations and ages: a figure in one says how long, not how much of an item ("五年来").
DURATION_UNITS = frozenset({"年", "个月", "天", "小时", "周", "周年", "岁"})
# Measure words of counts: each is compared as itself.
_COUNT_WORDS = (
    "个家户名件项座条所批次对套间栋处台辆艘头只株棵场届支张份组宗起例篇部种类口眼盏根块片位班轮期床层周册"
)
for _word in _COUNT_WORDS:
    BASE_UNITS.setdefault(_word, (_word, 1.0))

# Scale words, longest first so that 千万 wins over 千.
_SCALES: dict[str, float] = {
    "万亿": 1e12,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
}

# Qualifiers that mean the same thing, for `same_qualifier`.
_QUALIFIER_MEANING: dict[str, str] = {
    "余": "more",
    "多": "more",
    "几": "more",
    "超过": "above",
    "超": "above",
    "逾": "above",
    "突破": "above",
    "高于": "above",
    "多于": "above",
    "以上": "at_least",
    "不低于": "at_least",
    "不少于": "at_least",
    "至少": "at_least",
    "以内": "at_most",
    "以下": "at_most",
    "不超过": "at_most",
    "不高于": "at_most",
    "不足": "below",
    "低于": "below",
    "少于": "below",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
    "约": "about",
    "大约": "about",
    "左右": "about",
}


@lru_cache(maxsize=1024)  # units are few and short; verification compares figures by them thousands of times
def split_unit(unit: str | None) -> tuple[str | None, float]:
    """(base unit, factor) of a unit as written: "亿元" -> ("元", 1e8), "万" -> (None, 1e4).

    A unit we do not know is compared as itself.
    """
    if not unit:
        return None, 1.0
    if unit in BASE_UNITS:
        return BASE_UNITS[unit]
    for scale, factor in _SCALES.items():
        if unit.startswith(scale):
            rest = unit[len(scale) :]
            if not rest:
                return None, factor
            base, inner = split_unit(rest)
            return base, factor * inner
    if "/" in unit:  # 元/亩: a rate, compared as written
        return unit, 1.0
    return unit, 1.0


def unit_scale(unit: str | None) -> float:
    """The factor that turns a value in `unit` into its base unit (1.0 for base units)."""
    return split_unit(unit)[1]


def qualifier_meaning(qualifier: str | None) -> str | None:
    """What a qualifier says, so that synonyms compare equal: 余 and 多 -> "more"."""
    return None if qualifier is None else _QUALIFIER_MEANING.get(qualifier, qualifier)
