"""QR cards: issuance (sign + render the PNG) and verification, beside the anchor.

Two views, both in the same run as the bare Litestar anchor served the same way:

- over HTTP (wrk): ``GET /me/licenses/{id}/card.png`` for a signed-in demo resident (a fresh
  presentation signed and drawn for every request), and ``POST /verify`` of one card (signature,
  license status, and a row in the verification log);
- in process, one core, no server: ``presentation.encode`` + ``render_png`` per second, and
  ``offline.verify_card`` per second — the CPU ceiling of each step.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import zxingcpp
from joserfc.jwk import ECKey
from PIL import Image

from bench import PROJECT_ROOT
from bench.bench_auth import CHOSEN, sign_in
from bench.config import BenchConfig
from bench.loadgen import WRK_MISSING_NOTICE, WrkError, run_wrk, wrk_available
from bench.report import anchored_cells, format_table
from bench.results import Measurement, median
from bench.servers import ServerError, free_port, serving

# A phone's camera looks for QR codes only; other formats can be misread in its modules.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode

DEMO_RESIDENT = "13800138000"  # holds demo licenses (app/wallet/demo.py)
_LICENSE = re.compile(r'href="/me/licenses/([0-9a-f-]{36})"')


def _env(var_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # Long enough that the one card posted to /verify stays valid through every run.
    env.update(ONETHING_VAR_DIR=str(var_dir), ONETHING_CARD_LIFETIME_SECONDS="600")
    return env


def _measure(url: str, config: BenchConfig, *headers: str, body: str | None = None) -> Measurement:
    run_wrk(url, config.warmup_seconds, config, headers, json_body=body)
    return median(
        [
            run_wrk(url, config.seconds, config, headers, json_body=body)
            for _ in range(config.rounds)
        ]
    )


def _card_for_demo_resident(url: str) -> tuple[str, str, str]:
    """Sign in as the demo resident: (cookie, card.png path of their first license, a token)."""
    cookie = f"sid={sign_in(url, DEMO_RESIDENT)}"
    with httpx.Client(base_url=url, headers={"Cookie": cookie}, timeout=10.0) as client:
        found = _LICENSE.search(client.get("/wallet").text)
        if found is None:
            raise ServerError("the demo resident has no license: did demo-data run?")
        path = f"/me/licenses/{found.group(1)}/card.png?f=name"
        image = client.get(path)
        if image.status_code != httpx.codes.OK:
            raise ServerError(f"the card image answered {image.status_code}")
        codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)), formats=QR_ONLY)
        if not codes:
            raise ServerError("no QR code found on the card image")
        return cookie, path, codes[0].text.rsplit("/v/", 1)[1]


def _serve_and_measure(
    config: BenchConfig, environ: Mapping[str, str], *, app: bool
) -> dict[str, Measurement]:
    with tempfile.TemporaryDirectory(prefix="bench-wallet-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        env = _env(var_dir, environ)
        factory = "app.main:create_app" if app else "bench.anchor_app:create_app"
        if app:
            for command in ("migrate", "demo-data"):
                subprocess.run(
                    [sys.executable, "-m", "app", command],
                    cwd=PROJECT_ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                )
        port = free_port()
        log = Path(tmp) / "server.log"
        with serving(CHOSEN.command(factory, port), port, env, log, config.startup_timeout) as url:
            if not app:
                return {"anchor": _measure(url, config)}
            cookie, path, token = _card_for_demo_resident(url)
            return {
                "GET card.png (sign + draw)": _measure(url + path, config, f"Cookie: {cookie}"),
                "POST /verify": _measure(
                    url + "/verify", config, body=json.dumps({"token": token})
                ),
                # Refused before any database work: the difference is the lookups and log write.
                "POST /verify (tampered)": _measure(
                    url + "/verify", config, body=json.dumps({"token": "A" + token[1:]})
                ),
            }


def _per_second(step: Callable[[], object], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        step()
        done += 1
    return done / elapsed


def in_process(seconds: float) -> dict[str, float]:
    """Cards signed and drawn, and cards verified offline, per second on one core."""
    from app.wallet import presentation
    from app.wallet.offline import verify_card
    from app.wallet.rendering import CardFace, render_png

    key = ECKey.generate_key("P-256", private=True)
    jwk = dict(key.as_dict(private=False), kid="bench", department="public-security")
    card = presentation.Presentation(
        license_id=uuid4(),
        license_type="household-register",
        disclosed={"name": "张伟"},
        valid_until=date(2036, 1, 1),
        issued_at=int(time.time()),
        expires_at=int(time.time()) + 3600,
    )

    def issue() -> bytes:
        token = presentation.encode(card, kid="bench", private_key=key.private_key)  # type: ignore[arg-type]
        face = CardFace(
            title="居民户口簿(电子)",
            lines=[("持证人", "张伟")],
            footer="扫码核验",
            url=f"http://127.0.0.1:8000/v/{token}",
        )
        return render_png(face)

    token = presentation.encode(card, kid="bench", private_key=key.private_key)  # type: ignore[arg-type]
    return {
        "sign + render PNG": _per_second(issue, seconds),
        "sign only": _per_second(
            lambda: presentation.encode(card, kid="bench", private_key=key.private_key), seconds
        ),  # type: ignore[arg-type]
        "verify offline": _per_second(lambda: verify_card(token, {"keys": [jwk]}), seconds),
    }


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Run the wallet benchmark and print its tables."""
    print("== bench_wallet: QR card issuance and verification beside the anchor (uvicorn) ==")
    source = os.environ if environ is None else environ
    steps = in_process(min(config.seconds, 5))
    print(
        format_table(
            ["in process, one core", "ops/s"],
            [[name, f"{value:,.0f}"] for name, value in steps.items()],
        )
    )
    if not wrk_available():
        print(WRK_MISSING_NOTICE)
        return 0
    try:
        results = _serve_and_measure(config, source, app=False)
        results |= _serve_and_measure(config, source, app=True)
    except (ServerError, WrkError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        print(f"NOTICE: bench_wallet skipped: {exc}")
        return 1
    anchor = results["anchor"]
    headers = ["target", "req/s", "p99 ms", "errors", "rps/anchor", "p99/anchor"]
    print(
        format_table(headers, [[name, *anchored_cells(m, anchor)] for name, m in results.items()])
    )
    return 0
