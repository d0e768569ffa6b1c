"""Streamlit face of `summarizer`: paste or drop a report, read the summary beside the source.

Thin by design: widgets gather the input and the settings, one library call
(`summarizer.summarize`, or `verify` on the check page) does the work, and
`summarizer.render` turns the result into escaped HTML.  The API key typed in
the sidebar lives in `st.session_state` only: it is passed to `Settings` and
never shown, written to disk or stored in the history.

What is shown of a result lives in `app_views.py`.  Run with `make run`
(or `streamlit run app.py`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import streamlit as st

from app_access import Visitor, current_visitor, sign_out
from app_track import track_page
from app_views import (
    advanced_overrides,
    show_advanced_settings,
    show_attention,
    show_claims,
    show_source,
    show_summary,
    show_verification,
)
from summarizer import ReportSummary, Settings, SummarizerError, read_document, render, summarize
from summarizer import verify as verify_report
from summarizer.config import ENGINE_CHOICES, JSON_MODES
from summarizer.engines.llm.presets import PRESETS
from summarizer.history import History, HistoryEntry
from summarizer.text.ingest import INPUT_SUFFIXES

SEEDS_DIR = Path(__file__).resolve().parent / "fixtures" / "seeds"
UPLOAD_TYPES = [suffix.removeprefix(".") for suffix in INPUT_SUFFIXES]
STAGE_LABELS = {
    "ingest": "读取文本 reading",
    "normalize": "清理文本 cleaning",
    "sections": "划分章节 sections",
    "facts": "提取指标 indicators",
    "summarize": "生成摘要 summarizing",
    "verify": "逐条核验 verifying",
}

log = logging.getLogger("summarizer.app")


# ---------------------------------------------------------------- state and settings


def history_file() -> str:
    """The history database: `SUMMARIZER_HISTORY`, else next to the cache (config.Settings reads it)."""
    return Settings.from_env().history or ""


@st.cache_resource
def open_history(path: str) -> History:
    return History.open(path)


def visitor() -> Visitor:
    """Whose history this session shows (set by `main` on every run, before any callback can need it)."""
    found: Visitor = st.session_state.visitor
    return found


def save_to_history(summary: ReportSummary) -> None:
    history = open_history(history_file())
    if visitor().scope == "session":
        history.drop_old_session_rows()
    history.add(summary, owner=visitor().owner)


def history_entries() -> list[HistoryEntry]:
    return open_history(history_file()).entries(limit=30, owner=visitor().owner)


def apply_preset() -> None:
    """Fill base URL, model and JSON mode from the chosen provider preset."""
    preset = PRESETS.get(st.session_state.get("preset") or "")
    if preset is None:
        return
    st.session_state.base_url = preset.base_url
    st.session_state.model = preset.example_model
    if preset.json_mode in JSON_MODES:
        st.session_state.json_mode = preset.json_mode


def sidebar_settings() -> None:
    with st.sidebar:
        st.header("设置 Settings")
        st.selectbox(
            "引擎 Engine", ENGINE_CHOICES, key="engine", help="auto：配置了模型接口时用 LLM，否则离线抽取"
        )
        st.selectbox(
            "服务商预设 Provider preset",
            ["", *PRESETS],
            key="preset",
            on_change=apply_preset,
            format_func=lambda name: PRESETS[name].label if name else "（自定义 custom）",
        )
        st.text_input("Base URL", key="base_url", placeholder="http://127.0.0.1:11434/v1")
        st.text_input("模型 Model", key="model")
        st.text_input(
            "API key",
            key="api_key",
            type="password",
            help="只保存在本次会话内存中 / kept in this session only",
        )
        st.selectbox("JSON 模式 JSON mode", JSON_MODES, key="json_mode")
        show_advanced_settings()


def init_sidebar_defaults() -> None:
    """First run of a session: the sidebar starts from the environment (never the API key itself)."""
    if "engine" in st.session_state:
        return
    try:
        env = Settings.from_env()
    except SummarizerError as err:
        st.session_state.input_error = err.line
        env = Settings()
    st.session_state.engine = env.engine
    st.session_state.json_mode = env.json_mode
    st.session_state.base_url = env.base_url or ""
    st.session_state.model = env.model or ""
    st.session_state.setdefault("report_text", "")


def current_settings() -> Settings:
    """Settings from the environment with the sidebar's choices on top (raises ConfigError)."""
    state = st.session_state
    return Settings.from_env(
        engine=state.get("engine"),
        base_url=state.get("base_url") or None,
        model=state.get("model") or None,
        api_key=state.get("api_key") or None,
        json_mode=state.get("json_mode"),
        **advanced_overrides(state),
    )


