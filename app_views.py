"""What the app shows of a summary: claims with badges, the highlighted source, tables, downloads.

Streamlit widgets only; the HTML comes from `summarizer.render` (escaped
there) and the data from the `ReportSummary`.  `app.py` gathers the input and
calls the library; these functions display the result, on the summary page
and on the check page alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from summarizer import ReportSummary, render
from summarizer.schema import Claim, Section, SourceWarning, Verification

# Plain-text marks: a select box cannot color its options, and emoji fonts are often missing.
SUPPORT_MARK = {
    "supported": "〔有据〕",
    "partial": "〔部分〕",
    "unsupported": "〔无据〕",
    "unchecked": "〔未核〕",
}
KIND_LABELS = {
    "preamble": "开篇",
    "review": "回顾",
    "problems": "问题",
    "plan": "计划",
    "targets": "目标",
    "government": "政府建设",
    "closing": "结语",
    "other": "其他",
}

# ---------------------------------------------------------------- showing claims and the source


def claim_option_label(claims: dict[str, Claim]) -> Callable[[str | None], str]:
    def label(claim_id: str | None) -> str:
        if claim_id is None:
            return "（选择一条结论，在原文中定位证据 / pick a claim to see its evidence）"
        claim = claims[claim_id]
        text = claim.text if len(claim.text) <= 60 else claim.text[:60] + "…"
        return f"{SUPPORT_MARK[claim.support]} {text}"

    return label


def select_claim(key: str, claim_id: str) -> None:
    st.session_state[key] = claim_id


def show_claims(
    claims: list[Claim], reasons: dict[str, str] | None = None, *, evidence: bool = False
) -> None:
    """The claims with their badges; with `evidence`, each followed by its reason and the passages judged."""
    if claims:
        st.html(render.claims_html(claims, reasons, evidence=evidence))
    else:
        st.caption("（无 / none）")


def show_attention(claims: list[Claim], key: str) -> None:
    """Unsupported and partial claims in one list, each one click from its evidence."""
    doubtful = [c for c in claims if c.support in ("unsupported", "partial")]
    with st.expander(f"需要注意的结论 Needs attention ({len(doubtful)})", expanded=bool(doubtful)):
        if not doubtful:
            st.caption("所有结论都有原文依据 / every claim is supported")
        for claim in doubtful:
            left, right = st.columns([6, 1])
            with left:
                st.html(render.claim_html(claim))
            with right:
                st.button("定位", key=f"{key}-go-{claim.id}", on_click=select_claim, args=(key, claim.id))


def show_source(
    original: str,
    claims: list[Claim],
    key: str,
    pane_id: str,
    warnings: Iterable[SourceWarning] = (),
) -> None:
    """The claim picker, then the source text with every evidence span marked and the chosen one active."""
    by_id = {c.id: c for c in claims}
    if st.session_state.get(key) not in by_id:
        st.session_state.pop(key, None)
    active = st.selectbox("结论 Claim", [None, *by_id], key=key, format_func=claim_option_label(by_id))
    if active is not None and not by_id[active].evidence:
        st.caption("这条结论在原文中没有找到证据 / no evidence in the source for this claim")
    st.html(render.source_html(original, claims, active, pane_id=pane_id, warnings=warnings))
    if active is not None:
        # Our own script with nothing from the report or the summary in it (claim ids can come from a
        # pasted JSON): scroll the pane, and the page if needed, to the first active mark.  The
        # comment's number changes with the choice, so the script is mounted (and run) again.
        st.html(
            f"""<script>
            (function () {{
              let tries = 0;
              function go() {{
                const pane = document.getElementById({pane_id!r});
                const mark = pane && pane.querySelector('mark[data-first-active]');
                if (!mark) {{ if (tries++ < 40) setTimeout(go, 50); return; }}
                pane.scrollTop = mark.offsetTop - pane.clientHeight / 3;
                mark.scrollIntoView({{block: 'nearest'}});
              }}
              go();
            }})(); /* {list(by_id).index(active)} */
            </script>""",
            unsafe_allow_javascript=True,
        )


def show_verification(verification: Verification) -> None:
    cols = st.columns(4)
    cols[0].metric("有据 supported", verification.supported)
    cols[1].metric("部分 partial", verification.partial)
    cols[2].metric("无据 unsupported", verification.unsupported)
    cols[3].metric("得分 score", f"{verification.score:.2f}")
    if verification.numbers:
        st.caption(f"数字 {verification.numbers} 个，原文未见 {verification.numbers_unsupported} 个")


# ---------------------------------------------------------------- tables


def blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every missing cell blank, not "None" or "NaN".

    A column with a missing cell becomes text: "" there, and numbers written as
    "274.4" (a number column cannot hold a blank).
    """
    frame = frame.copy()
    for column in frame.columns:
        series = frame[column]
        if not series.isna().any():
            continue
        if pd.api.types.is_numeric_dtype(series):
            frame[column] = ["" if pd.isna(v) else f"{v:g}" for v in series]
        else:
            frame[column] = series.astype(object).where(series.notna(), "")
    return frame


