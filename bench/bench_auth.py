"""An authenticated page load: 我的 (``GET /me``) for a signed-in resident, served as
``make run`` serves (uvicorn, asyncio loop).

Beside it, in the same run and served the same way: the bare Litestar anchor and the
anonymous shell page. Signing in costs per request a Redis GET and SET (the session and
its idle timer), a primary-key read of the person, and two AES-GCM decryptions to mask
the numbers; the ratios show what that adds to the shell page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import httpx

from bench import PROJECT_ROOT
from bench.config import BenchConfig
from bench.loadgen import WRK_MISSING_NOTICE, WrkError, run_wrk, wrk_available
from bench.report import anchored_cells, format_table
from bench.results import Measurement, median
from bench.servers import SERVERS, ServerError, free_port, serving

CHOSEN = next(server for server in SERVERS if server.name == "uvicorn-asyncio")
_CODE = re.compile(r'class="code">(\d{6})<')
PHONE = "13900000000"


def _env(var_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["ONETHING_VAR_DIR"] = str(var_dir)
    return env


def sign_in(base_url: str, phone: str = PHONE) -> str:
    """Sign in through the real SMS form and return the session cookie's value."""
    with httpx.Client(base_url=base_url, timeout=10.0, follow_redirects=False) as client:
        client.get("/sign-in").raise_for_status()
        token = client.cookies["csrftoken"]
        client.post("/sign-in/code", data={"phone": phone, "_csrf_token": token})
        match = _CODE.search(client.get("/dev/sms-outbox").text)
        if match is None:
            raise ServerError("no code in the developer outbox")
        done = client.post(
            "/sign-in/verify", data={"phone": phone, "code": match.group(1), "_csrf_token": token}
        )
        if done.status_code != httpx.codes.SEE_OTHER:
            raise ServerError(f"sign-in answered {done.status_code}")
        return str(client.cookies["sid"])


def _measure(url: str, config: BenchConfig, headers: tuple[str, ...] = ()) -> Measurement:
    run_wrk(url, config.warmup_seconds, config, headers)
    return median([run_wrk(url, config.seconds, config, headers) for _ in range(config.rounds)])


def _serve_and_measure(
    factory: str, config: BenchConfig, environ: Mapping[str, str], *, app: bool
) -> dict[str, Measurement]:
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        env = _env(var_dir, environ)
        if app:
            subprocess.run(
                [sys.executable, "-m", "app", "migrate"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        port = free_port()
        command = CHOSEN.command(factory, port)
        with serving(command, port, env, Path(tmp) / "server.log", config.startup_timeout) as url:
            if not app:
                return {"anchor": _measure(url, config)}
            cookie = f"Cookie: sid={sign_in(url)}"
            me = httpx.get(f"{url}/me", headers={"Cookie": cookie[8:]}, timeout=10.0)
            if PHONE[-4:] not in me.text:
                raise ServerError("GET /me did not show the signed-in person")
            return {
                "app GET / (anonymous)": _measure(url, config),
                "app GET /me (signed in)": _measure(f"{url}/me", config, (cookie,)),
            }


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Run the authenticated-page benchmark and print its table."""
    print("== bench_auth: a signed-in page load beside the anchor (uvicorn, asyncio loop) ==")
    if not wrk_available():
        print(WRK_MISSING_NOTICE)
        return 0
    if CHOSEN.missing_notice():
        print(CHOSEN.missing_notice())
        return 0
    source = os.environ if environ is None else environ
    try:
        results = _serve_and_measure("bench.anchor_app:create_app", config, source, app=False)
        results |= _serve_and_measure("app.main:create_app", config, source, app=True)
    except (ServerError, WrkError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        print(f"NOTICE: bench_auth skipped: {exc}")
        return 1
    anchor = results["anchor"]
    headers = ["target", "req/s", "p99 ms", "errors", "rps/anchor", "p99/anchor"]
    print(
        format_table(headers, [[name, *anchored_cells(m, anchor)] for name, m in results.items()])
    )
    return 0