def seed_label(path: Path) -> str:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()[:4] if ln.strip()]
    return f"{path.name[:3]} · {' '.join(lines[:2])[:36]}"


def load_seed() -> None:
    path = SEEDS_DIR / st.session_state.seed_choice
    st.session_state.report_text = path.read_text(encoding="utf-8")
    st.session_state.upload = None
    st.session_state.input_error = None


def read_upload() -> None:
    """Decode a dropped file into the text box; its bytes are summarized while the text is unchanged."""
    file = st.session_state.get("upload_widget")
    st.session_state.upload = None
    st.session_state.input_error = None
    if file is None:
        return
    data = file.getvalue()
    try:
        document = read_document(data, filename=file.name, settings=current_settings())
    except SummarizerError as err:
        st.session_state.input_error = err.line
        return
    st.session_state.upload = {"name": file.name, "data": data, "text": document.text}
    st.session_state.report_text = document.text


def run_summarize() -> None:
    state = st.session_state
    text: str = state.get("report_text", "")
    upload = state.get("upload")
    source: str | bytes
    if upload and upload["text"] == text:
        source, filename = upload["data"], upload["name"]
    else:
        # A one-line paste is passed as bytes so that it is read as text, never as a server path.
        source, filename = (text if "\n" in text else text.encode("utf-8")), None
    state.input_error = None
    started = time.perf_counter()
    with st.status("正在生成摘要… Summarizing…", expanded=True) as status:
        # One line per stage, made up front: the callback only fills them in.
        lines = {stage: st.empty() for stage in STAGE_LABELS}
        bar = st.progress(0.0)
        counts: dict[str, str] = {}  # "7/7" of a counted stage survives its final (1, 1) "done" call

        def progress(stage: str, done: int, total: int) -> None:
            if total > 1:
                counts[stage] = f" · {done}/{total}"
            count = counts.get(stage, "")
            elapsed = time.perf_counter() - started
            mark = "✓" if done >= total else "…"
            if stage in lines:
                lines[stage].markdown(f"{mark} **{STAGE_LABELS[stage]}**{count} · {elapsed:.1f} s")
            bar.progress(min(done / total, 1.0) if total else 1.0)

        try:
            summary = summarize(source, current_settings(), filename=filename, progress=progress)
        except SummarizerError as err:
            status.update(label="失败 Failed", state="error", expanded=False)
            state.input_error = err.line
            return
        except Exception:  # a bug: keep the traceback in the log, show one line
            log.exception("summarize failed")
            status.update(label="失败 Failed", state="error", expanded=False)
            state.input_error = "错误：程序内部错误，详情见日志 / Error: internal error, see the server log"
            return
        status.update(
            label=f"完成 Done · {time.perf_counter() - started:.2f} s", state="complete", expanded=False
        )
    show_new_summary(summary)
    try:
        save_to_history(summary)
    except SummarizerError as err:
        st.warning(err.line)


def show_new_summary(summary: ReportSummary) -> None:
    st.session_state.summary = summary
    st.session_state.pop("active_claim", None)


def reopen(entry_id: int) -> None:
    try:
        summary = open_history(history_file()).get(entry_id, owner=visitor().owner)
    except SummarizerError as err:
        st.session_state.input_error = err.line
        return
    st.session_state.report_text = summary.source.text
    st.session_state.upload = None
    show_new_summary(summary)


def history_or_none() -> History | None:
    try:
        return open_history(history_file())
    except SummarizerError:
        return None  # the sidebar says why


def history_sidebar() -> None:
    with st.sidebar:
        st.header("历史 History")
        st.caption(visitor().scope_line)
        if visitor().sign_in:
            st.button("退出 Sign out", key="sign_out", on_click=sign_out, args=(visitor(),))
        try:
            entries = history_entries()
        except SummarizerError as err:
            st.caption(err.line)
            return
        if not entries:
            st.caption("还没有摘要 / nothing yet")
        for entry in entries:
            st.button(
                entry.label, key=f"history-{entry.id}", on_click=reopen, args=(entry.id,), width="stretch"
            )


