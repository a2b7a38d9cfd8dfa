"""``python -m app``: serve, migrate, load demo data, run the worker.

Each command loads settings once and passes them on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from app.config import Settings, SettingsError, load_settings
from app.logging import configure_logging


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    from advanced_alchemy.alembic.commands import AlembicCommands

    from app.db import database_config

    commands = AlembicCommands(sqlalchemy_config=database_config(settings))
    if args.direction == "down":
        commands.downgrade(revision=args.revision or "base")
    elif args.direction == "revision":
        commands.revision(message=args.message, autogenerate=True)
    else:
        commands.upgrade(revision=args.revision or "head")


def _demo(settings: Settings, _args: argparse.Namespace) -> None:
    from app.demo import load_demo_data

    asyncio.run(load_demo_data(settings))


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    # uvicorn in one process with the asyncio loop: it matched granian's throughput and,
    # on a quiet machine, its p99 (bench/README.md), and it stops cleanly on SIGTERM or
    # SIGINT sent to its one process. granian's main process ignored both here, so a
    # `docker stop` would have ended in SIGKILL with no lifespan shutdown.
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        loop="asyncio",
        http="httptools",
        reload=args.reload,
        log_config=None,  # our structlog handler formats uvicorn's records too
        access_log=False,  # app.requests logs one line per request, path only
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )


def _worker(settings: Settings, _args: argparse.Namespace) -> None:
    from app.worker import run_worker

    asyncio.run(run_worker(settings))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m app", description="OneThing")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve HTTP on ONETHING_HOST:ONETHING_PORT")
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    migrate = sub.add_parser("migrate", help="apply (or revert) database migrations")
    migrate.add_argument("direction", nargs="?", choices=["up", "down", "revision"], default="up")
    migrate.add_argument("--revision", help="target revision (default: head / base)")
    migrate.add_argument("--message", default="change", help="message for a new revision")
    sub.add_parser("demo-data", help="load the demo data (idempotent)")
    sub.add_parser("worker", help="run the arq worker as its own process")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level, json=settings.log_json)
    handlers = {"serve": _serve, "migrate": _migrate, "demo-data": _demo, "worker": _worker}
    handlers[args.command](settings, args)
    return 0
