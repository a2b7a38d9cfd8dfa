"""uvicorn or granian? Serve the anchor and the app's shell page with each, under wrk.

Three ways are measured: uvicorn with uvloop and httptools, uvicorn with the
standard asyncio loop (and httptools), and granian's ASGI interface with uvloop.

For every server: start it (one worker) on the anchor app, warm up, measure; stop
it; then the same for ``app.main:create_app`` serving ``GET /``. The table shows
each app row beside its own server's anchor row and the app/anchor ratios, then
each server's ratios against uvicorn with uvloop (the baseline), target by target.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import PROJECT_ROOT
from bench.config import BenchConfig
from bench.loadgen import WRK_MISSING_NOTICE, WrkError, run_wrk, wrk_available
from bench.report import anchored_cells, format_table, ratio
from bench.results import Measurement, median
from bench.servers import BASELINE, SERVERS, Server, ServerError, free_port, serving

# The served app gets its own SQLite database and embedded Redis in a fresh var dir.
_APP_ENV_DROPPED = ("DATABASE_URL", "REDIS_URL")


@dataclass(frozen=True)
class Target:
    """An application factory and the path to load on it."""

    name: str
    factory: str
    path: str = "/"
    is_anchor: bool = False


ANCHOR = Target("anchor", "bench.anchor_app:create_app", is_anchor=True)
APP_SHELL = Target("app GET /", "app.main:create_app")


@dataclass(frozen=True)
class Row:
    """The median result of one server serving one target."""

    server: Server
    target: Target
    result: Measurement


def app_missing_notice() -> str | None:
    """Why the app rows cannot run yet, or None when ``app/main.py`` exists."""
    if (PROJECT_ROOT / "app" / "main.py").is_file():
        return None
    return "NOTICE: app/main.py does not exist yet, so the app rows are skipped"


def served_env(target: Target, var_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The server's environment: ours, and for the app a fresh ONETHING_VAR_DIR."""
    env = dict(environ)
    if not target.is_anchor:
        for name in _APP_ENV_DROPPED:
            env.pop(name, None)
        env["ONETHING_VAR_DIR"] = str(var_dir)
    return env


def check_status(url: str) -> None:
    """Refuse to benchmark a page that does not answer 200 (an error page is no result)."""
    response = httpx.get(url, timeout=10.0)
    if response.status_code != httpx.codes.OK:
        raise ServerError(f"GET {url} answered {response.status_code}, not 200")


def measure(url: str, config: BenchConfig) -> Measurement:
    """A discarded warm-up run, then the median of ``config.rounds`` measured runs."""
    run_wrk(url, config.warmup_seconds, config)
    return median([run_wrk(url, config.seconds, config) for _ in range(config.rounds)])


def bench_one(
    server: Server, target: Target, config: BenchConfig, environ: Mapping[str, str]
) -> Measurement:
    """Serve ``target`` with ``server`` in a throw-away directory and measure it."""
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        port = free_port()
        with serving(
            server.command(target.factory, port),
            port,
            served_env(target, var_dir, environ),
            Path(tmp) / "server.log",
            config.startup_timeout,
        ) as base_url:
            url = base_url.rstrip("/") + target.path
            check_status(url)
            return measure(url, config)


def targets() -> list[Target]:
    """The anchor always; the app's shell page once ``app/main.py`` exists."""
    notice = app_missing_notice()
    if notice is not None:
        print(notice)
        return [ANCHOR]
    return [ANCHOR, APP_SHELL]


def collect(config: BenchConfig, environ: Mapping[str, str]) -> list[Row]:
    """Measure every available server on every target; failures are printed and skipped."""
    rows: list[Row] = []
    chosen = targets()
    for server in SERVERS:
        notice = server.missing_notice()
        if notice is not None:
            print(notice)
            continue
        for target in chosen:
            print(f"  measuring {server.name} / {target.name} ...", flush=True)
            try:
                rows.append(Row(server, target, bench_one(server, target, config, environ)))
            except (ServerError, WrkError, httpx.HTTPError) as exc:
                print(f"NOTICE: {server.name} / {target.name} skipped: {exc}")
    return rows


def anchor_of(rows: list[Row], server: Server) -> Measurement | None:
    """The anchor result measured with ``server`` in this run, if any."""
    return next((r.result for r in rows if r.server == server and r.target.is_anchor), None)


def result_table(rows: list[Row]) -> str:
    """server, target, req/s, p99, errors and the ratios to the same server's anchor."""
    headers = ["server", "target", "req/s", "p99 ms", "errors", "rps/anchor", "p99/anchor"]
    body = [
        [row.server.name, row.target.name, *anchored_cells(row.result, anchor_of(rows, row.server))]
        for row in rows
    ]
    return format_table(headers, body)


def comparison_lines(rows: list[Row]) -> list[str]:
    """Each server against the baseline (uvicorn with uvloop), target by target."""
    by_key = {(r.server.name, r.target.name): r.result for r in rows}
    lines = []
    for server in SERVERS[1:]:
        for target in (ANCHOR, APP_SHELL):
            base = by_key.get((BASELINE.name, target.name))
            other = by_key.get((server.name, target.name))
            if base is None or other is None:
                continue
            lines.append(
                f"{server.name}/{BASELINE.name}, {target.name}: "
                f"req/s {ratio(other.requests_per_second, base.requests_per_second)}, "
                f"p99 {ratio(other.p99_ms, base.p99_ms)}"
            )
    return lines


def describe_run(config: BenchConfig) -> str:
    """One line that says how the figures were taken."""
    return (
        f"wrk -t{config.threads} -c{config.connections}, {config.warmup_seconds} s warm-up, "
        f"{config.rounds} x {config.seconds} s measured (median), 1 server worker, loopback"
    )


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Run the server benchmark and print its report; returns an exit code."""
    print("== bench_server: uvicorn vs granian, anchor vs the app's shell page ==")
    if not wrk_available():
        print(WRK_MISSING_NOTICE)
        return 0
    print(describe_run(config))
    for server in SERVERS:
        print(f"  {server.name}: {server.description}")
    rows = collect(config, os.environ if environ is None else environ)
    if rows:
        print(result_table(rows))
        for line in comparison_lines(rows):
            print(line)
    return 0
