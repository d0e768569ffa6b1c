"""The app in a real headless browser (marker `browser`, run by `make test-browser`).

Starts `streamlit run app.py` on a free port of 127.0.0.1 and drives Debian's
chromium (`/usr/bin/chromium`, installed by scripts/install_browser.sh) with
Python playwright; `playwright install` is never run.  Screenshots go to
`$SUMMARIZER_SCREENSHOTS` or a temporary folder, printed at the start.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from summarizer import summarize
from tests.conftest import ROOT, read_seed

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Playwright

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="pip install playwright (never `playwright install`)"
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 60
UI_TIMEOUT_MS = 90_000  # the first summary loads jieba's dictionary
XSS_REPORT = (
    "青石镇政府工作报告\n一、2023年工作回顾\n全镇地区生产总值83.98亿元，同比增长2.3%。"
    "<script>alert(1)</script><img src=x onerror=alert(2)>新建高标准农田3492亩。\n"
    "二、2024年工作安排\n力争财政收入增长5%以上。\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SUMMARIZER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@contextmanager
def streamlit_server(home: Path, *options: str, port: int | None = None, **settings: str) -> Iterator[str]:
    """`streamlit run app.py` on a (free) port of 127.0.0.1 with the offline engine; yields its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(
        SUMMARIZER_CACHE=str(home / "cache.sqlite3"),
        SUMMARIZER_HISTORY=str(home / "history.sqlite3"),
        SUMMARIZER_ENGINE="extractive",
        **settings,
    )
    port = port or free_port()
    streamlit = Path(sys.executable).with_name("streamlit")
    server = subprocess.Popen(
        [
            str(streamlit),
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "minimal",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(home / "streamlit.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """One playwright per module: its sync API cannot be started twice at once."""
    if not CHROMIUM.exists():
        pytest.skip("chromium missing: run scripts/install_browser.sh")
    with sync_api.sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser_context(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_FLAGS,
        accept_downloads=True,
        viewport={"width": 1600, "height": 1000},
        locale="zh-CN",
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext, app_url: str) -> Iterator[Page]:
    dialogs: list[str] = []
    new_page = browser_context.new_page()

    def record_dialog(dialog: Dialog) -> None:
        # Any alert/confirm/prompt means report text ran as code: the test fails below.
        dialogs.append(dialog.message)
        dialog.dismiss()

    new_page.on("dialog", record_dialog)
    new_page.set_default_timeout(UI_TIMEOUT_MS)
    new_page.goto(app_url)
    new_page.get_by_text("政府工作报告摘要").first.wait_for()
    yield new_page
    new_page.close()
    assert not dialogs, f"a dialog opened: {dialogs}"


def paste_and_summarize(page: Page, text: str) -> None:
    box = page.get_by_label("报告全文 Report text")
    box.fill(text)
    box.press("Control+Enter")  # Streamlit commits a text area on Ctrl+Enter or blur
    page.get_by_role("button", name="生成摘要 Summarize").click()
    # The pane showing this text: on a second run the first summary's pane is still there while Streamlit
    # renders the new one, so for a moment two panes match "#source-pane".
    shown = max(text.splitlines(), key=len)[:20]
    page.locator("#source-pane", has_text=shown).first.wait_for()


def scroll_results_to_top(page: Page, pane_id: str) -> None:
    """For the screenshot: the two result columns at the top of the window."""
    page.evaluate(
        """(paneId) => document.getElementById(paneId)
            .closest('[data-testid="stHorizontalBlock"]').scrollIntoView({block: 'start'})""",
        pane_id,
    )
    page.wait_for_timeout(300)


def test_summarize_select_claim_and_download(page: Page, screenshots: Path, tmp_path: Path) -> None:
    paste_and_summarize(page, read_seed("001"))
    assert page.locator("#source-pane mark").count() > 5
    page.locator('[data-testid="stDataFrame"]').first.wait_for()  # the indicator table

    # pick a claim from the far end of the list so that its evidence is scrolled to
    page.get_by_label("结论 Claim").click()
    options = page.get_by_role("option")
    options.nth(options.count() - 1).click()
    active = page.locator("#source-pane mark.active").first
    active.wait_for()
    page.wait_for_timeout(800)  # the scroll script retries for up to 2 s
    in_view = page.evaluate(
        """() => {
            const pane = document.getElementById('source-pane');
            const mark = pane.querySelector('mark[data-first-active]');
            const p = pane.getBoundingClientRect(), m = mark.getBoundingClientRect();
            return m.top >= p.top && m.bottom <= p.bottom && m.top >= 0 && m.bottom <= window.innerHeight;
        }"""
    )
    assert in_view, "the active mark is not scrolled into view"
    scroll_results_to_top(page, "source-pane")
    page.screenshot(path=str(screenshots / "main_view.png"))

    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 JSON").click()
    target = tmp_path / "summary.json"
    download_info.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["sections"] and data["source"]["text"] == read_seed("001")


def test_check_page(page: Page, screenshots: Path) -> None:
    page.get_by_role("tab", name="核验 Check").click()
    report = page.get_by_label("待核对的报告 Report to check against")
    report.fill(read_seed("000"))
    report.press("Control+Enter")
    claims = page.get_by_label("摘要 Summary (JSON / Markdown / 文本)")
    claims.fill(
        "全年实施乡村振兴、三线整治等项目45个。\n建成总投资4000余万元的形源坞水库。\n新增耕地999亩，位列全县第一。"
    )
    claims.press("Control+Enter")
    page.get_by_role("button", name="核验 Check").click()
    page.locator("#check-pane").wait_for()
    assert page.locator(".badge-unsupported").count() >= 1
    assert page.locator(".badge-supported").count() >= 1
    page.get_by_role("button", name="定位").first.click()
    page.locator("#check-pane mark.active").first.wait_for()
    scroll_results_to_top(page, "check-pane")
    page.screenshot(path=str(screenshots / "check_page.png"))


def test_script_in_report_shows_as_text(page: Page, screenshots: Path) -> None:
    paste_and_summarize(page, XSS_REPORT)
    page.wait_for_timeout(1000)  # time for any injected script to run: the page fixture fails on a dialog
    source_text = page.locator("#source-pane").inner_text()
    assert "<script>alert(1)</script>" in source_text
    assert "<img src=x onerror=alert(2)>" in source_text
    assert page.locator("#source-pane script, #source-pane img").count() == 0
    page.screenshot(path=str(screenshots / "script_as_text.png"))


def test_track_page_with_two_uploaded_reports(page: Page, screenshots: Path) -> None:
    page.get_by_role("tab", name="跟踪 Track").click()
    tracking = ROOT / "fixtures" / "tracking"
    page.locator('input[type="file"][multiple]').set_input_files(
        [str(tracking / "hailar_2014.txt"), str(tracking / "hailar_2015.txt")]
    )
    page.get_by_text("hailar_2015.txt").first.wait_for()  # both files are listed under the drop zone
    page.get_by_role("button", name="跟踪 Track").click()
    page.locator(".tk-badge.tk-met").first.wait_for()
    assert page.locator(".tk-badge.tk-missed").count() >= 1
    first_actual = page.locator("table.tk tbody tr").first.locator("td").nth(3).locator("abbr")
    assert "274.4亿元" in (first_actual.get_attribute("title") or ""), "the actual's quote on hover"
    page.locator("table.tk details summary").first.click()
    assert "hailar_2014.txt" in page.locator("table.tk details").first.inner_text()
    page.locator('[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]').first.wait_for()
    page.locator("table.tk").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "track_page.png"), full_page=True)


# ---------------------------------------------------------------- two people, one server


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One chromium for contexts that share nothing (cookies, storage): two people at two machines."""
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
    try:
        yield launched
    finally:
        launched.close()


def open_person(browser: Browser, url: str) -> Page:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    person = context.new_page()
    person.set_default_timeout(UI_TIMEOUT_MS)
    person.goto(url)
    person.get_by_text("政府工作报告摘要").first.wait_for()
    return person


def sidebar_history(person: Page) -> list[str]:
    """The labels of the sidebar's history buttons (place · date · engine · when)."""
    sidebar = person.locator('[data-testid="stSidebar"]')
    entry = sidebar.get_by_role("button", name=re.compile(" · extractive · "))
    entry.or_(sidebar.get_by_text("还没有摘要 / nothing yet")).first.wait_for()  # the list is drawn
    return [label for label in sidebar.get_by_role("button").all_inner_texts() if " · extractive · " in label]


def wait_for_entry(person: Page, place: str) -> None:
    """Until the sidebar lists a summary of `place` (the sidebar is drawn after the summary)."""
    sidebar = person.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name=re.compile(f"^{re.escape(place)} · ")).first.wait_for()


def test_per_session_history_is_not_shared(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, screenshots: Path
) -> None:
    places: dict[str, str] = {}
    for prefix in ("000", "002", "003"):
        place = summarize(read_seed(prefix)).meta.place
        assert place is not None, "the two reports are told apart by their place"
        places[prefix] = place.value
    assert len(set(places.values())) == 3
    with streamlit_server(tmp_path_factory.mktemp("shared-app"), SUMMARIZER_HISTORY_SCOPE="session") as url:
        alice, bob = open_person(browser, url), open_person(browser, url)
        try:
            assert alice.get_by_text("History: this browser session only").count() == 1
            paste_and_summarize(alice, read_seed("000"))
            wait_for_entry(alice, places["000"])
            alice_list = sidebar_history(alice)
            assert len(alice_list) == 1 and alice_list[0].startswith(places["000"])

            bob.get_by_role("button", name="生成摘要 Summarize").wait_for()
            assert sidebar_history(bob) == [], "bob's sidebar before he summarizes anything"
            paste_and_summarize(bob, read_seed("003"))
            wait_for_entry(bob, places["003"])
            bob_list = sidebar_history(bob)
            assert len(bob_list) == 1 and bob_list[0].startswith(places["003"])
            assert not any(places["000"] in label for label in bob_list)

            # Alice's next run lists her history again, now that bob's summary is in the file too.
            paste_and_summarize(alice, read_seed("002"))
            wait_for_entry(alice, places["002"])
            alice.get_by_test_id("stStatusWidget").wait_for(state="hidden")  # the run has ended
            alice.wait_for_timeout(500)
            alice_now = sidebar_history(alice)
            assert len(alice_now) == 2, alice_now
            assert alice_now[0].startswith(places["002"]) and alice_now[1] == alice_list[0]
            assert not any(label.startswith(places["003"]) for label in alice_now), "nothing of bob's"
            alice.screenshot(path=str(screenshots / "history_session_a.png"))
            bob.screenshot(path=str(screenshots / "history_session_b.png"))

            bob.reload()  # a new browser session, even in the same browser
            bob.get_by_text("政府工作报告摘要").first.wait_for()
            bob.get_by_text("还没有摘要 / nothing yet").wait_for()
            assert sidebar_history(bob) == []
        finally:
            alice.context.close()
            bob.context.close()


def sign_in_with_oidc(person: Page, email: str) -> None:
    person.get_by_role("button", name="登录 Sign in").click()  # to the provider and back, signed in
    person.get_by_text(f"History: yours ({email})").wait_for()


def test_oidc_sign_in_keeps_each_users_history(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, screenshots: Path
) -> None:
    pytest.importorskip("authlib", reason="st.login needs Authlib (the auth and dev extras)")
    from pytest_httpserver import HTTPServer

    from tests.fake_oidc import FakeOIDC

    home = tmp_path_factory.mktemp("oidc-app")
    provider_server = HTTPServer(host="127.0.0.1", port=0)
    provider_server.start()
    provider = FakeOIDC(provider_server)
    provider.install()
    port = free_port()
    secrets_file = home / "secrets.toml"
    secrets_file.write_text(provider.secrets_toml(f"http://127.0.0.1:{port}"), encoding="utf-8")
    try:
        with streamlit_server(home, "--secrets.files", str(secrets_file), port=port) as url:
            carol = open_person(browser, url)
            assert carol.get_by_label("报告全文 Report text").count() == 0, "nothing before sign-in"
            provider.next_email = "carol@example.org"
            sign_in_with_oidc(carol, "carol@example.org")
            paste_and_summarize(carol, read_seed("000"))
            place = summarize(read_seed("000")).meta.place
            assert place is not None
            wait_for_entry(carol, place.value)
            assert len(sidebar_history(carol)) == 1

            dave = open_person(browser, url)
            provider.next_email = "dave@example.org"
            sign_in_with_oidc(dave, "dave@example.org")
            dave.get_by_text("还没有摘要 / nothing yet").wait_for()
            assert sidebar_history(dave) == []

            again = carol.context.new_page()  # a new session, the same browser: still carol
            again.set_default_timeout(UI_TIMEOUT_MS)
            again.goto(url)
            again.get_by_text("History: yours (carol@example.org)").wait_for()
            assert len(sidebar_history(again)) == 1
            again.screenshot(path=str(screenshots / "history_oidc_user.png"))
            carol.context.close()
            dave.context.close()
    finally:
        provider_server.stop()
