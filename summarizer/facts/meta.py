"""Report metadata from the text: title, place, level, meeting, date, speaker, periods.

Rules only, each value with its evidence span.  Unknown is `None`, never a
guess: a redacted place ("XX镇") or year ("20xx年") gives no value.

Worked examples (clean text -> value):
    "——2024年3月30日在青石镇第十八届人民代表大会第六次会议上"
        date -> "2024-03-30", meeting -> "青石镇第十八届人民代表大会第六次会议", place -> "青石镇"
    "镇党委副书记、镇长 王 五"                   speaker -> "镇党委副书记、镇长 王 五"
    "一、2023年工作回顾" / "二、2024年工作安排"    review_period -> "2023", plan_period -> "2024"
    "一、过去五年工作回顾"                         review_period -> "过去五年"
"""

from __future__ import annotations

import re
from collections import Counter

from ..schema import Meta, MetaField, Span
from ..sections.split import SectionNode
from ..text.normalize import Normalized

_PREAMBLE_SCAN = 1500  # metadata sits at the top of a report

_TITLE = re.compile(r"[^\n。:：,，]{0,40}?(?:政府工作报告|工作报告)(?:[及和与][^\n。:：,，]{0,20})?")
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2}|[〇零一二三四五六七八九○Ｏ]{4})年(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})日"
)
_MEETING = re.compile(
    r"(?P<place>[\u4e00-\u9fffA-Za-z]{0,20}?)"
    r"第[一二三四五六七八九十百\d]+届人民代表大会(?:常务委员会)?第[一二三四五六七八九十百\d]+次(?:全体)?会议"
)
_ROLE = "(?:镇长|乡长|县长|区长|市长|州长|省长|主任|主席|街道办事处主任|书记)"
_SPEAKER = re.compile(
    r"^[ \t]*(?P<who>[^\n。]{0,40}"
    + _ROLE
    + r"(?:提名人选|候选人)?[ \t　]*[\u4e00-\u9fff](?:[ \t　]?[\u4e00-\u9fff]){1,3})[ \t]*$",
    re.MULTILINE,
)
_SPEAKER_INLINE = re.compile(r"(?P<who>(?:代|代理)?" + _ROLE + r"[ \t]*[\u4e00-\u9fff]{2,3})(?=[ \t]*\n)")
_PLACE_SUFFIX = re.compile(r"(自治区|街道|镇|乡|县|区|市|州|盟|省)$")
_PLACE_END = re.compile(r"[镇乡](?![长村区域内外级党人政干直企上下中里])")
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff]+$")
# Words that end in 镇/乡 without naming a place: 城镇, 乡镇, 特色镇, 发达镇, 下乡 …
_GENERIC_PLACE_ENDS = frozenset(
    [
        "城镇",
        "乡镇",
        "集镇",
        "小镇",
        "强镇",
        "名镇",
        "重镇",
        "古镇",
        "色镇",
        "范镇",
        "制镇",
        "心镇",
        "达镇",
        "城乡",
        "下乡",
        "返乡",
        "家乡",
        "回乡",
        "故乡",
        "农乡",
        "各乡",
        "全乡",
        "全镇",
        "我镇",
        "本镇",
        "该镇",
        "各镇",
        "每镇",
        "我乡",
        "本乡",
        "该乡",
    ]
)
_NOT_NAME_START = frozenset("全我本该各每为了是在的和与及对把向从到将让使由于以至个")
_REDACTED = re.compile(r"[XxＸｘ×*＊]{2,}|某")
_GOV_OF = re.compile(r"代表(?P<place>[\u4e00-\u9fff]{2,12}?)人民政府")
_PERIOD = re.compile(
    r"(?P<y>(?:19|20)\d{2})(?:\s*[-—－至~]\s*(?P<y2>(?:19|20)\d{2}))?\s*年|(?P<span>过去五年|今后五年|五年来|十三五|十四五|十五五)"
)
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九○Ｏ", "001234567890" + "0")


def _field(norm: Normalized, start: int, end: int, value: str) -> MetaField:
    return MetaField(value=value, evidence=norm.clean.span(start, end))


def _cn_small_number(s: str) -> int:
    if s.isdigit():
        return int(s)
    values = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + values.get(s[1:], 0)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return values.get(tens, 0) * 10 + values.get(ones, 0)
    return values.get(s, 0)


def _place_level(place: str) -> str | None:
    m = _PLACE_SUFFIX.search(place)
    return m.group(1) if m else None


