"""`track`: targets of one year against the next report's actuals, on real pairs and synthetic years.

The real pairs (fixtures/tracking, answer key expected.json) are measured, not tuned on
sentence by sentence: the floors below are what the rules reach today.  The qualifier
rules and the year pairing are tested on synthetic reports written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from summarizer import InputError, track
from summarizer.tracking import TrackItem, TrackResult, track_csv, track_markdown
from tests.conftest import FIXTURES, ROOT, assert_spans_match

TRACKING = FIXTURES / "tracking"
KEY = json.loads((TRACKING / "expected.json").read_text(encoding="utf-8"))

# Expected items found with the right status (target, actual and status all right), per pair.
# An honest regression floor: what the rules reach today (see the closing note of issue 17).
FLOORS = {"海拉尔区": (21, 24), "全国": (6, 10)}
NO_ACTUAL_FLOORS = {"海拉尔区": (7, 7), "全国": (3, 4)}


def _text(name: str) -> str:
    return (TRACKING / name).read_bytes().decode("utf-8")  # CRLF kept, as in the file


@cache
def _pair_result(target_report: str, review_report: str) -> TrackResult:
    return track([(name, _text(name)) for name in (target_report, review_report)])


def _same_raw(a: str, b: str) -> bool:
    return a.replace("％", "%") == b.replace("％", "%")


def _covers(text: str, start: int, end: int, quote: str) -> bool:
    at = text.find(quote)
    return at >= 0 and start < at + len(quote) and at < end


def _found(pair: dict, expected: dict, items: list[TrackItem]) -> list[TrackItem]:
    target_text = _text(pair["target_report"])
    review_text = _text(pair["review_report"])
    found = []
    for item in items:
        target = item.target
        if item.year != pair["year"] or not _same_raw(target.raw, expected["target_raw"]):
            continue
        if not _covers(target_text, target.evidence.start, target.evidence.end, expected["target_quote"]):
            continue
        if "actual_raw" not in expected:  # a target without an actual
            if item.status == "no_actual":
                found.append(item)
            continue
        actual = item.actual
        if (
            item.status == expected["status"]
            and actual is not None
            and _same_raw(actual.raw, expected["actual_raw"])
            and _covers(review_text, actual.evidence.start, actual.evidence.end, expected["actual_quote"])
        ):
            found.append(item)
    return found


@pytest.mark.parametrize("pair", KEY["pairs"], ids=[p["place"] for p in KEY["pairs"]])
def test_the_answer_key_is_found_with_the_right_status(pair: dict) -> None:
    result = _pair_result(pair["target_report"], pair["review_report"])
    assert [r.place for r in result.reports] == [pair["place"], pair["place"]]
    assert [r.year for r in result.reports] == [pair["year"], pair["year"] + 1]
    found = sum(bool(_found(pair, e, result.items)) for e in pair["items"])
    assert (found, len(pair["items"])) >= FLOORS[pair["place"]], f"{found}/{len(pair['items'])}"
    without = sum(bool(_found(pair, e, result.items)) for e in pair["targets_without_actual"])
    assert (without, len(pair["targets_without_actual"])) >= NO_ACTUAL_FLOORS[pair["place"]]


@pytest.mark.parametrize("pair", KEY["pairs"], ids=[p["place"] for p in KEY["pairs"]])
def test_spans_point_into_each_files_original_text(pair: dict) -> None:
    result = _pair_result(pair["target_report"], pair["review_report"])
    checked = 0
    for item in result.items:
        for side in (item.target, item.actual):
            if side is not None:
                checked += assert_spans_match(_text(side.file), [side.evidence])
        assert (item.actual is None) == (item.status == "no_actual")
        assert item.target.file == (
            pair["target_report"] if item.year == pair["year"] else pair["review_report"]
        )
        if item.actual is not None:
            assert item.actual.file == pair["review_report"]
    assert checked > len(pair["items"])


def test_the_hailar_files_keep_their_crlf_and_spans_still_match() -> None:
    text = _text("hailar_2014.txt")
    assert "\r\n" in text
    result = _pair_result("hailar_2014.txt", "hailar_2015.txt")
    assert result.reports[0].sha256 == "a3036511d785ba35b20cb414e8fda8a7f360b28d99cf85598ad4a7a65acc26c7"


# ---------------------------------------------------------------- synthetic reports


def report(place: str, year: int, review: str, plan: str, session: int = 1) -> str:
    """A small report of `place` delivered in `year`: a review of the year before and a plan."""
    return (
        f"{place}人民政府工作报告\n"
        f"——{year}年2月1日在{place}第十届人民代表大会第{session}次会议上\n"
        f"{place[-1]}长 张 三\n"
        f"一、{year - 1}年工作回顾\n{review}\n"
        f"二、{year}年工作安排\n{plan}\n"
    )


def _items(target_plan: str, actual_review: str, place: str = "青石县") -> list[TrackItem]:
    first = report(place, 2020, "全县上下团结奋斗，各项事业取得新进展。", target_plan)
    second = report(place, 2021, actual_review, "全面推进各项工作。", session=2)
    result = track([("a.txt", first), ("b.txt", second)])
    return [i for i in result.items if i.year == 2020]


def _only(items: list[TrackItem], concept: str) -> TrackItem:
    (item,) = [i for i in items if i.concept == concept]
    return item


@pytest.mark.parametrize(
    ("plan", "review", "concept", "status"),
    [
        # 左右: a shortfall of up to 0.2 percentage points is met, more is missed
        (
            "全县地区生产总值增长8%左右。",
            "全县地区生产总值完成300亿元，同比增长7.8%。",
            "地区生产总值增速",
            "met",
        ),
        (
            "全县地区生产总值增长8%左右。",
            "全县地区生产总值完成300亿元，同比增长7.7%。",
            "地区生产总值增速",
            "missed",
        ),
        (
            "全县地区生产总值增长8%左右。",
            "全县地区生产总值完成300亿元，同比增长9.5%。",
            "地区生产总值增速",
            "met",
        ),
        # no qualifier: the figure itself, any shortfall is missed
        (
            "社会消费品零售总额增长10%。",
            "社会消费品零售总额完成50亿元，同比增长9.9%。",
            "社会消费品零售总额增速",
            "missed",
        ),
        ("一般公共预算收入达到12亿元。", "一般公共预算收入完成12.3亿元。", "一般公共预算收入", "met"),
        # 以上 = at least
        ("城镇新增就业5000人以上。", "城镇新增就业4990人。", "城镇新增就业", "missed"),
        ("城镇新增就业5000人以上。", "城镇新增就业5000人。", "城镇新增就业", "met"),
        # 以内 = at most; unemployment and CPI are ceilings even when 左右 or bare
        ("城镇登记失业率控制在4%以内。", "城镇登记失业率为4.2%。", "城镇登记失业率", "missed"),
        ("城镇登记失业率控制在4%以内。", "城镇登记失业率为3.9%。", "城镇登记失业率", "met"),
        ("居民消费价格涨幅3%左右。", "居民消费价格涨幅为3.1%。", "居民消费价格涨幅", "met"),
        ("居民消费价格涨幅3%左右。", "居民消费价格涨幅为3.3%。", "居民消费价格涨幅", "missed"),
        ("居民消费价格涨幅3%左右。", "居民消费价格涨幅为1.5%。", "居民消费价格涨幅", "met"),
        # units of different kinds, a changed statistical scope: unclear
        (
            "一般公共预算收入达到12亿元。",
            "按新口径计算，一般公共预算收入完成12.5亿元。",
            "一般公共预算收入",
            "unclear",
        ),
        # an actual that is only a bound the wrong way
        ("旅游接待人数达到100万人次以上。", "旅游接待人数近100万人次。", "旅游接待人数", "unclear"),
        ("旅游接待人数达到100万人次以上。", "旅游接待人数突破90万人次。", "旅游接待人数", "unclear"),
        ("旅游接待人数达到100万人次以上。", "旅游接待人数突破120万人次。", "旅游接待人数", "met"),
        # different bases of a growth rate
        (
            "按可比价计算，地区生产总值增长8%。",
            "按现价计算，全县地区生产总值完成300亿元，同比增长9%。",
            "地区生产总值增速",
            "unclear",
        ),
        # a decline is a negative growth
        ("财政总收入增长5%。", "财政总收入完成9亿元，同比下降2%。", "财政总收入增速", "missed"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_qualifier_rules(plan: str, review: str, concept: str, status: str) -> None:
    item = _only(_items(plan, review), concept)
    assert item.status == status, item.reason
    assert item.reason, "every pair says why"


def test_a_level_with_its_change_gives_the_level_and_the_growth() -> None:
    items = _items("地区生产总值增长11%，达到282亿元。", "全县地区生产总值完成274.4亿元，同比增长9.1%。")
    level, growth = _only(items, "地区生产总值"), _only(items, "地区生产总值增速")
    assert (level.target.raw, level.actual and level.actual.raw, level.status) == (
        "282亿元",
        "274.4亿元",
        "missed",
    )
    assert (growth.target.raw, growth.actual and growth.actual.raw, growth.status) == (
        "11%",
        "9.1%",
        "missed",
    )


def test_general_budget_revenue_is_not_total_fiscal_revenue() -> None:
    items = _items("一般公共预算收入达到12亿元。", "财政总收入完成20亿元。")
    item = _only(items, "一般公共预算收入")
    assert item.status == "unclear" and item.actual is not None, "related concepts: another basis"
    assert "财政总收入" in item.reason


def test_several_different_actuals_for_one_target_are_unclear() -> None:
    review = "全年新增营业面积10万平方米，新增就业3000人。全年实现新增就业5650人，城镇登记失业率为3.9%。"
    items = _items("全年新增就业5700人以上。城镇登记失业率控制在4%以内。", review)
    jobs = _only(items, "城镇新增就业")
    assert jobs.status == "unclear" and "3000人" in jobs.reason and "5650人" in jobs.reason
    assert _only(items, "城镇登记失业率").status == "met"


def test_a_target_with_nothing_in_the_next_report_has_no_actual() -> None:
    item = _only(_items("森林覆盖率达到45%。", "全县上下团结奋斗。"), "森林覆盖率")
    assert item.status == "no_actual" and item.actual is None


def test_a_single_report_gives_no_actual_items() -> None:
    text = report("青石县", 2020, "各项事业取得新进展。", "地区生产总值增长8%左右。城镇新增就业5000人以上。")
    result = track([("only.txt", text)])
    assert [i.status for i in result.items] == ["no_actual", "no_actual"]
    assert all("2021" in i.reason for i in result.items)


def test_eight_reports_pair_each_target_with_the_next_years_report_only() -> None:
    """Each year's figures differ; every pair must come from the report delivered the year after."""
    years = range(2010, 2018)

    def growth(year: int) -> float:
        return 5 + (year - 2000) / 10  # 2010 -> 6.0, 2011 -> 6.1 …

    texts = []
    for year in years:
        review = (
            f"{year - 3}年全县地区生产总值为{100 + year - 2000}亿元。"  # an older year's figure, not an actual for the year before
            f"全县地区生产总值完成{200 + year - 2000}亿元，同比增长{growth(year - 1) + 0.05:.2f}%。"
            f"城镇新增就业{1000 + year - 2000}人。"
        )
        plan = f"全县地区生产总值增长{growth(year):.1f}%左右。城镇新增就业{1000 + year - 2000}人以上。"
        texts.append((f"report_{year}.txt", report("青石县", year, review, plan, session=year - 2009)))
    result = track(list(reversed(texts)))  # the order given does not matter
    assert [r.year for r in result.reports] == list(reversed(years))
    paired = [i for i in result.items if i.actual is not None]
    assert len(paired) == 2 * (len(years) - 1)
    for item in paired:
        assert item.target.file == f"report_{item.year}.txt"
        assert item.actual is not None and item.actual.file == f"report_{item.year + 1}.txt"
        if item.concept == "地区生产总值增速":
            assert item.actual.value == pytest.approx(growth(item.year) + 0.05)
            assert item.status == "met"
        else:
            assert item.actual.value == 1000 + item.year + 1 - 2000  # what report Y+1 states for Y
            assert item.status == "met"
    last = [i for i in result.items if i.year == 2017]
    assert last and all(i.status == "no_actual" for i in last)


