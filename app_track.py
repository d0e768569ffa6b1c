"""The app's "跟踪 Track" page: several reports in, last year's targets against this year's actuals.

Drop several files or pick summaries from the history; one library call
(`summarizer.track`) pairs the targets with the actuals.  Shown: counts by
status, the table (both quotes on hover and on click), a chart of target
against actual per concept over the years, and the downloads.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_views import blank_cells
from summarizer import Settings, SummarizerError, track
from summarizer.history import LOCAL_OWNER, History
from summarizer.tracking import TrackResult, item_row, track_csv, track_html, track_markdown

STATUS_ORDER = ["met", "missed", "unclear", "no_actual"]
STATUS_NAMES = {
    "met": "达到 met",
    "missed": "未达到 missed",
    "unclear": "不明 unclear",
    "no_actual": "无实绩 no actual",
}


def run_track(history: History | None, owner: str = LOCAL_OWNER) -> None:
    """Track the dropped files and the picked history entries (of `owner`); the result goes to the session."""
    state = st.session_state
    state.track_error = None
    state.track_result = None
    sources: list[tuple[str, str | bytes]] = [
        (file.name, file.getvalue()) for file in state.get("track_files") or []
    ]
    try:
        for entry_id in state.get("track_history") or []:
            if history is None:
                break
            summary = history.get(entry_id, owner=owner)
            sources.append((summary.source.filename or f"history-{entry_id}.txt", summary.source.text))
        if not sources:
            state.track_error = "错误：请拖入或选择至少一份报告 / Error: drop or pick at least one report"
            return
        state.track_result = track(sources, Settings.from_env())
    except SummarizerError as err:
        state.track_error = err.line


def track_page(history: History | None, upload_types: list[str], owner: str = LOCAL_OWNER) -> None:
    st.caption(
        "拖入同一地方几年的政府工作报告（或从历史中选择），逐项核对上一年的目标是否完成。"
        " Drop a place's reports of several years: each year's targets against the next report's actuals."
    )
    cols = st.columns(2)
    cols[0].file_uploader(
        "拖入多份报告 Drop several reports", type=upload_types, accept_multiple_files=True, key="track_files"
    )
    entries = history.entries(limit=100, owner=owner) if history is not None else []
    labels = {entry.id: entry.label for entry in entries}
    cols[1].multiselect(
        "或从历史中选择 Or pick from the history",
        list(labels),
        key="track_history",
        format_func=lambda entry_id: labels.get(entry_id, str(entry_id)),
    )
    st.button("跟踪 Track", type="primary", key="track_run", on_click=run_track, args=(history, owner))
    if st.session_state.get("track_error"):
        st.error(st.session_state.track_error)
    result: TrackResult | None = st.session_state.get("track_result")
    if result is not None:
        show_track(result)


def show_track(result: TrackResult) -> None:
    reports = " · ".join(
        f"{r.place or '地点不详'} {r.year or '年份不详'}（{r.file}）" for r in result.reports
    )
    st.markdown(f"**报告 Reports** {reports}")
    counts = {status: sum(i.status == status for i in result.items) for status in STATUS_ORDER}
    for col, status in zip(st.columns(4), STATUS_ORDER, strict=True):
        col.metric(STATUS_NAMES[status], counts[status])
    show_downloads(result)
    paired_only = st.checkbox("只看有实绩的 Only targets with an actual", value=True, key="track_paired_only")
    items = [i for i in result.items if i.actual is not None] if paired_only else result.items
    if items:
        st.html(track_html(items))
    else:
        st.caption("没有可对照的目标与实绩 / no target has an actual in the next report")
    with st.expander(f"全部条目 All items ({len(result.items)})"):
        frame = pd.DataFrame([item_row(i) for i in result.items])
        if not frame.empty:
            st.dataframe(blank_cells(frame), hide_index=True)
    show_chart(result)
    if result.comparison:
        st.subheader("各地比较 Places side by side")
        rows = [
            {
                "年份 year": row.year,
                "指标 concept": row.concept,
                "地点 place": row.place,
                "当年目标 target": row.target.raw if row.target else None,
                "上年实绩 actual": row.actual.raw if row.actual else None,
            }
            for row in result.comparison
        ]
        st.dataframe(blank_cells(pd.DataFrame(rows)), hide_index=True)


def chart_rows(result: TrackResult) -> list[dict[str, Any]]:
    """Target and actual of each paired item in one unit: a row per (concept, year, series)."""
    rows: list[dict[str, Any]] = []
    for item in result.items:
        if item.concept is None or item.actual is None or item.target.unit != item.actual.unit:
            continue
        for series, value in (("目标 target", item.target), ("实绩 actual", item.actual)):
            if value.value is not None:
                rows.append(
                    {
                        "concept": item.concept,
                        "year": item.year,
                        "series": series,
                        "value": value.value,
                        "unit": value.unit or "",
                        "raw": value.raw,
                    }
                )
    return rows


def show_chart(result: TrackResult) -> None:
    rows = chart_rows(result)
    if not rows:
        return
    frame = pd.DataFrame(rows)
    concepts = list(dict.fromkeys(frame["concept"]))
    st.subheader("目标与实绩 Target vs actual")
    concept = st.selectbox("指标 Concept", concepts, key="track_chart_concept")
    data = frame[frame["concept"] == concept]
    unit = data["unit"].iloc[0]
    chart = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=80))
        .encode(
            x=alt.X("year:O", title="年份 year"),
            y=alt.Y(
                "value:Q", title=f"{concept}（{unit}）" if unit else concept, scale=alt.Scale(zero=False)
            ),
            color=alt.Color("series:N", title=None),
            tooltip=["year", "series", "raw"],
        )
    )
    st.altair_chart(chart, use_container_width=True)


def show_downloads(result: TrackResult) -> None:
    cols = st.columns(3)
    cols[0].download_button(
        "下载 JSON", result.to_json(), "track.json", "application/json", key="track-dl-json"
    )
    cols[1].download_button("下载 CSV", track_csv(result), "track.csv", "text/csv", key="track-dl-csv")
    cols[2].download_button(
        "下载 Markdown", track_markdown(result), "track.md", "text/markdown", key="track-dl-md"
    )
