"""Who is using the app, and so whose history it shows: sign-in and the history scope.

Sign-in, when configured, comes before anything else on the page:
- OIDC through Streamlit's `st.login` when `.streamlit/secrets.toml` has an
  `[auth]` section (the identity is `st.user.email`, else its `sub`);
- else a shared password for a small team from `SUMMARIZER_APP_PASSWORD`: a form
  asks for a name and the password.  The name is a label chosen at sign-in, not
  proof: anyone with the password may type a colleague's name.

The scope (`summarizer.history.choose_scope`) follows `SUMMARIZER_HISTORY_SCOPE`,
else sign-in (per user), else how the server is reached: Streamlit's
`server.address` (`--server.address`, `STREAMLIT_SERVER_ADDRESS` or
`.streamlit/config.toml`) on loopback and no forwarding header means one
local user (shared); anything else means one history per browser session.
The password is compared in constant time and never shown, logged or stored.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass

import streamlit as st
from pydantic import SecretStr
from streamlit import config as streamlit_config
from streamlit.errors import StreamlitSecretNotFoundError

from summarizer import Settings, SummarizerError
from summarizer.errors import ConfigError
from summarizer.history import (
    LOCAL_OWNER,
    SESSION_PREFIX,
    USER_PREFIX,
    HistoryScope,
    choose_scope,
    is_loopback_address,
)

# Headers a reverse proxy adds: a server on loopback reached through one is shared all the same.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Host")
# A wrong password costs this long, so that guessing is slow.
WRONG_PASSWORD_DELAY_S = 1.0

log = logging.getLogger("summarizer.app")


@dataclass(frozen=True)
class Visitor:
    """The person at this browser session, as far as the app knows."""

    scope: HistoryScope
    owner: str  # the history rows' owner (summarizer.history)
    name: str | None = None  # signed in as
    sign_in: str | None = None  # "oidc" or "password"

    @property
    def scope_line(self) -> str:
        """One short line for the sidebar: whose history is listed."""
        if self.scope == "shared":
            return "历史：本机共用 · History: shared (local, one user)"
        if self.scope == "session":
            return "历史：仅本次会话可见 · History: this browser session only"
        name = markdown_escape(self.name or "")
        return f"历史：仅 {name} 可见 · History: yours ({name})"


def markdown_escape(text: str) -> str:
    """A name for a Markdown caption: its `*`, `_`, `[`… show as themselves (an address still links)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~@:])", r"\\\1", text)


def oidc_configured() -> bool:
    """`[auth]` is in the secrets: sign-in goes through `st.login`."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def how_served() -> tuple[bool, bool]:
    """(the server listens on loopback only, this request came through a proxy)."""
    loopback = is_loopback_address(streamlit_config.get_option("server.address"))
    headers = st.context.headers
    proxied = any(name in headers for name in FORWARDING_HEADERS)
    return loopback, proxied


def check_password(expected: SecretStr) -> None:
    """The form's callback: sign in with the typed name when the password matches."""
    state = st.session_state
    given = str(state.get("sign_in_password") or "")
    name = str(state.get("sign_in_name") or "").strip()
    state.sign_in_password = ""  # the typed password does not outlive this callback
    if not name:
        state.sign_in_error = "错误：请填写名字 / Error: enter a name"
        return
    if not hmac.compare_digest(given.encode("utf-8"), expected.get_secret_value().encode("utf-8")):
        time.sleep(WRONG_PASSWORD_DELAY_S)
        log.warning("app sign-in: wrong password")
        state.sign_in_error = "错误：密码不对 / Error: wrong password"
        return
    state.sign_in_error = None
    state.signed_in_as = name


def password_form(expected: SecretStr) -> None:
    st.title("政府工作报告摘要")
    with st.form("sign_in"):
        st.text_input("名字 Name", key="sign_in_name", max_chars=80)
        st.text_input("密码 Password", key="sign_in_password", type="password")
        st.form_submit_button("登录 Sign in", on_click=check_password, args=(expected,), type="primary")
    if st.session_state.get("sign_in_error"):
        st.error(st.session_state.sign_in_error)


def signed_in_name(settings: Settings) -> tuple[str | None, str | None]:
    """(name, "oidc" | "password") of the signed-in visitor; shows the sign-in and stops when needed."""
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            st.title("政府工作报告摘要")
            st.button("登录 Sign in", on_click=st.login, type="primary", key="oidc_login")
            st.stop()
        identity = st.user.get("email") or st.user.get("sub")
        return (str(identity) if identity else None), "oidc"
    if settings.app_password is not None:
        name = st.session_state.get("signed_in_as")
        if not name:
            password_form(settings.app_password)
            st.stop()
        return str(name), "password"
    return None, None


def current_visitor() -> Visitor:
    """Sign in if configured, then choose the history scope; stops the page on a setting it cannot honour."""
    try:
        settings = Settings.from_env()
    except SummarizerError as err:  # whose history to show is unknown: show none of it
        st.error(err.line)
        st.stop()
    name, sign_in = signed_in_name(settings)
    loopback, proxied = how_served()
    scope = choose_scope(settings.history_scope, loopback=loopback, proxied=proxied, signed_in=bool(name))
    if scope == "user":
        if not name:
            st.error(
                ConfigError(
                    "SUMMARIZER_HISTORY_SCOPE=user 需要配置登录（[auth] 或 SUMMARIZER_APP_PASSWORD）",
                    "SUMMARIZER_HISTORY_SCOPE=user needs sign-in ([auth] or SUMMARIZER_APP_PASSWORD)",
                ).line
            )
            st.stop()
        # The sign-in kind is part of the owner: a typed name can never be an OIDC account's.
        return Visitor("user", f"{USER_PREFIX}{sign_in}:{name.casefold()}", name, sign_in)
    if scope == "session":
        owner = st.session_state.setdefault("session_owner", SESSION_PREFIX + secrets.token_urlsafe(18))
        return Visitor("session", owner, name, sign_in)
    return Visitor("shared", LOCAL_OWNER, name, sign_in)


def sign_out(visitor: Visitor) -> None:
    if visitor.sign_in == "oidc":
        st.logout()
    for key in ("signed_in_as", "summary", "report_text", "upload", "check_result"):
        st.session_state.pop(key, None)