def test_two_places_one_year_give_a_comparison_and_no_pairs() -> None:
    plan = "全县地区生产总值增长{}%左右。城镇登记失业率控制在4%以内。"
    a = report("青石县", 2020, "全县地区生产总值同比增长6%。", plan.format(7))
    b = report("白水县", 2020, "全县地区生产总值同比增长5%。", plan.format(6))
    result = track([("a.txt", a), ("b.txt", b)])
    assert {r.place for r in result.reports} == {"青石县", "白水县"}
    assert all(i.status == "no_actual" for i in result.items)
    rows = [(r.concept, r.place, r.target and r.target.raw) for r in result.comparison]
    assert ("地区生产总值增速", "青石县", "7%左右") in rows and (
        "地区生产总值增速",
        "白水县",
        "6%左右",
    ) in rows
    assert ("城镇登记失业率", "白水县", "4%以内") in rows
    markdown = track_markdown(result)
    assert "各地比较" in markdown and "白水县" in markdown


def test_csv_is_excel_friendly_and_markdown_escapes_pipes() -> None:
    result = _pair_result("hailar_2014.txt", "hailar_2015.txt")
    text = track_csv(result)
    assert text.startswith("\ufeff") and "\r\n" in text
    header = text[1:].split("\r\n")[0].split(",")
    assert header[:5] == ["place", "year", "concept", "name", "status"]
    assert text.count("\r\n") >= len(result.items) + 1
    markdown = track_markdown(result)
    assert markdown.count("\n| 海拉尔区 |") == len(result.items)


