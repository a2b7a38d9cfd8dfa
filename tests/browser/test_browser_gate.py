"""Without Chromium the browser tests skip with install advice; under REQUIRE_BROWSER they fail.

These run without a browser: they check the gate the ``chromium_executable`` fixture uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import DEFAULT_CHROMIUM, require_chromium

pytestmark = pytest.mark.browser

ADVICE = "apt-get install chromium fonts-noto-cjk"


def test_a_missing_chromium_skips_with_the_path_and_install_advice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    missing = str(tmp_path / "chromium")
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_chromium(missing)
    assert str(skipped.value) == f"Chromium not found at {missing}: {ADVICE}"


@pytest.mark.parametrize("value", ["1", "true"])
def test_a_missing_chromium_fails_the_run_when_require_browser_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("REQUIRE_BROWSER", value)
    missing = str(tmp_path / "chromium")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium(missing)
    assert f"Chromium not found at {missing}: {ADVICE}" in str(failed.value)


def test_require_browser_set_to_zero_still_only_skips(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REQUIRE_BROWSER", "0")
    with pytest.raises(pytest.skip.Exception):
        require_chromium(str(tmp_path / "chromium"))


def test_an_executable_chromium_is_used_where_it_is(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert require_chromium(str(fake)) == str(fake)


def test_the_default_location_is_debians_chromium() -> None:
    assert DEFAULT_CHROMIUM == "/usr/bin/chromium"
