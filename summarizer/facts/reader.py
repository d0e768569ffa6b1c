"""Reading the figures of one sentence into indicators (drafts, before ids and spans).

`read_sentence` goes through the amounts of a sentence left to right, keeping
the open level that a change may belong to.  On examples (see also
indicators.py):

* "财政总收入5.2亿元，同比增长23.4%" -> one level with its change; so is
  "增长20%，达到282亿元"; and "完成192.3亿元，按可比价计算，同比增长6.0%": a
  phrase of basis between level and change ("按可比价计算", "扣除价格因素")
  does not part them, and it is kept in the change's basis ("按可比价计算同比").
* "地区生产总值由2010年的162.4亿元增加到2015年的287.9亿元": two levels of
  地区生产总值, one for each year; a change after the second is its own.
* "一、二、三产增加值分别增长4%、8%、6%左右": one indicator per member, each
  with its own value (`lists.list_members` names them); "…、…均增长8%" gives the
  one value to every member.
* Names that are no names get the subject from the sentence: "受益275户" after
  "城市低保资金270万元" -> 城市低保资金受益; "全长21000米的镇区污水管网" ->
  镇区污水管网; "5000余万元资金改善人居环境" -> 改善人居环境资金;
  "…征缴工作，完成率达98%" -> 医疗保险征缴完成率; "比上年增加1500亿元" after
  财政赤字 -> 财政赤字比上年增加.
* Numbers inside titles, slogans and compound words are not indicators:
  "自治区28条配套规定", "6个100万", "3人制篮球场", "10万吨级码头".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..schema import ChangeUnit, IndicatorKind
from .lists import list_members
from .names import CLAUSE_STOPS, clause_start, clean_name, name_after, name_before, name_floor, strip_trailing
from .numbers import Figure
from .units import DURATION_UNITS

__all__ = ["CHANGE_UNIT_OF", "Draft", "can_be_indicator", "read_sentence"]

CHANGE_UNIT_OF: dict[str, ChangeUnit] = {"%": "%", "百分点": "百分点", "倍": "倍"}
_CHANGE_UNITS = tuple(CHANGE_UNIT_OF)
_CHINESE_DIGITS = "〇零一二两三四五六七八九十百千"
_DECLINE_VERBS = frozenset({"下降", "减少", "降低", "回落", "下滑", "递减"})
_BASIS = r"同比|环比|比上年|较上年|比去年|较去年|与上年相比|年均|平均每年|[较比](?:19|20)[0-9Xx]{2}\s?年度?"
# "…同比增长" right before a rate: the rate is a change.  "提高到95%" is a level.
_CHANGE_LEAD = re.compile(
    rf"(?P<basis>{_BASIS})?(?P<modal>都要|要再|要|将|再|均|都)?(?P<each>分别)?"
    r"(?P<verb>增长|增加|提高|提升|上升|下降|减少|降低|回落|下滑|增幅|增速|递增|递减)(?P<post>均为|都为|分别为)?(?:了|为)?$"
)
# Between a change written first and its level: "增长20%，达到282亿元".
_LEVEL_AFTER_CHANGE = re.compile(r"[,，]?\s*(?:总量|总额|规模|总值)?(?:达到|达|为|增至|突破)$")
# A phrase of basis between a level and its change: "完成192.3亿元，按可比价计算，同比增长6.0%".
_BASIS_PHRASE = r"(?:按|以)?可比价(?:格)?计算|扣除价格因素(?:后)?|剔除[^，,。；;]{1,8}因素(?:后)?|按[^，,。；;]{1,6}口径(?:计算)?"
_CHAIN_GAP = re.compile(rf"[,，、\s]*(?:(?P<phrase>{_BASIS_PHRASE})[,，\s]*)?(?:分别)?$")
_BASIS_AFTER = re.compile(rf"[（(](?P<phrase>{_BASIS_PHRASE})[）)]")
_SHARED_NAME_GAP = re.compile(r"(?:共|计|共计|合计|涉及|其中)?$")
# "由2010年的162.4亿元增加到2015年的287.9亿元": a level from one year to another.
_FROM = re.compile(r"(?:由|从)(?:(?:19|20)\d{2}\s*年(?:底|末)?的?|每人每年|每人每月|每人|人均|每年)?$")
_TO = re.compile(
    r"[，,]?(?:增加|提高|提升|上升|下降|降低|减少|扩大|增长|发展|回落|降|缩小|压减)?(?:到|至)(?:(?:19|20)\d{2}\s*年(?:底|末)?的?)?$"
)
_MEMBER_JOINER = re.compile(r"[、和与及]")
# "…分别完成37820元、28104元": a list of levels, one per member of the subject.
_EACH_LEVEL = re.compile(r"分别(?:完成|达到|达|为|是|实现|增加到|提高到|上升到|下降到|降至|增至)?$")
_LIST_JOINER = re.compile(r"\s*(?:、|和|及|与|，|,)\s*")
# Names that say what was done to something, not what: the subject is elsewhere in the sentence.
_AFTER_PREVIOUS = re.compile(
    r"(?:受益|惠及|覆盖)(?:群众|人口)?|(?:比上年|比去年|较上年|较去年|(?:平均)?每[天日月年])?(?:增加|新增|减少)|(?:完成)?占比"
)
_DIGIT = re.compile(r"[0-9０-９]")
# Verbs that change a stock; over a 、 list they hold for every item ("退出钢铁产能…、煤炭产能…").
_STOCK_VERB = re.compile(r"退出|淘汰|压减|减少|削减|取消|化解|关停|新增|节约|压缩|消化")
# After an investment, the verb that says what it paid for, and where the object ends.
_INVESTED_IN = re.compile(
    r"[，,]?(?P<verb>启动实施|实施了|实施|完成了|完成|启动|用于|建成|新建|改扩建|改造)?(?:了)?(?=[^，,；;。、])(?:对)?"
)
_MAX_OBJECT = 16
# A category after "X等N项": the name keeps its example ("第五中学改扩建等工程").
_CATEGORY = re.compile(r"工程|项目|措施|任务|工作|活动")
_COUNT_FIRST = re.compile(r"[0-9]+(?:个|座|所|条|家|项|处|栋)")
_OBJECT_STOPS = "，,；;。、：:！？\n"
# A name that is a place: the noun after the figure names what is counted ("主要街道240栋建筑物").
_PLACE_END = re.compile(r"(?:城区|街道|社区|小区|村|镇|乡|县)$")
_VERB_END = re.compile(r"(?:同比|年均)?(?:增长|增加|提高|下降|减少|降低)$")
_RATE_OF_CLAUSE = re.compile(r"完成率|办结率|办复率|结案率|化解率|占比|比重|增速|增幅|完成比例")
_LENGTH_OF_NEXT = frozenset({"全长", "总长", "长度", "总长度", "总面积", "面积", "总投资", "投资"})
_PURPOSE = re.compile(r"(?:用于|改善|实施|支持|开展|推进|建设|打造|提升)[^，,。；;、]{1,8}")
_TRAIL_PURPOSE = re.compile(r"(?:工作|任务|行动|工程建设)$")
# Digits inside words: "3人制", "10万吨级", "28条配套规定", "6个100万".
_COMPOUND_AFTER = re.compile(r"[制级型式]")
_TITLE_AFTER = re.compile(r"(?:配套)?(?:规定|措施|意见|举措|细则|办法|条例)")
_BARE_SCALES = frozenset({"万", "亿", "千", "百", "十万", "百万", "千万", "万亿"})


@dataclass
class Draft:
    """One indicator before ids and spans, in clean coordinates."""

    name: str
    level: Figure
    evidence_start: int
    evidence_end: int
    change: Figure | None = None
    basis: str | None = None
    decline: bool = False
    period: str | None = None
    kind: IndicatorKind = "actual"
    extra_changes: list[tuple[Figure, str | None, bool]] = field(default_factory=list)
    year_floor: int = 0  # years before this position say nothing of its period ("由2010年的…增加到…")


def can_be_indicator(figure: Figure) -> bool:
    if figure.kind != "amount" or not figure.unit or figure.unit in DURATION_UNITS:
        return False
    # Counts in Chinese numerals name policies more often than they count things
    # ("中央八项规定", "三项机制", "两个大局"); "十余项" and "三百余人" still count.
    return not (figure.raw[0] in _CHINESE_DIGITS and figure.qualifier is None and len(figure.unit) == 1)


def _in_a_word(text: str, figures: list[Figure], index: int) -> bool:
    """A figure inside a title, a slogan or a compound word ("3人制", "28条配套规定", "6个100万")."""
    figure = figures[index]
    if _COMPOUND_AFTER.match(text, figure.end) or (
        figure.unit == "条" and _TITLE_AFTER.match(text, figure.end)
    ):
        return True
    after = figures[index + 1] if index + 1 < len(figures) else None
    before = figures[index - 1] if index else None
    return (after is not None and after.start == figure.end and after.unit in _BARE_SCALES) or (
        before is not None and before.end == figure.start and figure.unit in _BARE_SCALES
    )


def _is_change_unit(figure: Figure) -> bool:
    return figure.unit in _CHANGE_UNITS


def read_sentence(
    text: str, sentence_start: int, amounts: list[Figure], in_sentence: list[Figure]
) -> list[Draft]:
    """The indicators of one sentence: levels with their changes, rates alone, counts."""
    kept = [f for i, f in enumerate(amounts) if not _in_a_word(text, amounts, i)]
    reader = _SentenceReader(text, sentence_start, kept, in_sentence)
    for index in range(len(kept)):
        if index not in reader.consumed:
            reader.read(index)
    return reader.drafts


class _SentenceReader:
    """Reads the amount figures of one sentence left to right, keeping the open level."""

    def __init__(
        self, text: str, sentence_start: int, amounts: list[Figure], in_sentence: list[Figure]
    ) -> None:
        self.text = text
        self.sentence_start = sentence_start
        self.amounts = amounts
        self.others = [f for f in in_sentence if f.kind != "amount" or not f.unit]  # years, dates…
        self.drafts: list[Draft] = []
        self.open_draft: Draft | None = None  # the level that the next change may belong to
        self.named_after = False  # the open draft took its name from the text after its figure
        self.chain_end = sentence_start  # end of the open draft's level or last change
        self.previous_end = sentence_start  # where the text before the next figure starts
        self.pending_change: tuple[Figure, str | None, bool, int, str] | None = None
        self.name_prefix_start: int | None = None  # a qualifying figure that opens the next name
        self.consumed: set[int] = set()  # figures read with an earlier one (the values of a list)
        self.level_list: list[Draft] = []  # the levels of the last 分别 list, for its 分别 changes

    def read(self, index: int) -> None:
        figure = self.amounts[index]
        gap_start = max(self.previous_end, clause_start(self.text, self.sentence_start, figure.start))
        lead = _CHANGE_LEAD.search(self.text, gap_start, figure.start) if _is_change_unit(figure) else None
        if lead is not None:
            self._read_change(index, gap_start, lead)
        elif self.pending_change is not None:
            change, basis, decline, subject_start, subject = self.pending_change
            self._open(Draft(subject, figure, subject_start, figure.end, change, basis, decline), False)
            self.pending_change = None
        else:
            self._read_level(index, gap_start)

    def _open(self, draft: Draft, named_after: bool) -> None:
        self._repair_name(draft)
        self.drafts.append(draft)
        self.open_draft, self.named_after = draft, named_after
        self.chain_end = draft.level.end
        self.previous_end = max(draft.level.end, draft.evidence_end)

    def _basis(self, lead: re.Match[str], figure: Figure, phrase: str | None) -> str | None:
        after = _BASIS_AFTER.match(self.text, figure.end)
        phrase = phrase or (after.group("phrase") if after is not None else None)
        basis = lead.group("basis")
        if phrase:
            return phrase + (basis or "")
        return basis

    def _read_change(self, index: int, gap_start: int, lead: re.Match[str]) -> None:
        """A rate after 增长/下降…: the open level's change, the change of the next level, or a rate alone."""
        text, figure = self.text, self.amounts[index]
        decline = lead.group("verb") in _DECLINE_VERBS
        self.previous_end = figure.end
        chain = (
            _CHAIN_GAP.fullmatch(text, self.chain_end, lead.start()) if self.open_draft is not None else None
        )
        if self.open_draft is not None and chain is not None and self.level_list and lead.group("each"):
            values = self._list_values(index)  # "分别完成37820元、28104元，同比分别增长6.5%、9.4%"
            if len(values) == len(self.level_list):
                basis = self._basis(lead, figure, chain.group("phrase"))
                for draft, value in zip(self.level_list, values, strict=True):
                    _attach_change(draft, value, basis, decline)
                    draft.evidence_end = value.end
                self.consumed.update(range(index + 1, index + len(values)))
                self.chain_end = self.previous_end = values[-1].end
                self.level_list = []
                return
        if self.open_draft is not None and chain is not None:
            _attach_change(self.open_draft, figure, self._basis(lead, figure, chain.group("phrase")), decline)
            self.chain_end = self.open_draft.evidence_end = figure.end
            return
        basis = self._basis(lead, figure, None)
        subject_start = name_floor(text, gap_start, lead.start(), self.others)
        subject = clean_name(text[subject_start : lead.start()])
        if not subject:
            return  # a rate of nothing named
        following = self.amounts[index + 1] if index + 1 < len(self.amounts) else None
        if (
            following is not None
            and not _is_change_unit(following)
            and _LEVEL_AFTER_CHANGE.fullmatch(text, figure.end, following.start)
        ):
            self.pending_change = (figure, basis, decline, subject_start, subject)  # "增长20%，达到282亿元"
            return
        verb = (lead.group("basis") or "") + lead.group("verb")
        if lead.group("each") or lead.group("post") or lead.group("modal") in ("均", "都"):
            self._read_list(index, gap_start, lead.start(), verb)
            return
        name = clean_name(subject + verb) or subject  # "地区生产总值增长"
        self._open(Draft(name, figure, subject_start, figure.end), False)

    def _list_values(self, index: int) -> list[Figure]:
        """The figure at `index` and those joined to it by 、/和/及 with a unit of the same kind."""
        values = [self.amounts[index]]
        while index + len(values) < len(self.amounts):
            following = self.amounts[index + len(values)]
            if _is_change_unit(following) != _is_change_unit(values[0]) or not _LIST_JOINER.fullmatch(
                self.text, values[-1].end, following.start
            ):
                break
            values.append(following)
        return values

    def _read_level_list(self, index: int, gap_start: int, each: re.Match[str]) -> bool:
        """ "城乡常住居民人均可支配收入分别完成37820元、28104元": one level per member."""
        text = self.text
        values = self._list_values(index)
        subject_start = clause_start(text, gap_start, each.start())
        for other in self.others:
            if subject_start <= other.start and other.end <= each.start():
                subject_start = other.end
        first, *rest = _MEMBER_JOINER.split(text[subject_start : each.start()])
        subject = "、".join([clean_name(first) or first, *rest])
        members = list_members(subject, len(values)) if subject else []
        if len(values) < 2 or len(members) != len(values):
            return False
        self.consumed.update(range(index + 1, index + len(values)))
        drafts = [
            Draft(member, value, subject_start, value.end)
            for member, value in zip(members, values, strict=True)
        ]
        for draft in drafts:
            self._open(draft, named_after=False)
        self.level_list = drafts
        self.previous_end = values[-1].end
        return True

    def _read_list(self, index: int, gap_start: int, lead_start: int, verb: str) -> None:
        """ "一、二、三产增加值分别增长4%、8%、6%左右": one rate per member."""
        text = self.text
        subject_start = clause_start(text, gap_start, lead_start)  # over the 、 between members
        for other in self.others:
            if subject_start <= other.start and other.end <= lead_start:
                subject_start = other.end
        first, *rest = _MEMBER_JOINER.split(text[subject_start:lead_start])
        subject = "、".join([clean_name(first) or first, *rest])
        if subject.endswith(
            "预期"
        ):  # "存款余额和贷款余额预期增长均为10%": 预期 qualifies every member's rate
            subject, verb = subject.removesuffix("预期"), "预期" + verb
        if not subject:
            return
        values = [self.amounts[index]]
        while index + len(values) < len(self.amounts):
            following = self.amounts[index + len(values)]
            if not _is_change_unit(following) or not _LIST_JOINER.fullmatch(
                self.text, values[-1].end, following.start
            ):
                break
            values.append(following)
        self.consumed.update(range(index + 1, index + len(values)))
        members = list_members(subject, len(values))
        if len(values) == 1:
            pairs = [(member, values[0]) for member in members]
        elif len(members) == len(values):
            pairs = list(zip(members, values, strict=True))
        else:
            pairs = [(subject, value) for value in values]
        for member, value in pairs:
            self._open(Draft(member + verb, value, subject_start, value.end), False)
        self.previous_end = values[-1].end

    def _read_level(self, index: int, gap_start: int) -> None:
        """A level or a count, named by the term before it, the open level's name, or the term after it."""
        text, figure = self.text, self.amounts[index]
        open_draft = self.open_draft
        each = _EACH_LEVEL.search(text, gap_start, figure.start)
        if each is not None and self._read_level_list(index, gap_start, each):
            return
        if open_draft is not None and self._continues_from(open_draft, gap_start, figure):
            draft = Draft(
                open_draft.name,
                figure,
                open_draft.evidence_start,
                figure.end,
                year_floor=open_draft.level.end,
            )
            self._open(draft, named_after=False)
            return
        if self.name_prefix_start is not None:  # "10万元以下低彩礼51对"
            prefix_start, self.name_prefix_start = self.name_prefix_start, None
            if self._counts_then_measures(index, prefix_start):
                return
            name, name_start, fallback = strip_trailing(text[prefix_start : figure.start]), prefix_start, ""
        else:
            name, name_start, fallback = self._name_before(gap_start, figure)
            if name and self._noun_after_is_the_name(name, name_start, figure):
                name = ""
        before_start, name_end = name_start, figure.end
        if (
            not name
            and open_draft is not None
            and not self.named_after
            and _SHARED_NAME_GAP.fullmatch(text, gap_start, figure.start) is not None
            and not any(c in text[open_draft.level.end : figure.start] for c in CLAUSE_STOPS)
        ):
            name, name_start, name_end = open_draft.name, open_draft.evidence_start, open_draft.evidence_end
        if not name:
            last = index  # "全镇993户1618人最低生活保障": the term after the group names them all
            while last + 1 < len(self.amounts) and _SHARED_NAME_GAP.fullmatch(
                text, self.amounts[last].end, self.amounts[last + 1].start
            ):
                last += 1
            name, name_end, reaches_next = name_after(text, self.amounts[last], self.amounts[last + 1 :])
            if reaches_next and last == index:
                self.name_prefix_start = self.previous_end = figure.start  # part of the next figure's name
                return
            name_start = figure.start
        if not name and fallback:
            name, name_start = fallback, before_start
        elif fallback and _CATEGORY.fullmatch(name):  # "第五中学改扩建等5项工程"
            name, name_start = f"{fallback}等{name}", before_start
        if not name:
            self.previous_end = figure.end
            return
        draft = Draft(name, figure, min(name_start, figure.start), max(name_end, figure.end))
        self._open(draft, named_after=name_start == figure.start and name_end > figure.end)

    def _noun_after_is_the_name(self, name: str, name_start: int, figure: Figure) -> bool:
        """ "明确了…研究的23项议事内容", "主要街道240栋建筑物": the noun after the figure is its head."""
        text = self.text
        if not (text[figure.start - 1 : figure.start] == "的" or _PLACE_END.search(name)):
            return False
        after, _, reaches_next = name_after(text, figure, self.amounts[self.amounts.index(figure) + 1 :])
        return bool(after) and not reaches_next

    def _counts_then_measures(self, index: int, prefix_start: int) -> bool:
        """ "完成了5个行政村17.2公里的村巷硬化": a count of places, then the measure of the work."""
        text, figure, count = self.text, self.amounts[index], self.amounts[index - 1]
        if not text.startswith("的", figure.end):
            return False
        work, work_end, _ = name_after(text, figure, self.amounts[index + 1 :])
        places = clean_name(text[count.end : figure.start])
        if not work or not places:
            return False
        self._open(Draft(places, count, count.start, figure.start), named_after=True)
        self._open(Draft(work, figure, count.start, work_end), named_after=True)
        return True

    def _name_before(self, gap_start: int, figure: Figure) -> tuple[str, int, str]:
        """`name_before`, and the subject of "…由2010年的162.4亿元": the term before 由/从."""
        text = self.text
        from_word = _FROM.search(text, gap_start, figure.start)
        if from_word is None:
            return name_before(text, gap_start, figure, self.others)
        floor = name_floor(text, gap_start, from_word.start(), self.others)
        return clean_name(text[floor : from_word.start()]), floor, ""

    def _continues_from(self, open_draft: Draft, gap_start: int, figure: Figure) -> bool:
        """Whether `figure` is the "到 Y" of an open "由 X" level of the same unit kind."""
        text = self.text
        opened = _FROM.search(text, open_draft.evidence_start, open_draft.level.start)
        return (
            opened is not None
            and open_draft.change is None
            and _TO.fullmatch(text, open_draft.level.end, figure.start) is not None
            and _is_change_unit(open_draft.level) == _is_change_unit(figure)
        )

    def _repair_name(self, draft: Draft) -> None:
        """A name that says what was done, not to what, takes its subject from the sentence."""
        name, text, previous = draft.name, self.text, self.drafts[-1] if self.drafts else None
        if previous is not None and self._shares_the_verb_of(previous, draft):
            verb = _STOCK_VERB.match(previous.name)
            if verb is not None:  # "退出钢铁产能超过6500万吨、煤炭产能超过2.9亿吨"
                draft.name = verb.group() + name
                return
        if name in _LENGTH_OF_NEXT:  # "全长21000米的镇区污水管网"
            after, end, _ = name_after(text, draft.level, [])
            if after and text.startswith("的", draft.level.end) and not _DIGIT.search(after):
                draft.name, draft.evidence_end = after, max(draft.evidence_end, end)
                return
        if name in (
            "投资",
            "总投资",
        ):  # "投资4.8亿元实施了拆炉并网工程", "实施重点工业项目28个，完成投资33.9亿元"
            target = self._invested_in(draft.level)
            if target is not None:
                draft.name, draft.evidence_end = target[0] + name, max(draft.evidence_end, target[1])
                return
            if (
                previous is not None
                and previous.evidence_start
                >= clause_start(text, self.sentence_start, draft.level.start, "；;。")
                and not _DIGIT.search(previous.name)
                and not previous.name.endswith(name)
                and not _PLACE_END.search(previous.name)
            ):
                draft.name = _VERB_END.sub("", previous.name) + name
                draft.evidence_start = min(draft.evidence_start, previous.evidence_start)
                return
        if name == "资金":  # "5000余万元资金改善人居环境"
            purpose = _PURPOSE.match(text, draft.evidence_end)
            if purpose is not None:
                draft.name = _TRAIL_PURPOSE.sub("", purpose.group()) + "资金"
                draft.evidence_end = purpose.end()
                return
        if _AFTER_PREVIOUS.fullmatch(name) and previous is not None and previous.name != name:
            draft.name = _VERB_END.sub("", previous.name) + name  # "城市低保资金270万元，受益275户"
            draft.evidence_start = min(draft.evidence_start, previous.evidence_start)
            return
        if _RATE_OF_CLAUSE.fullmatch(name):  # "全力开展医疗保险征缴工作，完成率达98%"
            if (
                previous is not None
                and not _DIGIT.search(previous.name)
                and not _PLACE_END.search(previous.name)
            ):
                draft.name = _VERB_END.sub("", previous.name) + name  # "全年办件6109件，办结率100%"
                return
            subject = self._previous_clause_subject(draft.evidence_start)
            if subject:
                draft.name = subject + name

    def _shares_the_verb_of(self, previous: Draft, draft: Draft) -> bool:
        """Whether `draft` is the next item of a 、 list that `previous` opened ("减少A 3500亿元、B 2000亿元")."""
        text = self.text
        joiner = previous.evidence_end
        return (
            previous.level.end <= joiner < draft.evidence_start
            and text[joiner : draft.evidence_start] == "、"
            and draft.evidence_start < draft.level.start
            and _STOCK_VERB.match(draft.name) is None
        )

    def _invested_in(self, level: Figure) -> tuple[str, int] | None:
        """What an investment is for: the object of the verb right after it ("…实施了拆炉并网工程")."""
        text = self.text
        verb = _INVESTED_IN.match(text, level.end)
        if verb is None:
            return None
        counted = _COUNT_FIRST.match(text, verb.end())  # "投资2650万元改扩建15个社区党群服务中心"
        end = counted.end() if counted is not None else verb.end()
        start = end
        limit = min(len(text), end + _MAX_OBJECT)
        while end < limit and text[end] not in _OBJECT_STOPS and not text[end].isdigit():
            end += 1
        if end < len(text) and (text[end].isdigit() or (end == limit and text[end] not in _OBJECT_STOPS)):
            return None  # the next figure's term ("建成大棚2350亩"), or no natural end
        obj = text[start:end].split("进行", 1)[0]
        name = clean_name(obj)
        if not verb.group("verb") and not verb.group().endswith("对") and name == obj:
            return None  # "完成投资1.7亿元，起步区基础框架初步形成": a clause, not what was paid for
        return (name, start + len(obj)) if len(name) >= 2 else None

    def _previous_clause_subject(self, pos: int) -> str:
        text = self.text
        clause = clause_start(text, self.sentence_start, pos)
        if clause <= self.sentence_start:
            return ""
        floor = name_floor(text, clause_start(text, self.sentence_start, clause - 1), clause - 1, self.others)
        subject = clean_name(_TRAIL_PURPOSE.sub("", text[floor : clause - 1]))
        return "" if _DIGIT.search(subject) else subject


def _attach_change(draft: Draft, figure: Figure, basis: str | None, decline: bool) -> None:
    if draft.change is None:
        draft.change, draft.basis, draft.decline = figure, basis, decline
    else:
        draft.extra_changes.append((figure, basis, decline))
