"""``python -m app``: serve, migrate, load demo data, run the worker.

Each command loads settings once and passes them on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

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


def _enterprise(settings: Settings, args: argparse.Namespace) -> int:
    from app.errors import DomainError, RuleViolation
    from app.i18n import gettext, set_locale
    from app.identity.registry import register_enterprise

    set_locale(settings.default_locale)
    try:
        registered = asyncio.run(
            register_enterprise(
                settings,
                credit_code=args.credit_code,
                name=args.name,
                legal_representative_phone=args.legal_rep_phone,
            )
        )
    except DomainError as exc:
        fields = exc.fields if isinstance(exc, RuleViolation) else {}
        for field, message in fields.items() or [("", exc.message)]:
            prefix = f"--{field.replace('_', '-')}: " if field else ""
            print(f"{prefix}{gettext(message)}", file=sys.stderr)  # noqa: T201
        return 1
    # The registered enterprise, never the phone number.
    print(f"{registered.id} {registered.credit_code} {registered.name}")  # noqa: T201
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    # granian, not uvicorn: at saturation it held the shell page's p99 5-7x lower with equal
    # or better throughput (bench/README.md, "Figures on this machine").
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "app.main:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=1,  # the embedded Redis and in-process worker belong to one process
        reload=args.reload,
        log_enabled=False,  # our structlog handlers write every line, masked
        log_access=False,  # app.requests logs one line per request, path only
    ).serve()


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
    enterprise = sub.add_parser("enterprise", help="enterprises (until the registry feed exists)")
    enterprise_sub = enterprise.add_subparsers(dest="action", required=True)
    create = enterprise_sub.add_parser("create", help="record an enterprise from the registry")
    create.add_argument("--credit-code", required=True, help="unified social credit code")
    create.add_argument("--name", required=True, help="registered name")
    create.add_argument(
        "--legal-rep-phone",
        required=True,
        help="the legal representative's mobile (has an account)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level, json=settings.log_json)
    handlers: dict[str, Callable[[Settings, argparse.Namespace], int | None]] = {
        "serve": _serve,
        "migrate": _migrate,
        "demo-data": _demo,
        "worker": _worker,
        "enterprise": _enterprise,
    }
    return handlers[args.command](settings, args) or 0