def _clean_place(raw: str) -> str | None:
    """The place name at the end of a phrase such as "在平安市清河区青石镇" (None if redacted)."""
    raw = re.sub(r"^.*?(?:在|于|—|-)", "", raw)
    if not raw or _REDACTED.search(raw) or not _PLACE_SUFFIX.search(raw):
        return None
    return raw


def extract_meta(norm: Normalized, nodes: list[SectionNode]) -> Meta:
    """Every metadata field the text states, with its evidence; `None` for the rest."""
    text = norm.clean.text
    first_top = next((n for n in nodes if n.level == 1 and n.kind != "preamble"), None)
    head_end = first_top.start if first_top is not None and first_top.start > 0 else _PREAMBLE_SCAN
    head = text[: min(head_end, _PREAMBLE_SCAN)]
    meta = Meta()

    m = _TITLE.search(head)
    if m:
        start, end = m.span()
        while start < end and text[start] in " \t\n—-":
            start += 1
        if end > start:
            meta.title = _field(norm, start, end, re.sub(r"\s+", "", text[start:end]))

    m = _DATE.search(head)
    if m:
        year = int(m.group("y").translate(_CN_DIGITS))
        month, day = _cn_small_number(m.group("m")), _cn_small_number(m.group("d"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            meta.date = _field(norm, m.start(), m.end(), f"{year:04d}-{month:02d}-{day:02d}")

    m = _MEETING.search(head)
    if m:
        start = m.start()
        place_raw = m.group("place")
        cut = max(place_raw.rfind("在"), place_raw.rfind("于"))
        start += cut + 1
        meta.meeting = _field(norm, start, m.end(), text[start : m.end()])
        place = _clean_place(text[start : m.start("place") + len(place_raw)])
        if place:
            p_start = m.start("place") + len(place_raw) - len(place)
            meta.place = _field(norm, p_start, p_start + len(place), place)

    if meta.place is None:
        m = _GOV_OF.search(head)
        if m and (place := _clean_place(m.group("place"))):
            meta.place = _field(norm, m.start("place"), m.end("place"), place)
    if meta.place is None:
        meta.place = _frequent_place(norm)
    if meta.place is not None:
        level = _place_level(meta.place.value)
        if level:
            # The level's evidence is the suffix of the place's own evidence.
            end = meta.place.evidence.end
            meta.admin_level = MetaField(value=level, evidence=Span.of(norm.original, end - len(level), end))

    for m in _SPEAKER.finditer(head):
        who = m.group("who").strip()
        if len(who) <= 60 and not _REDACTED.search(who):
            meta.speaker = _field(
                norm, m.start("who"), m.start("who") + len(who), re.sub(r"\s{2,}", " ", who)
            )
            break
    if meta.speaker is None:
        m = _SPEAKER_INLINE.search(head)
        if m:
            meta.speaker = _field(norm, m.start("who"), m.end("who"), m.group("who"))

    meta.review_period = _period_of(norm, nodes, ("review",))
    meta.plan_period = _period_of(norm, nodes, ("plan", "targets"))
    return meta


def _frequent_place(norm: Normalized) -> MetaField | None:
    """The township named most often ("青石镇" ×8), if one clearly is the report's own.

    Each 镇/乡 is counted under its two- and three-character names ("青石镇",
    "为青石镇"); the real name is the one counted most, and must stand out.
    """
    text = norm.clean.text
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in _PLACE_END.finditer(text):
        end = m.end()
        if text[end - 2 : end] in _GENERIC_PLACE_ENDS:
            continue
        for size in (3, 4):
            name = text[end - size : end]
            if len(name) == size and _CJK_NAME.match(name) and name[0] not in _NOT_NAME_START:
                counts[name] += 1
                first.setdefault(name, end - size)
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], len(kv[0])))
    name, n = ranked[0]
    rivals = [c for other, c in ranked[1:] if not other.endswith(name) and not name.endswith(other)]
    if n < 3 or (rivals and rivals[0] * 2 > n):
        return None
    start = first[name]
    return _field(norm, start, start + len(name), name)


def _period_of(norm: Normalized, nodes: list[SectionNode], kinds: tuple[str, ...]) -> MetaField | None:
    text = norm.clean.text
    for node in nodes:
        if node.level != 1 or node.kind not in kinds:
            continue
        m = _PERIOD.search(text, node.heading_start, node.heading_end)
        if not m:
            return None
        if m.group("span"):
            return _field(norm, m.start(), m.end(), m.group("span"))
        value = m.group("y") + (f"-{m.group('y2')}" if m.group("y2") else "")
        return _field(norm, m.start(), m.end(), value)
    return None
