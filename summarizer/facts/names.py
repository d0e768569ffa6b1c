"""The report's own term for a figure: what "地区生产总值83.98亿元" calls its number.

A name is the term right before its figure, without the scope words, verbs and
particles around it (全镇, 全年, 累计, 完成, 实现, 达到…): "2023年全镇财政总收入5.2亿元"
-> "财政总收入".  Where nothing is left ("新建1座智慧农贸市场", "处置了3名非访人员")
the term after the figure is the name.  Short asides are dropped
("新(改)建农村户厕" -> "农村户厕"), examples before 等 give way to what
follows ("消除燃气等消防安全隐患" -> "消防安全隐患"), and a name is at most
about twelve characters, cut after its last 的.  All positions are clean-text
positions; the functions are pure.
"""

from __future__ import annotations

import re

from .numbers import Figure

CLAUSE_STOPS = "，,；;：:。！？!?\n"
_NAME_STOPS = CLAUSE_STOPS + "、"
_AFTER_STOPS = _NAME_STOPS + "(（"
# Scope words, verbs and prepositions in front of a term; not where they begin a
# noun themselves ("完成率", "投入资金额" keep their first word).
_LEAD_WORDS = re.compile(
    r"^(?:[\s、“”\"'（）()《》的了]|十[一二三四五]五”?(?:时期|期间|末|规划)?|其中|全年|全镇|全乡|全县|全区|全市|全街道|全村|我镇|我乡|镇域|本镇|今年|去年|当年|年内"
    r"|年度|截至目前|目前|截至|一年来|五年来|以来|此外|同时|期间|先后|成功|共计|总计|合计|累计|共有|共|另|"
    r"完成了|完成|实现了|实现|达到|新建成|新建|建成了|建成|建设|实施|引进|引入|投入|发放|支付|争取|开展|举办|组织|打通|"
    r"新设|重点实施|重点推进|重点建设|我区|我市|我县|新开工|再(?!就业)|打造|培育|创建|组建|推出|招引|谋划|储备|争创|修建|改扩建|改建|扩建|累积|拟|安排|全力|努力|"
    r"安装|新修|种植|帮助|选派|拥有|现有|已经|已|正在|全面|顺利|积极|持续|进一步|不断|大力|着力|切实|扎实|深入|继续|"
    r"确保|力争|计划|预计|至少|逐年|加快|推进|落实|稳定(?!就业|脱贫|增收)|得到|用好|用活|抓好|做好|办好|高质量|并|度|要|以|对|为|向|给(?!予)|把|将|让|使(?!用)|在(?![谈建线岗册校]))"
    r"(?![率额量数值])"
)
# Verbs and particles after a term, before its figure ("覆盖率达到", "参保率稳定在").
_TRAIL_WORDS = re.compile(
    r"(?:[\s“”\"'（(《]|稳定在|保持在|控制在|达到|约为|均为|共计|总计|合计|累计|提高到|提升至|增至|突破|超过|完成|实现|"
    r"去年|今年|全年|年内|达|(?<![行作认成因])为|是|约|共|已|的|有|了|至|近|均|仅|就|(?<![所存现])在|分别|总量|由|从|定在|拟定为|确定为|定为|"
    r"(?:发展|控制|上升|回落|下降|降|增加|增长|提高|提升|扩大|减少|压减|压缩|缩减|缩小)(?:到|至))$"
)
# Where a term after its figure ends: "3条断头路，", "5000余万元资金改善人居环境".
_NAME_AFTER_STOP = re.compile(
    r"为(?=示范|核心|重点|中心|主|依托|载体|龙头)|通过|已|正在|目前|基本|全线|即将|正式|建成通车|通车|投入使用|开工|竣工|被|得到|获得|用于|改善|实现|完成|全部|均|顺利|成功|进行|开展|达到|提升|提高|增加|惠及|覆盖|入住|纳入|发放|解决"
)
_QUALITY = re.compile(r"[\u4e00-\u9fff]{1,4}化|新型|大型|小型|现代|高标准|标准")
_WORK_END = re.compile(r"(?:改造|整治|修复|提升|治理|硬化|绿化)$")
_TRAIL_AFTER_NAME = re.compile(r"(?:建设|工作|任务|的|等|以上|以下)$")
_SHORTEN_AT = re.compile(r".*(?:的|、)")
_MAX_NAME = 12
_MAX_AFTER = 20
_LIST_JOINERS = ("及", "和", "与", "、", "或")
_SHORT_ASIDE = re.compile(r"[(（][^()（）]{1,6}[)）]")
_NO_QUOTES = str.maketrans("", "", "“”\"'")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_UP_TO_LAST_STOP: dict[str, re.Pattern[str]] = {}  # one compiled pattern per set of stops


