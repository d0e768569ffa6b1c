"""normalize: unification, boilerplate removal, flags, and the offset map back to the original."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.text.normalize import Normalized, normalize
from tests.conftest import assert_spans_match, read_seed

# ------------------------------------------------------------------ helpers


def _unified(piece: str) -> str:
    """What one clean character may stand for, by the unification rules (the test's own copy)."""
    if piece == "\r\n":
        return "\n"
    assert len(piece) == 1, piece
    ch = piece
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if ch in "\u3000\u00a0\u2009\u202f\t":
        return " "
    if ch in "\r\x0b\x0c":
        return "\n"
    return ch


def assert_well_formed(norm: Normalized) -> None:
    """The invariants every normalization keeps, whatever the input."""
    original, clean = norm.original, norm.clean
    assert clean.original == original
    assert len(clean.starts) == len(clean.ends) == len(clean.text)
    for i, ch in enumerate(clean.text):
        assert _unified(original[clean.starts[i] : clean.ends[i]]) == ch, (i, ch)
    assert clean.starts == sorted(clean.starts)
    assert_spans_match(original, [w.span for w in norm.warnings])
    positions = [(w.span.start, w.span.end) for w in norm.warnings if w.span is not None]
    assert positions == sorted(positions)
    removals = sorted(norm.removals, key=lambda r: r.start)
    for before, after in itertools.pairwise(removals):
        assert before.end <= after.start
    removed = {(r.start, r.end, r.code) for r in norm.removals}
    warned = {(w.span.start, w.span.end, w.code) for w in norm.warnings if w.span is not None}
    assert removed <= warned
    # No clean character comes from inside a removed stretch.
    for r in norm.removals:
        assert not any(r.start <= s < r.end for s in clean.starts)
    if clean.text:
        start, end = clean.to_original(0, len(clean.text))
        assert 0 <= start <= end <= len(original)


def _codes(norm: Normalized) -> list[str]:
    return [w.code for w in norm.warnings]


def _quotes(norm: Normalized, code: str) -> list[str]:
    return [w.span.quote for w in norm.warnings if w.code == code and w.span is not None]


# -------------------------------------------------------------- unification

UNIFY_CASES = [
    pytest.param("ＧＤＰ增长５．２％", "GDP增长5.2%", id="fullwidth-letters-digits-percent"),
    pytest.param(
        "（一）收入：１２亿元；支出，８亿元！对吗？",
        "(一)收入:12亿元;支出,8亿元!对吗?",
        id="fullwidth-punctuation",
    ),
    pytest.param("政\u3000府\u00a0工\t作", "政 府 工 作", id="blanks-to-space"),
    pytest.param("第一行\r\n第二行\r第三行\n", "第一行\n第二行\n第三行\n", id="line-breaks"),
    pytest.param("财政\u200b收入\ufeff5\u200d亿元\u2060", "财政收入5亿元", id="zero-width-dropped"),
    pytest.param("总额1 200万元，共12 345 678元", "总额1200万元,共12345678元", id="thousands-spaces"),
    pytest.param(
        "增长5 .2%，达到１ ２００亩", "增长5.2%,达到1200亩", id="space-before-point-and-fullwidth-groups"
    ),
    pytest.param("2021 2022 2023年", "2021 2022 2023年", id="years-apart-stay-apart"),
    pytest.param("指标\t100\t200", "指标 100 200", id="table-cells-stay-apart"),
    pytest.param("第1 20名", "第1 20名", id="not-a-thousands-group"),
    pytest.param("——五年来、“四下基层”。", "——五年来、“四下基层”。", id="chinese-punctuation-kept"),
    pytest.param("总投资IlOO多万元", "总投资IlOO多万元", id="ocr-letters-not-changed"),
]


@pytest.mark.parametrize(("text", "clean"), UNIFY_CASES)
def test_unification(text: str, clean: str) -> None:
    norm = normalize(text)
    assert norm.clean.text == clean
    assert_well_formed(norm)


def test_control_characters_dropped_and_warned() -> None:
    norm = normalize("收入\x00\x01\x02五亿元\x7f。")
    assert norm.clean.text == "收入五亿元。"
    assert _quotes(norm, "control_chars") == ["\x00\x01\x02", "\x7f"]
    assert_well_formed(norm)


def test_clean_range_maps_back_to_the_original_stretch() -> None:
    text = "ＧＤＰ达到１ ２００亿元\r\n"
    norm = normalize(text)
    start = norm.clean.text.index("1200")
    span = norm.clean.span(start, start + len("1200亿元"))
    assert span.quote == "１ ２００亿元"


# ------------------------------------------------------------------ removals

# (text, expected clean text, code, quotes removed)
REMOVAL_CASES = [
    pytest.param(
        "首页 > 政务公开 > 规划计划 > 政府工作报告\n政府工作报告\n",
        "政府工作报告\n",
        "web_chrome",
        ["首页 > 政务公开 > 规划计划 > 政府工作报告\n"],
        id="breadcrumb",
    ),
    pytest.param(
        "当前位置：首页 » 信息公开 » 工作报告\r\n各位代表：\r\n",
        "各位代表:\n",
        "web_chrome",
        ["当前位置：首页 » 信息公开 » 工作报告\r\n"],
        id="breadcrumb-current-position-crlf",
    ),
    pytest.param(
        "政府工作报告\n\n2021-11-24 15:40\n\n2021年10月25日\n",
        "政府工作报告\n\n\n2021年10月25日\n",
        "web_chrome",
        ["2021-11-24 15:40\n"],
        id="posting-time-goes-meeting-date-stays",
    ),
    pytest.param(
        "来源：镇政府办 发布时间：2024-01-02 浏览次数：356\n各位代表：\n",
        "各位代表:\n",
        "web_chrome",
        ["来源：镇政府办 发布时间：2024-01-02 浏览次数：356\n"],
        id="source-and-posting-line",
    ),
    pytest.param(
        "全面完成目标。\n【字体：大 中 小】 【打印本页】 【关闭窗口】\n扫一扫在手机打开当前页",
        "全面完成目标。\n",
        "web_chrome",
        ["【字体：大 中 小】 【打印本页】 【关闭窗口】\n", "扫一扫在手机打开当前页"],
        id="buttons-and-scan-code",
    ),
    pytest.param(
        "《2023年XX镇政府工作报告.docx》由会员分享，可在线阅读，更多相关《2023年XX镇政府工作报告.docx(11页珍藏版)》请在优知文库上搜索。\n各位代表：",
        "各位代表:",
        "share_header",
        [
            "《2023年XX镇政府工作报告.docx》由会员分享，可在线阅读，更多相关《2023年XX镇政府工作报告.docx(11页珍藏版)》请在优知文库上搜索。\n"
        ],
        id="share-header-line",
    ),
    pytest.param(
        "各位代表：\n还剩12页未读，继续阅读\n现在，我代表镇人民政府报告工作。",
        "各位代表:\n现在,我代表镇人民政府报告工作。",
        "share_header",
        ["还剩12页未读，继续阅读\n"],
        id="share-read-more",
    ),
    pytest.param(
        "全镇完成财政收入XX万元，其中完成税收收入XX万元，非税收\n- 2 -\n入XX万元；规模以上工业总产值XX亿元。",
        "全镇完成财政收入XX万元,其中完成税收收入XX万元,非税收入XX万元;规模以上工业总产值XX亿元。",
        "page_marker",
        ["\n- 2 -\n"],
        id="page-number-line-rejoins",
    ),
    pytest.param(
        "全镇完成财政收入XX万元，非税收\r\n\r\n第 3 页 共 11 页\r\n\r\n入XX万元。\n\n二、工作安排",
        "全镇完成财政收入XX万元,非税收入XX万元。\n\n二、工作安排",
        "page_marker",
        ["\r\n\r\n第 3 页 共 11 页\r\n\r\n"],
        id="page-number-between-blank-lines-rejoins",
    ),
    pytest.param(
        "全年完成目标任务。\n5/12\n二、工作安排",
        "全年完成目标任务。\n二、工作安排",
        "page_marker",
        ["5/12\n"],
        id="page-number-after-full-sentence",
    ),
    pytest.param(
        "锚定锂电、有色金属等产业精准招商、以商招商，吸引篮彩购买app优质企业安家落户。",
        "锚定锂电、有色金属等产业精准招商、以商招商,吸引优质企业安家落户。",
        "spam",
        ["篮彩购买app"],
        id="lottery-ad-in-sentence",
    ),
    pytest.param(
        "全年新增就业岗位120个，加微信abc12345领取彩金，群众满意度提升。",
        "全年新增就业岗位120个,领取彩金,群众满意度提升。",
        "spam",
        ["加微信abc12345"],
        id="contact-spam",
    ),
    pytest.param(
        "完善农村道路时时彩平台设施建设。",
        "完善农村道路设施建设。",
        "spam",
        ["时时彩平台"],
        id="lottery-platform",
    ),
]


@pytest.mark.parametrize(("text", "clean", "code", "quotes"), REMOVAL_CASES)
def test_boilerplate_removed_and_reported(text: str, clean: str, code: str, quotes: list[str]) -> None:
    norm = normalize(text)
    assert norm.clean.text == clean
    assert _quotes(norm, code) == quotes
    assert [r.code for r in norm.removals] == [code] * len(quotes)
    assert_well_formed(norm)


KEPT_CASES = [
    pytest.param("深入开展“反诈APP安装”等专项行动。", id="anti-fraud-app"),
    pytest.param("使用福利彩票公益金建设养老服务中心，规范体育彩票销售网点。", id="welfare-lottery"),
    pytest.param("整治农村棋牌室，依法打击网络赌博平台。", id="anti-gambling"),
    pytest.param("引导群众下载APP办理社保业务。", id="download-app-honest"),
    pytest.param("2021年10月25日\n在巴中市第二十届人民代表大会第一次会议上\n", id="meeting-date"),
    pytest.param("重点做好以下工作：1、农保和医保工作；2、民政工作。", id="inline-list"),
    pytest.param(
        "今年重点抓好三项工作：\n1、农保和医保工作。全镇参保率达到98%。\n2、民政工作。发放低保资金120万元。\n3、计生工作。\n",
        id="list-items-after-full-sentences",
    ),
    pytest.param("主要工作\n1、农保和医保工作\n2、民政工作\n3、计生工作\n", id="short-heading-list"),
    pytest.param("首页建设已完成，网站栏目调整为5个。\n", id="word-home-in-sentence"),
    pytest.param("来源于群众的意见建议全部办结，共计120件，满意率100%。", id="source-in-sentence"),
    pytest.param("建成农家书屋文库12个，群众可免费借阅和下载电子图书。", id="library-is-not-a-sharing-site"),
    pytest.param("依法遏制网络赌博平台蔓延，查处百家乐等赌博案件3起。", id="gambling-crackdown"),
    pytest.param("新建篮球场2个，12345热线办结率100%。", id="numbers-near-sport-words"),
]


@pytest.mark.parametrize("text", KEPT_CASES)
def test_report_text_is_kept(text: str) -> None:
    norm = normalize(text)
    assert norm.removals == []
    assert norm.clean.text == "".join(_unified(ch) for ch in text)
    assert_well_formed(norm)


def test_page_marker_run_removed_and_sentences_rejoin() -> None:
    page = "经济发展稳中向好，项目建设持续推进，民生保障不断加强，各项事业全面进步，"
    text = (
        "《2023年镇政府工作报告》由会员分享，可在线阅读，更多相关《2023年镇政府工作报告》请在某某文库上搜索。\n"
        f"1、2023年镇政府工作报告各位代表：{page}非税收\n"
        f"2、入XX万元；{page}姚岗太阳\n"
        f"3、能路灯正在安装。{page}重点工作：1、农保和医保工作。"
    )
    norm = normalize(text)
    assert _quotes(norm, "page_marker") == ["1、", "\n2、", "\n3、"]
    assert "非税收入XX万元" in norm.clean.text
    assert "姚岗太阳能路灯" in norm.clean.text
    assert norm.clean.text.startswith("2023年镇政府工作报告各位代表:")
    assert "重点工作:1、农保和医保工作。" in norm.clean.text
    assert_well_formed(norm)


# --------------------------------------------------------------------- flags

# (text, code, flagged quotes in order)
FLAG_CASES = [
    pytest.param(
        "收入\ufffd\ufffd万元，支出\ufffd亿元",
        "replacement_char",
        ["\ufffd\ufffd", "\ufffd"],
        id="replacement-runs",
    ),
    pytest.param(
        "完成财政收入XX万元，增长xx.xx%；固定资产投资x.xxx亿元。",
        "redacted",
        ["XX万元", "xx.xx%", "x.xxx亿元"],
        id="masked-figures",
    ),
    pytest.param(
        "20xx年，全镇新增xx户xx人，种植xxxx余株。",
        "redacted",
        ["20xx年", "xx户", "xx人", "xxxx余株"],
        id="masked-counts",
    ),
    pytest.param("ＸＸ万元", "redacted", ["ＸＸ万元"], id="fullwidth-mask"),
    pytest.param(
        "XX镇人民政府在xx村、x省、Sxxx线沿线和“xxxx”计划中推进XX项目，代表XX人民政府。",
        "redacted",
        [],
        id="masked-names-are-not-figures",
    ),
    pytest.param("举办3x3篮球赛，XX元/月。", "redacted", ["XX元"], id="times-sign-is-not-a-mask"),
    pytest.param("总投资IlOO多万元，完成2O23年目标。", "ocr_digits", ["IlOO", "2O23"], id="ocr-letters"),
    pytest.param(
        "推广O2O模式，通过ISO9001认证，CO2排放下降，APP上线。", "ocr_digits", [], id="real-words-not-ocr"
    ),
]


@pytest.mark.parametrize(("text", "code", "quotes"), FLAG_CASES)
def test_flags_mark_without_changing(text: str, code: str, quotes: list[str]) -> None:
    norm = normalize(text)
    assert _quotes(norm, code) == quotes
    assert norm.removals == []
    assert len(norm.clean.text) == len(text)
    assert_well_formed(norm)


# --------------------------------------------------------------------- seeds


def test_seeds_are_well_formed(seed: tuple[str, str]) -> None:
    _, text = seed
    assert_well_formed(normalize(text))


def test_seed_000_loses_the_lottery_ad_and_nothing_else() -> None:
    text = read_seed("000")
    norm = normalize(text)
    assert [(r.code, text[r.start : r.end]) for r in norm.removals] == [("spam", "篮彩购买app")]
    assert "吸引优质企业安家落户" in norm.clean.text
    assert len(norm.clean.text) == len(text) - len("篮彩购买app")


def test_seed_001_loses_share_header_and_page_markers() -> None:
    text = read_seed("001")
    norm = normalize(text)
    codes = [r.code for r in norm.removals]
    assert codes[0] == "share_header"
    assert codes.count("page_marker") == 16
    assert "由会员分享" not in norm.clean.text
    assert norm.clean.text.startswith("2023年XX镇政府工作报告各位代表:")
    assert "非税收入XX万元" in norm.clean.text
    assert "\n" not in norm.clean.text.strip()  # every page joined back into running text
    assert "反诈APP安装" in norm.clean.text
    assert "IlOO" in _quotes(norm, "ocr_digits")
    assert "XX万元" in _quotes(norm, "redacted")


def test_seed_002_loses_breadcrumbs_posting_time_and_scan_prompt() -> None:
    text = read_seed("002")
    norm = normalize(text)
    quotes = [text[r.start : r.end].strip() for r in norm.removals]
    assert quotes == [
        "首页 >政务公开 > 恩阳区双胜镇 > 政府工作报告",
        "2021-11-24 15:40",
        "扫一扫在手机打开当前页",
    ]
    assert {r.code for r in norm.removals} == {"web_chrome"}
    assert "2021年10月25日" in norm.clean.text
    assert "2021年政府工作报告" in norm.clean.text


def test_seed_003_full_width_punctuation_unified() -> None:
    norm = normalize(read_seed("003"))
    assert norm.removals == []
    assert "财政总收入5.2亿元,同比增长23.4%;" in norm.clean.text
    assert not any(0xFF01 <= ord(ch) <= 0xFF5E for ch in norm.clean.text)


def test_seed_004_masked_figures_flagged() -> None:
    norm = normalize(read_seed("004"))
    redacted = _quotes(norm, "redacted")
    for quote in ("xxxxx万元", "xx.xx%", "x.xxx亿元", "xxxx.x万元", "xxxxx.xx元", "20xx年"):
        assert quote in redacted
    assert not [q for q in redacted if q.endswith(("村", "镇", "省", "寨"))]
    assert norm.removals == []


# ------------------------------------------------------------------ property

_PIECES = st.sampled_from(
    [
        "政府工作报告",
        "各位代表：",
        "全镇财政收入",
        "增长",
        "。",
        "，",
        "１２３",
        "４．５％",
        "1 200",
        "5 .2",
        "XX万元",
        "xx.xx%",
        "20xx年",
        "XX镇",
        "IlOO多万元",
        "\n",
        "\r\n",
        "\r",
        "\u3000",
        "\u00a0",
        "\t",
        "\u200b",
        "\x00",
        "\ufffd",
        " ",
        "首页 > 政务公开 > 政府工作报告\n",
        "扫一扫在手机打开当前页\n",
        "2021-11-24 15:40\n",
        "篮彩购买app",
        "\n2、",
        "\n3、",
        "1、",
        "《报告》由会员分享，可在线阅读，更多相关《报告》请在某某文库上搜索。",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=40))
def test_property_offsets_and_warnings_hold_for_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert_well_formed(normalize(text))