# ---------------------------------------------------------------- the summary view


def show_indicators(summary: ReportSummary) -> None:
    rows = render.indicator_rows(summary)
    st.subheader(f"指标 Indicators ({len(rows)})")
    if not rows:
        st.caption("（无 / none）")
        return
    frame = pd.DataFrame(rows)
    frame["kind"] = frame["kind"].map({"actual": "实绩", "target": "目标"})
    filter_cols = st.columns([3, 2, 1])
    words = filter_cols[0].text_input("筛选 Filter", key="indicator_filter", placeholder="指标名或原文")
    kinds = filter_cols[1].multiselect("类型 Kind", ["实绩", "目标"], key="indicator_kind")
    redacted_only = filter_cols[2].checkbox("仅隐去", key="indicator_redacted")
    if words:
        frame = frame[
            frame["name"].str.contains(words, regex=False) | frame["raw"].str.contains(words, regex=False)
        ]
    if kinds:
        frame = frame[frame["kind"].isin(kinds)]
    if redacted_only:
        frame = frame[frame["redacted"]]
    columns: dict[str, Any] = {  # shown in this order
        "name": "指标",
        "raw": "原文数值",
        "value": "数值",
        "unit": "单位",
        "change": "变化",
        "change_basis": "基准",
        "period": "时期",
        "kind": "类型",
        "qualifier": "限定",
        "redacted": st.column_config.CheckboxColumn("隐去"),
        "section_id": "章节",
        "quote": "原文",
    }
    st.dataframe(
        blank_cells(frame),
        hide_index=True,
        column_order=list(columns),
        column_config=columns,
    )


def section_heading(section: Section) -> str:
    return f"{section.id} {section.title} · {KIND_LABELS.get(section.kind, section.kind)}"


def show_sections(sections: list[Section]) -> None:
    st.subheader(f"分节摘要 Sections ({len(sections)})")
    top = [s for s in sections if s.level == 1]
    for parent in top:
        children = [s for s in sections if s.id.startswith(parent.id + ".")]
        with st.expander(section_heading(parent)):
            show_claims(parent.summary)
            if parent.keywords:
                st.caption("关键词：" + "、".join(parent.keywords))
            for child in children:
                indent = "　" * (child.level - 1)
                st.markdown(f"{indent}**{section_heading(child)}**")
                if child.summary:
                    st.html(render.claims_html(child.summary))


def show_projects(summary: ReportSummary) -> None:
    st.subheader(f"项目 Projects ({len(summary.projects)})")
    if not summary.projects:
        st.caption("（无 / none）")
        return
    frame = pd.DataFrame(
        [
            {
                "项目": p.name,
                "投资": p.investment.raw if p.investment else None,
                "状态": p.status,
                "章节": p.section_id,
            }
            for p in summary.projects
        ]
    )
    st.dataframe(blank_cells(frame), hide_index=True)


