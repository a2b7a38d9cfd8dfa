"""The bottom tab bar, shared by the web shell and the mini-program API."""

from __future__ import annotations

import msgspec

from app.i18n import gettext as _


class Tab(msgspec.Struct, kw_only=True, rename="camel"):
    """One entry of the bottom tab bar."""

    key: str
    label: str
    path: str


def tab_bar() -> list[Tab]:
    """The five tabs (首页 / 办事 / 证照 / 消息 / 我的), labelled in the current language."""
    return [
        Tab(key="home", label=_("Home"), path="/"),
        Tab(key="services", label=_("Services"), path="/services"),
        Tab(key="wallet", label=_("Licenses"), path="/wallet"),
        Tab(key="messages", label=_("Messages"), path="/messages"),
        Tab(key="me", label=_("Me"), path="/me"),
    ]
