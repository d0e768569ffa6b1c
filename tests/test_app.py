"""The Streamlit app through `streamlit.testing.v1.AppTest`: real app, real library, no browser.

Downloads are read back by recording what the app hands to Streamlit's media
storage, so the JSON offered for download is compared with what the library
itself produces for the same text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from summarizer import summarize
from summarizer.history import History
from summarizer.schema import ReportSummary
from tests.app_pages import every_text_in_page
from tests.conftest import ROOT, assert_spans_match, read_seed
from tests.fake_openai import FakeLLM, error, json_answer
from tests.test_llm_engine import model as cooperative_model

APP = str(ROOT / "app.py")
TIMEOUT = 120  # the first run loads jieba and the dictionaries; no test asserts on time
SECRET_KEY = "sk-test-DO-NOT-LEAK-7f3a9c2e51"
XSS_REPORT = (
    "青石镇政府工作报告\n一、2023年工作回顾\n全镇地区生产总值83.98亿元，同比增长2.3%。"
    "<script>alert(1)</script>新建高标准农田3492亩。\n二、2024年工作安排\n力争财政收入增长5%以上。\n"
)


class RecordingStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media storage that also keeps every download by its file name."""

    downloads: dict[str, bytes] = {}  # noqa: RUF012 (one shared record per test, reset by the fixture)

    def load_and_get_id(
        self, path_or_data: str | bytes, mimetype: str, kind: Any, filename: str | None = None
    ) -> str:
        if filename is not None and isinstance(path_or_data, bytes):
            RecordingStorage.downloads[filename] = path_or_data
        return super().load_and_get_id(path_or_data, mimetype, kind, filename)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    RecordingStorage.downloads = {}
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    yield RecordingStorage.downloads


