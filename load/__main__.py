"""``python -m load``: serve the app, prepare residents, run locust headless, check, report.

Settings (environment): ``LOAD_DURATION`` (locust ``-t``, default ``15m``), ``LOAD_USERS``
(40), ``LOAD_SPAWN_RATE`` (10 a second), ``LOAD_MAX_ERRORS`` (0: answers other than 429/503
that fail), ``LOAD_DRAIN_SECONDS`` (60: how long the outbox may take to drain after the
load), ``LOAD_OVERLOAD_SECONDS`` (30; 0 skips the overload phase) and
``LOAD_OVERLOAD_USERS`` (200), ``LOAD_OUT`` (a folder to keep locust's CSV and the
summary; a temporary one if unset). The app runs on SQLite and embedded Redis in a fresh
temporary folder, unless ``DATABASE_URL`` names a PostgreSQL server (a scratch database is
made on it and dropped) and ``REDIS_URL`` a Redis (give it a database number of its own).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bench import PROJECT_ROOT
from bench.servers import ServerError, free_port, serving, stop
from load import report
from load.checks import Outcome, check
from load.prepare import prepare

_STARTUP_TIMEOUT = 90.0


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    return int(raw) if raw else default


@contextlib.contextmanager
def _database(environ: Mapping[str, str]) -> Iterator[str | None]:
    """A scratch PostgreSQL database when ``DATABASE_URL`` is set, dropped afterwards."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        yield None
        return
    import asyncio
    import uuid

    import asyncpg  # type: ignore[import-untyped]

    name = f"onething_load_{uuid.uuid4().hex[:12]}"
    plain = url.replace("postgresql+asyncpg://", "postgresql://")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield plain.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _app_env(environ: Mapping[str, str], var_dir: Path, database: str | None) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"ONETHING_VAR_DIR": str(var_dir), "ONETHING_LOG_LEVEL": "warning"}
    if database:
        env["DATABASE_URL"] = database
    if environ.get("REDIS_URL", "").strip():
        env["REDIS_URL"] = environ["REDIS_URL"]
    return env


@contextlib.contextmanager
def _worker(env: Mapping[str, str], out: Path) -> Iterator[None]:
    """With ``REDIS_URL`` the app runs no worker in process (``make worker``): start one."""
    if not env.get("REDIS_URL"):
        yield
        return
    with (out / "worker.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"], cwd=PROJECT_ROOT, env=dict(env),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield
    finally:
        stop(proc)


