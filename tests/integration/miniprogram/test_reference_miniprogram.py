"""The reference WeChat mini-program (``miniprogram/``) against the real server (issue 16).

Its pages are tested in Node (``miniprogram/tests/*.test.js``, ``node --test`` with
``miniprogram-simulate``): this test serves the app with its WeChat stand-ins on a free
loopback port, on a database of its own with the demo data, and runs them with the base URL
in ``ONETHING_MP_BASE_URL`` and what the departments do (approve, ask for more) at
``ONETHING_MP_TEST_HOOKS_URL`` (``hooks.py``). Node's report is the failure message. Without
``node`` (or without ``npm ci``'s packages) the test is skipped and says why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.demo import load_demo_data
from app.main import OneThing, create_app
from tests.conftest import make_settings, migrate
from tests.integration.miniprogram.hooks import department_hooks
from tests.serving import ServedApp, free_port

ROOT = Path(__file__).resolve().parents[3]
MINIPROGRAM = ROOT / "miniprogram"
NODE_TIMEOUT_SECONDS = 300


@pytest.fixture
def served(
    tmp_path: Path, fresh_database_url: Callable[[str], str]
) -> Iterator[tuple[Settings, str]]:
    """The app on its own database (migrated, demo data), stand-ins on, on a loopback port;
    with the base URL of the departments' test hooks."""
    settings = make_settings(
        tmp_path / "var", fresh_database_url("miniprogram"), port=free_port(),
        platform_standins=True,
    )  # fmt: skip
    migrate(settings)
    asyncio.run(load_demo_data(settings))
    app = create_app(settings)
    assert isinstance(app, OneThing)
    with (
        ServedApp(app, settings.port) as serving,
        department_hooks(serving, app.state.runtime) as hooks_url,
    ):
        yield settings, hooks_url


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the reference mini-program's page tests did not run")
    if not (ROOT / "node_modules" / "miniprogram-simulate").is_dir():
        pytest.skip("miniprogram-simulate is not installed: run `make install` (npm ci) first")
    if not (MINIPROGRAM / "vendor" / "qrcode-generator" / "qrcode.js").is_file():
        pytest.skip("miniprogram/vendor/ is empty: run `make install` (make assets) first")
    return node


def test_the_reference_mini_program_pages_work_against_the_real_server(
    served: tuple[Settings, str],
) -> None:
    node = _node()
    settings, hooks_url = served
    tests = sorted(str(p.relative_to(ROOT)) for p in (MINIPROGRAM / "tests").glob("*.test.js"))
    assert tests, "no page tests found under miniprogram/tests"
    env = {**os.environ, "ONETHING_MP_BASE_URL": settings.own_base_url,
           "ONETHING_MP_TEST_HOOKS_URL": hooks_url, "NO_COLOR": "1"}  # fmt: skip
    finished = subprocess.run(
        [node, "--test", "--test-reporter=spec", *tests],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )  # fmt: skip
    report = finished.stdout + finished.stderr
    print(report)  # noqa: T201  (Node's report, shown by pytest -rP)
    assert finished.returncode == 0, f"node --test failed:\n{report}"
    assert "# fail 0" in report or "ℹ fail 0" in report, report