def show_meta(summary: ReportSummary) -> None:
    items = render.meta_items(summary)
    st.markdown(" · ".join(f"**{label}** {value}" for label, value in items) or "（报告信息不详）")
    engine = summary.engine
    st.caption(f"引擎 {render.engine_line(engine)} · {summary.source.chars} 字 · {engine.elapsed_s:.2f} s")
    if summary.source.warnings:
        with st.expander(f"原文提示 Source notes ({len(summary.source.warnings)})"):
            for warning in summary.source.warnings:
                st.markdown(f"- `{warning.code}` {warning.message}")


def show_downloads(summary: ReportSummary) -> None:
    stem = Path(summary.source.filename or "report").stem
    cols = st.columns(3)
    with cols[0]:
        st.download_button(
            "下载 JSON", summary.to_json(), f"{stem}.summary.json", "application/json", key="dl-json"
        )
    with cols[1]:
        st.download_button(
            "下载 Markdown", render.to_markdown(summary), f"{stem}.summary.md", "text/markdown", key="dl-md"
        )
    with cols[2]:
        st.download_button(
            "下载指标 CSV", render.indicators_csv(summary), f"{stem}.indicators.csv", "text/csv", key="dl-csv"
        )


def show_summary(summary: ReportSummary) -> None:
    claims = summary.all_claims()
    left, right = st.columns([5, 6], gap="large")
    with left:
        show_meta(summary)
        show_verification(summary.verification)
        show_downloads(summary)
        show_attention(claims, "active_claim")
        st.subheader("概述 Overview")
        show_claims(summary.overview)
        show_indicators(summary)
        show_sections(summary.sections)
        st.subheader("主要成绩 Achievements")
        show_claims(summary.achievements)
        st.subheader("问题与不足 Problems")
        show_claims(summary.problems)
        st.subheader("工作计划 Plans")
        show_claims(summary.plans)
        show_projects(summary)
    with right:
        st.subheader("原文 Source")
        show_source(
            summary.source.text, claims, "active_claim", render.SOURCE_PANE_ID, summary.source.warnings
        )


# ---------------------------------------------------------------- the LLM engine's knobs

ADVANCED_KEYS = ("strategy", "chunk_tokens", "max_output_tokens", "concurrency")


def show_advanced_settings() -> None:
    """The sidebar's "advanced" expander: the LLM engine's knobs; 0 or auto leaves the default."""
    from summarizer.config import STRATEGIES

    with st.expander("高级 Advanced（LLM）"):
        st.selectbox(
            "策略 Strategy",
            STRATEGIES,
            key="strategy",
            help=(
                "compress：本地服务，模型压缩规则选出的句子；serial：本地服务，模型通读报告，调用次数最少；"
                "parallel：远程服务，所有调用同时发出；auto：本地地址用 compress，其他用 parallel"
            ),
        )
        st.number_input(
            "每次调用的报告词元 Chunk tokens", min_value=0, step=500, key="chunk_tokens", help="0：自动 auto"
        )
        st.number_input(
            "输出词元上限 Max output tokens",
            min_value=0,
            step=100,
            key="max_output_tokens",
            help="0：按所需句数 sized",
        )
        st.number_input(
            "同时调用数 Concurrency", min_value=0, max_value=64, key="concurrency", help="0：按策略 auto"
        )


def advanced_overrides(state: Any) -> dict[str, Any]:
    """The expander's choices as `Settings` overrides (None where left at auto)."""
    strategy = state.get("strategy")
    numbers = {name: int(state.get(name) or 0) or None for name in ADVANCED_KEYS[1:]}
    return {"strategy": None if strategy in (None, "auto") else strategy, **numbers}