def _locust(
    url: str, out: Path, environ: Mapping[str, str], *, users: int, rate: int, duration: str,
    csv: str, classes: tuple[str, ...] = ("Applicant", "Visitor"),
) -> int:  # fmt: skip
    """Run locust headless against ``url``; its exit status (1 when any request failed)."""
    env = dict(environ) | {
        "LOAD_SESSIONS": str(out / "sessions.json"),
        "LOAD_LEDGER": str(out / "ledger.jsonl"),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(PROJECT_ROOT / "load" / "locustfile.py"),
        "--headless", "--host", url.rstrip("/"), "-u", str(users), "-r", str(rate),
        "-t", duration, "--stop-timeout", "10", "--csv", str(out / csv), "--only-summary",
        "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=False).returncode


def _overload(url: str, out: Path, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """A flood with no pauses (``LOAD_OVERLOAD_USERS``, 200, for ``LOAD_OVERLOAD_SECONDS``)."""
    seconds = _int(environ, "LOAD_OVERLOAD_SECONDS", 30)
    if seconds <= 0:
        return None
    users = _int(environ, "LOAD_OVERLOAD_USERS", 200)
    _locust(url, out, environ, users=users, rate=users, duration=f"{seconds}s",
            csv="overload", classes=("Flood",))  # fmt: skip
    rows = report.rows(out / "overload")
    shed, other, messages = report.failures(out / "overload")
    total = next((r for r in rows if r.name == "Aggregated"), None)
    health = next((r for r in rows if r.name == "flood: healthz"), None)
    return {
        "users": users,
        "seconds": seconds,
        "requests": total.requests if total else 0,
        "rps": total.rps if total else 0.0,
        "shed_429_503": shed,
        "errors": other,
        "error_messages": messages,
        "healthz_failures": health.failures if health else 0,
        "table": report.table(rows),
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` so far (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _summary(
    out: Path, found: Outcome, machine: dict[str, Any], environ: Mapping[str, str]
) -> dict[str, Any]:
    rows = report.rows(out / "locust")
    shed, other, messages = report.failures(out / "locust")
    total = next((r for r in rows if r.name == "Aggregated"), None)
    requests = total.requests if total else 0
    lags = found.lags
    return {
        "duration": environ.get("LOAD_DURATION", "15m"),
        "users": _int(environ, "LOAD_USERS", 40),
        "requests": requests,
        "rps": total.rps if total else 0.0,
        "shed_429_503": shed,
        "errors": other,
        "error_rate": other / requests if requests else 0.0,
        "error_messages": messages,
        "submissions": found.submissions,
        "wrong_submissions": found.wrong_submissions,
        "applications_total": found.applications_total,
        "pending_deliveries_after_drain": found.pending_deliveries,
        "drain_seconds": round(found.drain_seconds, 1),
        "deliveries_by_status": found.deliveries_by_status,
        "outbox_lag_seconds": {
            "count": len(lags),
            "median": round(report.percentile(lags, 0.5), 3),
            "p99": round(report.percentile(lags, 0.99), 3),
            "max": round(lags[-1], 3) if lags else 0.0,
        },
        "machine": machine,
        "table": report.table(rows),
    }


def run(environ: Mapping[str, str]) -> int:
    """The whole run; 0 when every check holds."""
    keep = environ.get("LOAD_OUT", "").strip()
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, _database(environ) as database:
        out = Path(keep) if keep else Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        (out / "ledger.jsonl").write_text("")
        var_dir = Path(tmp) / "var"
        env = _app_env(environ, var_dir, database)
        for step in ("migrate", "demo-data"):
            subprocess.run([sys.executable, "-m", "app", step], cwd=PROJECT_ROOT, env=env,
                           check=True, capture_output=True)  # fmt: skip
        port = free_port()
        env |= {"ONETHING_HOST": "127.0.0.1", "ONETHING_PORT": str(port)}
        command = [sys.executable, "-m", "app", "serve"]
        with (
            _worker(env, out),
            serving(command, port, env, out / "server.log", _STARTUP_TIMEOUT) as url,
        ):
            sessions = prepare(url.rstrip("/"))
            if not sessions:
                print("load: no resident could be prepared; see the notices above")
                return 1
            (out / "sessions.json").write_text(json.dumps([s.as_json() for s in sessions]))
            server_pid = _server_pid(port)
            cpu_before, wall_before, load_before = (
                _cpu_seconds(server_pid),
                time.monotonic(),
                os.getloadavg(),
            )
            _locust(url, out, environ, users=_int(environ, "LOAD_USERS", 40),
                    rate=_int(environ, "LOAD_SPAWN_RATE", 10), csv="locust",
                    duration=environ.get("LOAD_DURATION", "").strip() or "15m")  # fmt: skip
            cpu = _cpu_seconds(server_pid) - cpu_before
            wall = time.monotonic() - wall_before
            ledger = [
                json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines() if line
            ]
            from app.config import load_settings

            found = check(
                load_settings(env), ledger, float(_int(environ, "LOAD_DRAIN_SECONDS", 60))
            )
            overload = _overload(url, out, environ)
        machine = {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "server_cpu_share": round(cpu / wall, 2) if wall else 0.0,
            "database": "postgresql" if database else "sqlite",
            "redis": "shared" if environ.get("REDIS_URL", "").strip() else "embedded",
        }
        summary = _summary(out, found, machine, environ) | {"overload": overload}
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
        return _verdict(summary, _int(environ, "LOAD_MAX_ERRORS", 0), out)


def _server_pid(port: int) -> int:
    """The pid listening on ``port`` (the uvicorn process), from /proc/net/tcp; 0 if unknown."""
    inode = ""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1].endswith(f":{port:04X}") and parts[3] == "0A":
            inode = parts[9]
            break
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in fd_dir.iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(fd_dir.parent.name)
    return 0


def _verdict(summary: dict[str, Any], max_errors: int, out: Path) -> int:
    print(summary["table"])
    lag = summary["outbox_lag_seconds"]
    print(
        f"\nrequests {summary['requests']:,} at {summary['rps']:.1f}/s; shed (429/503) "
        f"{summary['shed_429_503']}; other failures {summary['errors']} "
        f"(rate {summary['error_rate']:.5f}); submissions {summary['submissions']} "
        f"(wrong {len(summary['wrong_submissions'])}); outbox pending after drain "
        f"{summary['pending_deliveries_after_drain']} ({summary['drain_seconds']} s), lag "
        f"median {lag['median']} s p99 {lag['p99']} s max {lag['max']} s over {lag['count']}; "
        f"machine {summary['machine']}\nsummary: {out / 'summary.json'}"
    )
    for message in summary["error_messages"]:
        print(f"  {message}")
    problems = []
    overload = summary["overload"]
    if overload:
        print(
            f"\noverload: {overload['users']} users without pauses for {overload['seconds']} s: "
            f"{overload['requests']:,} requests at {overload['rps']:.1f}/s, shed (429/503) "
            f"{overload['shed_429_503']}, other failures {overload['errors']}, /healthz "
            f"failures {overload['healthz_failures']}\n{overload['table']}"
        )
        for message in overload["error_messages"]:
            print(f"  {message}")
        if overload["errors"] > max_errors:
            problems.append(f"overload: {overload['errors']} failures other than 429/503")
    if summary["errors"] > max_errors:
        problems.append(f"{summary['errors']} failures other than 429/503 (allowed {max_errors})")
    if summary["wrong_submissions"]:
        problems.append(
            f"{len(summary['wrong_submissions'])} submissions without exactly one application"
        )
    if summary["submissions"] == 0:
        problems.append("no submission was made")
    if summary["pending_deliveries_after_drain"]:
        problems.append("the outbox did not drain")
    for problem in problems:
        print(f"load: FAILED: {problem}")
    return 1 if problems else 0


def main() -> int:
    """Entry point."""
    try:
        return run(os.environ)
    except (ServerError, subprocess.CalledProcessError) as exc:
        print(f"load: FAILED: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