@pytest.fixture(autouse=True)
def history_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Every app test writes its history to a tmp file, never to ~/.cache, as `make run` serves it (loopback)."""
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("SUMMARIZER_HISTORY", str(path))
    with patch_config_options({"server.address": "127.0.0.1"}):
        yield path


def start_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def summarize_in_app(at: AppTest, text: str) -> AppTest:
    at.text_area(key="report_text").input(text)
    at.button(key="summarize").click()
    at.run()
    assert not at.exception, at.exception
    return at


def html_bodies(at: AppTest) -> list[str]:
    return [str(element.proto.body) for element in at.get("html")]


TAG_OR_TEXT = re.compile(r"<(/?)(\w+)([^>]*)>|([^<]+)")


def highlighted(pane: str) -> tuple[str, list[set[str]]]:
    """The text of a source pane, and for each of its characters the claims whose `<mark>` holds it."""
    text: list[str] = []
    marked: list[set[str]] = []
    claims: set[str] = set()
    for closing, tag, attributes, piece in TAG_OR_TEXT.findall(pane):
        if piece:
            piece = html.unescape(piece)
            text.append(piece)
            marked.extend(set(claims) for _ in piece)
        elif tag == "mark":
            found = re.search(r'data-claim="([^"]*)"', attributes)
            claims = set() if closing else set(html.unescape(found.group(1)).split() if found else ())
    return "".join(text), marked


def normalised(summary_json: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(summary_json)
    data["engine"]["elapsed_s"] = 0.0
    return data


# ---------------------------------------------------------------- the happy path


@pytest.mark.parametrize("prefix", ["000", "003"], ids=["seed-000", "seed-003"])
def test_seed_summary_in_app_equals_library(
    prefix: str, downloads: dict[str, bytes], history_file: Path
) -> None:
    text = read_seed(prefix)
    at = summarize_in_app(start_app(), text)
    expected = summarize(text)

    assert not at.error, [e.value for e in at.error]
    (status,) = at.status
    assert status.label.startswith("完成 Done")
    stage_lines = [m.value for m in status.markdown]
    for stage in ("reading", "sections", "indicators", "summarizing", "verifying"):
        assert any(stage in line and line.startswith("✓") for line in stage_lines), stage
    assert status.get("progress"), "a progress bar inside the status box"

    (json_bytes,) = [data for name, data in downloads.items() if name.endswith(".summary.json")]
    assert normalised(json_bytes.decode("utf-8")) == normalised(expected.to_json())
    offered = ReportSummary.model_validate_json(json_bytes)
    assert assert_spans_match(text, offered.all_spans()) > 0

    # the indicator table, the sections and the highlighted source are on the page
    tables = [frame.value for frame in at.dataframe]
    assert any(len(t) == len(expected.indicators) and "name" in t.columns for t in tables)
    expander_labels = [e.label for e in at.expander]
    for section in expected.sections:
        if section.level == 1:
            assert any(label.startswith(f"{section.id} {section.title}") for label in expander_labels)
    source = next(body for body in html_bodies(at) if 'id="source-pane"' in body)
    pane_text, marked = highlighted(source)
    assert pane_text == text, "the pane shows the report as given"
    evidence = [(c.id, s) for c in expected.all_claims() for s in c.evidence if s.end > s.start]
    assert evidence
    unmarked = [
        (claim_id, span.quote)
        for claim_id, span in evidence
        if not all(claim_id in marked[i] for i in range(span.start, span.end))
    ]
    assert unmarked == [], f"{len(unmarked)} of {len(evidence)} evidence spans not highlighted"
    should = {(claim_id, i) for claim_id, span in evidence for i in range(span.start, span.end)}
    shown = {(claim_id, i) for i, ids in enumerate(marked) for claim_id in ids}
    assert shown <= should, "a highlight that is no claim's evidence"

    # Markdown and CSV downloads are offered too; the CSV starts with a BOM for Excel
    csv_bytes = next(data for name, data in downloads.items() if name.endswith(".indicators.csv"))
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    assert any(name.endswith(".summary.md") for name in downloads)

    # and the summary is in the history, listed with its place and engine
    with History.open(history_file) as history:
        (entry,) = history.entries()
    assert entry.engine == "extractive"
    if expected.meta.place:
        assert entry.place == expected.meta.place.value


def test_sample_report_is_one_click_away(history_file: Path) -> None:
    at = start_app()
    names = at.selectbox(key="seed_choice").options
    assert len(names) == len(list((ROOT / "fixtures" / "seeds").glob("*.txt")))
    at.selectbox(key="seed_choice").set_value("002_f84413ca2bb7db7d.txt")
    at.button(key="load_seed").click()
    at.run()
    assert at.text_area(key="report_text").value == read_seed("002")


def test_selecting_a_claim_marks_its_evidence_active(history_file: Path) -> None:
    text = read_seed("003")
    at = summarize_in_app(start_app(), text)
    summary = summarize(text)
    claim = next(c for c in summary.all_claims() if c.evidence)

    at.selectbox(key="active_claim").select(claim.id)
    at.run()
    source = next(body for body in html_bodies(at) if 'id="source-pane"' in body)
    active = re.findall(r'<mark [^>]*class="[^"]*\bactive\b[^"]*"[^>]*>(.*?)</mark>', source, re.S)
    assert active, "no active mark for the chosen claim"
    assert "data-first-active" in source
    assert claim.evidence[0].quote.startswith(active[0][:10].replace("&quot;", '"'))
    scripts = [body for body in html_bodies(at) if "<script>" in body]
    assert scripts and "data-first-active" in scripts[0], "the scroll script is on the page"


def test_locate_button_selects_a_doubtful_claim(history_file: Path) -> None:
    at = start_app()
    at.text_area(key="check_report").input(read_seed("003"))
    at.text_area(key="check_summary").input("全镇财政总收入5.2亿元。\n地区生产总值达到99.99亿元。")
    at.button(key="check").click()
    at.run()
    keys = [b.key for b in at.button if b.key and b.key.startswith("check_claim-go-")]
    assert keys, "the unsupported claim is listed with a locate button"
    at.button(key=keys[0]).click()
    at.run()
    chosen = keys[0].removeprefix("check_claim-go-")
    assert at.selectbox(key="check_claim").value == chosen
    pane = next(body for body in html_bodies(at) if 'id="check-pane"' in body)
    active = re.findall(r'<mark [^>]*class="[^"]*\bactive\b[^"]*" data-claim="([^"]*)"', pane)
    assert active and all(chosen in ids.split() for ids in active)


def test_history_entry_reopens_in_a_new_session(history_file: Path) -> None:
    text = read_seed("001")
    summarize_in_app(start_app(), text)
    fresh = start_app()
    (button,) = [b for b in fresh.button if (b.key or "").startswith("history-")]
    button.click()
    fresh.run()
    assert fresh.text_area(key="report_text").value == text
    assert any('id="source-pane"' in body for body in html_bodies(fresh))


# ---------------------------------------------------------------- errors and safety


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="empty"), pytest.param("   \n\n  ", id="blank")],
)
def test_empty_input_shows_one_clear_error(text: str, history_file: Path) -> None:
    at = summarize_in_app(start_app(), text)
    (error,) = at.error
    assert error.value.startswith("错误：") and "Error:" in error.value
    assert at.text_area(key="report_text").value == text
    assert "summary" not in at.session_state


def test_binary_file_shows_an_error_and_keeps_the_text(history_file: Path) -> None:
    at = start_app()
    typed = "我已经粘贴的文字\n第二行"
    at.text_area(key="report_text").input(typed)
    at.run()
    binary = bytes(range(256)) * 40
    at.file_uploader(key="upload_widget").set_value(("report.txt", binary, "text/plain"))
    at.run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value.startswith("错误：") and "Error:" in error.value
    assert at.text_area(key="report_text").value == typed


def test_dropped_gb18030_file_is_summarized_from_its_bytes(
    downloads: dict[str, bytes], history_file: Path
) -> None:
    text = read_seed("004")
    at = start_app()
    at.file_uploader(key="upload_widget").set_value(("县报告.txt", text.encode("gb18030"), "text/plain"))
    at.run()
    assert at.text_area(key="report_text").value == text
    at.button(key="summarize").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    (json_bytes,) = [data for name, data in downloads.items() if name.endswith(".summary.json")]
    offered = ReportSummary.model_validate_json(json_bytes)
    assert offered.source.filename == "县报告.txt"
    assert offered.source.text == text


def test_script_in_a_report_shows_as_text(history_file: Path) -> None:
    at = summarize_in_app(start_app(), XSS_REPORT)
    assert not at.error, [e.value for e in at.error]
    bodies = html_bodies(at)
    source = next(body for body in bodies if 'id="source-pane"' in body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert not any("alert(1)</script>" in body for body in bodies)
    assert not any("<script>alert" in m.value for m in at.markdown)


def test_api_key_never_reaches_the_page_or_the_history(history_file: Path) -> None:
    at = start_app()
    at.selectbox(key="engine").select("extractive")
    at.text_input(key="api_key").input(SECRET_KEY)
    at = summarize_in_app(at, read_seed("002"))
    assert not at.error, [e.value for e in at.error]
    assert "summary" in at.session_state
    page = every_text_in_page(at, skip_key="api_key")
    assert len(page) > 10_000, "the walk must have seen the page"
    assert SECRET_KEY not in page
    assert history_file.exists()
    assert SECRET_KEY.encode() not in history_file.read_bytes()
    assert SECRET_KEY not in at.session_state["summary"].to_json()


def test_llm_endpoint_echoing_the_key_never_shows_it(fake_llm: FakeLLM, history_file: Path) -> None:
    # A server that refuses the key and echoes it back, as some providers do.
    fake_llm.script(handler=error(401, f"Incorrect API key provided: {SECRET_KEY}"))
    at = start_app()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input("fake-model")
    at.text_input(key="api_key").input(SECRET_KEY)
    at = summarize_in_app(at, read_seed("001"))

    sent = [r.headers.get("authorization", "") for r in fake_llm.chat_requests]
    assert sent and all(SECRET_KEY in h for h in sent), "the key typed in the sidebar is what the client sent"
    page = every_text_in_page(at, skip_key="api_key")
    assert SECRET_KEY not in page
    (shown,) = at.error
    assert shown.value.startswith("错误：")
    assert "summary" not in at.session_state
    assert at.text_area(key="report_text").value == read_seed("001")
    if history_file.exists():
        assert SECRET_KEY.encode() not in history_file.read_bytes()


def test_llm_engine_shows_sections_done_of_total(fake_llm: FakeLLM, history_file: Path) -> None:
    fake_llm.script(handler=cooperative_model())
    at = start_app()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input("fake-model")
    at = summarize_in_app(at, read_seed("003"))
    assert not at.error, [e.value for e in at.error]
    (status,) = at.status
    summarizing = [m.value for m in status.markdown if "summarizing" in m.value]
    assert summarizing and re.search(r"· (\d+)/\1 ·", summarizing[0]), summarizing
    summary: ReportSummary = at.session_state["summary"]
    assert summary.engine.name == "llm" and summary.engine.calls == len(fake_llm.chat_requests)
    with History.open(history_file) as history:
        assert history.entries()[0].engine == "llm"


def test_llm_endpoint_refusing_the_key_names_the_cause(fake_llm: FakeLLM, history_file: Path) -> None:
    fake_llm.script(handler=error(401, "Incorrect API key provided"))
    at = start_app()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input("fake-model")
    at.text_input(key="api_key").input(SECRET_KEY)
    at = summarize_in_app(at, read_seed("001"))
    (shown,) = at.error
    assert "401" in shown.value, shown.value  # the library's own line, not the app's "internal error"


def test_sidebar_starts_from_the_environment_but_never_shows_its_key(
    monkeypatch: pytest.MonkeyPatch, history_file: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_ENGINE", "extractive")
    monkeypatch.setenv("SUMMARIZER_MODEL", "qwen-plus")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    at = start_app()
    assert at.selectbox(key="engine").value == "extractive"
    assert at.text_input(key="model").value == "qwen-plus"
    assert at.text_input(key="api_key").value == ""
    at = summarize_in_app(at, read_seed("003"))
    assert SECRET_KEY not in every_text_in_page(at)


def test_bad_base_url_is_a_config_error_line(history_file: Path) -> None:
    at = start_app()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input("ftp://nowhere")
    at = summarize_in_app(at, read_seed("003"))
    (error,) = at.error
    assert "base_url" in error.value and error.value.startswith("错误：")
    assert at.text_area(key="report_text").value == read_seed("003")


# ---------------------------------------------------------------- the check page


def test_check_page_flags_a_figure_the_report_never_gave(history_file: Path) -> None:
    report = read_seed("003")
    at = start_app()
    at.text_area(key="check_report").input(report)
    at.text_area(key="check_summary").input("全镇财政总收入5.2亿元。\n地区生产总值达到99.99亿元。")
    at.button(key="check").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    bodies = "\n".join(html_bodies(at))
    assert "badge-supported" in bodies
    assert "badge-unsupported" in bodies
    assert "99.99亿元" in bodies
    assert any('id="check-pane"' in body and "<mark " in body for body in html_bodies(at))


def test_check_page_accepts_our_own_json(history_file: Path) -> None:
    report = read_seed("001")
    summary = summarize(report)
    at = start_app()
    at.text_area(key="check_report").input(report)
    at.text_area(key="check_summary").input(summary.to_json())
    at.button(key="check").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    claims_shown = sum(body.count('class="claim"') for body in html_bodies(at))
    assert claims_shown >= len(summary.all_claims())


def test_claim_ids_from_a_pasted_json_never_reach_the_script(history_file: Path) -> None:
    report = read_seed("003")
    summary = summarize(report)
    hostile_id = "*/alert(1);/*"
    summary.overview[0].id = hostile_id
    at = start_app()
    at.text_area(key="check_report").input(report)
    at.text_area(key="check_summary").input(summary.to_json())
    at.button(key="check").click()
    at.run()
    claim_ids = at.selectbox(key="check_claim").options
    assert len(claim_ids) > 1
    at.selectbox(key="check_claim").set_value(hostile_id)
    at.run()
    assert not at.exception, at.exception
    scripts = [body for body in html_bodies(at) if "<script>" in body]
    assert scripts, "the scroll script is on the page"
    assert not any("alert" in body for body in scripts)


def test_check_page_with_empty_report_shows_an_error(history_file: Path) -> None:
    at = start_app()
    at.text_area(key="check_summary").input("地区生产总值83.98亿元。")
    at.button(key="check").click()
    at.run()
    (error,) = at.error
    assert error.value.startswith("错误：")
    assert at.text_area(key="check_summary").value == "地区生产总值83.98亿元。"


def test_check_page_shows_each_claims_evidence_and_reason(history_file: Path) -> None:
    """An abstractive summary: every claim is followed by the passages it was judged against, and a
    flagged one by the reason, so that it can be judged at a glance."""
    report = read_seed("003")
    at = start_app()
    at.text_area(key="check_report").input(report)
    summary = "涌山镇全年财政总收入达到5.2亿元。\n2023年涌山镇固定资产投资同比下降1%。"
    at.text_area(key="check_summary").input(summary)
    at.button(key="check").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    claims = next(body for body in html_bodies(at) if 'class="claim"' in body and "evidence" in body)
    blocks = claims.split('<div class="claim"')[1:]
    assert len(blocks) == 2
    assert "badge-supported" in blocks[0] and "财政总收入5.2亿元" in blocks[0].split('class="evidence"')[1]
    assert "badge-unsupported" in blocks[1]
    assert "方向与原文相反" in blocks[1] and "the direction is the opposite" in blocks[1]
    assert "固定资产投资17.1亿元" in blocks[1].split('class="evidence"')[1]


def test_check_page_model_judge_shows_both_verdicts(fake_llm: FakeLLM, history_file: Path) -> None:
    def judge(request: dict[str, Any]) -> dict[str, Any]:
        ids = re.findall(r"^\[(\w+)\] 摘要句", request["messages"][1]["content"], re.M)
        return json_answer(
            {"verdicts": [{"id": i, "verdict": "not_stated", "reason": "依据未提及"} for i in ids]}
        )

    fake_llm.script(handler=judge)
    at = start_app()
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input("fake-model")
    at.selectbox(key="json_mode").select("json_schema")
    at.text_area(key="check_report").input(read_seed("003"))
    at.text_area(key="check_summary").input("涌山镇全年财政总收入达到5.2亿元。")
    at.checkbox(key="check_judge").check()
    at.button(key="check").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert fake_llm.chat_requests, "the judge asked the model"
    claims = next(body for body in html_bodies(at) if 'class="judge"' in body)
    assert "supported → partial" in claims and "依据未提及" in claims


def test_advanced_settings_reach_the_llm_engine(fake_llm: FakeLLM, history_file: Path) -> None:
    fake_llm.script(handler=cooperative_model())
    at = start_app()
    at.selectbox(key="engine").select("llm")
    at.text_input(key="base_url").input(fake_llm.base_url)
    at.text_input(key="model").input("fake-model")
    at.selectbox(key="strategy").select("parallel")
    at.number_input(key="chunk_tokens").set_value(1000)
    at.number_input(key="max_output_tokens").set_value(170)
    at = summarize_in_app(at, read_seed("001"))
    assert not at.error, [e.value for e in at.error]
    requests = fake_llm.chat_requests
    assert len(requests) > 4 and max(r.json["max_tokens"] for r in requests) == 170  # small chunks, capped
    summary: ReportSummary = at.session_state["summary"]
    assert summary.engine.model_claims == len(summary.all_claims())
    assert any("模型撰写" in c.value for c in at.caption)  # who wrote the claims is on the page
