"""The app's "跟踪 Track" page and blank table cells, through Streamlit's AppTest (real app, real library)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from summarizer import Settings, summarize, track
from summarizer.history import History
from tests.app_pages import every_text_in_page
from tests.conftest import FIXTURES, read_seed
from tests.test_app import downloads, history_file, start_app, summarize_in_app  # noqa: F401 (fixtures)

TRACKING = FIXTURES / "tracking"
HAILAR = ("hailar_2014.txt", "hailar_2015.txt")


def _store(history_path: Path) -> list[int]:
    settings = Settings(engine="extractive", cache=None)
    with History.open(history_path) as history:
        return [history.add(summarize(TRACKING / name, settings)) for name in HAILAR]


def _track_from_history(at: AppTest, ids: list[int]) -> AppTest:
    at.multiselect(key="track_history").set_value(ids)
    at.button(key="track_run").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_track_page_pairs_reports_picked_from_the_history(
    history_file: Path,  # noqa: F811
    downloads: dict[str, bytes],  # noqa: F811
) -> None:
    ids = _store(history_file)
    at = _track_from_history(start_app(), ids)
    assert not at.error
    page = every_text_in_page(at)
    assert "tk-met" in page and "tk-missed" in page, "status badges"
    assert "全区地区生产总值完成274.4亿元" in page, "the actual's quote, on hover and click"
    metrics = {m.label: m.value for m in at.metric}
    expected = track([(name, (TRACKING / name).read_bytes().decode("utf-8")) for name in HAILAR])
    assert metrics["达到 met"] == str(sum(i.status == "met" for i in expected.items))
    offered = json.loads(downloads["track.json"])
    assert offered["items"] == json.loads(expected.to_json())["items"]
    assert downloads["track.csv"].decode("utf-8").startswith("\ufeffplace,year,concept")
    assert "| 海拉尔区 | 2014 |" in downloads["track.md"].decode("utf-8")
    assert at.selectbox(key="track_chart_concept").options, "a chart per concept"


def test_track_page_without_reports_says_so() -> None:
    at = start_app()
    at.button(key="track_run").click()
    at.run()
    assert not at.exception
    assert any("至少一份报告" in e.value for e in at.error)


def _frames(at: AppTest) -> list[pd.DataFrame]:
    return [element.value for element in at.dataframe]


def _blank_everywhere(frame: pd.DataFrame) -> bool:
    return not any(
        value is None or (isinstance(value, float) and pd.isna(value)) for value in frame.to_numpy().ravel()
    )


def test_empty_cells_are_blank_in_every_table(history_file: Path) -> None:  # noqa: F811
    at = summarize_in_app(start_app(), read_seed("003"))
    frames = _frames(at)
    assert frames, "the indicator and project tables"
    indicators = frames[0]
    assert (indicators["change"] == "").any(), "an indicator without a change has a blank cell"
    assert all(_blank_everywhere(frame) for frame in frames)

    at = _track_from_history(at, _store(history_file))
    frames = _frames(at)
    assert len(frames) >= 3
    assert all(_blank_everywhere(frame) for frame in frames)
    assert "None" not in set(frames[-1].astype(str).to_numpy().ravel())