# ---------------------------------------------------------------- pages


def summarize_page() -> None:
    cols = st.columns([3, 2])
    with cols[0]:
        st.text_area(
            "报告全文 Report text", key="report_text", height=180, placeholder="粘贴政府工作报告全文…"
        )
    with cols[1]:
        st.file_uploader(
            "或拖入文件 Or drop a file", type=UPLOAD_TYPES, key="upload_widget", on_change=read_upload
        )
        seeds = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
        if seeds:
            pick, load = st.columns([3, 1], vertical_alignment="bottom")
            pick.selectbox(
                "样例 Sample", seeds, key="seed_choice", format_func=lambda n: seed_label(SEEDS_DIR / n)
            )
            load.button("载入 Load", on_click=load_seed, key="load_seed")
    if st.button("生成摘要 Summarize", type="primary", key="summarize"):
        run_summarize()
    if st.session_state.get("input_error"):
        st.error(st.session_state.input_error)
    summary = st.session_state.get("summary")
    if summary is not None:
        st.divider()
        show_summary(summary)


def load_current_into_check() -> None:
    summary = st.session_state.get("summary")
    if summary is not None:
        st.session_state.check_report = summary.source.text
        st.session_state.check_summary = render.to_markdown(summary)


def run_check() -> None:
    state = st.session_state
    state.check_error = None
    state.check_result = None
    report, summary_text = state.get("check_report", ""), state.get("check_summary", "")
    try:
        source = report if "\n" in report else report.encode("utf-8")
        judge = bool(state.get("check_judge"))
        state.check_result = (report, verify_report(source, summary_text, current_settings(), judge=judge))
    except SummarizerError as err:
        state.check_error = err.line
    state.pop("check_claim", None)


def check_page() -> None:
    st.caption("粘贴一份报告和任意摘要（本工具的 JSON 或任何文字），逐句核对是否有原文依据。")
    cols = st.columns(2)
    cols[0].text_area("待核对的报告 Report to check against", key="check_report", height=200)
    cols[1].text_area("摘要 Summary (JSON / Markdown / 文本)", key="check_summary", height=200)
    buttons = st.columns([1, 3])
    buttons[0].button("核验 Check", type="primary", on_click=run_check, key="check")
    st.checkbox(
        "模型复核 Model judge",
        key="check_judge",
        help="另请所配置的模型逐句判断（每节一次调用）；规则判为无据的结论不会因模型而改变 / "
        "also ask the configured model; the rules' flags always stand",
    )
    if st.session_state.get("summary") is not None:
        buttons[1].button(
            "填入当前摘要 Use current summary", on_click=load_current_into_check, key="check_fill"
        )
    if st.session_state.get("check_error"):
        st.error(st.session_state.check_error)
    result = st.session_state.get("check_result")
    if result is None:
        return
    original, checked = result
    left, right = st.columns([5, 6], gap="large")
    with left:
        show_verification(checked.verification)
        show_attention(checked.claims, "check_claim")
        st.subheader(f"逐条结论 Claims ({len(checked.claims)})")
        reasons = {issue.claim_id: issue.reason for issue in checked.verification.issues}
        show_claims(checked.claims, reasons, evidence=True)
    with right:
        st.subheader("原文 Source")
        show_source(original, checked.claims, "check_claim", "check-pane")


def main() -> None:
    st.set_page_config(page_title="政府工作报告摘要 · summarizer", page_icon="📑", layout="wide")
    st.html(render.PAGE_CSS)
    st.session_state.visitor = current_visitor()  # sign-in, when configured, before anything else
    init_sidebar_defaults()
    sidebar_settings()
    st.title("政府工作报告摘要")
    st.caption("每条结论都附原文出处；原文没有的数字，摘要绝不会写。 Every claim points into the source.")
    summarize_tab, check_tab, track_tab = st.tabs(["摘要 Summarize", "核验 Check", "跟踪 Track"])
    with summarize_tab:
        summarize_page()
    with check_tab:
        check_page()
    with track_tab:
        track_page(history_or_none(), UPLOAD_TYPES, owner=visitor().owner)
    history_sidebar()  # last, so that a summary made in this run is already listed


main()