def clause_start(text: str, floor: int, pos: int, stops: str = CLAUSE_STOPS) -> int:
    """The start of the clause that contains `pos`, not before `floor`."""
    pattern = _UP_TO_LAST_STOP.get(stops)
    if pattern is None:
        pattern = _UP_TO_LAST_STOP[stops] = re.compile(f".*[{re.escape(stops)}]", re.DOTALL)
    match = pattern.match(text, floor, pos)
    return match.end() if match is not None else floor


def name_floor(text: str, gap_start: int, end: int, others: list[Figure]) -> int:
    """Where a name may start: after the clause start, the last 、 and any year or date before it."""
    floor = clause_start(text, gap_start, end, _NAME_STOPS)
    for other in others:
        if floor <= other.start and other.end <= end:
            floor = other.end
    return floor


def name_before(text: str, gap_start: int, figure: Figure, others: list[Figure]) -> tuple[str, int, str]:
    """(name, start, fallback) of the term right before a level figure; name "" when there is none.

    "处置了3名非访人员" and "刘源坑等4个增减挂钩项目" name their figure after it:
    the name is "" then, and the fallback ("刘源坑") is used only if nothing follows.
    """
    floor = name_floor(text, gap_start, figure.start, others)
    before = text[floor : figure.start]
    if before.endswith(("了", "出")):
        return "", floor, ""
    name = clean_name(before)
    if name.endswith("等"):
        return "", floor, clean_name(name[:-1])
    if not name and floor and text[floor - 1] == "、":  # "建成470万套、新开工630万套": the verb of a list
        verb = strip_trailing(before).strip()
        return "", floor, verb if len(verb) >= 2 and _CJK.fullmatch(verb[-1]) else ""
    return name, floor, ""


def name_after(text: str, figure: Figure, following: list[Figure]) -> tuple[str, int, bool]:
    """The term right after a figure ("新建1座智慧农贸市场"): (name, end, whether it qualifies the next figure).

    The term ends at a stop, a verb ("…资金改善人居环境") or the next figure; a
    term cut by the length limit is no term.  When it runs into the next figure
    ("10万元以下低彩礼51对") it names that figure, unless it ends a list
    ("4.2公里的青年路及6公里…").
    """
    limit = min(len(text), figure.end + _MAX_AFTER)
    next_start = following[0].start if following else len(text)
    end = figure.end
    while end < limit and end < next_start and text[end] not in _AFTER_STOPS:
        end += 1
    raw = text[figure.end : end]
    stop = _NAME_AFTER_STOP.search(raw)
    if stop is not None:
        raw, end = raw[: stop.start()], figure.end + stop.start()
    elif end == limit and end < next_start:
        return "", figure.end, False  # no natural end: not a term
    elif raw and end == next_start and not raw.endswith(_LIST_JOINERS):
        return "", end, True
    # The term ends at its first 的: "10件重点民生实事的基础上" -> "重点民生实事"; but a quality
    # before 的 gives way to its noun ("4座现代化的垃圾中转站"), and a work after 的 joins the
    # place it is done in ("36个老旧小区的既有建筑节能改造").
    head, _, tail = raw.removeprefix("的").partition("的")
    tail = tail.rstrip("".join(_LIST_JOINERS))
    if tail and _QUALITY.fullmatch(head):
        head, tail = tail, ""
    elif tail and _WORK_END.search(tail) and len(head) + len(tail) <= _MAX_NAME + 2:
        head = head + tail
    name = head.rstrip("".join(_LIST_JOINERS))
    while True:
        shorter = _TRAIL_AFTER_NAME.sub("", name)
        if shorter == name:
            break
        name = shorter
    return clean_name(name), end, False


def strip_trailing(name: str) -> str:
    while True:
        shorter = _TRAIL_WORDS.sub("", name)
        if shorter == name:
            return name
        name = shorter


def clean_name(raw: str) -> str:
    """The report's term without scope words, verbs and particles around it ("" if none is left)."""
    # "新(改)建农村户厕" -> "新建农村户厕"; "倡导“三个一”(彩礼" -> "彩礼"
    name = _SHORT_ASIDE.sub("", raw)
    name = name[max(name.rfind("("), name.rfind("（"), name.rfind(")"), name.rfind("）")) + 1 :]
    while True:
        shorter = _LEAD_WORDS.sub("", name)
        shorter = strip_trailing(shorter)
        if shorter == name:
            break
        name = shorter
    etc = name.rfind("等", 0, len(name) - 1)
    if etc >= 0 and len(name) - etc > 3:
        name = name[etc + 1 :]  # "消除燃气等消防安全隐患" -> "消防安全隐患"
    if len(name) > _MAX_NAME:
        cut = _SHORTEN_AT.match(name)
        if cut is not None and len(name) - cut.end() >= 2:
            name = clean_name(name[cut.end() :])
    name = name.strip("（）()《》 ").translate(_NO_QUOTES)
    if len(name) < 2 or not _CJK.search(name):
        return ""
    return name
