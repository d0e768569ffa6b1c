"""Was a target met?  The rules, as the report's qualifiers say them.

Both figures are compared in their base unit (282亿元 and 274.4亿元 as 元).

* **以上, 不低于, 突破, 超过, 多, 余** (a least): met when actual >= target.
* **以内, 以下, 不超过** (a most): met when actual <= target; **低于, 不足**: actual < target.
* **左右, 约** (about): met when the actual falls short by no more than the tolerance:
  0.2 percentage points for a target in % (the rule of the tracking answer key), and
  2 % of the target for any other unit.  For a ceiling, "short" means above.
* **No qualifier**: the figure itself is the least; a shortfall of any size is missed.
* **Ceilings**: a concept the catalogue marks `ceiling` (CPI, unemployment, deficit)
  is a most whatever the qualifier says, except 以上 and its kin.
* **Unclear**, with the reason: the two units are of different kinds (套 and 户), the
  two sides name different bases (可比价 and 现价, 名义 and 实际), either side speaks of a
  statistical scope (口径), the actual is only a bound in the wrong direction
  ("近100万" against "100万以上"), or the actual belongs to a related concept.
"""

from __future__ import annotations

from ..facts.units import qualifier_meaning
from .models import TrackStatus
from .readings import Reading

PERCENT_TOLERANCE = 0.2  # percentage points, for 左右 targets in %
RELATIVE_TOLERANCE = 0.02  # of the target, for 左右 targets in any other unit

_LEAST = frozenset({"at_least", "above", "more"})
_MOST = frozenset({"at_most"})
_BELOW = frozenset({"below"})
_ABOUT = frozenset({"about"})
# Pairs of basis words that contradict each other.
_CONFLICTS = (frozenset({"可比价", "现价"}), frozenset({"不变价", "现价"}), frozenset({"名义", "实际增长"}))


def _fmt(value: float, unit: str | None) -> str:
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:.4g}"
    return f"{text}{unit or ''}"


def judge(target: Reading, actual: Reading, *, ceiling: bool = False) -> tuple[TrackStatus, str]:
    """(status, reason) of a target and the actual reported for its year."""
    t_unit, t_value = target.base
    a_unit, a_value = actual.base
    if t_value is None or a_value is None:
        return "unclear", "数值隐去或无法读出 / a value is redacted or unreadable"
    if t_unit != a_unit and not _same_count(target, actual):
        return (
            "unclear",
            f"单位不同：{target.unit} 与 {actual.unit} / different units: {target.unit} vs {actual.unit}",
        )
    if "口径" in target.basis | actual.basis:
        return "unclear", "统计口径不同或有调整 / the statistical scope differs or changed (口径)"
    for pair in _CONFLICTS:
        if pair <= target.basis | actual.basis and target.basis & pair != actual.basis & pair:
            words = "、".join(sorted(pair))
            return "unclear", f"计算基础不同（{words}）/ different bases ({words})"

    meaning = qualifier_meaning(target.qualifier)
    actual_meaning = qualifier_meaning(actual.qualifier)
    shown = f"{actual.raw} / {target.raw}"
    if meaning in _LEAST or (meaning is None and not ceiling):
        if actual_meaning in ("nearly", "below") and a_value >= t_value:
            return "unclear", f"实际只给出上限 / the actual is only an upper bound ({shown})"
        if actual_meaning in _LEAST and a_value < t_value:
            return "unclear", f"实际只给出下限 / the actual is only a lower bound ({shown})"
        met = a_value >= t_value
        rule = "至少 at least"
    elif meaning in _MOST or meaning in _BELOW or (meaning is None and ceiling):
        if actual_meaning in _LEAST and a_value <= t_value:
            return "unclear", f"实际只给出下限 / the actual is only a lower bound ({shown})"
        if actual_meaning in ("nearly", "below", "at_most") and a_value > t_value:
            return "unclear", f"实际只给出上限 / the actual is only an upper bound ({shown})"
        met = a_value < t_value if meaning in _BELOW else a_value <= t_value
        rule = "至多 at most"
    elif meaning in _ABOUT:
        tolerance = PERCENT_TOLERANCE if t_unit == "%" else RELATIVE_TOLERANCE * abs(t_value)
        met = a_value <= t_value + tolerance if ceiling else a_value >= t_value - tolerance
        shown_tolerance = f"{PERCENT_TOLERANCE:g}个百分点" if t_unit == "%" else f"{RELATIVE_TOLERANCE:.0%}"
        rule = f"左右，容差 {shown_tolerance} / about, tolerance {shown_tolerance}"
    else:
        return (
            "unclear",
            f"无法解读的限定词：{target.qualifier} / qualifier not understood: {target.qualifier}",
        )
    word = "达到 met" if met else "未达到 missed"
    return ("met" if met else "missed"), f"{word}: {shown}（{rule}）"


def _same_count(target: Reading, actual: Reading) -> bool:
    """Jobs (个) and people (人) of one concept count alike: "新增就业岗位5000个" and "新增就业5487人"."""
    return (
        target.concept is not None
        and target.concept == actual.concept
        and {target.base[0], actual.base[0]} <= {"人", "个"}
    )
