"""The app shared with others: whose history each session sees, and sign-in (Streamlit AppTest).

The server's address is Streamlit's `server.address` option, patched per test as
`--server.address` would set it.  Storage is the real SQLite history file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from summarizer import summarize
from summarizer.history import History
from tests.app_pages import every_text_in_page
from tests.conftest import ROOT, read_seed

APP = str(ROOT / "app.py")
TIMEOUT = 120
REPORT = (
    "青石镇政府工作报告\n一、2023年工作回顾\n全镇地区生产总值83.98亿元，同比增长2.3%。新建高标准农田3492亩。\n"
    "二、2024年工作安排\n力争财政收入增长5%以上。\n"
)
PASSWORD = "team-pass-DO-NOT-SHOW-41c7e2"
OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "not-a-real-cookie-secret",
        "client_id": "summarizer-test",
        "client_secret": "not-a-real-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


@pytest.fixture(autouse=True)
def history_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("SUMMARIZER_HISTORY", str(path))
    for name in ("SUMMARIZER_HISTORY_SCOPE", "SUMMARIZER_APP_PASSWORD", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def on_loopback() -> Iterator[None]:
    with patch_config_options({"server.address": "127.0.0.1"}):
        yield


@pytest.fixture
def on_all_interfaces() -> Iterator[None]:
    with patch_config_options({"server.address": "0.0.0.0"}):
        yield


def open_app(*, secrets: dict[str, object] | None = None, user: dict[str, object] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def summarize_in(at: AppTest, text: str = REPORT) -> None:
    at.text_area(key="report_text").input(text)
    at.button(key="summarize").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def history_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if (b.key or "").startswith("history-")]


def scope_line(at: AppTest) -> str:
    (line,) = [c.value for c in at.sidebar.caption if c.value.startswith("历史：")]
    return line


def owners(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        found = [row[0] for row in db.execute("SELECT owner FROM summaries ORDER BY id")]
    db.close()
    return found


def test_on_loopback_the_history_is_the_one_local_history(on_loopback: None, history_file: Path) -> None:
    # A row written before owners existed (owner "") is the local user's.
    with History.open(history_file) as history:
        history.add(summarize(REPORT))
    at = open_app()
    assert "History: shared" in scope_line(at)
    assert len(history_buttons(at)) == 1
    assert not [b for b in at.button if b.key == "sign_out"], "nobody signed in, nothing to sign out of"


def test_beyond_loopback_each_session_sees_only_its_own(on_all_interfaces: None, history_file: Path) -> None:
    with History.open(history_file) as history:
        history.add(summarize(REPORT + "旧的共用记录\n"))  # the local user's, from before
    alice = open_app()
    assert "this browser session only" in scope_line(alice)
    assert history_buttons(alice) == [], "the shared rows are not shown to a session"
    summarize_in(alice)
    assert len(history_buttons(alice)) == 1
    bob = open_app()
    assert history_buttons(bob) == []
    summarize_in(bob)
    assert len(history_buttons(bob)) == 1
    alice.run()
    assert len(history_buttons(alice)) == 1, "bob's summary is not in alice's list"
    sessions = [owner for owner in owners(history_file) if owner]
    assert len(sessions) == 2 and len(set(sessions)) == 2
    assert all(owner.startswith("session:") and len(owner) > 20 for owner in sessions)


def test_the_track_page_offers_only_the_sessions_own_entries(
    on_all_interfaces: None, history_file: Path
) -> None:
    with History.open(history_file) as history:
        shared = history.add(summarize(read_seed("003")))  # another place: another label
    alice, bob = open_app(), open_app()
    summarize_in(alice)
    summarize_in(bob)
    alice.run()
    with History.open(history_file) as history:
        alices = history.entries(owner=alice.session_state["visitor"].owner)
        assert history.get(shared).meta.place is not None
    offered = alice.multiselect(key="track_history").options
    assert len(offered) == 1, "neither the shared entry nor bob's"
    assert offered == [entry.label for entry in alices]


def test_the_setting_overrides_the_address(
    monkeypatch: pytest.MonkeyPatch, on_all_interfaces: None, history_file: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_HISTORY_SCOPE", "shared")
    first = open_app()
    assert "History: shared" in scope_line(first)
    summarize_in(first)
    assert len(history_buttons(open_app())) == 1, "a second session sees the first one's summary"
    assert owners(history_file) == [""]


def test_session_scope_on_loopback_when_asked(
    monkeypatch: pytest.MonkeyPatch, on_loopback: None, history_file: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_HISTORY_SCOPE", "session")
    first = open_app()
    summarize_in(first)
    assert len(history_buttons(first)) == 1
    assert history_buttons(open_app()) == []


def test_user_scope_without_sign_in_shows_only_an_error(
    monkeypatch: pytest.MonkeyPatch, on_loopback: None
) -> None:
    monkeypatch.setenv("SUMMARIZER_HISTORY_SCOPE", "user")
    at = open_app()
    (error,) = at.error
    assert error.value.startswith("错误：") and "needs sign-in" in error.value
    assert not at.text_area and not at.button


def test_an_unknown_scope_shows_only_an_error(monkeypatch: pytest.MonkeyPatch, on_loopback: None) -> None:
    monkeypatch.setenv("SUMMARIZER_HISTORY_SCOPE", "everyone")
    at = open_app()
    (error,) = at.error
    assert error.value.startswith("错误：") and "history_scope" in error.value
    assert not at.text_area


# ---------------------------------------------------------------- the shared password


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    (submit,) = [b for b in at.button if b.label == "登录 Sign in"]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_password_gate_comes_before_anything(
    monkeypatch: pytest.MonkeyPatch,
    on_all_interfaces: None,
    history_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SUMMARIZER_APP_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    at = open_app()
    assert not at.text_area, "no report box before sign-in"
    assert not at.sidebar.caption and not history_buttons(at)
    assert [t.key for t in at.text_input] == ["sign_in_name", "sign_in_password"]

    sign_in(at, "alice", PASSWORD + "x")
    (error,) = at.error
    assert "wrong password" in error.value
    assert not at.text_area
    sign_in(at, "   ", PASSWORD)
    assert "enter a name" in at.error[0].value
    assert not at.text_area

    sign_in(at, "Alice", PASSWORD)
    assert not at.error
    assert at.text_area(key="report_text") is not None
    assert scope_line(at) == "历史：仅 Alice 可见 · History: yours (Alice)"
    summarize_in(at)
    assert len(history_buttons(at)) == 1
    assert owners(history_file) == ["user:password:alice"]

    page = every_text_in_page(at)
    assert PASSWORD not in page
    assert PASSWORD not in caplog.text
    assert PASSWORD.encode() not in history_file.read_bytes()
    assert "sign_in_password" not in at.session_state, "the typed password is not kept"


def test_a_signed_in_user_finds_their_history_in_a_new_session(
    monkeypatch: pytest.MonkeyPatch, on_all_interfaces: None
) -> None:
    monkeypatch.setenv("SUMMARIZER_APP_PASSWORD", PASSWORD)
    summarize_in(sign_in(open_app(), "alice", PASSWORD))
    again = sign_in(open_app(), "ALICE ", PASSWORD)
    assert len(history_buttons(again)) == 1, "the same name (case aside) is the same history"
    (button,) = [b for b in again.button if (b.key or "").startswith("history-")]
    button.click()
    again.run()
    assert again.text_area(key="report_text").value == REPORT
    bob = sign_in(open_app(), "bob", PASSWORD)
    assert history_buttons(bob) == []

    again.button(key="sign_out").click()
    again.run()
    assert not again.text_area, "signed out: back to the form"
    assert [t.key for t in again.text_input] == ["sign_in_name", "sign_in_password"]


# ---------------------------------------------------------------- OIDC (st.login)


def test_oidc_not_signed_in_shows_only_the_sign_in_button(on_all_interfaces: None) -> None:
    at = open_app(secrets=OIDC_SECRETS, user={"is_logged_in": False})
    assert [b.label for b in at.button] == ["登录 Sign in"]
    assert not at.text_area and not at.sidebar.caption


def test_oidc_history_is_per_user(on_all_interfaces: None, history_file: Path) -> None:
    carol = {"is_logged_in": True, "email": "carol@example.org", "sub": "123"}
    at = open_app(secrets=OIDC_SECRETS, user=carol)
    shown = r"carol\@example\.org"  # escaped: the caption is Markdown, and shows the address as text
    assert scope_line(at) == f"历史：仅 {shown} 可见 · History: yours ({shown})"
    summarize_in(at)
    assert owners(history_file) == ["user:oidc:carol@example.org"]
    assert len(history_buttons(open_app(secrets=OIDC_SECRETS, user=carol))) == 1
    dave = {"is_logged_in": True, "sub": "dave-subject-42"}
    assert history_buttons(open_app(secrets=OIDC_SECRETS, user=dave)) == []
