"""Language negotiation and the catalogs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import i18n

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB;q=0.5,zh-CN;q=0.9", "zh_Hans"),
        ("zh-TW", "zh_Hans"),  # until a zh_Hant catalog exists
        ("zh-HK,en;q=0.1", "zh_Hans"),
        ("zh-Hant-MO", "zh_Hans"),
        ("fr-FR,de;q=0.9", "zh_Hans"),
        ("fr-FR,en;q=0.3", "en"),
        ("", "zh_Hans"),
        ("*", "zh_Hans"),
        ("en;q=0,zh;q=0.1", "zh_Hans"),
        ("garbage;;;q=x,en", "en"),
    ],
)
def test_accept_language_is_negotiated(accept_language: str, expected: str) -> None:
    assert i18n.negotiate(None, accept_language, "zh_Hans") == expected


def test_the_persons_own_choice_beats_the_browser() -> None:
    assert i18n.negotiate("en", "zh-CN", "zh_Hans") == "en"
    assert i18n.negotiate("klingon", "en", "zh_Hans") == "en"


def test_translation_follows_the_current_locale() -> None:
    i18n.set_locale("zh_Hans")
    assert i18n.gettext("Services") == "办事"
    i18n.set_locale("en")
    assert i18n.gettext("Services") == "Services"
    i18n.set_locale("xx")
    assert i18n.current_locale() == "zh_Hans"


def test_catalogs_cover_every_message_and_zh_hans_translates_all() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_catalogs.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
