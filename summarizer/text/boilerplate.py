"""Find the stretches of a report that are not the report: chrome, headers, page markers, spam.

Reports reach us copied from government web pages and document-sharing sites,
so the text carries the site's breadcrumbs and buttons, the sharing site's
banner, page numbers that cut sentences in half, and advertising injected into
the middle of sentences.  This module only *finds* those stretches (in original
coordinates); `normalize.py` leaves them out of the clean copy and reports each
one as a warning, so nothing disappears silently.

Every rule is general: cue words and shapes of lines, never a particular report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REMOVAL_MESSAGES: dict[str, str] = {
    "web_chrome": "已删除网页导航/页面元素 / web page chrome removed",
    "share_header": "已删除文档分享网站的页眉 / document-sharing site header removed",
    "page_marker": "已删除切断句子的页码标记 / page marker removed and the sentence rejoined",
    "spam": "已删除插入句中的广告/博彩内容 / advertising or gambling spam removed",
}


@dataclass(frozen=True)
class Removal:
    """A stretch of the original text left out of the clean copy."""

    start: int
    end: int
    code: str  # "web_chrome" | "share_header" | "page_marker" | "spam"


@dataclass(frozen=True)
class _Line:
    start: int  # first character of the line
    stop: int  # end of its content (before the line break)
    end: int  # after its line break (== stop on the last line)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[_Line]:
    """Lines with their content and line-break boundaries, for `\\n`, `\\r\\n` and `\\r` alike."""
    lines: list[_Line] = []
    pos = 0
    for m in _LINE_BREAK.finditer(text):
        lines.append(_Line(pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(text):
        lines.append(_Line(pos, len(text), len(text)))
    return lines


# ---------------------------------------------------------------- web chrome
# Chrome lines are short; a long line is report text even if it starts like chrome.
_CHROME_MAX_LEN = 160
_SEP = r"[>＞»›→/|｜\-—]"
_BREADCRUMB = re.compile(
    rf"\s*(?:(?:您(?:当前)?(?:所在)?的?|当前|所在)位置\s*[:：]?\s*)?(?:网站首页|首页|主页)\s*{_SEP}+.*{_SEP}.*"
    rf"|\s*(?:您(?:当前)?(?:所在)?的?|当前|所在)位置\s*[:：].*{_SEP}.*"
)
# Key-value lines of the page frame: "来源：… 发布时间：…", "浏览次数：123", "索引号：…".
_CHROME_KEY = re.compile(
    r"\s*[【\[]?\s*(?:信息来源|文章来源|来源|发布(?:时间|日期|机构)|更新时间|浏览(?:次数|量)|阅读(?:次数|量)|"
    r"访问(?:次数|量)|点击(?:数|量|率|次数)|责任编辑|编辑|作者|字体|字号|索引号|主题分类|发文机关|"
    r"成文日期|发布机构|文号|分享到|主办单位|承办单位|版权所有|技术支持|网站标识码|联系电话)\s*[:：]"
)
# Buttons and widgets; a line made only of these (and brackets, separators) is chrome.
_CHROME_TOKEN = re.compile(
    r"扫一扫在手机(?:上)?打开(?:当前页)?|(?:手机)?扫一扫|在手机(?:上)?打开当前页|打印本页|打印此页|打印|"
    r"关闭本页|关闭窗口|关闭|返回顶部|返回|收藏本页|收藏|我要纠错|纠错|分享到|分享|"
    r"字体\s*[:：]?\s*(?:[大中小]\s*)+|字号\s*[:：]?\s*(?:[大中小]\s*)+|[大中小](?=\s|[】\]])|"
    r"上一篇|下一篇|相关链接|【|】|\[|\]|[|｜·•]|\s+"
)
_CHROME_ANYWHERE = re.compile(r"ICP备|公网安备|扫一扫在手机")
# A line that is only a posting time: "2021-11-24 15:40", "2021/11/24".  A date written
# with 年月日 is the meeting date under the title, and is kept.
_POSTING_TIME = re.compile(
    r"\s*(?:发布时间\s*[:：]\s*)?\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)


def _is_chrome_line(line: str) -> bool:
    if not line.strip() or len(line) > _CHROME_MAX_LEN:
        return False
    if _BREADCRUMB.fullmatch(line) or _CHROME_KEY.match(line) or _POSTING_TIME.fullmatch(line):
        return True
    if _CHROME_ANYWHERE.search(line):
        return True
    if _CHROME_TOKEN.match(line) is None:
        return False  # its first character is no button: it stays (a quick answer for report lines)
    leftover = _CHROME_TOKEN.sub("", line)
    return leftover == "" and any(ch not in "【】[]|｜·• \t\u3000\u00a0" for ch in line)


# ------------------------------------------------------------ share headers
# "《…》由会员分享，可在线阅读，更多相关《…》请在XX文库上搜索。" and its cousins.
_SHARE_SENTENCE = re.compile(
    r"《[^》\r\n]{1,200}》\s*由[^\r\n]{0,12}(?:分享|上传)[^\r\n]{0,300}?(?:上搜索|下载)[。.]?"
)
# In two parts: a case-insensitive pattern scans a Chinese line slowly, and Chinese has no case.
_SHARE_SITE_HAN = re.compile(r"文库|道客巴巴|豆丁|原创力文档")
_SHARE_SITE_LATIN = re.compile(r"doc88|docin|book118|max\.book", re.IGNORECASE)
_SHARE_SITE_LATIN_FIRST = "dDbBmM"  # what each Latin name can start with, in either case
# The sharing site's own wording; "文库" and "下载" alone also occur in reports ("农家书屋文库").
_SHARE_VERB = re.compile(
    r"由会员分享|用户分享|上传|上搜索|在线阅读|继续阅读|文档贡献|积分|VIP|页未读|免费下载|下载文档"
)
_SHARE_LINE = re.compile(
    r"\s*(?:还剩\s*\d+\s*页未读[,，]?\s*继续阅读|下载文档到电脑[,，]?\s*查找使用更方便|"
    r"免费下载|文档贡献者\s*[:：]?.*|本文档由.{0,40}(?:分享|上传).*)\s*[。.]?\s*"
)
# A sharing banner is a line or two; a longer line is report text that mentions a library.
_SHARE_MAX_LEN = 300


def _is_share_line(line: str) -> bool:
    if not line.strip() or len(line) > _SHARE_MAX_LEN:
        return False
    return bool(_SHARE_LINE.fullmatch(line) or (_names_share_site(line) and _SHARE_VERB.search(line)))


def _names_share_site(line: str) -> bool:
    if _SHARE_SITE_HAN.search(line):
        return True
    return any(c in line for c in _SHARE_SITE_LATIN_FIRST) and _SHARE_SITE_LATIN.search(line) is not None


# -------------------------------------------------------------- page markers
_PAGE_MARKER = re.compile(r"(\d{1,3})、")
_PAGE_NUMBER_LINE = re.compile(
    r"\s*(?:第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+|"
    r"page\s*\d+(?:\s*of\s*\d+)?)\s*",
    re.IGNORECASE,
)
_SENTENCE_END = frozenset("。！？；!?;:：…")
_CLOSERS = "”’\"')）】」』》 \t\u3000\u00a0"
# A page's last line is long; a short line before "2、" is a list heading, not a page.
_PAGE_LINE_MIN_LEN = 40


def _ends_mid_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] not in _SENTENCE_END


def _find_page_markers(text: str, lines: list[_Line], removed: set[int]) -> list[Removal]:
    """Runs of "1、", "2、", "3、"… at line starts that cut sentences (pages of a shared document).

    A run counts as page markers when most of its markers follow a long line that
    ends mid-sentence; then every marker of the run goes, and where the sentence
    was cut the line break before the marker goes too ("非税收\\n2、入" -> "非税收入").
    """
    out: list[Removal] = []
    markers: list[tuple[int, int, int]] = []  # (line index, number, end of the marker)
    for i, line in enumerate(lines):
        if i in removed:
            continue
        m = _PAGE_MARKER.match(text, line.start, line.stop)
        if m:
            markers.append((i, int(m.group(1)), m.end()))
    runs: list[list[tuple[int, int, int]]] = []
    for marker in markers:
        if runs and marker[1] == runs[-1][-1][1] + 1:
            runs[-1].append(marker)
        else:
            runs.append([marker])
    for run in runs:
        if len(run) < 2:
            continue
        cuts = [_cuts_sentence(text, lines, i, removed) for i, _, _ in run]
        if sum(cuts[1:]) * 2 < len(run) - 1 or not any(cuts):
            continue
        for (i, _, marker_end), cut in zip(run, cuts, strict=True):
            start = lines[_previous_line(lines, i, removed, text)].stop if cut else lines[i].start
            out.append(Removal(start, marker_end, "page_marker"))
    return out


def _previous_line(lines: list[_Line], i: int, removed: set[int], text: str) -> int:
    """The nearest line before `i` that is neither removed nor blank (-1 if none)."""
    j = i - 1
    while j >= 0 and (j in removed or not text[lines[j].start : lines[j].stop].strip()):
        j -= 1
    return j


def _cuts_sentence(text: str, lines: list[_Line], i: int, removed: set[int]) -> bool:
    j = _previous_line(lines, i, removed, text)
    if j < 0:
        return False
    previous = text[lines[j].start : lines[j].stop]
    return len(previous.strip()) >= _PAGE_LINE_MIN_LEN and _ends_mid_sentence(previous)


# ---------------------------------------------------------------------- spam
# Always advertising when they appear in a report.
_SPAM_STRONG = (
    "篮彩", "足彩", "购彩", "时时彩", "六合彩", "百家乐", "娱乐城", "真人娱乐", "老虎机", "彩票网", "体彩网",
    "扫码下载", "点击下载", "下载app", "下载APP", "下载App", "加微信", "加VX", "加vx", "加QQ", "加qq",
)  # fmt: skip
# Words with an honest meaning too (福利彩票, 棋牌室, 博彩业): spam only next to an app/site word.
_SPAM_WEAK = ("彩票", "博彩", "棋牌", "投注", "竞彩", "赌博", "网赌")
_SPAM_SUFFIX = r"购买|下载|注册|开户|投注|平台|官网|网址|网站|入口|软件|客户端|app|APP|App"
# One flat alternation of literals: the regex engine scans it fast.
_SPAM_TERM = re.compile("|".join(sorted(_SPAM_STRONG + _SPAM_WEAK, key=len, reverse=True)))
_SPAM_TAIL = re.compile(rf"(?:{_SPAM_SUFFIX})*")
# After "加微信"/"加QQ": the account the ad wants you to add.
_SPAM_CONTACT_TERMS = frozenset({"加微信", "加VX", "加vx", "加QQ", "加qq"})
_SPAM_CONTACT = re.compile(r"\s*[:：]?\s*[A-Za-z0-9_\-]{5,20}(?![A-Za-z0-9])")
# Reports speak of gambling and apps honestly: "打击网络赌博平台", "引导群众下载反诈APP".
_SPAM_HONEST_CONTEXT = re.compile(
    r"打击|整治|取缔|查处|严禁|禁止|防范|抵制|远离|非法|涉赌|反诈|诈骗|遏制|治理|清理|排查|摧毁|"
    r"引导|推广|宣传|动员|指导|协助"
)
_SPAM_CONTEXT_CHARS = 8


def _find_spam(text: str) -> list[Removal]:
    """Spam terms with the app/site words glued to them ("篮彩购买app"), never whole sentences."""
    out: list[Removal] = []
    for m in _SPAM_TERM.finditer(text):
        tail = _SPAM_TAIL.match(text, m.end())
        end = tail.end() if tail else m.end()
        if m.group() in _SPAM_WEAK and end == m.end():
            continue
        contact = _SPAM_CONTACT.match(text, end) if m.group() in _SPAM_CONTACT_TERMS else None
        if contact:
            end = contact.end()
        before = text[max(0, m.start() - _SPAM_CONTEXT_CHARS) : m.start()]
        if _SPAM_HONEST_CONTEXT.search(before):
            continue
        out.append(Removal(m.start(), end, "spam"))
    return out


# ------------------------------------------------------------------- all
def find_boilerplate(text: str) -> list[Removal]:
    """Every stretch to leave out of the clean copy, sorted and non-overlapping (original coords)."""
    lines = split_lines(text)
    found: list[Removal] = []
    removed_lines: set[int] = set()
    for i, line in enumerate(lines):
        content = text[line.start : line.stop]
        code = None
        if _is_chrome_line(content):
            code = "web_chrome"
        elif _is_share_line(content):
            code = "share_header"
        elif _PAGE_NUMBER_LINE.fullmatch(content):
            code = "page_marker"
        if code is not None:
            removed_lines.add(i)
            found.append(_whole_line(text, lines, i, code, removed_lines))
    for m in _SHARE_SENTENCE.finditer(text):
        found.append(Removal(m.start(), m.end(), "share_header"))
    found.extend(_find_page_markers(text, lines, removed_lines))
    found.extend(_find_spam(text))
    return _without_overlaps(found)


def _whole_line(text: str, lines: list[_Line], i: int, code: str, removed: set[int]) -> Removal:
    """A removed line with its line break.

    A page number that cut a sentence also takes the line breaks (and blank lines)
    around it, so the two halves of the sentence join again.
    """
    line = lines[i]
    if code == "page_marker":
        j = _previous_line(lines, i, removed, text)
        if j >= 0 and _ends_mid_sentence(text[lines[j].start : lines[j].stop]):
            k = i
            while k + 1 < len(lines) and not text[lines[k + 1].start : lines[k + 1].stop].strip():
                k += 1
            return Removal(lines[j].stop, lines[k].end, code)
    return Removal(line.start, line.end, code)


def _without_overlaps(found: list[Removal]) -> list[Removal]:
    """Sorted by start; where two overlap the longer one wins (a whole line beats a phrase in it)."""
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    out: list[Removal] = []
    for removal in found:
        if removal.end <= removal.start:
            continue
        if out and removal.start < out[-1].end:
            if removal.end > out[-1].end and removal.end - removal.start > out[-1].end - out[-1].start:
                out[-1] = removal
            continue
        out.append(removal)
    return out