def test_bytes_in_another_encoding_are_read_like_the_file() -> None:
    """The HTTP form: (file name, bytes).  GB18030 bytes give the same items, spans into the decoded text."""
    names = ("hailar_2014.txt", "hailar_2015.txt")
    as_bytes = track([(name, _text(name).encode("gb18030")) for name in names])
    as_text = _pair_result(*names)
    assert as_bytes.items == as_text.items
    assert [r.sha256 for r in as_bytes.reports] == [r.sha256 for r in as_text.reports]


def test_a_directory_alone_is_one_source(tmp_path: Path) -> None:
    for name in ("hailar_2014.txt", "hailar_2015.txt"):
        (tmp_path / name).write_bytes((TRACKING / name).read_bytes())
    assert [r.year for r in track(str(tmp_path)).reports] == [2014, 2015]
    assert len(track(tmp_path).items) == len(track([tmp_path]).items)


def test_nothing_to_track_is_an_input_error() -> None:
    with pytest.raises(InputError):
        track([])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", "track", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SUMMARIZER_CACHE": "off"},
    )


def test_cli_tracks_a_directory_in_each_format(tmp_path: Path) -> None:
    for name in ("hailar_2014.txt", "hailar_2015.txt"):
        (tmp_path / name).write_bytes((TRACKING / name).read_bytes())
    out = _cli(str(tmp_path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"schema_version", "reports", "items", "comparison"}
    assert {r["year"] for r in data["reports"]} == {2014, 2015}
    statuses = {i["status"] for i in data["items"]}
    assert {"met", "missed", "no_actual"} <= statuses
    target = tmp_path / "out.csv"
    assert _cli(str(tmp_path), "--format", "csv", "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8").startswith("\ufeffplace,year,concept")
    md = _cli(str(tmp_path / "hailar_2014.txt"), str(tmp_path / "hailar_2015.txt"), "--format", "md")
    assert md.returncode == 0 and "| 海拉尔区 | 2014 |" in md.stdout


def test_cli_bad_input_is_one_bilingual_line_and_exit_2(tmp_path: Path) -> None:
    out = _cli(str(tmp_path / "missing.txt"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "错误" in out.stderr and "Error" in out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _cli(str(empty))
    assert out.returncode == 2 and "no report to track" in out.stderr
