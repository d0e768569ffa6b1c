"""Indicator concepts: which standard indicator an extracted name stands for (`concepts.toml`).

Reports name one indicator many ways (地区生产总值, 全区生产总值, GDP and 国内生产总值 are
one) and two indicators alike (一般公共预算收入 is not 财政总收入).  The catalogue, kept as
data, lists each concept's aliases, base units and role; `concept_of(name, unit)` gives
the concept of an indicator, or None.  Matching is conservative, whole names only:

    "区本级固定资产投资", 亿元          -> 固定资产投资      (scope words 全区, 区本级, 年末… off)
    "城镇登记失业率控制到", %           -> 城镇登记失业率    (verbs 控制到, 达到, 完成… off)
    "城镇居民人均可支配收入增长", %     -> 城镇居民人均可支配收入增速  (a level's growth)
    "居民消费价格涨幅", %               -> 居民消费价格涨幅
    "地区生产总值", 人                  -> None              (the unit does not fit)
    "财政收入", 亿元                    -> None              (not one concept: general budget or total?)
    "国内生产总值年均增长", %           -> None              (an average over years is not the year's growth)

A level stated with its change ("地区生产总值282亿元，增长11%") is the level's concept;
its change belongs to `Concept.growth` (tracking reads both).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Literal, cast

from .units import split_unit

__all__ = ["Concept", "ConceptRole", "catalogue", "concept_of", "split_name"]

ConceptRole = Literal["level", "rate", "share"]
_ROLES: frozenset[str] = frozenset({"level", "rate", "share"})
_KEYS = frozenset({"id", "en", "role", "units", "aliases", "growth", "growth_aliases", "ceiling", "related"})


@dataclass(frozen=True)
class Concept:
    id: str
    en: str
    role: ConceptRole
    units: frozenset[str]  # base units (`units.split_unit`)
    aliases: tuple[str, ...]
    growth: str | None = None  # the id of this level's growth-rate concept
    growth_of: str | None = None  # the level concept this growth rate is of
    ceiling: bool = False  # a target is a most, not a least
    related: tuple[str, ...] = ()  # the same thing counted on another basis


# Words before a name that only say where or when: 全区地区生产总值, 区本级固定资产投资, 年末…
_SCOPE = re.compile(
    r"^(?:全[区市县旗省州盟镇乡国]|[区市县旗]本级|本级|全年|年末|年内|当年|今年|去年|上年|"
    r"我[区市县旗省镇乡]|再|要|将|力争|确保|继续|实现|完成|累计|其中|预计|共)+"
)
# Words after a name that say what happened to it: 控制到, 达到, 预期目标拟定…
_PREDICATE = re.compile(
    r"(?:分别|预期|目标|拟定|定为|定|为|达到|达|完成|实现|突破|超过|控制在|控制到|控制|保持在|保持|"
    r"回落到|回落至|下降到|降到|降至|降低到|提高到|提升到|增加到|增至|上升到|上升至|由|从|同比|"
    r"比上年|较上年|实际|名义|都要|要|将|继续|水平|了|总计|合计)$"
)
_CHANGE_VERB = re.compile(r"(?:增长|增速|增幅|增加|提高|提升|上升|下降|降低|减少|回落|下滑)$")
_SPACES = re.compile(r"\s+")


_MIN_CORE = 3  # "再就业" is not "就业": what is left must still be a name


def _strip(name: str) -> str:
    """`name` without scope words before it and predicates after it."""
    core = _SPACES.sub("", name).replace("实现", "")  # "城镇失业人员实现再就业"
    while True:
        shorter = core
        for pattern in (_SCOPE, _PREDICATE):
            cut = pattern.sub("", shorter)
            if len(cut) >= _MIN_CORE:
                shorter = cut
        if shorter == core:
            return core
        core = shorter


@lru_cache(maxsize=8192)
def split_name(name: str) -> tuple[str, str | None]:
    """(the name's core, the change verb it ends with): "区本级固定资产投资同比增长" -> ("固定资产投资", "增长")."""
    core = _strip(name)
    verb = _CHANGE_VERB.search(core)
    if verb is None or verb.start() == 0:
        return core, None
    return _strip(core[: verb.start()]), verb.group()


def _concept(entry: dict[str, object]) -> Concept:
    unknown = set(entry) - _KEYS
    role = entry.get("role")
    if unknown or role not in _ROLES or not isinstance(entry.get("id"), str):
        raise ValueError(f"concepts.toml: bad entry {entry.get('id')!r} ({sorted(unknown)} / role {role!r})")
    aliases = entry.get("aliases", [])
    units = entry.get("units", [])
    related = entry.get("related", [])
    growth = entry.get("growth")
    if not (isinstance(aliases, list) and isinstance(units, list) and isinstance(related, list)):
        raise ValueError(f"concepts.toml: aliases, units and related of {entry['id']!r} must be lists")
    return Concept(
        id=str(entry["id"]),
        en=str(entry.get("en", "")),
        role=cast(ConceptRole, role),  # checked against _ROLES above
        units=frozenset(str(u) for u in units),
        aliases=tuple(str(a) for a in aliases),
        growth=str(growth) if growth else None,
        ceiling=bool(entry.get("ceiling", False)),
        related=tuple(str(r) for r in related),
    )


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Concept]:
    """Every concept by id, the growth concepts of levels included (read once per process)."""
    data = tomllib.loads(files(__package__).joinpath("concepts.toml").read_text(encoding="utf-8"))
    concepts: dict[str, Concept] = {}
    for entry in data.get("concept", []):
        concept = _concept(entry)
        if concept.id in concepts:
            raise ValueError(f"concepts.toml: {concept.id!r} twice")
        concepts[concept.id] = concept
        if concept.growth:
            extra = entry.get("growth_aliases", [])
            concepts[concept.growth] = Concept(
                id=concept.growth,
                en=f"{concept.en} growth",
                role="rate",
                units=frozenset({"%"}),
                aliases=tuple(str(a) for a in extra),
                growth_of=concept.id,
            )
    for concept in concepts.values():
        missing = [r for r in concept.related if r not in concepts]
        if missing:
            raise ValueError(f"concepts.toml: {concept.id!r} is related to unknown {missing}")
    return concepts


@lru_cache(maxsize=1)
def _by_alias() -> dict[str, Concept]:
    index: dict[str, Concept] = {}
    for concept in catalogue().values():
        for alias in (concept.id, *concept.aliases):
            key = _strip(alias)
            other = index.get(key)
            if other is not None and other.id != concept.id:
                raise ValueError(f"concepts.toml: alias {alias!r} of both {other.id!r} and {concept.id!r}")
            index[key] = concept
    return index


@lru_cache(maxsize=8192)
def concept_of(name: str, unit: str | None) -> str | None:
    """The concept an indicator of this name and unit is, or None when none fits for sure."""
    base = split_unit(unit)[0]
    if base is None:
        return None
    index = _by_alias()
    whole = index.get(_strip(name))
    if whole is not None:
        return whole.id if base in whole.units else None
    core, verb = split_name(name)
    if verb is None or base != "%":
        return None
    concept = index.get(core)
    if concept is None:
        return None
    if concept.role != "level":
        return concept.id  # "能源消耗强度下降3.7%", "居民消费价格上涨2.6%"
    return concept.growth  # "地区生产总值增长11%"
